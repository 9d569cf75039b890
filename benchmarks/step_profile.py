"""Where the default DCGAN's train step spends its time, and how far it is from the processor's peak.

Times each phase of `DCGAN.for_images((28, 28, 1))`'s step with `compile()`
defaults on Fashion-MNIST batches of 64, each phase as its own compiled
`tf.function` run `--steps` times (median of `--rounds` rounds):

- input pipeline: `keras_gen.data.load` batches alone;
- latent points and targets: the step's random draws (latent points, smoothed noisy targets);
- generator forward: G(z) for one batch, training mode (the discriminator update's fakes);
- discriminator forward/backward: D on 64 real + 64 generated images, gradients of its loss;
- discriminator update: Adam applying those gradients;
- generator forward/backward: D(G(z)) with the discriminator frozen, gradients for G;
- generator update: Adam applying them;
- EMA update: the moving average of the generator (`after_generator_update`);
- the whole step as `fit` runs it (`train_function`), with the model's data checks and metrics.

The phases' sum against the whole step shows what the step adds around the
networks' work. FLOPs count 2 per multiply-add of every convolution, transposed
convolution and dense layer (from the layers' shapes), 3 times that for a pass
that is differentiated (forward, gradient of the input, gradient of the
weights); the peak is a float32 matrix product (`--matmul` square) timed in the
same run.

    python benchmarks/step_profile.py --json benchmarks/results/step_profile.json
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras
import numpy as np
import provenance
import tensorflow as tf

import keras_gen
from keras_gen import losses
from keras_gen.models.adversarial.update import discriminator_targets

SHAPE = (28, 28, 1)


def layer_macs(model, batch):
    """Multiply-adds of one forward pass of `model` on `batch` examples, by layer kind."""
    macs = {"conv": 0, "conv_transpose": 0, "dense": 0}
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.Conv2DTranspose):
            _, height, width, channels = layer.input.shape
            kh, kw = layer.kernel_size
            macs["conv_transpose"] += batch * height * width * channels * kh * kw * layer.filters
        elif isinstance(layer, keras.layers.Conv2D):
            _, height, width, filters = layer.output.shape
            kh, kw = layer.kernel_size
            macs["conv"] += batch * height * width * filters * kh * kw * layer.input.shape[-1]
        elif isinstance(layer, keras.layers.Dense):
            macs["dense"] += batch * layer.input.shape[-1] * layer.units
    return macs


def step_flops(gan, batch):
    """FLOPs of one default train step: G forward (64), D forward/backward (128), D(G(z)) forward/backward (64)."""
    generator = sum(layer_macs(gan.generator, 1).values())
    discriminator = sum(layer_macs(gan.discriminator, 1).values())
    return {
        "generator_forward": 2 * generator * batch,
        "discriminator_forward_backward": 3 * 2 * discriminator * 2 * batch,
        "generator_forward_backward": 3 * 2 * (generator + discriminator) * batch,
    }


def timed(function, steps, rounds):
    """Median seconds per call of `function` over `rounds` rounds of `steps` calls (after one warm-up call)."""
    function()
    per_call = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(steps):
            result = function()
        tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, "numpy") else t, result)
        per_call.append((time.perf_counter() - start) / steps)
    return statistics.median(per_call)


def matmul_peak(size, steps, rounds):
    """float32 GFLOP/s of a `size` x `size` matrix product."""
    a = tf.random.normal((size, size))
    b = tf.random.normal((size, size))
    product = tf.function(lambda: tf.reduce_sum(tf.matmul(a, b)))
    return 2 * size**3 / timed(product, steps, rounds) / 1e9


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50, help="calls per timing round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--matmul", type=int, default=1024, help="size of the square matrix product for the peak")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    run = provenance.start()
    batch = args.batch_size

    gan = keras_gen.models.DCGAN.for_images(SHAPE, seed=0)
    gan.compile()
    data = keras_gen.data.load("fashion_mnist", batch_size=batch, scale=gan.data_scale, seed=0,
                               drop_remainder=True, repeat=True)
    iterator = iter(data)
    real = next(iterator)
    z = keras.random.normal((batch, gan.latent_dim), seed=0)
    fake = gan.generator(z, training=True)
    d_vars = gan.discriminator.trainable_variables
    g_vars = gan.adversarial.trainable_variables
    seeds = keras.random.SeedGenerator(0)
    objective = losses.adversarial_loss("non_saturating")

    def d_loss():
        targets = discriminator_targets(objective, batch, 0.1, 0.05, seeds)
        logits = gan.discriminator(tf.concat([real, fake], 0), training=True)
        context = losses.AdversarialContext(real, fake, logits[:batch], logits[batch:], *targets)
        return tf.reduce_mean(objective.discriminator(context))

    def g_loss():
        logits = gan.adversarial(z, training=True)
        context = losses.AdversarialContext(real, None, None, logits)
        return tf.reduce_mean(objective.generator(context))

    def gradients(loss_fn, variables):
        with tf.GradientTape() as tape:
            loss = loss_fn()
        return tape.gradient(loss, variables)

    d_grads = gradients(d_loss, d_vars)
    g_grads = gradients(g_loss, g_vars)
    phases = {
        "input pipeline": lambda: next(iterator),
        "latent points and targets": tf.function(
            lambda: (gan.sample_latent(batch), discriminator_targets(objective, batch, 0.1, 0.05, seeds))),
        "generator forward": tf.function(lambda: gan.generator(z, training=True)),
        "discriminator forward/backward": tf.function(lambda: gradients(d_loss, d_vars)),
        "discriminator update": tf.function(lambda: gan.d_optimizer.apply(d_grads, d_vars)),
        "generator forward/backward": tf.function(lambda: gradients(g_loss, g_vars)),
        "generator update": tf.function(lambda: gan.g_optimizer.apply(g_grads, g_vars)),
        "EMA update": tf.function(gan.after_generator_update),
    }
    seconds = {name: timed(function, args.steps, args.rounds) for name, function in phases.items()}
    gan.make_train_function()
    train_iterator = iter(data.map(lambda x: (x,)))

    def whole_step():
        return gan.train_function(train_iterator)

    seconds["whole step (fit's train_function)"] = timed(whole_step, args.steps, args.rounds)
    flops = step_flops(gan, batch)
    peak = matmul_peak(args.matmul, 20, args.rounds)
    step = seconds["whole step (fit's train_function)"]
    total_flops = sum(flops.values())
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {run['cores']} cores, "
          f"{run['processor']['model_name']}, batch {batch}, {args.steps} calls x {args.rounds} rounds")
    print(f"{'phase':40s}{'ms':>9s}{'share':>8s}")
    parts = 0.0
    for name, value in seconds.items():
        if name.startswith("whole"):
            continue
        parts += value
        print(f"{name:40s}{value * 1e3:9.2f}{value / step:8.0%}")
    print(f"{'sum of the phases':40s}{parts * 1e3:9.2f}{parts / step:8.0%}")
    print(f"{'whole step':40s}{step * 1e3:9.2f}{1:8.0%}   ({batch / step:.0f} images/s)")
    print(f"step FLOPs {total_flops / 1e9:.2f} G -> {total_flops / step / 1e9:.1f} GFLOP/s; "
          f"float32 matmul {args.matmul}^2 peak {peak:.1f} GFLOP/s ({total_flops / step / 1e9 / peak:.0%} of it)")
    if args.json:
        provenance.write_json(args.json, {
            "batch_size": batch, "steps": args.steps, "rounds": args.rounds,
            "milliseconds": {name: value * 1e3 for name, value in seconds.items()},
            "images_per_second": batch / step, "flops": flops, "step_gflops": total_flops / 1e9,
            "achieved_gflops_per_second": total_flops / step / 1e9,
            "matmul_size": args.matmul, "matmul_peak_gflops_per_second": peak,
            "generator_macs": layer_macs(gan.generator, 1), "discriminator_macs": layer_macs(gan.discriminator, 1),
        }, run)
    return np.array(list(seconds.values()))


if __name__ == "__main__":
    main()
