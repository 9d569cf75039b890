"""Autoregressive models and the discretized VAE on 8-bit Fashion-MNIST at a fixed budget each.

Each model trains for `--budget-minutes` (or until it has seen `--images` real
images) at batch 64 with its `keras-gen train`
defaults and `compile()` defaults, is saved, and is measured on the 10,000
test images: negative log-likelihood in bits per dimension (exact for the
autoregressive models, the 64-sample importance-weighted bound for the VAE,
which can only overstate its bits/dim), and sampling speed in images/s (64
images, one batch). Sample and completion grids go to `--figures`.

    python benchmarks/autoregressive.py --budget-minutes 15 --json benchmarks/results/autoregressive.json

`--resume-minutes M` continues the saved models for M more minutes (the
"longer run" figures; `loaded_from` in each row names the file continued).
Run it alone on the machine.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import budget
import keras
import numpy as np
import provenance

import keras_gen
from keras_gen import latent
from keras_gen.callbacks import row_grid, save_grid
from keras_gen.models import Completes
from keras_gen.recipes import build_model

MODELS = ("gated_pixelcnn", "vae", "pixelcnn", "pixelrnn")
# Rows that change one builder argument of a family: name -> (family, arguments).
VARIANTS = {"gated_pixelcnn_mixture": ("gated_pixelcnn", {"output": "logistic_mixture", "num_mixtures": 5})}
BATCH_SIZE = 64
# The prior as measured (the standard one; the VampPrior is the default since benchmarks/vae_options.py).
VAE_OPTIONS = {"latent_dim": 32, "width": 32, "reconstruction": "discretized_logistic", "prior": "standard"}


def build(name):
    keras.utils.set_random_seed(0)
    info = keras_gen.data.info("fashion_mnist")
    if name == "vae":
        model = keras_gen.models.VAE.for_images(info.image_shape, seed=0, **VAE_OPTIONS)
        model.compile()
        return model
    name, changes = VARIANTS.get(name, (name, {}))
    return build_model(name, info.image_shape, seed=0, **changes)


def train(model, stop, path):
    data = keras_gen.data.load("fashion_mnist", batch_size=BATCH_SIZE, scale=model.data_scale, seed=0)
    model.fit(data, epochs=1000, verbose=0, callbacks=[stop])
    model.save(path)
    row = budget.training_row(stop, BATCH_SIZE)
    # Named apart from the rows' `sampling_images_per_second`.
    row["images_per_second_training"] = row.pop("images_per_second")
    return row


def measure(name, model, test_images, figures):
    start = time.time()
    bits = model.bits_per_dim(test_images)
    row = {"bits_per_dim": float(bits.mean()), "bits_per_dim_stderr": float(bits.std() / np.sqrt(len(bits))),
           "likelihood_seconds": time.time() - start, "parameters": int(model.count_params())}
    seeded = {"seed": 0} if isinstance(model, Completes) else {}  # a VAE draws from its own seed generator
    model.generate(1, **seeded)  # traces the sampling steps
    start = time.time()
    samples = model.generate(64, batch_size=64, **seeded)
    row["sampling_images_per_second"] = 64 / (time.time() - start)
    if figures:
        os.makedirs(figures, exist_ok=True)
        latent.save_image_grid(samples, os.path.join(figures, f"autoregressive_{name}_samples.png"), model.data_scale)
        if isinstance(model, Completes):
            rows = model.completion_rows(test_images[:8], known_rows=14, num_samples=4, seed=0)
            save_grid(row_grid(rows, model.data_scale, columns=len(rows)),
                      os.path.join(figures, f"autoregressive_{name}_completions.png"))
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget.add_arguments(parser, minutes=15.0)
    parser.add_argument("--resume-minutes", type=float, default=0.0,
                        help="continue the saved models this long (a wall-clock budget, whatever --images says)")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--test-images", type=int, default=10000)
    parser.add_argument("--saved", default="benchmarks/results/autoregressive_models")
    parser.add_argument("--figures", default="docs/images")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    budget.check(parser, args)
    if args.resume_minutes and args.images:
        parser.error("--resume-minutes continues saved models by time and --images sets a new training's length; "
                     "give one of them.")
    run = provenance.start()
    test_images, _ = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(0, 1), limit=args.test_images)
    os.makedirs(args.saved, exist_ok=True)
    results = {**budget.record(args), "resume_minutes": args.resume_minutes, "batch_size": BATCH_SIZE, "models": {}}
    for name in args.models.split(","):
        path = os.path.join(args.saved, f"{name}.keras")
        if args.resume_minutes:
            loaded_from = provenance.saved_file(path)
            model = keras.saving.load_model(path)
            done = model.optimizer.iterations.numpy()
            row = train(model, budget.callback(args, BATCH_SIZE, minutes=args.resume_minutes), path)
            # The first training's length is --budget-minutes as given now: the saved file cannot say.
            row["total_minutes"] = args.budget_minutes + args.resume_minutes
            row["steps_before"] = int(done)
            row["loaded_from"] = loaded_from
        else:
            model = build(name)
            row = train(model, budget.callback(args, BATCH_SIZE), path)
        print(f"{name}: trained {row}", flush=True)
        row.update(measure(name, model, test_images, None if args.resume_minutes else args.figures))
        print(f"{name}: {row}", flush=True)
        results["models"][name] = row
    if args.json:
        provenance.write_json(args.json, results, run)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
