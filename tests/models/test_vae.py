"""VAE: shapes, ELBO against numpy, metrics, saving, seeds, errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gen
from keras_gen.models import VAE
from tests.test_case import GenerativeModelTestCase, changed, weights_of


class TestVAE(GenerativeModelTestCase):
    def make_model(self, seed=0, **kwargs):
        return VAE.for_images((28, 28, 1), latent_dim=3, width=4, hidden_units=16, seed=seed, **kwargs)

    def compile_model(self, model):
        model.compile(optimizer=keras.optimizers.Adam(1e-3))

    def training_data(self):
        return np.random.default_rng(0).uniform(0, 1, (16, 28, 28, 1)).astype("float32")

    @pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3), (8, 8, 1)])
    def test_builds_for_image_shapes(self, shape):
        vae = VAE.for_images(shape, latent_dim=4, width=4, hidden_units=8, seed=0)
        x = np.random.default_rng(0).uniform(0, 1, (2,) + shape).astype("float32")
        mean, log_var = vae.encode(x)
        assert tuple(mean.shape) == tuple(log_var.shape) == (2, 4)
        assert vae.decode(mean).shape == (2,) + shape
        assert vae.reconstruct(x).shape == (2,) + shape
        sample = vae.sample(5)
        assert sample.shape == (5,) + shape and 0 <= sample.min() and sample.max() <= 1

    def test_compile_creates_optimizer_state(self):
        vae = self.make_model()
        self.compile_model(vae)
        assert vae.optimizer.built
        # iterations and learning rate, plus two Adam moments per trainable variable
        assert len(vae.optimizer.variables) == 2 + 2 * len(vae.trainable_variables)

    def test_sides_not_divisible_by_4(self):
        with pytest.raises(ValueError, match="divisible by 4"):
            VAE.for_images((30, 30, 1))

    def test_fit_logs_mean_metrics_and_validation(self):
        vae = self.make_model()
        self.compile_model(vae)
        before = weights_of(vae)
        x = self.training_data()
        history = vae.fit(x, batch_size=8, epochs=1, verbose=0, validation_data=x[:8])
        assert set(history.history) == {
            "loss", "reconstruction_loss", "kl_loss", "val_loss", "val_reconstruction_loss", "val_kl_loss"
        }
        assert changed(before, weights_of(vae)) > 0
        h = history.history
        # The logged loss is the mean over batches of reconstruction + beta * KL.
        np.testing.assert_allclose(h["loss"][0], h["reconstruction_loss"][0] + h["kl_loss"][0], rtol=1e-4)

    def test_negative_elbo_matches_numpy(self):
        """test_step's loss equals -log p(x|z) + beta*KL recomputed in numpy (the closed-form KL of the standard
        prior; the VampPrior's log p(z) is checked in test_vae_options.py)."""
        vae = self.make_model(seed=4, beta=0.5, prior="standard")
        self.compile_model(vae)
        x = self.training_data()[:8]
        state = vae.seed_generator.state.numpy().copy()
        logs = vae.test_step(tf.constant(x))
        vae.seed_generator.state.assign(state)
        mean, log_var = (t.numpy() for t in vae.encode(x))
        eps = keras.random.normal(mean.shape, seed=vae.seed_generator).numpy()
        z = mean + np.exp(0.5 * log_var) * eps
        p = 1 / (1 + np.exp(-vae.decoder(z).numpy()))
        log_px = np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=(1, 2, 3))
        kl = 0.5 * np.sum(mean**2 + np.exp(log_var) - 1 - log_var, axis=1)
        np.testing.assert_allclose(float(logs["loss"]), np.mean(-log_px + 0.5 * kl), rtol=1e-4)
        np.testing.assert_allclose(float(logs["kl_loss"]), np.mean(kl), rtol=1e-4)

    def test_gaussian_reconstruction(self):
        vae = VAE.for_images((28, 28, 1), latent_dim=3, width=4, hidden_units=16,
                             reconstruction="gaussian", decoder_std=0.5, seed=0)
        assert vae.data_scale == (-1.0, 1.0)
        self.compile_model(vae)
        x = self.training_data() * 2 - 1
        history = vae.fit(x, batch_size=8, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])
        z = np.zeros((2, 3), "float32")
        mean = vae.decoder(z).numpy()
        log_p = vae.log_px_given_z(x[:2], z).numpy()
        expected = np.sum(-0.5 * ((x[:2] - mean) / 0.5) ** 2 - np.log(0.5) - 0.5 * np.log(2 * np.pi),
                          axis=(1, 2, 3))
        np.testing.assert_allclose(log_p, expected, rtol=1e-4)

    def test_bernoulli_needs_unit_scale(self):
        with pytest.raises(ValueError, match=r"scale=\(0, 1\)"):
            self.make_model(data_scale=(-1, 1))
        vae = self.make_model()
        self.compile_model(vae)
        with pytest.raises(ValueError, match="data_scale"):
            vae.fit(self.training_data() * 2 - 1, batch_size=8, verbose=0)

    def test_custom_networks(self):
        encoder = keras_gen.networks.conv_encoder((28, 28, 1), latent_dim=5, width=4)
        decoder = keras_gen.networks.conv_decoder((28, 28, 1), latent_dim=6, width=4)
        with pytest.raises(ValueError, match="Latent size mismatch"):
            VAE(encoder, decoder)
        bad_encoder = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(5)])
        with pytest.raises(ValueError, match=r"\[mean, log_var\]"):
            VAE(bad_encoder, decoder)

    def test_image_snapshot_with_reconstructions(self, tmp_path):
        vae = self.make_model()
        self.compile_model(vae)
        x = self.training_data()
        snapshot = keras_gen.callbacks.ImageSnapshot(str(tmp_path), n=9, every=2, reconstruction_images=x[:4])
        vae.fit(x, batch_size=8, epochs=3, verbose=0, callbacks=[snapshot])
        names = sorted(p.name for p in tmp_path.iterdir())
        assert names == [
            "reconstructions_epoch_0002.png", "reconstructions_epoch_0003.png",
            "samples_epoch_0002.png", "samples_epoch_0003.png",
        ]


