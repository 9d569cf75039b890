"""JAX: DCGAN and VAE train, save and load under JAX, and `.keras` files move between TensorFlow and JAX.

JAX must be chosen before Keras is imported, so the JAX side runs in a fresh
process (`jax_script.py`): it loads files saved here under TensorFlow, trains
on from them and saves them again; this process then loads the JAX files. The
registry-wide pass (every family under JAX) is `test_jax_registry.py`, marked
`jax`; `keras.distribution.DataParallel` over two host devices is marked
`distributed`.
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_gen

pytest.importorskip("jax", reason="the jax extra is not installed: pip install -e .[jax]")

SCRIPT = os.path.join(os.path.dirname(__file__), "jax_script.py")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_under_jax(mode, folder):
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, SCRIPT, mode, str(folder)], check=False, capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads((folder / "report.json").read_text())


def iterations(model):
    return {name: int(optimizer.iterations.numpy()) for name, optimizer in model.players().items()}


def test_jax_trains_every_network_and_files_move_between_backends(tmp_path):
    latent = np.random.default_rng(1).standard_normal((3, 8)).astype("float32")
    np.save(tmp_path / "latent.npy", latent)
    images = np.random.default_rng(0).uniform(-1, 1, (16, 16, 16, 1)).astype("float32")
    saved = {}
    for name, data in (("dcgan", images), ("vae", (images + 1) / 2)):
        sizes = {"latent_dim": 8} if name == "dcgan" else {"latent_dim": 2, "hidden_units": 8}
        model = keras_gen.recipes.build_model(name, (16, 16, 1), width=4, seed=0, **sizes)
        model.fit(data, batch_size=8, epochs=1, verbose=0)
        model.save(tmp_path / f"tf_{name}.keras")
        saved[name] = {
            "outputs": model.generate(latent_points=latent[:, : model.latent_dim]),
            "iterations": iterations(model),
            "seeds": [np.asarray(v.numpy()).tolist() for v in model._random_states()],
        }
    report = run_under_jax("files", tmp_path)

    for name, expected in saved.items():
        run = report[name]
        # TensorFlow -> JAX: the same outputs, the optimizer and seed state as saved.
        np.testing.assert_allclose(np.load(tmp_path / f"tf_{name}_under_jax.npy"), expected["outputs"], atol=1e-4)
        assert run["loaded"]["iterations"] == expected["iterations"]
        assert run["loaded"]["seeds"] == expected["seeds"]
        # Trained on under JAX: each optimizer counts on, the seed stream continues, every weight of every
        # network changed.
        assert all(run["resumed"]["iterations"][key] == count + 2 for key, count in expected["iterations"].items())
        assert run["resumed"]["seeds"] != run["loaded"]["seeds"]
        assert run["losses_finite"]
        assert all(count == 0 for count in run["unchanged"].values()), run["unchanged"]
        # A NaN in a tf.data pipeline: TensorFlow's error, at the batch it is in, and no update.
        assert "NaN or infinite values" in run["nan_error"] and "(training data, epoch 1, batch 1)" in run["nan_error"]
        assert run["nan_changed"] == 0
        # JAX -> TensorFlow: the same outputs, the optimizers' counts.
        model = keras.saving.load_model(tmp_path / f"jax_{name}.keras")
        points = latent[:, : model.latent_dim]
        np.testing.assert_allclose(model.generate(latent_points=points), np.load(tmp_path / f"jax_{name}.npy"), atol=1e-4)
        assert iterations(model) == run["resumed"]["iterations"]


@pytest.mark.distributed
def test_data_parallel_over_two_host_devices_trains_every_player(tmp_path):
    run = run_under_jax("data_parallel", tmp_path)
    assert run["devices"] == 2 and run["losses_finite"]
    assert all(count == 0 for count in run["unchanged"].values()), run["unchanged"]
    assert all(count == 2 for count in run["iterations"].values())
    assert "batch of 7" in run["uneven_error"] and "2 replicas" in run["uneven_error"]
