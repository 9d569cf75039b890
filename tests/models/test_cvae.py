"""Conditional VAE: labels reach both networks, the ELBO against numpy, saving, seeds, label errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gen
from keras_gen.models import ConditionalVAE
from keras_gen.models.capabilities import fixed_latent_points
from tests.test_case import (
    GenerativeModelTestCase,
    assert_planes_learn,
    assert_planes_shape_only_their_class,
    changed,
    label_plane_layers,
    weights_of,
)

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

    def test_for_images_weighs_the_kl_term_twice_by_default(self):
        model = self.make_model(seed=4)
        assert model.beta == 2.0 and self.make_model(beta=1.0).beta == 1.0
        model.compile()
        logs = model.test_step((tf.constant(_images(8)), tf.constant(_labels(8))))
        expected = float(logs["reconstruction_loss"]) + 2.0 * float(logs["kl_loss"])
        np.testing.assert_allclose(float(logs["loss"]), expected, rtol=1e-4)
        # The saved model keeps the weight.
        assert ConditionalVAE.from_config(model.get_config()).beta == 2.0

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
        assert model.prior == hp.get("prior") and hp.get("prior") in ("learned", "standard")
        assert bool(label_plane_layers(model.decoder)) == (hp.get("label_planes") == 8)
        assert hypermodel.objective.name == "val_negative_elbo"


def _with_random_prior(model, seed=1):
    rng = np.random.default_rng(seed)
    model.prior_mean.assign(rng.normal(size=model.prior_mean.shape).astype("float32"))
    model.prior_log_var.assign(rng.normal(scale=0.5, size=model.prior_log_var.shape).astype("float32"))
    return model.prior_mean.numpy(), model.prior_log_var.numpy()


def _small(**kwargs):
    return ConditionalVAE.for_images((28, 28, 1), num_classes=NUM_CLASSES, latent_dim=3, width=4, hidden_units=16,
                                     seed=0, **kwargs)


def test_learned_prior_enters_the_elbo_against_numpy():
    model = _small(beta=0.5)
    model.compile()
    prior_mean, prior_log_var = _with_random_prior(model)
    x, y = _images(8), _labels(8)
    state = model.seed_generator.state.numpy().copy()
    logs = model.test_step((tf.constant(x), tf.constant(y)))
    model.seed_generator.state.assign(state)
    mean, log_var = (t.numpy() for t in model.encode(x, y))
    eps = keras.random.normal(mean.shape, seed=model.seed_generator).numpy()
    z = mean + np.exp(0.5 * log_var) * eps
    p = 1 / (1 + np.exp(-model.decoder([z, y]).numpy()))
    log_px = np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=(1, 2, 3))
    # KL of two diagonal Gaussians, one dimension at a time: log(s2/s1) + (s1^2 + (m1-m2)^2) / (2 s2^2) - 1/2.
    m2, s2 = prior_mean[y], np.exp(0.5 * prior_log_var[y])
    s1 = np.exp(0.5 * log_var)
    kl = np.sum(np.log(s2 / s1) + (s1**2 + (mean - m2) ** 2) / (2 * s2**2) - 0.5, axis=1)
    np.testing.assert_allclose(float(logs["loss"]), np.mean(-log_px + 0.5 * kl), rtol=1e-4)
    np.testing.assert_allclose(float(logs["kl_loss"]), np.mean(kl), rtol=1e-4)


def test_log_prob_weighs_by_the_learned_prior():
    from scipy.stats import norm

    model = _small()
    prior_mean, prior_log_var = _with_random_prior(model, seed=2)
    x, y = _images(4), _labels(4)
    state = model.seed_generator.state.numpy().copy()
    bound = model._log_prob_batch(tf.constant(x), tf.constant(y), samples=1).numpy()
    model.seed_generator.state.assign(state)
    mean, log_var = (t.numpy() for t in model.encode(x, y))
    eps = keras.random.normal(mean.shape, seed=model.seed_generator).numpy()
    std = np.exp(0.5 * log_var)
    z = mean + std * eps
    log_px = model.log_px_given_z(x, z, tf.constant(y)).numpy()
    log_prior = norm.logpdf(z, prior_mean[y], np.exp(0.5 * prior_log_var[y])).sum(1)
    log_q = norm.logpdf(z, mean, std).sum(1)
    np.testing.assert_allclose(bound, log_px + log_prior - log_q, rtol=1e-4)


def test_generate_draws_from_each_class_prior():
    model = _small()
    prior_mean, prior_log_var = _with_random_prior(model, seed=3)
    # prior_points maps noise through each class's Gaussian; zero noise is the mode.
    noise = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    labels = _labels(8)
    expected = prior_mean[labels] + np.exp(0.5 * prior_log_var[labels]) * noise
    np.testing.assert_allclose(model.prior_points(noise, labels).numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(model.prior_points(np.zeros((4, 3), "float32"), [0, 1, 2, 3]).numpy(),
                               prior_mean, rtol=1e-6)
    # Many draws of class 2 have its mean and spread.
    points = model.sample_latent(20000, tf.constant(np.full(20000, 2, "int32"))).numpy()
    np.testing.assert_allclose(points.mean(0), prior_mean[2], atol=0.05)
    np.testing.assert_allclose(points.std(0), np.exp(0.5 * prior_log_var[2]), rtol=0.05)
    # generate(n, labels) decodes those points: the same seed state gives decode(prior_points(noise)).
    state = model.seed_generator.state.numpy().copy()
    images = model.generate(4, labels=[2, 2, 3, 3])
    model.seed_generator.state.assign(state)
    noise = keras.random.normal((4, 3), seed=model.seed_generator).numpy()
    points = prior_mean[[2, 2, 3, 3]] + np.exp(0.5 * prior_log_var[[2, 2, 3, 3]]) * noise
    np.testing.assert_allclose(images, model.decode(points, [2, 2, 3, 3]).numpy(), atol=1e-5)
    # prior_points needs the labels.
    with pytest.raises(ValueError, match="class-conditional"):
        model.prior_points(noise)


def test_prior_weights_learn_only_when_learned():
    learned, standard = _small(), _small(prior="standard")
    assert len(learned.trainable_weights) == len(standard.trainable_weights) + 2
    learned.compile()
    before = learned.prior_mean.numpy().copy(), learned.prior_log_var.numpy().copy()
    learned.fit(_images(), _labels(), batch_size=8, epochs=2, verbose=0)
    assert not np.allclose(before[0], learned.prior_mean.numpy())
    assert not np.allclose(before[1], learned.prior_log_var.numpy())
    # The standard prior is N(0, I) for every class.
    noise = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(standard.prior_points(noise, [0, 1]).numpy(), noise)
    with pytest.raises(ValueError, match="Unknown prior 'flat'"):
        _small(prior="flat")


def test_prior_round_trips_and_old_files_load_with_the_standard_prior(tmp_path):
    model = _small()
    _with_random_prior(model, seed=4)
    path = str(tmp_path / "cvae.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.prior == "learned"
    np.testing.assert_array_equal(loaded.prior_mean.numpy(), model.prior_mean.numpy())
    noise = np.zeros((2, 3), "float32")
    np.testing.assert_allclose(loaded.prior_points(noise, [1, 3]).numpy(), model.prior_points(noise, [1, 3]).numpy())
    config = model.get_config()
    del config["prior"]  # as in files written before the learned prior existed
    assert ConditionalVAE.from_config(config).prior == "standard"


def test_latent_tools_start_from_the_class_prior():
    from keras_gen import latent

    model = _small()
    prior_mean, _ = _with_random_prior(model, seed=5)
    # traverse's default base is the class's prior mode, with one dimension moved.
    row = latent.traverse(model, dims=[1], values=[0.7], label=2)[0, 0]
    point = prior_mean[2].copy()
    point[1] = 0.7
    np.testing.assert_allclose(row, model.decode(point[None], [2]).numpy()[0], atol=1e-5)
    # Snapshot grids decode the fixed points mapped into each class's prior.
    images, columns = model.grid_samples(n=8, seed=0)
    labels = np.repeat(np.arange(NUM_CLASSES), columns)
    points = model.prior_points(fixed_latent_points(len(labels), 3, 0), labels)
    np.testing.assert_allclose(images, model.decode(points, labels).numpy(), atol=1e-5)
    # At a temperature, the fixed noise is scaled before the prior maps it (0: each class's mode).
    for temperature in (0.5, 0.0):
        cooled, _ = model.grid_samples(n=8, seed=0, temperature=temperature)
        points = model.prior_points(fixed_latent_points(len(labels), 3, 0) * temperature, labels)
        np.testing.assert_allclose(cooled, model.decode(points, labels).numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="temperature"):
        model.grid_samples(n=8, temperature=-1.0)


def test_temperature_scales_the_drawn_noise():
    model = _small()
    prior_mean, prior_log_var = _with_random_prior(model, seed=6)
    labels = [0, 1, 2, 3]
    state = model.seed_generator.state.numpy().copy()
    images = model.generate(4, labels=labels, temperature=0.5)
    model.seed_generator.state.assign(state)
    noise = keras.random.normal((4, 3), seed=model.seed_generator).numpy()
    points = prior_mean[labels] + np.exp(0.5 * prior_log_var[labels]) * 0.5 * noise
    np.testing.assert_allclose(images, model.decode(points, labels).numpy(), atol=1e-5)
    # Temperature 0: each class's prior mode.
    np.testing.assert_allclose(model.generate(4, labels=labels, temperature=0), model.decode(prior_mean, labels).numpy(),
                               atol=1e-5)
    for bad in (-0.5, float("nan"), float("inf"), "hot", True):
        with pytest.raises(ValueError, match="temperature must be"):
            model.generate(2, labels=[0, 1], temperature=bad)
    with pytest.raises(ValueError, match="scale them yourself"):
        model.generate(latent_points=np.zeros((2, 3), "float32"), labels=[0, 1], temperature=0.5)


def test_label_planes_reach_every_decoder_stage_and_round_trip(tmp_path):
    model = _small(label_planes=2)
    planes = label_plane_layers(model.decoder)
    # One learned plane set per resolution: 7x7, 14x14 and 28x28, two maps each.
    assert {name: layer.output_dim for name, layer in planes.items()} == {
        "label_planes_7x7": 7 * 7 * 2, "label_planes_14x14": 14 * 14 * 2, "label_planes_28x28": 28 * 28 * 2}
    z = np.zeros((2, 3), "float32")
    # Changing only class 2's full-resolution planes changes class 2's images, not class 1's.
    assert_planes_shape_only_their_class(planes["label_planes_28x28"], lambda: model.decode(z, [1, 2]), 2)
    model.compile()
    assert_planes_learn(planes, lambda: model.fit(_images(), _labels(), batch_size=8, verbose=0))
    path = str(tmp_path / "planes.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.decode(z, [0, 3]).numpy(), model.decode(z, [0, 3]).numpy(), atol=1e-6)


@pytest.mark.parametrize("value", [-1, 1.5, True, "8"])
def test_label_planes_must_be_a_count(value):
    with pytest.raises(ValueError, match="label_planes must be an integer >= 0"):
        _small(label_planes=value)
    with pytest.raises(ValueError, match="label_planes needs num_classes"):
        keras_gen.networks.conv_decoder((28, 28, 1), 3, 4, label_planes=2)


def test_conditional_networks_must_agree_on_the_latent_size():
    encoder = keras_gen.networks.conv_encoder((28, 28, 1), 3, 4, num_classes=4)
    with pytest.raises(ValueError, match=r"Latent size mismatch: the encoder gives 3-d latent points"):
        ConditionalVAE(encoder, keras_gen.networks.conv_decoder((28, 28, 1), 5, 4, num_classes=4), num_classes=4)
    with pytest.raises(ValueError, match=r"conditional decoder takes two inputs \[latent points, labels\]"):
        ConditionalVAE(encoder, keras_gen.networks.conv_decoder((28, 28, 1), 3, 4), num_classes=4)
