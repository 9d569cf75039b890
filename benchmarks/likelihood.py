"""Likelihoods on one scale: every likelihood family on binarized Fashion-MNIST at equal budget.

Each row builds a family as `keras-gen train NAME` builds it (registry
defaults, `compile()`, the family's batch size) and trains it for
`--budget-minutes` (15) of wall-clock time on the 60,000 training images,
binarized (`keras_gen.data.load(..., binarize=True)`: pixels above half the
range are 1), one row after the other in this process. Every row is scored on
the same 10,000 binarized test images:

- NLL in nats per image and in bits/dim: exact for NADE, MADE, Frey's network
  and the PixelCNNs/PixelRNN (whose 256-level outputs give the likelihood of
  the same binary images as 8-bit values 0 and 255); an importance-weighted
  bound (`--importance-samples`, 100) for the VAE and DRAW, marked `bound`;
- sampling images/s (`generate` of `--sampling-images`);
- the memorization share of `--memorization-samples` samples against the
  training images (`keras_gen.evaluation.memorization`, keras_gen's
  Fashion-MNIST feature network);
- the AUROC of -log p(x) against scikit-learn's digits upscaled to 28x28 and
  binarized, and against binary uniform noise (`keras_gen.evaluation.anomaly_auroc`):
  1 is perfect, 0.5 chance, below 0.5 the model gives the outliers the
  higher likelihood (Nalisnick et al., 2019, expect this for digits).

The `autoencoder` row has no likelihood: it gives only the AUROCs, of its
squared reconstruction error (`score="reconstruction"`), and no NLL, sampling
or memorization figure (it does not generate).

Rows (`--rows`): vae, nade, made, made8 (8 mask sets, order-agnostic), frey
(MADE with no hidden layer), draw, pixelcnn, gated_pixelcnn,
gated_pixelcnn_categorical (its 256-way softmax output instead of the
default logistic mixture), pixelrnn, autoencoder; with
`--new-vae KEY=VALUE,...` also vae_new, the VAE with those options (the
winner of `benchmarks/vae_options.py`), right after vae.

    python benchmarks/likelihood.py --budget-minutes 15 --json benchmarks/results/likelihood.json

Run it alone on the machine: the figures are per wall-clock budget. The JSON
file is written again after every row. With `--append`, the rows of an
existing `--json` file are kept (rows run again are replaced), and each row
keeps its own run's provenance under `"run"`: the whole table takes about four
hours, so it may be measured in parts, on the same machine.
"""

import argparse
import datetime
import inspect
import json
import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import budget
import keras
import numpy as np
import provenance
import tensorflow as tf

import keras_gen
from keras_gen import families
from keras_gen.recipes import build_model, parse_option

# Row -> (registry family, for_images arguments beside its defaults).
# The vae row pins the options that were the default before the VAE options' winner took over, so that it stays
# "today's default" of the issue however the default changes.
ROWS = {
    "vae": ("vae", {"prior": "standard", "posterior": "gaussian", "latent_layers": 1, "residual_blocks": 0,
                    "latent_dim": 16}),
    "nade": ("nade", {}),
    "made": ("made", {}),
    "made8": ("made", {"num_masks": 8, "order_agnostic": True}),
    "frey": ("made", {"hidden_units": ()}),
    "draw": ("draw", {}),
    "pixelcnn": ("pixelcnn", {}),
    "gated_pixelcnn": ("gated_pixelcnn", {}),
    # The registry default's logistic mixture (chosen on 8-bit images) against the 256-way softmax on binary images.
    "gated_pixelcnn_categorical": ("gated_pixelcnn", {"output": "categorical"}),
    "pixelrnn": ("pixelrnn", {}),
    "autoencoder": ("autoencoder", {}),
}
BOUNDS = {"vae", "vae_new", "draw"}


def binarized_data(test_count, outlier_count):
    """`(train_images, test_images, {"digits", "noise": outliers})`, all binarized, in (0, 1), as every row is scored."""
    train_images, _ = keras_gen.data.load_numpy("fashion_mnist", "train", scale=(0, 1), binarize=True)
    test_images, _ = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(0, 1), binarize=True, limit=test_count)
    outliers = {kind: keras_gen.evaluation.outlier_images(kind, (28, 28, 1), (0.0, 1.0), count=outlier_count,
                                                          binarize=True, seed=0)
                for kind in ("digits", "noise")}
    return train_images, test_images, outliers


def nll(model, images, args):
    """-log p(x) per image (a bound's negative for VAE and DRAW)."""
    if "num_samples" in inspect.signature(model.log_prob).parameters:
        return -model.log_prob(images, num_samples=args.importance_samples, batch_size=16)
    return -model.log_prob(images, batch_size=64)


