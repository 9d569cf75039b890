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

FID against images seen: `--checkpoints 100000,200000,400000` scores each row
(its generator and its moving average) on `--checkpoint-samples` samples
(2,000) whenever it has seen that many images, the scoring time left out of
its training time; the end of training is scored on `--num-samples`.
`--averages 0.99,0.995` also keeps moving averages of the generator with
those decays (with the model's warm-up) beside the model's own and scores
them at every point: the EMA-decay ablation from the same run.
`--independent` scores the end of training on the independent feature
network too (`feature_networks.py`: the accurate classifier recipe, seed 1),
as the quality goals are stated on it.

    python benchmarks/objectives.py --images 400000 --rows default,lr_warmup_cosine \
        --checkpoints 100000,200000 --averages 0.99,0.995 --independent --json out400k.json

`--seed 1` runs a replicate: the weights, the draws and the data order of the
default-model rows (those whose builder fixes no seed) come from that seed.
"""

import argparse
import json
import os
import sys
import time
from types import SimpleNamespace

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import budget
import feature_networks
import keras
import numpy as np
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


def default_minibatch_std():
    """`DCGAN.for_images(SHAPE)`'s networks, with a minibatch standard deviation map in the discriminator."""
    generator, discriminator = networks.dcgan_networks(SHAPE, 128, 32, discriminator_options={"minibatch_std": True})
    return DCGAN(generator, discriminator, ema=0.99)


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
    # Levers on today's default (DCGAN.for_images((28, 28, 1)), both players Adam(4e-4, 0.5)), each changing one thing.
    "lr_warmup_cosine": (lambda: DCGAN.for_images(SHAPE), 64, None,
                         ("default, both rates warm up linearly over the first 5 % of the run, then decay "
                          "along a cosine to 10 % at its end (needs --images)")),
    "lr_cosine": (lambda: DCGAN.for_images(SHAPE), 64, None,
                  "default, both rates decay along a cosine to 10 % at the run's end (needs --images)"),
    "g_lr2e-4": (lambda: DCGAN.for_images(SHAPE), 64, None, "default, generator Adam(2e-4, 0.5)"),
    "g_lr6e-4": (lambda: DCGAN.for_images(SHAPE), 64, None,
                 "default, generator Adam(6e-4, 0.5) (compile()'s own since 2026-12-05)"),
    "default_g_lr4e-4": (lambda: DCGAN.for_images(SHAPE), 64, None,
                         "default, generator Adam(4e-4, 0.5) (compile()'s until 2026-12-05)"),
    "d_lr2e-4": (lambda: DCGAN.for_images(SHAPE), 64, None, "default, discriminator Adam(2e-4, 0.5)"),
    "beta2_0.99": (lambda: DCGAN.for_images(SHAPE), 64, None, "default, both players Adam(4e-4, 0.5, 0.99)"),
    "batch32": (lambda: DCGAN.for_images(SHAPE), 32, None, "default, batches of 32 (twice the steps)"),
    "batch128": (lambda: DCGAN.for_images(SHAPE), 128, None, "default, batches of 128 (half the steps)"),
    "default_no_label_noise": (lambda: DCGAN.for_images(SHAPE, label_smoothing=0.0, label_noise=0.0), 64, None,
                               "default without label smoothing or label noise"),
    "default_dropout0.1": (lambda: DCGAN.for_images(SHAPE, dropout=0.1), 64, None,
                           "default, discriminator dropout 0.1 (for_images' own since 2026-12-05)"),
    "default_no_noise": (lambda: DCGAN.for_images(SHAPE, dropout=0.0, label_smoothing=0.0, label_noise=0.0), 64, None,
                         "default without dropout, label smoothing or label noise (only the latent draws are random)"),
    "default_minibatch_std": (default_minibatch_std, 64, None,
                              "default, + a minibatch standard deviation map before the discriminator's logit"),
    "default_diffaugment": (lambda: DCGAN.for_images(SHAPE, augment="translation,cutout"), 64, None,
                            "default + DiffAugment (translation, cutout) on all the data"),
}


def wgan_gp_adam(critic_rate=1e-4):
    """`compile()` arguments: the WGAN-GP paper's Adam(1e-4, 0, 0.9), the critic's at `critic_rate`."""
    return adam(critic_rate, 1e-4, beta_1=0.0, beta_2=0.9)


def scheduled_adam(rate, steps, warmup):
    """Adam(`rate`, 0.5) whose rate warms up over `warmup` of `steps` updates, then decays along a cosine to 10 %."""
    if steps is None:
        raise SystemExit("the learning-rate schedule rows need --images: the schedule spans the run's updates")
    warmup_steps = int(warmup * steps)
    schedule = keras.optimizers.schedules.CosineDecay(
        rate if not warmup_steps else 0.0, steps - warmup_steps, alpha=0.1,
        warmup_target=rate if warmup_steps else None, warmup_steps=warmup_steps)
    return keras.optimizers.Adam(schedule, beta_1=0.5)


