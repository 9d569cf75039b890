"""One worker of a two-worker `MultiWorkerMirroredStrategy`, run by test_distribution.py.

The cluster comes from `TF_CONFIG` (two workers on 127.0.0.1). Both workers
train the same small DCGAN on the same data for two steps (each step: a global
batch of 16, 8 per worker) with `fit`, which works under this strategy because
`GenerativeModel.fit` lets Keras average scalar logs across workers
(`keras_gen.training.prepare_fit`; tensorflow/tensorflow#72388). Prints JSON with this worker's index, the number of
replicas, the losses, the sum of each weight (every worker must end with the
same weights) and this worker's latent points from `sample_latent` (every
worker must draw its own).
"""

import json
import os
import sys

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf

# Before any other TensorFlow call: the strategy starts this worker's server.
strategy = tf.distribute.MultiWorkerMirroredStrategy()

import keras
import numpy as np

import keras_gen

keras.utils.set_random_seed(0)
with strategy.scope():
    gan = keras_gen.models.DCGAN.for_images((8, 8, 1), latent_dim=8, width=4, ema=None, seed=0)
    gan.compile(d_optimizer="adam", g_optimizer="adam")
x = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
history = gan.fit(x, batch_size=16, epochs=1, shuffle=False, verbose=0).history
logs = {name: values[-1] for name, values in history.items()}


@tf.function
def draw():
    return strategy.run(lambda: gan.sample_latent(4))


latent = strategy.experimental_local_results(draw())[0]
print(json.dumps({
    "worker": json.loads(os.environ["TF_CONFIG"])["task"]["index"],
    "replicas": strategy.num_replicas_in_sync,
    "losses": {name: float(value) for name, value in logs.items()},
    "steps": int(gan.d_optimizer.iterations.numpy()),
    "weight_sums": [float(np.sum(keras.ops.convert_to_numpy(v))) for v in gan.trainable_weights],
    "latent": np.asarray(latent).tolist(),
}))
sys.stdout.flush()
# Without this, tearing down the collective runtime waits on the other worker (about 25 s here).
os._exit(0)
