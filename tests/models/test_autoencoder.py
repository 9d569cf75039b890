"""Autoencoder and DenoisingAutoencoder: shapes, losses against numpy, noise, saving, errors."""

import keras
import numpy as np
import pytest

from keras_gen.models import Autoencoder, DenoisingAutoencoder, capabilities
from tests.test_case import GenerativeModelTestCase, changed, weights_of


def _images(count=16, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (count, 28, 28, 1)).astype("float32")


class TestAutoencoder(GenerativeModelTestCase):
    model_class = Autoencoder

    def make_model(self, seed=0, **kwargs):
        return self.model_class.for_images(
            (28, 28, 1), latent_dim=6, width=4, hidden_units=16, seed=seed, **kwargs
        )

    def compile_model(self, model):
        model.compile()

    def training_data(self):
        return _images()

    def test_capabilities(self):
        model = self.make_model()
        assert capabilities(model) == ["encodes"]
        assert not hasattr(model, "generate")

    @pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (8, 8, 1)])
    def test_shapes(self, shape):
        model = self.model_class.for_images(shape, latent_dim=5, width=4, hidden_units=8, seed=0)
        x = np.random.default_rng(0).uniform(0, 1, (3,) + shape).astype("float32")
        codes = model.encode(x)
        assert tuple(codes.shape) == (3, 5)
        decoded = keras.ops.convert_to_numpy(model.decode(codes))
        assert decoded.shape == (3,) + shape and 0 <= decoded.min() and decoded.max() <= 1
        np.testing.assert_allclose(model.reconstruct(x), decoded, rtol=1e-5, atol=1e-6)

    def test_fit_updates_encoder_and_decoder_and_lowers_the_loss(self):
        model = self.make_model()
        model.compile(optimizer=keras.optimizers.Adam(3e-3))
        x = np.repeat(_images(4), 8, axis=0)
        encoder, decoder = weights_of(model.encoder), weights_of(model.decoder)
        first = model.evaluate(x, batch_size=16, verbose=0, return_dict=True)
        # 12 steps lowered the loss by 1 to 7 (of 543) from each of 16 initial weights tried.
        history = model.fit(x, batch_size=16, epochs=6, verbose=0)
        assert set(history.history) == {"loss", "mse"}
        assert changed(encoder, weights_of(model.encoder)) == len(encoder)
        assert changed(decoder, weights_of(model.decoder)) == len(decoder)
        last = model.evaluate(x, batch_size=16, verbose=0, return_dict=True)
        assert last["loss"] < first["loss"] and last["mse"] < first["mse"]

    def test_loss_and_mse_against_numpy(self):
        model = self.make_model()
        model.compile()
        x = _images(8)
        logits = keras.ops.convert_to_numpy(model.decoder(model.encoder(x)))
        probabilities = 1 / (1 + np.exp(-logits.astype(np.float64)))
        bce = -(x * np.log(probabilities) + (1 - x) * np.log(1 - probabilities))
        result = model.evaluate(x, batch_size=8, verbose=0, return_dict=True)
        np.testing.assert_allclose(result["loss"], bce.reshape(8, -1).sum(axis=1).mean(), rtol=1e-4)
        np.testing.assert_allclose(result["mse"], np.mean((probabilities - x) ** 2), rtol=1e-4)

    def test_gaussian_reconstruction_works_in_tanh_scale(self):
        model = self.make_model(reconstruction="gaussian")
        assert model.data_scale == (-1.0, 1.0)
        model.compile()
        x = _images(8) * 2 - 1
        outputs = keras.ops.convert_to_numpy(model.decoder(model.encoder(x)))
        result = model.evaluate(x, batch_size=8, verbose=0, return_dict=True)
        expected = 0.5 * ((outputs - x) ** 2).reshape(8, -1).sum(axis=1).mean()
        np.testing.assert_allclose(result["loss"], expected, rtol=1e-4)

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match="reconstruction"):
            self.make_model(reconstruction="poisson")
        with pytest.raises(ValueError, match="Bernoulli"):
            self.make_model(data_scale=(-1, 1))
        with pytest.raises(ValueError, match="one code"):
            from keras_gen import networks

            Autoencoder(networks.conv_encoder((28, 28, 1), 4, 4, 8), networks.conv_decoder((28, 28, 1), 4, 4, 8))
        with pytest.raises(ValueError, match=r"\(n, 6\)"):
            self.make_model().decode(np.zeros((2, 5), "float32"))