def scheduled(warmup):
    return lambda steps: {"d_optimizer": scheduled_adam(4e-4, steps, warmup),
                          "g_optimizer": scheduled_adam(4e-4, steps, warmup)}


# row -> a function of the run's generator updates (None without --images) giving its `compile()`
# arguments; rows not named here: `compile()`.
COMPILE = {
    "lr_warmup_cosine": scheduled(0.05),
    "lr_cosine": scheduled(0.0),
    "g_lr2e-4": lambda steps: adam(4e-4, 2e-4),
    "g_lr6e-4": lambda steps: adam(4e-4, 6e-4),
    "default_g_lr4e-4": lambda steps: adam(4e-4, 4e-4),
    "d_lr2e-4": lambda steps: adam(2e-4, 4e-4),
    "beta2_0.99": lambda steps: adam(4e-4, 4e-4, beta_2=0.99),
    "d_lr4e-4": lambda steps: adam(4e-4, 2e-4),
    "ttur": lambda steps: adam(4e-4, 1e-4),
    "adam_beta0": lambda steps: adam(2e-4, 2e-4, beta_1=0.0, beta_2=0.9),
    "lr4e-4": lambda steps: adam(4e-4, 4e-4),
    "lr6e-4": lambda steps: adam(6e-4, 6e-4),
    "lr8e-4": lambda steps: adam(8e-4, 8e-4),
    "wgan_gp_paper": lambda steps: wgan_gp_adam(),
    "wgan_gp_critic2": lambda steps: wgan_gp_adam(),
    "wgan_gp_critic1": lambda steps: wgan_gp_adam(),
    "wgan_gp_critic1_ttur": lambda steps: wgan_gp_adam(3e-4),
}


def score(sampler, num_samples, extractor=None):
    scores = keras_gen.evaluation.evaluate(
        sampler, "fashion_mnist", split="test", num_samples=num_samples, metrics=METRICS,
        data_scale=sampler.data_scale, feature_extractor=extractor,
    )
    return {k: float(v) for k, v in scores.items()}


class Averages(keras.callbacks.Callback):
    """Moving averages of the generator's weights with other decays than the model's `ema`.

    The same update and warm-up as `GAN.after_generator_update`:
    d_t = min(decay, (1 + t) / (10 + t)) after the t-th generator update;
    non-trainable weights (batch-norm statistics) are copied.
    """

    def __init__(self, decays):
        super().__init__()
        self.decays = decays

    def on_train_begin(self, logs=None):
        generator = self.model.generator
        self.trainable = [w.trainable for w in generator.weights]
        self.values = {decay: [np.array(w) for w in generator.weights] for decay in self.decays}
        self.updates = 0

    def on_train_batch_end(self, batch, logs=None):
        self.updates += 1
        current = [np.asarray(w) for w in self.model.generator.weights]
        for decay, values in self.values.items():
            d = min(decay, (1.0 + self.updates) / (10.0 + self.updates))
            for index, (average, weight) in enumerate(zip(values, current)):
                if self.trainable[index]:
                    average *= d
                    average += (1.0 - d) * weight
                else:
                    values[index] = weight.copy()

    def samplers(self, data_scale):
        """`{"ema<decay>": sampler}`: a copy of the generator with each average's weights."""
        result = {}
        for decay, values in self.values.items():
            copy = keras.models.clone_model(self.model.generator)
            copy.set_weights(values)
            result[f"ema{decay:g}"] = GeneratorSampler(SimpleNamespace(generator=copy, latent_dim=self.model.latent_dim),
                                                       data_scale)
        return result


class Checkpoints(keras.callbacks.Callback):
    """Scores the model (FID and the rest) each time it has seen one of `points` real images.

    The scoring time is added to the `TimeBudget`'s `excluded_seconds`, so the
    row's training time and images/s stay those of training.
    """

    def __init__(self, points, batch_size, scorer, stop):
        super().__init__()
        self.points = sorted(points)
        self.batch_size = batch_size
        self.scorer = scorer
        self.stop = stop
        self.steps = 0
        self.results = {}

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        seen = self.steps * self.batch_size
        while self.points and seen >= self.points[0]:
            point = self.points.pop(0)
            start = time.perf_counter()
            # Under JAX, fit keeps the weights in its own state within an epoch; reading Callback.model
            # copies them back into the model's variables, which the scorer samples with.
            self.model  # noqa: B018
            self.results[str(point)] = {"images_seen": seen, "steps": self.steps, **self.scorer()}
            self.stop.excluded_seconds += time.perf_counter() - start
            print(f"  {point} images: {json.dumps(self.results[str(point)])}", flush=True)


