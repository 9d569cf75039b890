"""VAE options at equal budget: which prior, posterior, depth and decoder make the sharpest VAE.

Each row builds `VAE.for_images((28, 28, 1))` with the registry's defaults
but latent 16 (pinned: the default was 16 when the rows were measured, 32
since), width 32, and one option over the standard prior N(0, I) (the
`vamp` and `two_stage` rows replace it), `compile()`, and trains it for
`--budget-minutes` (15) of wall-clock time on the 60,000 Fashion-MNIST
training images in [0, 1] at batch 128, one row after the other in this
process (so compare only rows of one run). A two-stage row then runs
`fit_prior` for one epoch (Dai & Wipf's order); its time is reported.

Rows (`--rows`): `standard` (the default before these rows; the VampPrior since), `discretized_logistic`, `vamp`,
`two_stage`, `iaf`, `two_layers`, `residual`, `vamp_500` (today's default, the
VampPrior at latent 32, with 500 pseudo-images instead of 100), and `best`: the combination
given by `--best` over the registry's defaults, latent 32 unless it says
`latent_dim` (for example `prior=vamp,latent_dim=16,posterior=iaf`).

Columns:
- FID, KID, precision, recall of 10,000 `generate` samples against the
  10,000 test images on keras_gen's Fashion-MNIST feature network, and with
  `--independent` the FID on the independent network (`feature_networks.py`);
- the IWAE NLL with K = 500 importance samples on the first 1,000 test
  images, on the Bernoulli scale of the grey levels (for a decoder with another
  pixel likelihood, its decoder mean read as the Bernoulli probabilities: not
  the quantity it optimizes), and the model's own bits/dim (K = 64);
- the memorization share of 1,000 samples (`keras_gen.evaluation.memorization`);
- epochs, images/s and the load average.

    python benchmarks/vae_options.py --budget-minutes 15 \\
        --rows standard,discretized_logistic,vamp,two_stage,iaf,two_layers,residual,best \\
        --best prior=vamp,posterior=iaf --independent --json benchmarks/results/vae_options.json

Run it alone on the machine: the figures are per wall-clock budget.
"""

import argparse
import math
import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import budget
import feature_networks
import keras
import numpy as np
import provenance
import tensorflow as tf
from keras import ops
from objectives import score

import keras_gen
from keras_gen.recipes import parse_option

# Each row is one option over the standard prior and latent 16 (the defaults before these rows made the VampPrior,
# and a later run latent 32, the default), so the rows keep measuring what their names say.
STANDARD = {"prior": "standard", "latent_dim": 16}
ROWS = {
    "standard": STANDARD,
    "discretized_logistic": {**STANDARD, "reconstruction": "discretized_logistic"},
    "vamp": {"prior": "vamp", "latent_dim": 16},
    "two_stage": {"prior": "two_stage", "latent_dim": 16},
    "iaf": {**STANDARD, "posterior": "iaf"},
    "two_layers": {**STANDARD, "latent_layers": 2},
    "residual": {**STANDARD, "residual_blocks": 1},
    # Not an option over N(0, I): today's default (the VampPrior, latent 32) with the paper's 500 pseudo-images
    # instead of 100, to measure what the CPU budget allows (compare with `--rows best --best prior=vamp`).
    "vamp_500": {"prior": "vamp", "latent_dim": 32, "num_pseudo_inputs": 500},
}
BATCH_SIZE = 128


def bernoulli_scale_nll(model, images, num_samples, batch_size=8, seed=0):
    """-log p(x) bound per image with the decoder's mean read as Bernoulli probabilities of the grey levels.

    The model's own posterior, flow, layers and prior give the importance
    weights; only log p(x|z) is replaced. For a Bernoulli decoder it is the
    model's `log_prob`.
    """
    if model.reconstruction == "bernoulli":
        return -model.log_prob(images, num_samples=num_samples, batch_size=batch_size)
    generator = keras.random.SeedGenerator(seed)
    results = []
    for start in range(0, len(images), batch_size):
        batch = ops.convert_to_tensor(images[start : start + batch_size])
        count = len(images[start : start + batch_size])
        z, decoder_input, log_q, log_p_lower, _, _ = model._posterior_draw(batch, None, generator, samples=num_samples)
        means = ops.clip(model._decoder_output_to_images(model.decoder(decoder_input)), 1e-6, 1.0 - 1e-6)
        tiled = ops.repeat(batch, num_samples, axis=0)
        log_px = ops.sum(tiled * ops.log(means) + (1.0 - tiled) * ops.log(1.0 - means), axis=(1, 2, 3))
        log_weights = log_px + log_p_lower + model._log_prior(z, None, estimate_second_stage=True) - log_q
        log_weights = ops.reshape(log_weights, (count, num_samples))
        results.append(ops.convert_to_numpy(ops.logsumexp(log_weights, axis=1) - math.log(num_samples)))
    return -np.concatenate(results).astype("float64")


