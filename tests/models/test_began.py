"""BEGAN: the k_t control against the paper's formula, k_t in [0, 1], saving k_t, the L1 discriminator."""

import keras
import numpy as np
import pytest

from keras_gen import losses
from keras_gen.models import BEGAN
from keras_gen.models.adversarial.began import autoencoder_discriminator
from tests.test_case import GenerativeModelTestCase


def _images(count=16, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (count, 8, 8, 1)).astype("float32")


def _context(real=None, fake=None):
    as_column = lambda values: None if values is None else np.asarray(values, "float32")[:, None]
    return losses.AdversarialContext(None, None, as_column(real), as_column(fake))


class TestBEGAN(GenerativeModelTestCase):
    def make_model(self, seed=0, **kwargs):
        return BEGAN.for_images((8, 8, 1), latent_dim=8, width=4, hidden_dim=8, seed=seed, **kwargs)

    def compile_model(self, model):
        model.compile()

    def training_data(self):
        return _images()

    def test_discriminator_outputs_the_l1_reconstruction_error(self):
        discriminator = autoencoder_discriminator((8, 8, 1), hidden_dim=8, width=4)
        x = _images(3)
        reconstruction = keras.ops.convert_to_numpy(discriminator.get_layer("autoencoder")(x))
        expected = np.abs(x - reconstruction).mean(axis=(1, 2, 3))[:, None]
        np.testing.assert_allclose(keras.ops.convert_to_numpy(discriminator(x)), expected, rtol=1e-5)

    def test_k_t_follows_the_papers_update_and_stays_in_the_unit_interval(self):
        model = self.make_model(gamma=0.5, k_learning_rate=0.1)
        model.end_of_step(_context(real=[0.4, 0.6]), _context(fake=[0.1, 0.1]), update=True)
        # k_1 = clip(0 + 0.1 * (0.5 * 0.5 - 0.1), 0, 1) = 0.015
        assert float(model.k_t.numpy()) == pytest.approx(0.015, abs=1e-7)
        # M_global = L(x) + |gamma L(x) - L(G(z))| = 0.5 + 0.15
        assert float(model.convergence_tracker.result()) == pytest.approx(0.65, abs=1e-6)
        model.end_of_step(_context(real=[0.0]), _context(fake=[5.0]), update=True)
        assert float(model.k_t.numpy()) == 0.0  # clipped below
        for _ in range(3):
            model.end_of_step(_context(real=[40.0]), _context(fake=[0.0]), update=True)
        assert float(model.k_t.numpy()) == 1.0  # clipped above
        model.end_of_step(_context(real=[0.0]), _context(fake=[5.0]), update=False)
        assert float(model.k_t.numpy()) == 1.0  # no update outside training

    def test_fit_logs_k_t_and_m_global_and_saves_k_t(self, tmp_path):
        model = self.make_model(k_learning_rate=0.05)
        model.compile()
        seen = []

        class Watch(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                seen.append(float(self.model.k_t.numpy()))

        history = model.fit(_images(32), batch_size=8, epochs=2, verbose=0, callbacks=[Watch()])
        assert {"k_t", "m_global", "d_loss", "g_loss"} <= set(history.history)
        assert len(seen) == 8 and all(0.0 <= k <= 1.0 for k in seen)
        assert any(k > 0 for k in seen)  # L(x) > L(G(z)) / gamma at the start: k_t rises
        path = tmp_path / "began.keras"
        model.save(path)
        restored = keras.saving.load_model(path)
        assert float(restored.k_t.numpy()) == pytest.approx(seen[-1])
        assert restored.gamma == model.gamma and restored.k_learning_rate == 0.05

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match="gamma"):
            self.make_model(gamma=0.0)
        with pytest.raises(ValueError, match="k_learning_rate"):
            self.make_model(k_learning_rate=-1.0)
