"""GAN objectives and stabilizers on Fashion-MNIST at equal budgets.

One row per objective (non-saturating, least squares, hinge, WGAN, WGAN-GP,
BEGAN) and per stabilizer (+spectral norm, +R1, +DiffAugment with 10 % of the
data, against the same DCGAN on that 10 %), plus the ablation rows of the
default DCGAN. Every DCGAN-type row uses the networks `keras-gen train dcgan`
builds (width 32, latent 128) unless the row says otherwise; each family runs
with its `compile()` defaults, 64 real images per discriminator update (WGAN,
and WGAN-GP with the paper's 5 critic steps: `fit` batches of 320 = 5 critic
updates of 64).

Every row trains with `ema=0.999` as well, which does not change training (the
moving average only watches the generator), so each row reports both its
generator and the moving average of it: the +EMA comparison for every
objective from the same run. (Before the EMA's warm-up existed, a share
0.999^T of the average after T generator updates was still the initial
weights, about 20 % after 5 minutes here: `ema_warmup` in the JSON says which.)

10,000 samples are scored against the 10,000 test images with keras_gen's
Fashion-MNIST feature network: FID, KID, precision, recall, classes covered.
No row trains against that network (feature-space losses are not among the
objectives here), so it is the only one.

    python benchmarks/objectives.py --budget-minutes 5 --rows non_saturating,least_squares --json out.json
    python benchmarks/objectives.py --budget-minutes 15 --rows wgan_gp,default --json out15.json
    python benchmarks/objectives.py --images 300000 --rows default --json out300k.json

Run it alone on the machine: the figures are per wall-clock budget, unless
`--images` gives each row a number of real images to see instead (WGAN's and
the 5-critic-step rows' batches of 320 count as 320).
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import budget
import feature_networks
import keras
import provenance
import tensorflow as tf
from quality import GeneratorSampler

import keras_gen
from keras_gen import networks
from keras_gen.models import BEGAN, DCGAN, WGAN, WGANGP

SHAPE = (28, 28, 1)
EMA = 0.999
METRICS = ("fid", "kid", "precision", "recall", "class_coverage")
TENTH = 6000  # 10 % of the training set, for the DiffAugment rows


def dcgan(**kwargs):
    return DCGAN.for_images(SHAPE, latent_dim=128, width=32, seed=0, ema=EMA, **kwargs)


def dcgan_wide_discriminator(width=64):
    """The default generator (width 32) against a discriminator of `width` filters in its first stage."""
    generator = networks.dcgan_generator(SHAPE, 128, 32)
    discriminator = networks.dcgan_discriminator(SHAPE, width, dropout=0.3)
    return DCGAN(generator, discriminator, seed=0, ema=EMA)


def wgan_gp(**kwargs):
    return WGANGP.for_images(SHAPE, latent_dim=128, width=32, seed=0, ema=EMA, **kwargs)


def adam(d_rate, g_rate, beta_1=0.5, beta_2=0.999):
    """`compile()` arguments: Adam for each player at its own learning rate."""
    return {
        "d_optimizer": keras.optimizers.Adam(d_rate, beta_1=beta_1, beta_2=beta_2),
        "g_optimizer": keras.optimizers.Adam(g_rate, beta_1=beta_1, beta_2=beta_2),
    }


# name -> (builder, fit batch size, training images kept (None: all 60,000), what the row is)
ROWS = {
    "non_saturating": (lambda: dcgan(), 64, None, "DCGAN, loss non_saturating (the default)"),
    "minimax": (lambda: dcgan(loss="minimax"), 64, None, "DCGAN, loss minimax"),
    "least_squares": (lambda: dcgan(loss="least_squares"), 64, None, "DCGAN, loss least_squares"),
    "hinge": (lambda: dcgan(loss="hinge"), 64, None, "DCGAN, loss hinge"),
    "wgan": (lambda: WGAN.for_images(SHAPE, latent_dim=128, width=32, seed=0, ema=EMA), 320, None,
             "WGAN (clipping 0.01, RMSprop 5e-5, 5 critic steps)"),
    # WGANGP's defaults: 1 critic step, critic Adam(3e-4, 0, 0.9), generator Adam(1e-4, 0, 0.9).
    "wgan_gp": (lambda: wgan_gp(), 64, None, "WGAN-GP defaults (lambda 10, 1 critic step, TTUR Adam 3e-4 / 1e-4)"),
    # Until 2026-11-27 the defaults, and the rows named "wgan_gp" in earlier JSON files: the paper's settings.
    "wgan_gp_paper": (lambda: wgan_gp(critic_steps=5), 320, None,
                      "WGAN-GP as in the paper (lambda 10, Adam(1e-4, 0, 0.9), 5 critic steps)"),
    "began": (lambda: BEGAN.for_images(SHAPE, latent_dim=64, width=32, seed=0, ema=EMA), 64, None,
              "BEGAN (gamma 0.5)"),
    "spectral_norm": (lambda: dcgan(spectral_norm=True), 64, None, "DCGAN + spectral norm"),
    "r1": (lambda: dcgan(r1_weight=1.0), 64, None, "DCGAN + R1 (gamma 1)"),
    "tenth": (lambda: dcgan(), 64, TENTH, "DCGAN on 10 % of the data"),
    "diffaugment_tenth": (lambda: dcgan(augment="color,translation,cutout"), 64, TENTH,
                          "DCGAN + DiffAugment on 10 % of the data"),
    "width64": (lambda: DCGAN.for_images(SHAPE, latent_dim=128, width=64, seed=0, ema=EMA), 64, None,
                "DCGAN width 64"),
    "hinge_sn": (lambda: dcgan(loss="hinge", spectral_norm=True), 64, None, "DCGAN, hinge + spectral norm"),
    # Ablations of the default DCGAN (each changes one thing; `compile()` arguments in COMPILE below).
    "d_lr4e-4": (lambda: dcgan(), 64, None, "DCGAN, discriminator Adam(4e-4, 0.5), generator Adam(2e-4, 0.5)"),
    "ttur": (lambda: dcgan(), 64, None, "DCGAN, discriminator Adam(4e-4, 0.5), generator Adam(1e-4, 0.5)"),
    "d_width64": (dcgan_wide_discriminator, 64, None, "DCGAN, generator width 32, discriminator width 64"),
    "dropout0.1": (lambda: dcgan(dropout=0.1), 64, None, "DCGAN, discriminator dropout 0.1 (instead of 0.3)"),
    "adam_beta0": (lambda: dcgan(), 64, None, "DCGAN, both players Adam(2e-4, 0, 0.9)"),
    "lr4e-4": (lambda: dcgan(), 64, None, "DCGAN, both players Adam(4e-4, 0.5)"),
    "lr6e-4": (lambda: dcgan(), 64, None, "DCGAN, both players Adam(6e-4, 0.5)"),
    "lr8e-4": (lambda: dcgan(), 64, None, "DCGAN, both players Adam(8e-4, 0.5)"),
    "no_label_noise": (lambda: dcgan(label_smoothing=0.0, label_noise=0.0), 64, None,
                       "DCGAN, no label smoothing or label noise"),
    # WGAN-GP with fewer critic updates per generator update (each of 64 new real images).
    "wgan_gp_critic2": (lambda: wgan_gp(critic_steps=2), 128, None, "WGAN-GP, 2 critic steps, Adam(1e-4, 0, 0.9)"),
    "wgan_gp_critic1": (lambda: wgan_gp(critic_steps=1), 64, None, "WGAN-GP, 1 critic step, Adam(1e-4, 0, 0.9)"),
    # The same as "wgan_gp" (the defaults), spelled out; the name of the row that chose them.
    "wgan_gp_critic1_ttur": (lambda: wgan_gp(critic_steps=1), 64, None,
                             "WGAN-GP, 1 critic step, critic Adam(3e-4, 0, 0.9), generator Adam(1e-4, 0, 0.9)"),
    # `DCGAN.for_images((28, 28, 1))` and `compile()` with no other arguments: the default.
    "default": (lambda: DCGAN.for_images(SHAPE), 64, None, "DCGAN.for_images((28, 28, 1)), compile()"),
}


def wgan_gp_adam(critic_rate=1e-4):
    """`compile()` arguments: the WGAN-GP paper's Adam(1e-4, 0, 0.9), the critic's at `critic_rate`."""
    return adam(critic_rate, 1e-4, beta_1=0.0, beta_2=0.9)


# row -> a function giving its `compile()` arguments (rows not named here: `compile()`).
COMPILE = {
    "d_lr4e-4": lambda: adam(4e-4, 2e-4),
    "ttur": lambda: adam(4e-4, 1e-4),
    "adam_beta0": lambda: adam(2e-4, 2e-4, beta_1=0.0, beta_2=0.9),
    "lr4e-4": lambda: adam(4e-4, 4e-4),
    "lr6e-4": lambda: adam(6e-4, 6e-4),
    "lr8e-4": lambda: adam(8e-4, 8e-4),
    "wgan_gp_paper": wgan_gp_adam,
    "wgan_gp_critic2": wgan_gp_adam,
    "wgan_gp_critic1": wgan_gp_adam,
    "wgan_gp_critic1_ttur": lambda: wgan_gp_adam(3e-4),
}


def score(sampler, num_samples):
    scores = keras_gen.evaluation.evaluate(
        sampler, "fashion_mnist", split="test", num_samples=num_samples, metrics=METRICS,
        data_scale=sampler.data_scale,
    )
    return {k: float(v) for k, v in scores.items()}


def run(name, args):
    builder, batch_size, limit, description = ROWS[name]
    keras.utils.set_random_seed(0)
    model = builder()
    compile_args = COMPILE.get(name, dict)()
    model.compile(**compile_args)
    data = keras_gen.data.load("fashion_mnist", batch_size=batch_size, scale=model.data_scale, seed=0,
                               limit=limit)
    stop = budget.callback(args, batch_size)
    model.fit(data, epochs=100000, verbose=0, callbacks=[stop])
    row = {
        "description": description,
        "compile": {k: keras.optimizers.serialize(v)["config"] for k, v in compile_args.items()},
        **budget.training_row(stop, batch_size, train_images=limit or budget.TRAIN_IMAGES),
        "ema": model.ema,
        "ema_warmup": True,  # rows written before GAN's EMA warm-up existed say False
    }
    start = time.perf_counter()
    row["generator"] = score(GeneratorSampler(model, model.data_scale), args.num_samples)
    if model.generator_ema is not None:
        row["generator_ema"] = score(model, args.num_samples)
    row["eval_seconds"] = time.perf_counter() - start
    if args.save_dir:
        os.makedirs(args.save_dir, exist_ok=True)
        model.save(os.path.join(args.save_dir, f"{name}.keras"))
    return row


def print_table(results):
    print(f"\n{'row':20s}{'FID':>8s}{'FID EMA':>9s}{'KID':>8s}{'prec':>7s}{'recall':>7s}{'classes':>8s}"
          f"{'img/s':>8s}{'epochs':>8s}{'load':>6s}")
    for name, row in results.items():
        raw, ema = row["generator"], row.get("generator_ema", {})
        print(f"{name:20s}{raw['fid']:8.1f}{ema.get('fid', float('nan')):9.1f}{raw['kid']:8.2f}"
              f"{raw['precision']:7.2f}{raw['recall']:7.2f}{raw['class_coverage'] * 10:8.0f}"
              f"{row['images_per_second']:8.0f}{row['epochs']:8.2f}{row['load_average_during_training']:6.2f}",
              flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget.add_arguments(parser, minutes=5.0)
    parser.add_argument("--rows", default="non_saturating,least_squares,hinge,wgan,began,spectral_norm,r1",
                        help=f"comma-separated, of: {', '.join(ROWS)}")
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--json", help="write the results to this JSON file (rewritten after every row)")
    parser.add_argument("--save-dir", help="save each trained model here as ROW.keras")
    args = parser.parse_args(argv)
    budget.check(parser, args)
    names = args.rows.split(",")
    unknown = [n for n in names if n not in ROWS]
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {', '.join(ROWS)}")
    run_record = provenance.start()

    print(f"Fashion-MNIST, {budget.describe(args)} per row, {args.num_samples} samples vs test set; "
          f"TF {tf.__version__}, Keras {keras.__version__}, {run_record['cores']} cores, "
          f"{run_record['processor']['model_name']}", flush=True)
    extractor = keras_gen.evaluation.domain_classifier("fashion_mnist")
    print(f"feature network test accuracy: {extractor.test_accuracy}", flush=True)
    results = {}
    for name in names:
        results[name] = run(name, args)
        print(f"{name}: {json.dumps(results[name])}", flush=True)
        if args.json:
            provenance.write_json(args.json, {
                **budget.record(args), "num_samples": args.num_samples,
                "feature_networks": feature_networks.describe({"default": extractor}), "results": results},
                run_record)
    print_table(results)


if __name__ == "__main__":
    main()
