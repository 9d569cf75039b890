"""Run by test_distribution.py in a fresh process: two logical CPUs, MirroredStrategy, a DCGAN.

Prints JSON with:
- `single` / `mirrored`: evaluation losses of the same DCGAN on the same batch on
  one device (drawing its noise as two replicas would, `as_two_replicas`) and
  on two replicas;
- `fit`: the losses of one distributed epoch, run twice from the same seed
  (`same_weights`: whether both runs end with the same weights);
- `own_halves` / `shared_halves`: each replica's latent points from
  `sample_latent` (the model's draw) and from the seed generator used directly.
"""

import json
import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
from tests.models.distributed_helpers import as_two_replicas, copies_disagree, split_cpu, weights

split_cpu(2)

import keras
import numpy as np
import tensorflow as tf

import keras_gen


def build():
    keras.utils.set_random_seed(0)
    gan = keras_gen.models.DCGAN.for_images(
        (8, 8, 1), latent_dim=8, width=4, batch_norm=False, dropout=0.0,
        label_smoothing=0.0, label_noise=0.0, ema=None, seed=0,
    )
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    return gan


x = np.random.default_rng(0).uniform(-1, 1, (32, 8, 8, 1)).astype("float32")
with as_two_replicas():
    single = build().evaluate(x[:16], batch_size=16, verbose=0, return_dict=True)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
runs = []
for _ in range(2):
    with strategy.scope():
        gan = build()
    mirrored = gan.evaluate(x[:16], batch_size=16, verbose=0, return_dict=True)
    history = gan.fit(x, batch_size=16, epochs=1, shuffle=False, verbose=0).history
    runs.append((mirrored, history, weights(gan)))


@tf.function
def draws():
    return strategy.run(lambda: (gan.sample_latent(4), keras.random.normal((4, 8), seed=gan.seed_generator)))


own, shared = (strategy.experimental_local_results(value) for value in draws())
print(json.dumps({
    "replicas": strategy.num_replicas_in_sync,
    "single": single,
    "mirrored": runs[0][0],
    "fit": {k: v[0] for k, v in runs[0][1].items()},
    "same_weights": all(np.array_equal(a, b) for a, b in zip(runs[0][2], runs[1][2])),
    "copies_disagree": copies_disagree(strategy, gan, trainable_only=True),
    "own_halves": [np.asarray(half).tolist() for half in own],
    "shared_halves": [np.asarray(half).tolist() for half in shared],
}))
