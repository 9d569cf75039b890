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
- the whole step as `fit` runs it (`train_function`), with the model's data checks and metrics,
  today's (one generator pass serves both updates) and the step as it was
  before (`TwoPassDCGAN`: a second generator pass for the generator's update),
  in alternating rounds in this process: the speed-up of the one pass.

Then each generator layer alone on its input (forward, and forward with
gradients), in CPU time: where the generator's share of the step goes.

Each time is given as wall time and as the process's CPU time: on a shared or
throttled machine the second moves far less.

The phases' sum against the whole step shows what the step adds around the
networks' work. FLOPs count 2 per multiply-add of every convolution, transposed
convolution and dense layer (from the layers' shapes), 3 times that for a pass
that is differentiated (forward, gradient of the input, gradient of the
weights; the discriminator's pass in the generator's update needs no weight
gradients, so this slightly overcounts); the peak is a float32 matrix product (`--matmul` square) timed in the
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
    """FLOPs of one default train step, 2 per multiply-add and 3 times the forward pass's for a differentiated pass.

    Today's step: D forward/backward on 64 real and 64 generated images, then
    D(G(z)) forward/backward on the 64 generated (one generator pass serves
    both updates). The step before it also ran the generator forward once
    more (`two_pass_extra`).
    """
    generator = sum(layer_macs(gan.generator, 1).values())
    discriminator = sum(layer_macs(gan.discriminator, 1).values())
    return {
        "discriminator_forward_backward": 3 * 2 * discriminator * 2 * batch,
        "generator_and_discriminator_forward_backward": 3 * 2 * (generator + discriminator) * batch,
        "two_pass_extra": 2 * generator * batch,
    }


def timed(function, steps, rounds):
    """`(wall, cpu)`: median seconds per call of `function` over `rounds` rounds of `steps` calls.

    After one warm-up call. `cpu` is the process's CPU time (all threads) per
    call: on a shared or throttled machine it moves less than wall time.
    """
    function()
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(steps):
            result = function()
        tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, "numpy") else t, result)
        wall.append((time.perf_counter() - start) / steps)
        cpu.append((time.process_time() - start_cpu) / steps)
    return statistics.median(wall), statistics.median(cpu)


class TwoPassDCGAN(keras_gen.models.DCGAN):
    """The default DCGAN with the step as it was before one generator pass served both updates.

    The discriminator's fakes and the generator's come from two generator
    passes on two draws of latent points (`_discriminator_step` and
    `_generator_step` without `fakes`), as up to commit 64d863c.
    """

    def _step(self, data, update):
        batch = self.unpack_batch(data)
        real = batch["images"]
        d_loss, (context, _) = self._discriminator_step(real, None, update)
        g_loss, _ = self._generator_step(real, None, update)
        if update:
            self.after_generator_update()
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        real_score, fake_score = self.mean_scores(context)
        self.real_score_tracker.update_state(real_score)
        self.fake_score_tracker.update_state(fake_score)
        return {metric.name: metric.result() for metric in self.metrics}


def whole_steps(data, batch, steps, rounds):
    """`{variant: (wall, cpu)}` of `fit`'s train function for the step with one and with two generator passes.

    Both models train in this process on the same batches, timed in
    alternating rounds (the order flips every round).
    """
    models = {}
    for name, cls in (("one generator pass (today)", keras_gen.models.DCGAN), ("two generator passes (before)",
                                                                             TwoPassDCGAN)):
        model = cls.for_images(SHAPE, seed=0)
        model.compile()
        model.make_train_function()
        models[name] = (model, iter(data.map(lambda x: (x,))))
    results = {name: ([], []) for name in models}
    for index in range(rounds):
        names = list(models) if index % 2 == 0 else list(models)[::-1]
        for name in names:
            model, iterator = models[name]
            wall, cpu = timed(lambda model=model, iterator=iterator: model.train_function(iterator), steps, 1)
            results[name][0].append(wall)
            results[name][1].append(cpu)
    return {name: (statistics.median(wall), statistics.median(cpu)) for name, (wall, cpu) in results.items()}


def generator_layers(generator, batch, steps, rounds):
    """`{layer: {"forward": ms, "forward_and_gradients": ms}}` in CPU time, each layer alone on its real input.

    Training mode; the gradients are those of a sum of squares w.r.t. the
    layer's input and weights. Shows which layers the generator's time goes to.
    """
    x = keras.random.normal((batch, *generator.input_shape[1:]), seed=0)
    found = {}
    for layer in generator.layers[1:]:
        forward = tf.function(lambda t, layer=layer: layer(t, training=True))

        def gradients(t, layer=layer):
            with tf.GradientTape() as tape:
                tape.watch(t)
                loss = tf.reduce_sum(layer(t, training=True) ** 2)
            return tape.gradient(loss, [t, *layer.trainable_variables])

        differentiated = tf.function(gradients)
        found[layer.name] = {"class": type(layer).__name__, "input_shape": list(x.shape),
                             "forward": timed(lambda t=x, f=forward: f(t), steps, rounds)[1] * 1e3,
                             "forward_and_gradients": timed(lambda t=x, g=differentiated: g(t)[0],
                                                            steps, rounds)[1] * 1e3}
        x = forward(x)
    return found