class TestDiscretizedVAE(GenerativeModelTestCase):
    """The VAE with a discretized logistic decoder (the family contract runs on it as a variant)."""

    def make_model(self, seed=0):
        return VAE.for_images((8, 8, 1), latent_dim=2, width=4, hidden_units=8,
                              reconstruction="discretized_logistic", seed=seed)

    def compile_model(self, model):
        model.compile()

    def training_data(self):
        return (np.random.default_rng(0).integers(0, 256, (16, 8, 8, 1)) / 255.0).astype("float32")


def test_discretized_decoder_likelihood_matches_scipy():
    from scipy import stats

    vae = TestDiscretizedVAE().make_model()
    vae.decoder_log_scale.assign(np.random.default_rng(1).uniform(-3, -1, (8, 8, 1)).astype("float32"))
    images = TestDiscretizedVAE().training_data()[:3]
    images[0, 0, :2, 0] = [0.0, 1.0]  # the two edge bins
    z = np.random.default_rng(2).standard_normal((3, 2)).astype("float32")
    means = keras.ops.convert_to_numpy(vae.decoder(z))
    scales = np.exp(keras.ops.convert_to_numpy(vae.decoder_log_scale))
    x, half = images * 2 - 1, 1 / 255
    upper = np.where(x > 0.999, 1.0, stats.logistic.cdf(x + half, means, scales))
    lower = np.where(x < -0.999, 0.0, stats.logistic.cdf(x - half, means, scales))
    expected = np.log(upper - lower).reshape(3, -1).sum(axis=1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(vae.log_px_given_z(images, z)), expected, rtol=1e-4)


@pytest.mark.graph  # many steps or a compiled loop: tracing pays off
def test_discretized_vae_learns_and_reports_bits_per_dim_of_8_bit_data():
    keras.utils.set_random_seed(0)
    vae = TestDiscretizedVAE().make_model()
    vae.compile(keras.optimizers.Adam(1e-2))
    images = np.zeros((32, 8, 8, 1), "float32")
    images[:, ::2] = 1.0
    before = vae.bits_per_dim(images, num_samples=8).mean()
    start = keras.ops.convert_to_numpy(vae.decoder_log_scale).copy()
    vae.fit(images, batch_size=16, epochs=30, verbose=0)
    after = vae.bits_per_dim(images, num_samples=8).mean()
    assert after < 0.5 * before
    assert not np.array_equal(start, keras.ops.convert_to_numpy(vae.decoder_log_scale))  # the scales learn
    generated = vae.generate(4)
    np.testing.assert_allclose(generated[:, ::2].mean(), 1.0, atol=0.1)


def test_discretized_decoder_needs_8_bit_images():
    vae = TestDiscretizedVAE().make_model()
    vae.compile()
    images = TestDiscretizedVAE().training_data()
    with pytest.raises(ValueError, match="not on the grid of 256 values"):
        vae.fit(images * 0.999, batch_size=8, verbose=0)
    dequantized = tf.data.Dataset.from_tensor_slices(np.clip(images + 0.002, 0, 1)).batch(8)
    with pytest.raises(ValueError, match="not on a grid of 256 pixel values"):
        vae.fit(dequantized, verbose=0)
    with pytest.raises(ValueError, match="Unknown reconstruction"):
        keras_gen.models.Autoencoder.for_images((8, 8, 1), reconstruction="discretized_logistic")


def test_encoder_and_decoder_checks_are_shared_by_the_autoencoders():
    from keras_gen.models.autoencoders.encoder_decoder import check_encoder_decoder

    encoder = keras_gen.networks.conv_encoder((28, 28, 1), latent_dim=5, width=4)
    decoder = keras_gen.networks.conv_decoder((28, 28, 1), latent_dim=5, width=4)
    assert check_encoder_decoder(encoder, decoder, variational=True) == (5, (28, 28, 1))
    assert VAE(encoder, decoder).latent_dim == 5
    with pytest.raises(ValueError, match=r"decoder outputs shape \(32, 32, 1\)"):
        VAE(encoder, keras_gen.networks.conv_decoder((32, 32, 1), latent_dim=5, width=4))
    with pytest.raises(ValueError, match="one code"):  # an autoencoder takes no [mean, log_var] encoder
        check_encoder_decoder(encoder, decoder, variational=False)