def run(name, args, test_images, train_images, outliers):
    family_name, options = ROWS[name]
    family = families.get(family_name)
    keras.utils.set_random_seed(0)
    model = build_model(family_name, (28, 28, 1), seed=0, data="fashion_mnist", **options)
    data = keras_gen.data.load("fashion_mnist", batch_size=family.batch_size, scale=model.data_scale, seed=0,
                               binarize=True)
    stop = budget.callback(args, family.batch_size)
    model.fit(data, epochs=100000, verbose=0, callbacks=[stop])
    row = {"family": family_name, "options": {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()},
           "bound": name in BOUNDS, **budget.training_row(stop, family.batch_size)}
    # A model without a likelihood (the autoencoder) is scored only by the AUROC of its reconstruction error.
    row["anomaly_score"] = "log_prob" if hasattr(model, "log_prob") else "reconstruction"
    if hasattr(model, "log_prob"):
        start = time.perf_counter()
        values = nll(model, test_images, args)
        row["nll_nats"] = float(values.mean())
        row["bits_per_dim"] = float(values.mean() / (np.log(2.0) * np.prod(test_images.shape[1:])))
        row["nll_seconds"] = time.perf_counter() - start
    if hasattr(model, "generate"):
        start = time.perf_counter()
        samples = model.generate(args.sampling_images)
        row["sampling_images_per_second"] = args.sampling_images / (time.perf_counter() - start)
        if args.memorization_samples > args.sampling_images:
            samples = np.concatenate([samples, model.generate(args.memorization_samples - args.sampling_images)])
        memorization = keras_gen.evaluation.memorization(samples[: args.memorization_samples], train_images,
                                                         test_images, data_scale=model.data_scale)
        row["memorization_share"] = float(memorization.share)
    inliers = test_images[: args.anomaly_images]
    for kind, images in outliers.items():
        row[f"auroc_{kind}"] = float(keras_gen.evaluation.anomaly_auroc(model, inliers, images,
                                                                        score=row["anomaly_score"]))
    if args.save_dir:
        os.makedirs(args.save_dir, exist_ok=True)
        model.save(os.path.join(args.save_dir, f"{name}.keras"))
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget.add_arguments(parser, minutes=15.0)
    parser.add_argument("--rows", help="comma-separated rows (default: all)")
    parser.add_argument("--new-vae", default="", help="options of the vae_new row, e.g. prior=vamp")
    parser.add_argument("--test-images", type=int, default=10000)
    parser.add_argument("--importance-samples", type=int, default=100)
    parser.add_argument("--sampling-images", type=int, default=64)
    parser.add_argument("--memorization-samples", type=int, default=500)
    parser.add_argument("--anomaly-images", type=int, default=1797, help="inliers and outliers of each AUROC")
    parser.add_argument("--save-dir", help="save each trained model here")
    parser.add_argument("--json", help="write the results to this JSON file")
    parser.add_argument("--append", action="store_true",
                        help="keep the rows already in --json (a row run again replaces its old figures)")
    args = parser.parse_args(argv)
    budget.check(parser, args)
    if args.new_vae:
        options = dict(parse_option(part) for part in args.new_vae.split(",") if part)
        ordered = {"vae": ROWS["vae"], "vae_new": ("vae", options), **{k: v for k, v in ROWS.items() if k != "vae"}}
        ROWS.clear()
        ROWS.update(ordered)
    args.rows = args.rows or ",".join(ROWS)
    unknown = [name for name in args.rows.split(",") if name not in ROWS]
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {list(ROWS)}")
    run_record = provenance.start(results_file=args.json if args.append else None)
    print(f"binarized Fashion-MNIST, {budget.describe(args)} per row; TF {tf.__version__}, Keras {keras.__version__}, "
          f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}", flush=True)
    train_images, test_images, outliers = binarized_data(args.test_images, args.anomaly_images)
    results, earlier_runs = {}, []
    if args.append and args.json and os.path.exists(args.json):
        with open(args.json) as f:
            earlier = json.load(f)
        results = earlier["results"]
        earlier_runs = [*earlier.get("earlier_runs", []), earlier["provenance"]]
    for name in args.rows.split(","):
        print(f"{name}:", flush=True)
        row_started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        results[name] = run(name, args, test_images, train_images, outliers)
        finished = provenance.finish(run_record)
        results[name]["run"] = {"row_started": row_started, **{key: finished[key] for key in (
            "commit", "dirty", "command", "started", "finished", "load_average_start", "load_average_end")}}
        if args.json:
            provenance.write_json(args.json, {**budget.record(args), "results": results, "earlier_runs": earlier_runs},
                                  run_record)
        row = results[name]
        nll_text = (f"NLL {row['nll_nats']:.1f} nats{' (bound)' if row['bound'] else ''}, {row['bits_per_dim']:.4f} "
                    f"bits/dim" if "nll_nats" in row else "no likelihood")
        print(f"  {nll_text}, {row['epochs']:.2f} epochs, AUROC ({row.get('anomaly_score', 'log_prob')}) digits "
              f"{row['auroc_digits']:.3f}, noise {row['auroc_noise']:.3f}, memorization "
              f"{row.get('memorization_share', float('nan')):.3f}", flush=True)
    columns = ("nll_nats", "bits_per_dim", "sampling_images_per_second", "memorization_share", "auroc_digits",
               "auroc_noise", "epochs")
    print("\n" + f"{'row':16s}" + "".join(f"{c[:16]:>17s}" for c in columns))
    for name, row in results.items():
        print(f"{name:16s}" + "".join(f"{row.get(c, float('nan')):17.4g}" for c in columns))


if __name__ == "__main__":
    main()