def matmul_peak(size, steps, rounds):
    """`(wall, cpu)` float32 GFLOP/s of a `size` x `size` matrix product (per second, per CPU-second)."""
    a = tf.random.normal((size, size))
    b = tf.random.normal((size, size))
    product = tf.function(lambda: tf.reduce_sum(tf.matmul(a, b)))
    wall, cpu = timed(product, steps, rounds)
    return 2 * size**3 / wall / 1e9, 2 * size**3 / cpu / 1e9


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
    variants = whole_steps(data, batch, args.steps, args.rounds)
    layer_times = generator_layers(gan.generator, batch, args.steps, args.rounds)
    step_wall, step_cpu = variants["one generator pass (today)"]
    flops = step_flops(gan, batch)
    peak_wall, peak_cpu = matmul_peak(args.matmul, 20, args.rounds)
    total_flops = flops["discriminator_forward_backward"] + flops["generator_and_discriminator_forward_backward"]
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {run['cores']} cores, "
          f"{run['processor']['model_name']}, batch {batch}, {args.steps} calls x {args.rounds} rounds")
    print(f"{'phase':42s}{'wall ms':>9s}{'CPU ms':>9s}{'share (CPU)':>13s}")
    parts = [0.0, 0.0]
    for name, (wall, cpu) in seconds.items():
        parts[0] += wall
        parts[1] += cpu
        print(f"{name:42s}{wall * 1e3:9.2f}{cpu * 1e3:9.2f}{cpu / step_cpu:13.0%}")
    print(f"{'sum of the phases':42s}{parts[0] * 1e3:9.2f}{parts[1] * 1e3:9.2f}{parts[1] / step_cpu:13.0%}")
    for name, (wall, cpu) in variants.items():
        print(f"{'whole step, ' + name:42s}{wall * 1e3:9.2f}{cpu * 1e3:9.2f}{cpu / step_cpu:13.0%}"
              f"   {batch / wall:.0f} images/s, {batch / cpu:.0f} per CPU-second")
    before_wall, before_cpu = variants["two generator passes (before)"]
    print(f"speed-up of one pass: {before_wall / step_wall:.2f}x in wall time, {before_cpu / step_cpu:.2f}x in CPU time")
    print(f"\n{'generator layer (alone, CPU ms)':42s}{'forward':>9s}{'+ grads':>9s}")
    for name, row in layer_times.items():
        print(f"{name + ' (' + row['class'] + ')':42s}{row['forward']:9.2f}{row['forward_and_gradients']:9.2f}")
    print(f"step FLOPs {total_flops / 1e9:.2f} G -> {total_flops / step_wall / 1e9:.1f} GFLOP/s (wall); "
          f"float32 matmul {args.matmul}^2: {peak_wall:.1f} GFLOP/s (wall), so the step runs at "
          f"{total_flops / step_wall / 1e9 / peak_wall:.0%} of it")
    if args.json:
        provenance.write_json(args.json, {
            "batch_size": batch, "steps": args.steps, "rounds": args.rounds,
            "phases_ms": {name: {"wall": wall * 1e3, "cpu": cpu * 1e3} for name, (wall, cpu) in seconds.items()},
            "whole_step_ms": {name: {"wall": wall * 1e3, "cpu": cpu * 1e3} for name, (wall, cpu) in variants.items()},
            "images_per_second": batch / step_wall, "images_per_cpu_second": batch / step_cpu,
            "speedup_of_one_pass": {"wall": before_wall / step_wall, "cpu": before_cpu / step_cpu},
            "flops": flops, "step_gflops": total_flops / 1e9,
            "two_pass_step_gflops": (total_flops + flops["two_pass_extra"]) / 1e9,
            "achieved_gflops_per_second": total_flops / step_wall / 1e9,
            "matmul_size": args.matmul, "matmul_peak_gflops_per_second": peak_wall,
            "matmul_peak_gflops_per_cpu_second": peak_cpu,
            "generator_layers_cpu_ms": layer_times,
            "generator_macs": layer_macs(gan.generator, 1), "discriminator_macs": layer_macs(gan.discriminator, 1),
        }, run)


if __name__ == "__main__":
    main()