class TestDenoisingAutoencoder(TestAutoencoder):
    model_class = DenoisingAutoencoder

    def test_gaussian_noise_is_seeded_and_stays_in_range(self):
        model = self.make_model(noise="gaussian", noise_stddev=0.5)
        x = np.full((4, 28, 28, 1), 0.5, "float32")
        noisy = keras.ops.convert_to_numpy(model.corrupt(x, seed=3))
        np.testing.assert_array_equal(noisy, keras.ops.convert_to_numpy(model.corrupt(x, seed=3)))
        assert 0 <= noisy.min() and noisy.max() <= 1
        # Before clipping the noise has std 0.5: most pixels move, and by a lot.
        assert np.std(noisy - x) > 0.3
        # Drawing from the model's generator advances it: two calls differ.
        first, second = (keras.ops.convert_to_numpy(model.corrupt(x)) for _ in range(2))
        assert not np.array_equal(first, second)

    def test_masking_noise_drops_the_given_share(self):
        model = self.make_model(noise="masking", noise_rate=0.3)
        x = np.ones((8, 28, 28, 1), "float32")
        noisy = keras.ops.convert_to_numpy(model.corrupt(x, seed=0))
        assert set(np.unique(noisy)) <= {0.0, 1.0}
        assert abs(float(np.mean(noisy == 0.0)) - 0.3) < 0.02

    def test_noise_only_in_training(self):
        """An identity autoencoder reconstructs clean inputs exactly: any loss in training is the noise."""
        identity = keras.initializers.Identity()
        encoder = keras.Sequential(
            [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(64, use_bias=False, kernel_initializer=identity)]
        )
        decoder = keras.Sequential(
            [keras.Input((64,)), keras.layers.Dense(64, use_bias=False, kernel_initializer=identity), keras.layers.Reshape((8, 8, 1))]
        )
        model = DenoisingAutoencoder(
            encoder, decoder, noise="masking", noise_rate=0.25, reconstruction="gaussian", seed=0
        )
        model.compile(optimizer=keras.optimizers.SGD(0.0))  # the weights stay the identity
        x = np.ones((16, 8, 8, 1), "float32")
        np.testing.assert_array_equal(model.reconstruct(x), x)
        assert model.evaluate(x, batch_size=8, verbose=0, return_dict=True)["loss"] == 0.0
        # Masked pixels become -1, so each costs 0.5 * (1 - (-1))^2 = 2: the loss counts them.
        loss = model.fit(x, batch_size=16, epochs=1, verbose=0).history["loss"][0]
        assert loss == pytest.approx(2.0 * 0.25 * 64, rel=0.15)

    def test_reconstruction_rows(self):
        model = self.make_model()
        rows = model.reconstruction_rows(_images(3), seed=1)
        assert list(rows) == ["noisy", "denoised", "clean"]
        assert all(images.shape == (3, 28, 28, 1) for images in rows.values())
        assert not np.array_equal(rows["noisy"], rows["clean"])

    def test_bad_noise_arguments(self):
        with pytest.raises(ValueError, match="Unknown noise"):
            self.make_model(noise="salt")
        with pytest.raises(ValueError, match="noise_rate"):
            self.make_model(noise="masking", noise_rate=1.5)
        with pytest.raises(ValueError, match="noise_stddev"):
            self.make_model(noise_stddev=0)


def test_encoder_and_decoder_must_fit_together():
    from keras_gen import networks

    encoder = networks.conv_encoder((28, 28, 1), 4, 4, 8, variational=False)
    with pytest.raises(ValueError, match=r"Code size mismatch: the encoder gives 4-d codes but the decoder takes codes"):
        Autoencoder(encoder, networks.conv_decoder((28, 28, 1), 5, 4, 8))
    with pytest.raises(ValueError, match=r"decoder outputs shape \(32, 32, 1\) but the encoder takes images of shape"):
        Autoencoder(encoder, networks.conv_decoder((32, 32, 1), 4, 4, 8))
    assert Autoencoder(encoder, networks.conv_decoder((28, 28, 1), 4, 4, 8)).latent_dim == 4
