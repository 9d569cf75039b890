"""Conditional VAE: labels reach both networks, the ELBO against numpy, saving, seeds, label errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gen
from keras_gen.models import ConditionalVAE
from tests.test_case import GenerativeModelTestCase, changed, weights_of

NUM_CLASSES = 4


def _images(count=16, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (count, 28, 28, 1)).astype("float32")


def _labels(count=16):
    return (np.arange(count) % NUM_CLASSES).astype("int32")


class TestConditionalVAE(GenerativeModelTestCase):
    def make_model(self, seed=0, **kwargs):
        return ConditionalVAE.for_images(
            (28, 28, 1), num_classes=NUM_CLASSES, latent_dim=3, width=4, hidden_units=16, seed=seed, **kwargs
        )

    def compile_model(self, model):
        model.compile()

    def training_data(self):
        return _images()

    def extra_fit_arguments(self, count):
        return (_labels(count),)

    def test_labels_reach_encoder_and_decoder(self):
        model = self.make_model()
        x = _images(2)
        z = np.zeros((2, 3), "float32")
        # The same latent point decoded with different labels gives different images...
        a, b = model.decode(z, [0, 0]), model.decode(z, [1, 1])
        assert not np.allclose(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
        # ...and the same images encoded with different labels give different posteriors.
        mean_a, _ = model.encode(x, [0, 0])
        mean_b, _ = model.encode(x, [2, 2])
        assert not np.allclose(mean_a.numpy(), mean_b.numpy())
        # generate(latent_points, labels) is decode of the same points and labels.
        np.testing.assert_allclose(model.generate(latent_points=z, labels=[1, 1]), b.numpy(), atol=1e-6)

    def test_one_hot_and_embedding_encodings(self):
        for encoding in ("one_hot", "embedding"):
            model = self.make_model(label_encoding=encoding)
            model.compile()
            before = weights_of(model)
            model.fit(_images(), _labels(), batch_size=8, verbose=0)
            assert changed(before, weights_of(model)) > 0
        with pytest.raises(ValueError, match="Unknown label encoding"):
            self.make_model(label_encoding="binary")

    def test_negative_elbo_matches_numpy(self):
        model = self.make_model(seed=4, beta=0.5)
        model.compile()
        x, y = _images(8), _labels(8)
        state = model.seed_generator.state.numpy().copy()
        logs = model.test_step((tf.constant(x), tf.constant(y)))
        model.seed_generator.state.assign(state)
        mean, log_var = (t.numpy() for t in model.encode(x, y))
        eps = keras.random.normal(mean.shape, seed=model.seed_generator).numpy()
        z = mean + np.exp(0.5 * log_var) * eps
        p = 1 / (1 + np.exp(-model.decoder([z, y]).numpy()))
        log_px = np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=(1, 2, 3))
        kl = 0.5 * np.sum(mean**2 + np.exp(log_var) - 1 - log_var, axis=1)
        np.testing.assert_allclose(float(logs["loss"]), np.mean(-log_px + 0.5 * kl), rtol=1e-4)

    def test_trains_on_a_labelled_data_set(self):
        data = keras_gen.data.load("digits", batch_size=16, scale=(0, 1), labels=True, limit=64, seed=0)
        digits = ConditionalVAE.for_images((8, 8, 1), num_classes=10, latent_dim=2, width=4, hidden_units=8, seed=0)
        digits.compile()
        before = weights_of(digits)
        history = digits.fit(data, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0]) and changed(before, weights_of(digits)) > 0

    def test_methods_need_labels_of_the_right_kind(self):
        model = self.make_model()
        x = _images(3)
        with pytest.raises(ValueError, match="class-conditional"):
            model.encode(x)
        with pytest.raises(ValueError, match="class-conditional"):
            model.reconstruct(x)
        with pytest.raises(ValueError, match="class-conditional"):
            model.log_prob(x)
        with pytest.raises(ValueError, match=r"in \[0, 4\)"):
            model.generate(2, labels=[0, 4])
        with pytest.raises(ValueError, match="one label per image"):
            model.reconstruct(x, [0, 1])
        with pytest.raises(ValueError, match="not one-hot"):
            model.fit(_images(), np.eye(NUM_CLASSES)[_labels()], verbose=0)
        assert model.reconstruct(x, [0, 1, 2]).shape == (3, 28, 28, 1)
        assert model.log_prob(x, [0, 1, 2], num_samples=2).shape == (3,)

    def test_bad_labels_in_a_data_set_stop_before_any_update(self):
        model = self.make_model()
        model.compile()
        before = weights_of(model)
        bad = tf.data.Dataset.from_tensor_slices((_images(8), np.full(8, NUM_CLASSES, "int32"))).batch(4)
        with pytest.raises(ValueError, match=r"Labels must lie in \[0, 4\)"):
            model.fit(bad, verbose=0)
        negative = tf.data.Dataset.from_tensor_slices((_images(8), np.full(8, -1, "int32"))).batch(4)
        with pytest.raises(ValueError, match="a label below 0"):
            model.fit(negative, verbose=0)
        floats = tf.data.Dataset.from_tensor_slices((_images(8), np.zeros(8, "float32"))).batch(4)
        with pytest.raises(ValueError, match="integer labels"):
            model.fit(floats, verbose=0)
        mismatched = tf.data.Dataset.zip((
            tf.data.Dataset.from_tensor_slices(_images(8)).batch(4),
            tf.data.Dataset.from_tensor_slices(_labels(6)).batch(3),
        ))
        with pytest.raises(ValueError, match="different number of labels"):
            model.fit(mismatched, verbose=0)
        assert changed(before, weights_of(model)) == 0

    def test_needs_conditional_networks_and_num_classes(self):
        with pytest.raises(ValueError, match="two inputs"):
            ConditionalVAE(
                keras_gen.networks.conv_encoder((28, 28, 1), 3, 4),
                keras_gen.networks.conv_decoder((28, 28, 1), 3, 4),
                num_classes=4,
            )
        with pytest.raises(ValueError, match="num_classes must be an integer >= 2"):
            ConditionalVAE.for_images((28, 28, 1), num_classes=1)

    def test_hypermodel_builds_conditional_models(self):
        import keras_tuner

        hypermodel = keras_gen.tuning.ConditionalVAEHyperModel((28, 28, 1), num_classes=NUM_CLASSES, seed=0)
        hp = keras_tuner.HyperParameters()
        hp.Fixed("width", 16)
        hp.Fixed("hidden_units", 128)
        hp.Fixed("latent_dim", 8)
        model = hypermodel.build(hp)
        assert isinstance(model, ConditionalVAE) and model.num_classes == NUM_CLASSES
        assert hp.get("label_encoding") in ("one_hot", "embedding")
        assert hypermodel.objective.name == "val_negative_elbo"
