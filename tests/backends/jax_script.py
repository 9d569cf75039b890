"""Run by test_jax.py under KERAS_BACKEND=jax, in a fresh process: `python jax_script.py MODE FOLDER`.

MODE `files`: FOLDER holds `tf_dcgan.keras` and `tf_vae.keras`, saved under
TensorFlow, and `latent.npy`. Each model is loaded, makes its outputs from the
latent points (`tf_*_under_jax.npy`), trains on (DCGAN on arrays, the VAE
through a tf.data pipeline), meets a NaN in a pipeline, and is saved
(`jax_*.keras`, with its outputs in `jax_*.npy`) for the test to load under
TensorFlow.

MODE `data_parallel`: `keras.distribution.DataParallel` over two host devices.

Writes `report.json` into FOLDER.
"""

import json
import os
import sys

os.environ["KERAS_BACKEND"] = "jax"
# Two host devices for DataParallel (set before JAX starts); other modes use the first. Compiling
# the train steps is most of this script's time: XLA's CPU backend without LLVM's optimisations and
# without its newer fusion emitters compiles them in about a third of the time (test_jax.py: 36 s
# -> 15 s), and the same programs run on these tiny models about as fast.
os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2"
                           " --xla_backend_optimization_level=0 --xla_cpu_use_fusion_emitters=false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import tensorflow as tf

import keras_gen

mode, folder = sys.argv[1], sys.argv[2]
assert keras.backend.backend() == "jax"
images = np.random.default_rng(0).uniform(-1, 1, (16, 16, 16, 1)).astype("float32")


def state(model):
    return {
        "iterations": {name: int(optimizer.iterations.numpy()) for name, optimizer in model.players().items()},
        "seeds": [np.asarray(v.numpy()).tolist() for v in model._random_states()],
    }


def unchanged(model, before):
    """How many trainable weights of each network still equal `before` (a `network_weights` dict)."""
    return {
        net: sum(np.array_equal(old, new.numpy()) for old, new in zip(before[net], getattr(model, net).trainable_weights))
        for net in model.network_names
    }


def network_weights(model):
    return {net: [w.numpy().copy() for w in getattr(model, net).trainable_weights] for net in model.network_names}


def nan_check(model, data):
    """The error of a NaN inside a tf.data pipeline, and how many weights it changed."""
    weights = [w.numpy().copy() for w in model.weights]
    poisoned = data.copy()
    poisoned[3, 0, 0, 0] = np.nan
    try:
        model.fit(tf.data.Dataset.from_tensor_slices(poisoned).batch(8), epochs=1, verbose=0)
        error = None
    except ValueError as err:
        error = str(err)
    return error, sum(not np.array_equal(old, new.numpy()) for old, new in zip(weights, model.weights))


def files():
    latent = np.load(os.path.join(folder, "latent.npy"))
    report = {}
    for name in ("dcgan", "vae"):
        model = keras.saving.load_model(os.path.join(folder, f"tf_{name}.keras"))
        points = latent[:, : model.latent_dim]
        np.save(os.path.join(folder, f"tf_{name}_under_jax.npy"), model.generate(latent_points=points))
        loaded, before = state(model), network_weights(model)
        data = images if name == "dcgan" else (images + 1) / 2
        x = data if name == "dcgan" else tf.data.Dataset.from_tensor_slices(data).batch(8)
        history = model.fit(x, batch_size=8, epochs=1, verbose=0, shuffle=False).history
        resumed = state(model)
        nan_error, nan_changed = nan_check(model, data)
        model.save(os.path.join(folder, f"jax_{name}.keras"))
        np.save(os.path.join(folder, f"jax_{name}.npy"), model.generate(latent_points=points))
        report[name] = {
            "loaded": loaded, "resumed": resumed, "unchanged": unchanged(model, before),
            "losses_finite": bool(all(np.isfinite(values[-1]) for values in history.values())),
            "nan_error": nan_error, "nan_changed": nan_changed,
        }
    return report


def data_parallel():
    """DataParallel over the two host devices: every player's state sharded and trained."""
    distribution = keras.distribution.DataParallel()
    keras.distribution.set_distribution(distribution)
    model = keras_gen.recipes.build_model("dcgan", (16, 16, 1), width=4, latent_dim=8, seed=0)
    before = network_weights(model)
    history = model.fit(images, batch_size=8, epochs=1, verbose=0).history
    try:
        model.fit(images[:14], batch_size=7, epochs=1, verbose=0)
        uneven_error = None
    except ValueError as err:
        uneven_error = str(err)
    return {
        "devices": int(distribution.device_mesh.devices.size),
        "losses_finite": bool(all(np.isfinite(values[-1]) for values in history.values())),
        "unchanged": unchanged(model, before),
        **state(model),
        "uneven_error": uneven_error,
    }


with open(os.path.join(folder, "report.json"), "w") as file:
    json.dump(files() if mode == "files" else data_parallel(), file)
