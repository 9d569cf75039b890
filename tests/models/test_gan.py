"""DCGAN / GAN: shapes, the adversarial step, frozen discriminator, saving, seeds, errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gen
from keras_gen.models import DCGAN, GAN
from tests.test_case import GenerativeModelTestCase, changed, weights_of


def _adam():
    return keras.optimizers.Adam(2e-4, beta_1=0.5)


class TestDCGAN(GenerativeModelTestCase):
    def make_model(self, seed=0):
        return DCGAN.for_images((28, 28, 1), latent_dim=8, width=4, seed=seed)

    def compile_model(self, model):
        model.compile(d_optimizer=_adam(), g_optimizer=_adam())

    def training_data(self):
        return np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")

    @pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3), (8, 8, 1)])
    def test_builds_for_image_shapes(self, shape):
        gan = DCGAN.for_images(shape, latent_dim=8, width=4, seed=0)
        images = gan.generate(3)
        assert images.shape == (3,) + shape
        assert images.min() >= -1.0 and images.max() <= 1.0  # tanh output
        assert tuple(gan.discriminator(images).shape) == (3, 1)

    def test_recipe_layers(self):
        gan = DCGAN.for_images((32, 32, 3), latent_dim=8, width=4)
        strided = [
            layer
            for net in (gan.generator, gan.discriminator)
            for layer in net.layers
            if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose))
            and layer.strides != (1, 1)
        ]
        assert strided, "the recipe uses strided convolutions"
        for layer in strided:
            assert all(k % s == 0 for k, s in zip(layer.kernel_size, layer.strides))
        names = [type(layer).__name__ for layer in gan.discriminator.layers]
        assert "Dropout" in names and "LeakyReLU" in names
        assert not any("Pooling" in name for name in names)
        assert gan.generator.layers[-1].activation.__name__ == "tanh"

    def test_adversarial_chain_freezes_discriminator(self):
        gan = self.make_model()
        generator_ids = {id(v) for v in gan.generator.trainable_weights}
        assert {id(v) for v in gan.adversarial.trainable_weights} == generator_ids
        assert {id(v) for v in gan.adversarial.trainable_variables} == generator_ids
        assert {id(v) for v in gan.discriminator.trainable_weights} <= {
            id(v) for v in gan.adversarial.non_trainable_weights
        }
        # The discriminator stays trainable for its own step.
        assert gan.discriminator.trainable_weights
        z = gan.sample_latent(2)
        np.testing.assert_allclose(
            gan.adversarial(z), gan.discriminator(gan.generator(z)), rtol=1e-6
        )

    def test_fit_updates_both_networks(self):
        gan = self.make_model()
        self.compile_model(gan)
        g0, d0 = weights_of(gan.generator), weights_of(gan.discriminator)
        history = gan.fit(self.training_data(), batch_size=8, epochs=1, verbose=0)
        assert set(history.history) == {"d_loss", "g_loss", "real_score", "fake_score"}
        assert changed(g0, weights_of(gan.generator)) > 0
        assert changed(d0, weights_of(gan.discriminator)) > 0
        assert int(gan.d_optimizer.iterations.numpy()) == 2
        assert int(gan.g_optimizer.iterations.numpy()) == 2

    def test_generator_step_leaves_discriminator_unchanged(self):
        gan = self.make_model()
        self.compile_model(gan)
        batch = tf.constant(self.training_data()[:8])
        d0, g0 = weights_of(gan.discriminator), weights_of(gan.generator)
        gan._generator_step(batch, None, update=True)
        assert changed(d0, weights_of(gan.discriminator)) == 0
        assert changed(g0, weights_of(gan.generator)) > 0
        # And the discriminator step leaves the generator's trainable weights alone.
        g1 = [w.numpy().copy() for w in gan.generator.trainable_weights]
        d1 = weights_of(gan.discriminator)
        gan._discriminator_step(batch, None, update=True)
        assert changed(d1, weights_of(gan.discriminator)) > 0
        assert all(np.array_equal(a, w.numpy()) for a, w in zip(g1, gan.generator.trainable_weights))

    def test_discriminator_steps(self):
        gan = DCGAN.for_images((28, 28, 1), latent_dim=8, width=4, discriminator_steps=3, seed=0)
        self.compile_model(gan)
        gan.fit(self.training_data(), batch_size=8, epochs=1, verbose=0)
        assert int(gan.d_optimizer.iterations.numpy()) == 6
        assert int(gan.g_optimizer.iterations.numpy()) == 2

    def test_losses_match_independent_computation(self):
        """test_step's losses equal a numpy recomputation of Goodfellow et al.'s formulas."""
        gan = DCGAN.for_images((28, 28, 1), latent_dim=8, width=4, dropout=0.0,
                               label_smoothing=0.0, label_noise=0.0, seed=5)
        self.compile_model(gan)
        real = self.training_data()[:8]
        seed_state = gan.seed_generator.state.numpy().copy()
        logs = gan.test_step(tf.constant(real))
        gan.seed_generator.state.assign(seed_state)
        fake = gan.generator(gan.sample_latent(8), training=False).numpy()
        sigmoid = lambda v: 1 / (1 + np.exp(-v))
        d_real, d_fake = sigmoid(gan.discriminator(real).numpy()), sigmoid(gan.discriminator(fake).numpy())
        expected_d = np.mean(-np.log(d_real) - np.log(1 - d_fake))
        # The generator's loss judges the same fakes (one generator pass per step).
        expected_g = np.mean(-np.log(d_fake))
        np.testing.assert_allclose(float(logs["d_loss"]), expected_d, rtol=1e-4)
        np.testing.assert_allclose(float(logs["g_loss"]), expected_g, rtol=1e-4)

    def test_test_step_changes_nothing(self):
        gan = self.make_model()
        self.compile_model(gan)
        before = weights_of(gan.generator) + weights_of(gan.discriminator)
        result = gan.evaluate(self.training_data(), batch_size=8, verbose=0, return_dict=True)
        assert set(result) == {"d_loss", "g_loss", "real_score", "fake_score"}
        assert changed(before, weights_of(gan.generator) + weights_of(gan.discriminator)) == 0

    def test_minimax_generator_loss(self):
        gan = DCGAN.for_images((28, 28, 1), latent_dim=8, width=4, generator_loss="minimax", seed=0)
        self.compile_model(gan)
        history = gan.fit(self.training_data(), batch_size=8, epochs=1, verbose=0)
        assert history.history["g_loss"][0] < 0  # log(1 - D(G(z))) is negative

    def test_fit_on_tf_data_with_labels(self):
        gan = self.make_model()
        self.compile_model(gan)
        x = self.training_data()
        ds = tf.data.Dataset.from_tensor_slices((x, np.zeros(len(x), "int32"))).batch(8)
        history = gan.fit(ds, epochs=1, verbose=0)
        assert np.isfinite(history.history["d_loss"][0])

    def test_dataset_errors(self):
        gan = self.make_model()
        self.compile_model(gan)
        x = self.training_data()
        with pytest.raises(ValueError, match="empty"):
            gan.fit(tf.data.Dataset.from_tensor_slices(x).take(0).batch(8), verbose=0)
        with pytest.raises(ValueError, match="Channel mismatch"):
            gan.fit(tf.data.Dataset.from_tensor_slices(np.repeat(x, 3, -1)).batch(8), verbose=0)

    def test_invalid_arguments(self):
        with pytest.raises(ValueError, match="Unknown adversarial loss 'softmax'"):
            DCGAN.for_images((28, 28, 1), width=4, generator_loss="softmax")
        with pytest.raises(ValueError, match="Unknown adversarial loss 'softmax'"):
            DCGAN.for_images((28, 28, 1), width=4, loss="softmax")
        with pytest.raises(ValueError, match="disagree"):
            DCGAN.for_images((28, 28, 1), width=4, loss="hinge", generator_loss="minimax")
        with pytest.raises(ValueError, match="discriminator_steps"):
            DCGAN.for_images((28, 28, 1), width=4, discriminator_steps=0)
        gen = keras_gen.networks.dcgan_generator((28, 28, 1), 8, width=4)
        disc = keras_gen.networks.dcgan_discriminator((32, 32, 3), width=4)
        with pytest.raises(ValueError, match="same image shape"):
            GAN(gen, disc)
        gan = self.make_model()
        with pytest.raises(ValueError, match="d_optimizer and g_optimizer"):
            gan.compile(optimizer="adam")

    def test_compile_defaults(self):
        """DCGAN: Adam(4e-4, beta_1=0.5) for the discriminator, Adam(6e-4, beta_1=0.5) for the generator (the
        benchmarks' choice); GAN keeps the paper's 2e-4 for both."""
        expected = {DCGAN: (4e-4, 6e-4), GAN: (2e-4, 2e-4)}
        for gan in (self.make_model(), GAN.for_images((28, 28, 1), latent_dim=8, units=16, seed=0)):
            gan.compile()
            for optimizer, rate in zip((gan.d_optimizer, gan.g_optimizer), expected[type(gan)]):
                assert isinstance(optimizer, keras.optimizers.Adam)
                assert float(optimizer.learning_rate) == pytest.approx(rate)
                assert optimizer.beta_1 == 0.5 and optimizer.beta_2 == 0.999
            assert gan.d_optimizer is not gan.g_optimizer
        restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(self.make_model()))
        restored.compile()
        assert float(restored.g_optimizer.learning_rate) == pytest.approx(6e-4)

    def test_keras_book_networks(self):
        gen = keras_gen.networks.keras_book_generator()
        disc = keras_gen.networks.keras_book_discriminator()
        gan = GAN(gen, disc, seed=0)
        assert gan.latent_dim == 32 and gan.image_shape == (32, 32, 3)
        kinds = [(type(layer).__name__, getattr(layer, "filters", None), getattr(layer, "kernel_size", None))
                 for layer in gen.layers if hasattr(layer, "kernel_size")]
        assert kinds == [
            ("Conv2D", 256, (5, 5)), ("Conv2DTranspose", 256, (4, 4)), ("Conv2D", 256, (5, 5)),
            ("Conv2D", 256, (5, 5)), ("Conv2D", 3, (7, 7)),
        ]
        convs = [layer for layer in disc.layers if isinstance(layer, keras.layers.Conv2D)]
        assert [(c.filters, c.kernel_size, c.strides) for c in convs] == [
            (128, (3, 3), (1, 1))] + [(128, (4, 4), (2, 2))] * 3
        dropout = [layer for layer in disc.layers if isinstance(layer, keras.layers.Dropout)]
        assert [d.rate for d in dropout] == [0.4]

    def test_backup_and_restore(self, tmp_path):
        """keras.callbacks.BackupAndRestore resumes an interrupted fit with both optimizers."""

        class Interrupt(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if epoch == 0:
                    raise RuntimeError("interrupted")

        backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
        gan = self.make_model()
        self.compile_model(gan)
        with pytest.raises(RuntimeError, match="interrupted"):
            gan.fit(self.training_data(), batch_size=8, epochs=3, verbose=0, callbacks=[backup, Interrupt()])
        fresh = self.make_model()
        self.compile_model(fresh)
        history = fresh.fit(self.training_data(), batch_size=8, epochs=3, verbose=0, callbacks=[backup])
        assert len(history.history["d_loss"]) == 2  # epochs 2 and 3 only
        assert int(fresh.g_optimizer.iterations.numpy()) == 6

    def test_model_checkpoint(self, tmp_path):
        gan = self.make_model()
        self.compile_model(gan)
        path = str(tmp_path / "ckpt.keras")
        gan.fit(self.training_data(), batch_size=8, epochs=2, verbose=0,
                callbacks=[keras.callbacks.ModelCheckpoint(path)])
        restored = keras.models.load_model(path)
        assert int(restored.d_optimizer.iterations.numpy()) == 4


def test_generate_temperature_scales_the_noise_of_every_prior_sampler():
    gan = DCGAN.for_images((28, 28, 1), latent_dim=8, width=4, seed=0)
    state = gan.seed_generator.state.numpy().copy()
    images = gan.generate(3, temperature=0.3)
    gan.seed_generator.state.assign(state)
    noise = keras.random.normal((3, 8), seed=gan.seed_generator).numpy()
    np.testing.assert_allclose(images, gan.generate(latent_points=0.3 * noise), atol=1e-5)
    np.testing.assert_allclose(gan.generate(2, temperature=0.0), gan.generate(latent_points=np.zeros((2, 8))), atol=1e-6)
    # InfoGAN: the temperature scales z, not the codes.
    info = keras_gen.models.InfoGAN.for_images((8, 8, 1), latent_dim=4, width=4, categorical_codes=[3],
                                               continuous_codes=2, seed=0)
    codes = np.array([[0, 1, 0, 0.5, -0.5], [0, 0, 1, 0, 0]], "float32")  # one-hot of 3 values, 2 continuous
    np.testing.assert_allclose(info.generate(2, codes=codes, temperature=0.0),
                               info.generate(latent_points=np.zeros((2, 4)), codes=codes), atol=1e-6)
    with pytest.raises(ValueError, match="temperature must be"):
        info.generate(2, temperature=-1)
