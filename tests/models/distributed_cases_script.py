"""Run by test_distribution.py (`-m distributed`) in a fresh process: two logical CPUs, MirroredStrategy.

Two kinds of cases, named on the command line (all when none are):

- "Replicas change nothing but speed" (`dcgan`, `wgan_gp`, `hinge`, `began`):
  two SGD steps on global batches of 64, once on one device and once on two
  replicas of 32, from the same weights and with the same noise (the
  one-device run draws it as the two replicas do, `as_two_replicas`). SGD, not
  Adam: Adam's first steps hardly depend on the gradient's scale, so a missing
  or doubled division by the number of replicas would go unseen. Batch
  statistics, dropout and label noise are off, so the two runs compute the same
  sums in another order.
- One family per batch kind under the strategy (`images`, `images_labels`,
  `pairs`, `unpaired`): two steps train every player and keep the replicas'
  copies of the trainable weights equal.

Prints one JSON object: case name -> `{"ok": ..., ...}` with the measured
figures, or the traceback of a case that failed.
"""

import json
import os
import sys
import traceback

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
from tests.models.distributed_helpers import (
    as_two_replicas,
    copies_disagree,
    split_cpu,
    update_error,
    weights,
)

split_cpu(2)

import keras
import numpy as np
import tensorflow as tf

from keras_gen import models, networks

SHAPE = (8, 8, 1)
STRATEGY = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
IMAGES = np.random.default_rng(0).uniform(-1, 1, (128, *SHAPE)).astype("float32")


def dcgan(**kwargs):
    return models.DCGAN.for_images(SHAPE, latent_dim=8, width=4, batch_norm=False, dropout=0.0, label_smoothing=0.0,
                                   label_noise=0.0, ema=None, seed=0, **kwargs)


def wgan_gp():
    generator = networks.dcgan_generator(SHAPE, 8, 4, batch_norm=False)
    critic = networks.dcgan_discriminator(SHAPE, 4, dropout=0.0, layer_norm=True, name="critic")
    # Two critic steps: each replica's interleaved parts must add up to the global batch's.
    return models.WGANGP(generator, critic, critic_steps=2, seed=0)


def began():
    model = models.BEGAN.for_images(SHAPE, latent_dim=8, width=4, hidden_dim=8, k_learning_rate=0.5, seed=0)
    model.k_t.assign(0.5)  # away from the clip at 0, so k_t's update shows in the weights of the second step
    return model


EQUIVALENCE = {"dcgan": dcgan, "wgan_gp": wgan_gp, "hinge": lambda: dcgan(loss="hinge"), "began": began}


def trained(build):
    """`(start weights, end weights, last losses, model)` after two SGD steps of 64."""
    keras.utils.set_random_seed(0)
    model = build()
    model.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05))
    start = weights(model)
    history = model.fit(IMAGES, batch_size=64, epochs=1, shuffle=False, verbose=0).history
    return start, weights(model), {k: v[-1] for k, v in history.items()}, model


def equivalence(build):
    with as_two_replicas():
        start, single, single_logs, _ = trained(build)
    with STRATEGY.scope():
        distributed_start, distributed, logs, model = trained(build)
    same_start = all(np.array_equal(a, b) for a, b in zip(start, distributed_start))
    error, size = update_error(start, single, distributed)
    log_error = max(abs(logs[k] - single_logs[k]) / max(abs(single_logs[k]), 1e-3) for k in single_logs)
    return {"same_start": same_start, "update_error": error, "update_size": size, "log_error": log_error,
            "copies_disagree": copies_disagree(STRATEGY, model)}


def labels(count):
    return np.arange(count) % 3


FAMILIES = {
    "images": (lambda: models.DCGAN.for_images(SHAPE, latent_dim=8, width=4, seed=0), (IMAGES[:32],)),
    "images_labels": (lambda: models.ConditionalGAN.for_images(SHAPE, num_classes=3, latent_dim=8, width=4, seed=0),
                      (IMAGES[:32], labels(32))),
    "pairs": (lambda: models.Pix2Pix.for_images(SHAPE, width=4, seed=0), (IMAGES[:32], -IMAGES[:32])),
    "unpaired": (lambda: models.CycleGAN.for_images(SHAPE, width=4, num_blocks=1, pool_size=4, seed=0),
                 (IMAGES[:32], -IMAGES[32:64])),
}


def family(build, data):
    with STRATEGY.scope():
        keras.utils.set_random_seed(0)
        model = build()
        model.compile()
    before = {name: [np.array(v) for v in model.optimizer_variables(name)] for name in model.optimizer_names}
    history = model.fit(*data, batch_size=16, epochs=1, verbose=0).history
    unchanged = [name for name, start in before.items()
                 if all(np.array_equal(a, np.asarray(v)) for a, v in zip(start, model.optimizer_variables(name)))]
    return {"batch_kind": model.batch_kind, "finite": all(np.isfinite(v[-1]) for v in history.values()),
            "steps": [int(getattr(model, name).iterations.numpy()) for name in model.optimizer_names],
            "unchanged_players": unchanged,
            "copies_disagree": copies_disagree(STRATEGY, model, trainable_only=True)}


CASES = {**{name: (equivalence, build) for name, build in EQUIVALENCE.items()},
         **{name: (family, *arguments) for name, arguments in FAMILIES.items()}}

results = {}
for name in sys.argv[1:] or CASES:
    run, *arguments = CASES[name]
    try:
        results[name] = {"ok": True, **run(*arguments)}
    except Exception:  # noqa: BLE001 (one failing case must not hide the others' results)
        results[name] = {"ok": False, "error": traceback.format_exc()[-3000:]}
print(json.dumps(results))