def samplers(model, averages):
    """`{name: sampler}` of a row: its generator, the model's moving average, and the extra averages."""
    found = {"generator": GeneratorSampler(model, model.data_scale)}
    if model.generator_ema is not None:
        found["generator_ema"] = model
    if averages is not None:
        found.update(averages.samplers(model.data_scale))
    return found


def run(name, args, independent=None):
    builder, batch_size, limit, description = ROWS[name]
    keras.utils.set_random_seed(args.seed)
    model = builder()
    steps = None if args.images is None else -(-args.images // batch_size)
    compile_args = COMPILE.get(name, lambda steps: {})(steps)
    model.compile(**compile_args)
    data = keras_gen.data.load("fashion_mnist", batch_size=batch_size, scale=model.data_scale, seed=args.seed,
                               limit=limit)
    stop = budget.callback(args, batch_size)
    callbacks = [stop]
    averages = Averages(args.averages) if args.averages else None
    if averages is not None:
        callbacks.insert(0, averages)
    points = [p for p in args.checkpoints if args.images is None or p < args.images]
    checkpoints = None
    if points:
        checkpoints = Checkpoints(points, batch_size, lambda: {
            role: score(sampler, args.checkpoint_samples) for role, sampler in samplers(model, averages).items()
        }, stop)
        callbacks.insert(len(callbacks) - 1, checkpoints)
    model.fit(data, epochs=100000, verbose=0, callbacks=callbacks)
    row = {
        "description": description,
        "compile": {k: keras.optimizers.serialize(v)["config"] for k, v in compile_args.items()},
        "batch_size": batch_size,
        **budget.training_row(stop, batch_size, train_images=limit or budget.TRAIN_IMAGES),
        "ema": model.ema,
        "ema_warmup": True,  # rows written before GAN's EMA warm-up existed say False
    }
    if checkpoints is not None:
        row["checkpoints"] = checkpoints.results
    start = time.perf_counter()
    for role, sampler in samplers(model, averages).items():
        row[role] = score(sampler, args.num_samples)
        if independent is not None and role in ("generator", "generator_ema"):
            row[role].update({f"{k}_independent": v for k, v in score(sampler, args.num_samples, independent).items()})
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
    if any("checkpoints" in row for row in results.values()):
        print("\nFID by images seen (the last column: the end of training)")
        for name, row in results.items():
            points = {**row.get("checkpoints", {}), str(row["images_seen"]): row}
            for role in [key for key, value in row.items() if isinstance(value, dict) and "fid" in value]:
                cells = "  ".join(f"{int(point) // 1000}k {scores[role]['fid']:.1f}" for point, scores in points.items()
                                  if role in scores)
                print(f"{name:20s}{role:16s}{cells}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    budget.add_arguments(parser, minutes=5.0)
    parser.add_argument("--rows", default="non_saturating,least_squares,hinge,wgan,began,spectral_norm,r1",
                        help=f"comma-separated, of: {', '.join(ROWS)}")
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--json", help="write the results to this JSON file (rewritten after every row)")
    parser.add_argument("--save-dir", help="save each trained model here as ROW.keras")
    parser.add_argument("--checkpoints", default="",
                        help="comma-separated numbers of images seen at which to score each row, e.g. 100000,200000")
    parser.add_argument("--checkpoint-samples", type=int, default=2000)
    parser.add_argument("--averages", default="",
                        help="comma-separated extra moving-average decays of the generator to score, e.g. 0.99,0.995")
    parser.add_argument("--seed", type=int, default=0,
                        help="the run's seed: weights, draws and data order of the rows whose builder sets no seed "
                             "of its own (the default-model rows); a replicate with --seed 1")
    parser.add_argument("--independent", action="store_true",
                        help="score the end of training on the independent feature network too")
    args = parser.parse_args(argv)
    budget.check(parser, args)
    try:
        args.checkpoints = [int(p) for p in args.checkpoints.split(",") if p]
        args.averages = [float(d) for d in args.averages.split(",") if d]
    except ValueError as err:
        parser.error(f"--checkpoints takes whole numbers of images and --averages decays such as 0.995: {err}")
    if any(not 0 < d < 1 for d in args.averages):
        parser.error(f"--averages must be decays in (0, 1), got {args.averages}")
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
    networks = {"default": extractor}
    if args.independent:
        networks["independent"] = feature_networks.independent()
    results = {}
    for name in names:
        results[name] = run(name, args, networks.get("independent"))
        print(f"{name}: {json.dumps(results[name])}", flush=True)
        if args.json:
            provenance.write_json(args.json, {
                **budget.record(args), "seed": args.seed, "num_samples": args.num_samples, "checkpoints": args.checkpoints,
                "checkpoint_samples": args.checkpoint_samples, "averages": args.averages,
                "feature_networks": feature_networks.describe(networks), "results": results},
                run_record)
    print_table(results)


if __name__ == "__main__":
    main()
