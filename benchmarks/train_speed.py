"""Training throughput (images/second) of keras_gen's GAN step vs the keras-io baseline.

Both train steps run on the *same* networks (the keras-io DCGAN), the same
Fashion-MNIST batches and batch size 64; keras_gen's `DCGAN.for_images` with
its default width (32 at 28x28) is timed too. Each configuration first fits
`WARMUP_STEPS` steps (tracing, first allocations), then is timed over
`--steps` steps (one pass over the first `--steps` x `--batch-size` training
images, cached) in `--rounds` rounds whose order rotates; the median over
rounds is printed and, with `--json`, written with the provenance. Each round
is also given in images per CPU-second (the process's CPU time, all threads):
on a shared or throttled machine, where wall-clock rates of the same code
swing by 1.5x between rounds, that figure moves far less.

    python benchmarks/train_speed.py --steps 100 --rounds 3 --json benchmarks/results/train_speed.json
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import budget
import keras
import provenance
import tensorflow as tf
from keras_io_baseline import build_keras_io_gan, keras_io_discriminator, keras_io_generator

import keras_gen
from keras_gen.models.adversarial.gan import default_width

SHAPE = (28, 28, 1)
WARMUP_STEPS = 2


class EpochTimer(keras.callbacks.Callback):
    """Wall time and the process's CPU time (all threads) of one epoch."""

    def on_epoch_begin(self, epoch, logs=None):
        self.start, self.start_cpu = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.start
        self.cpu_seconds = time.process_time() - self.start_cpu


def keras_gen_on_keras_io_networks():
    gan = keras_gen.models.GAN(
        keras_io_generator(), keras_io_discriminator(), label_smoothing=0.0, label_noise=0.05,
        data_scale=(0.0, 1.0), seed=1337,
    )
    gan.compile(d_optimizer=keras.optimizers.Adam(3e-4), g_optimizer=keras.optimizers.Adam(3e-4))
    return gan


def keras_gen_default_dcgan():
    """`DCGAN.for_images` and `compile()` with today's defaults (the optimizers as users get them)."""
    gan = keras_gen.models.DCGAN.for_images(SHAPE, seed=1337)
    gan.compile()
    return gan


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating timing rounds")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args(argv)
    if not 1 <= args.steps * args.batch_size <= budget.TRAIN_IMAGES:
        parser.error(f"--steps x --batch-size must be between 1 and the {budget.TRAIN_IMAGES} training images, "
                     f"got {args.steps} x {args.batch_size}: a timed pass does not repeat images.")
    run = provenance.start()

    images, _ = keras_gen.data.load_numpy("fashion_mnist", scale=(0.0, 1.0), limit=args.steps * args.batch_size)
    data = tf.data.Dataset.from_tensor_slices(images).batch(args.batch_size, drop_remainder=True).cache()
    configs = {
        "keras-io GAN step, keras-io networks": build_keras_io_gan,
        "keras_gen GAN step, keras-io networks": keras_gen_on_keras_io_networks,
        f"keras_gen DCGAN default (width {default_width(SHAPE)})": keras_gen_default_dcgan,
    }
    models = {name: build() for name, build in configs.items()}
    for model in models.values():  # warm-up: tracing and first allocations
        model.fit(data.take(WARMUP_STEPS), epochs=1, verbose=0)
    rates = {name: [] for name in configs}
    cpu_rates = {name: [] for name in configs}
    names = list(models)
    for round_index in range(args.rounds):
        # Rotate the order so no configuration always runs first in a round.
        for name in names[round_index % len(names):] + names[: round_index % len(names)]:
            model = models[name]
            timer = EpochTimer()
            model.fit(data, epochs=1, verbose=0, callbacks=[timer])
            rates[name].append(args.steps * args.batch_size / timer.seconds)
            cpu_rates[name].append(args.steps * args.batch_size / timer.cpu_seconds)
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {run['cores']} CPU cores, "
          f"batch {args.batch_size}, {args.steps} steps x {args.rounds} rounds")
    print(f"{'configuration':42s} {'images/s (median)':>18s} {'per CPU-second':>15s} {'all rounds':>24s}")
    for name, values in rates.items():
        print(f"{name:42s} {statistics.median(values):18.0f} {statistics.median(cpu_rates[name]):15.0f}   "
              f"{', '.join(f'{v:.0f}' for v in values)}")
    if args.json:
        provenance.write_json(args.json, {
            "steps": args.steps, "rounds": args.rounds, "batch_size": args.batch_size, "warmup_steps": WARMUP_STEPS,
            "configurations": {name: {"median_images_per_second": statistics.median(values),
                                      "images_per_second_by_round": values,
                                      "median_images_per_cpu_second": statistics.median(cpu_rates[name]),
                                      "images_per_cpu_second_by_round": cpu_rates[name]}
                               for name, values in rates.items()}},
            run)


if __name__ == "__main__":
    main()
