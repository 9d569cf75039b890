"""Run by test_distribution.py in a fresh process: two logical CPUs, MirroredStrategy.

Prints JSON with the evaluation losses of the same DCGAN on the same batch with and
without a two-replica strategy, and the losses after one distributed epoch.
"""

import json
import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras_gen


def build():
    keras.utils.set_random_seed(0)
    gan = keras_gen.models.DCGAN.for_images(
        (28, 28, 1), latent_dim=8, width=4, batch_norm=False, dropout=0.0,
        label_smoothing=0.0, label_noise=0.0, seed=0,
    )
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    return gan


x = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
single = build().evaluate(x, batch_size=16, verbose=0, return_dict=True)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    gan = build()
mirrored = gan.evaluate(x, batch_size=16, verbose=0, return_dict=True)
history = gan.fit(x, batch_size=8, epochs=1, verbose=0).history
print(json.dumps({
    "replicas": strategy.num_replicas_in_sync,
    "single": single,
    "mirrored": mirrored,
    "fit": {k: v[0] for k, v in history.items()},
}))