def run(name, options, args, train_images, test_images, independent):
    keras.utils.set_random_seed(0)
    model = keras_gen.families.get("vae").build((28, 28, 1), seed=0, **options)
    data = keras_gen.data.load("fashion_mnist", batch_size=BATCH_SIZE, scale=(0, 1), seed=0)
    stop = budget.callback(args, BATCH_SIZE)
    model.fit(data, epochs=100000, verbose=0, callbacks=[stop])
    row = {"options": options, **budget.training_row(stop, BATCH_SIZE)}
    start = time.perf_counter()
    model.post_training(data, verbose=0)
    row["post_training_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    row.update(score(model, args.num_samples))
    if independent is not None:
        row.update({f"{k}_independent": v for k, v in score(model, args.num_samples, independent).items()})
    nll_images = test_images[: args.nll_images]
    row["iwae_nll_bernoulli"] = float(bernoulli_scale_nll(model, nll_images, args.importance_samples).mean())
    row["bits_per_dim_own"] = float(model.bits_per_dim(nll_images, num_samples=64).mean())
    samples = model.generate(args.memorization_samples)
    memorization = keras_gen.evaluation.memorization(samples, train_images, test_images, data_scale=(0.0, 1.0))
    row["memorization_share"] = float(memorization.share)
    row["eval_seconds"] = time.perf_counter() - start
    if args.save_dir:
        os.makedirs(args.save_dir, exist_ok=True)
        model.save(os.path.join(args.save_dir, f"vae_{name}.keras"))
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget.add_arguments(parser, minutes=15.0)
    parser.add_argument("--rows", default=",".join([*ROWS, "best"]))
    parser.add_argument("--best", default="", help="the combination of the `best` row, e.g. prior=vamp,posterior=iaf")
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--nll-images", type=int, default=1000)
    parser.add_argument("--importance-samples", type=int, default=500)
    parser.add_argument("--memorization-samples", type=int, default=1000)
    parser.add_argument("--independent", action="store_true", help="also the FID on the independent network")
    parser.add_argument("--save-dir", help="save each trained model here")
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args(argv)
    budget.check(parser, args)
    rows = {**ROWS, "best": dict(parse_option(part) for part in args.best.split(",") if part)}
    unknown = [name for name in args.rows.split(",") if name not in rows]
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {list(rows)}")
    if "best" in args.rows.split(",") and not rows["best"]:
        parser.error("the best row needs --best KEY=VALUE,... (the winning combination)")
    run_record = provenance.start()
    print(f"Fashion-MNIST in [0, 1], {budget.describe(args)} per row, batch {BATCH_SIZE}; TF {tf.__version__}, "
          f"Keras {keras.__version__}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}", flush=True)
    train_images, _ = keras_gen.data.load_numpy("fashion_mnist", "train", scale=(0, 1))
    test_images, _ = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(0, 1))
    extractor = keras_gen.evaluation.domain_classifier("fashion_mnist")
    independent = feature_networks.independent() if args.independent else None
    results = {}
    for name in args.rows.split(","):
        print(f"{name} {rows[name]}:", flush=True)
        results[name] = run(name, rows[name], args, train_images, test_images, independent)
        row = results[name]
        print(f"  FID {row['fid']:.2f}, IWAE NLL {row['iwae_nll_bernoulli']:.1f} nats (Bernoulli scale), "
              f"{row['bits_per_dim_own']:.3f} bits/dim own, memorization {row['memorization_share']:.3f}, "
              f"{row['epochs']:.2f} epochs", flush=True)
    columns = ("fid", "kid", "precision", "recall", "iwae_nll_bernoulli", "bits_per_dim_own", "memorization_share",
               "images_per_second", "epochs")
    print("\n" + f"{'row':22s}" + "".join(f"{c[:16]:>17s}" for c in columns))
    for name, row in results.items():
        print(f"{name:22s}" + "".join(f"{row.get(c, float('nan')):17.4g}" for c in columns))
    if args.json:
        provenance.write_json(args.json, {
            **budget.record(args), "batch_size": BATCH_SIZE,
            "feature_network": "domain_classifier('fashion_mnist'), the default ClassifierRecipe",
            "feature_networks": feature_networks.describe(
                {"default": extractor, **({"independent": independent} if independent else {})}),
            "results": results}, run_record)


if __name__ == "__main__":
    main()
