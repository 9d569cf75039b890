"""Models saved by keras_gen 0.1 (before the capability architecture) still load and train."""

import os

import keras
import numpy as np

import keras_gen.models  # noqa: F401  (registers the model classes that load_model looks up)

DATA = os.path.join(os.path.dirname(__file__), "data")


def _load(name):
    return keras.saving.load_model(os.path.join(DATA, name))


def test_dcgan_and_vae_from_version_0_1_load_with_outputs_and_optimizer_state():
    expected = np.load(os.path.join(DATA, "v0_1_outputs.npz"))
    gan, vae = _load("dcgan_v0_1.keras"), _load("vae_v0_1.keras")
    assert type(gan).__name__ == "DCGAN" and type(vae).__name__ == "VAE"
    np.testing.assert_allclose(
        gan.generate(latent_points=expected["dcgan_latent"]), expected["dcgan_images"], atol=1e-6
    )
    np.testing.assert_allclose(
        vae.generate(latent_points=expected["vae_latent"]), expected["vae_images"], atol=1e-6
    )
    assert [int(o.iterations.numpy()) for o in gan.players().values()] == list(expected["dcgan_iterations"])
    assert [int(o.iterations.numpy()) for o in vae.players().values()] == list(expected["vae_iterations"])
    assert gan.loss_name == "non_saturating" and gan.generator_loss == "non_saturating"


def test_version_0_1_files_continue_training():
    gan, vae = _load("dcgan_v0_1.keras"), _load("vae_v0_1.keras")
    x = np.random.default_rng(0).uniform(0, 1, (16, 28, 28, 1)).astype("float32")
    gan.fit(x * 2 - 1, batch_size=8, epochs=1, verbose=0)
    vae.fit(x, batch_size=8, epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations.numpy()) == int(gan.g_optimizer.iterations.numpy()) == 4
    assert int(vae.optimizer.iterations.numpy()) == 4
