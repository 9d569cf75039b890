"""The train steps under tf.distribute and mixed precision.

The distributed cases run in fresh processes (two logical CPUs must be set
before TensorFlow starts): by default one MirroredStrategy process, shared by
two tests; `-m distributed` adds the two-worker MultiWorkerMirroredStrategy pair
(three fresh processes, about 20 s on 2 cores) and one process with the
"replicas change nothing but speed" cases and one family per batch kind.
"""

import json
import os

import keras
import numpy as np
import pytest

import keras_gen
from tests.models.distributed_helpers import run_script, run_workers


@pytest.fixture(scope="module")
def mirrored():
    """One run of distributed_script.py (a DCGAN on two replicas), shared by the tests that read it."""
    return run_script("distributed_script.py", timeout=300)


def test_mirrored_strategy_matches_single_device(mirrored):
    """Losses are averaged over the global batch: two replicas report what one device does.

    The one-device run draws its noise as the two replicas do, so any difference
    would be the replicas' scaling (a factor of 2) or a split of the batch.
    """
    assert mirrored["replicas"] == 2
    for key in ("d_loss", "g_loss", "real_score", "fake_score"):
        np.testing.assert_allclose(mirrored["mirrored"][key], mirrored["single"][key], rtol=1e-5)
        assert np.isfinite(mirrored["fit"][key])
    assert mirrored["copies_disagree"] == []


def test_replicas_draw_their_own_noise(mirrored):
    """Each replica draws its own latent points (`replica_seed`), the same in every run."""
    own, shared = (np.array(mirrored[key]) for key in ("own_halves", "shared_halves"))
    assert own.shape == (2, 4, 8) and not np.allclose(own[0], own[1])
    # The defect replica_seed fixes: the mirrored seed state gives every replica the same numbers.
    np.testing.assert_array_equal(shared[0], shared[1])
    assert mirrored["same_weights"]


@pytest.mark.distributed
def test_multi_worker_mirrored_strategy_trains_on_two_workers(tmp_path):
    """Two worker processes on 127.0.0.1 train one DCGAN: same weights on both, each its own noise."""
    workers = run_workers("multi_worker_distributed_script.py", 2, tmp_path, timeout=240)
    for index, (returncode, _, err) in enumerate(workers):
        assert returncode == 0, f"worker {index}: {err}"
    results = [result for _, result, _ in workers]
    assert [result["worker"] for result in results] == [0, 1]
    assert all(result["replicas"] == 2 and result["steps"] == 2 for result in results)
    assert all(np.isfinite(list(result["losses"].values())).all() for result in results)
    np.testing.assert_allclose(results[0]["weight_sums"], results[1]["weight_sums"], rtol=1e-6, atol=1e-6)
    assert not np.allclose(results[0]["latent"], results[1]["latent"])


@pytest.fixture(scope="module")
def cases(train_once):
    """One run of distributed_cases_script.py per test run, shared by the pytest-xdist workers:
    every `-m distributed` case in one process."""

    def make(folder):
        path = os.path.join(folder, "cases.json")
        if not os.path.exists(path):
            with open(path + ".partial", "w") as file:
                json.dump(run_script("distributed_cases_script.py", timeout=600), file)
            os.replace(path + ".partial", path)
        with open(path) as file:
            return json.load(file)

    return train_once("distributed_cases", make)


@pytest.mark.distributed
@pytest.mark.parametrize("name", ["dcgan", "wgan_gp", "hinge", "began"])
def test_replicas_change_nothing_but_speed(cases, name):
    """Two SGD steps on two replicas move the weights as on one device (same noise, no batch statistics).

    A missing or doubled division by the number of replicas in a loss or
    penalty changes the update by tens of percent; BEGAN's k_t, computed from
    one replica's half, would also differ between the replicas' copies.
    """
    result = cases[name]
    assert result["ok"], result.get("error")
    assert result["same_start"]
    assert result["update_error"] <= 1e-4 * result["update_size"], result
    assert result["log_error"] <= 1e-4, result
    assert result["copies_disagree"] == []


@pytest.mark.distributed
@pytest.mark.parametrize("name", ["images", "images_labels", "pairs", "unpaired"])
def test_every_batch_kind_trains_under_mirrored_strategy(cases, name):
    """DCGAN, ConditionalGAN, pix2pix and CycleGAN: two steps update every player, replicas stay in sync."""
    result = cases[name]
    assert result["ok"], result.get("error")
    assert result["batch_kind"] == name
    assert result["finite"] and result["unchanged_players"] == []
    assert set(result["steps"]) == {2}
    assert result["copies_disagree"] == []


def test_mixed_precision_training(tmp_path):
    keras.config.set_dtype_policy("mixed_float16")
    gan = keras_gen.models.DCGAN.for_images((28, 28, 1), latent_dim=8, width=4, seed=0)
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert gan.discriminator.layers[1].compute_dtype == "float16"
    x = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    history = gan.fit(x, batch_size=8, epochs=1, verbose=0)
    assert all(np.isfinite(v[0]) for v in history.history.values())
    images = gan.generate(2)
    assert images.dtype == np.float32 and np.abs(images).max() <= 1.0
    vae = keras_gen.models.VAE.for_images((28, 28, 1), latent_dim=2, width=4, hidden_units=8, seed=0)
    vae.compile(optimizer="adam")
    history = vae.fit((x + 1) / 2, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    gan.save(tmp_path / "mixed.keras")
    restored = keras.models.load_model(tmp_path / "mixed.keras")
    z = np.zeros((2, 8), "float32")
    np.testing.assert_array_equal(gan.generate(latent_points=z), restored.generate(latent_points=z))
