"""Conditional GAN, AC-GAN, InfoGAN, BiGAN and the semi-supervised GAN on the shared adversarial step."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gen
from keras_gen import losses
from keras_gen.models import ACGAN, BiGAN, ConditionalGAN, InfoGAN, SemiSupervisedGAN
from tests.test_case import (
    GenerativeModelTestCase,
    assert_planes_learn,
    assert_planes_shape_only_their_class,
    changed,
    label_plane_layers,
    weights_of,
)

CLASSES = 3


def _images(count=16, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (count, 8, 8, 1)).astype("float32")


def _labels(count=16):
    return (np.arange(count) % CLASSES).astype("int32")


def _trainable(network):
    return [np.array(w.numpy()) for w in network.trainable_weights]


def _update_touches_only(model, step, own, others, *args):
    """Runs one player's update and checks it changed `own`'s trainable weights and no one else's."""
    before_own = _trainable(own)
    before_others = [_trainable(network) for network in others]
    step(*args, update=True)
    assert changed(before_own, _trainable(own)) > 0
    for network, before in zip(others, before_others):
        assert changed(before, _trainable(network)) == 0, network.name


class LabelledCase(GenerativeModelTestCase):
    model_class = None

    def make_model(self, seed=0, **kwargs):
        return self.model_class.for_images((8, 8, 1), num_classes=CLASSES, latent_dim=4, width=4, seed=seed,
                                           **kwargs)

    def compile_model(self, model):
        model.compile()

    def training_data(self):
        return _images()

    def extra_fit_arguments(self, count):
        return (_labels(count),)

    def test_each_player_updates_only_its_own_network(self):
        model = self.make_model()
        model.compile()
        real, labels = tf.constant(_images(8)), tf.constant(_labels(8))
        _update_touches_only(model, model._discriminator_step, model.discriminator, [model.generator], real, labels)
        _update_touches_only(model, model._generator_step, model.generator, [model.discriminator], real, labels)

    def test_labels_choose_the_class(self):
        model = self.make_model()
        z = np.random.default_rng(1).standard_normal((2, 4)).astype("float32")
        a = model.generate(latent_points=z, labels=[0, 0])
        np.testing.assert_array_equal(a, model.generate(latent_points=z, labels=[0, 0]))  # deterministic
        assert not np.allclose(a, model.generate(latent_points=z, labels=[2, 2]))

    def test_bad_labels_stop_before_any_update(self):
        model = self.make_model()
        model.compile()
        start = weights_of(model)
        with pytest.raises(ValueError, match=r"\(images, labels\)"):
            model.fit(_images(), batch_size=8, verbose=0)
        with pytest.raises(ValueError, match=r"Labels must lie in \[0, 3\)"):
            model.fit(_images(), _labels() + CLASSES, batch_size=8, verbose=0)
        with pytest.raises(ValueError, match="one label per image"):
            model.fit(_images(), _labels(15), batch_size=8, verbose=0)
        bad = tf.data.Dataset.from_tensor_slices((_images(), np.full(16, 7, "int32"))).batch(8)
        with pytest.raises(ValueError, match=r"Labels must lie in \[0, 3\)"):
            model.fit(bad, verbose=0)
        with pytest.raises(ValueError, match=r"in \[0, 3\)"):
            model.generate(2, labels=[0, 5])
        assert changed(start, weights_of(model)) == 0


class TestConditionalGAN(LabelledCase):
    model_class = ConditionalGAN

    def test_discriminator_sees_the_label(self):
        model = self.make_model()
        x = _images(2)
        a = model.discriminator([x, np.array([0, 0])]).numpy()
        b = model.discriminator([x, np.array([1, 1])]).numpy()
        assert not np.allclose(a, b)

    def test_projection_discriminator(self):
        model = self.make_model(conditioning="projection")
        assert any("label_projection" in layer.name for layer in model.discriminator.layers)
        model.compile()
        before = weights_of(model.discriminator)
        model.fit(_images(), _labels(), batch_size=8, verbose=0)
        assert changed(before, weights_of(model.discriminator)) > 0
        with pytest.raises(ValueError, match="Unknown conditioning"):
            self.make_model(conditioning="bilinear")

    def test_label_planes_reach_every_generator_stage(self):
        model = self.make_model(label_planes=2)
        planes = label_plane_layers(model.generator)
        # 8x8 images: the generator starts at 4x4 and has one upsampling stage, then the output convolution.
        assert {name: layer.output_dim for name, layer in planes.items()} == {
            "label_planes_4x4": 4 * 4 * 2, "label_planes_8x8": 8 * 8 * 2}
        z = np.zeros((2, 4), "float32")
        assert_planes_shape_only_their_class(
            planes["label_planes_8x8"], lambda: model.generate(latent_points=z, labels=[0, 1]), 1)
        model.compile()
        assert_planes_learn(planes, lambda: model.fit(_images(), _labels(), batch_size=8, verbose=0))
        with pytest.raises(ValueError, match="label_planes must be an integer >= 0"):
            self.make_model(label_planes=-2)
        with pytest.raises(ValueError, match="label_planes needs num_classes"):
            keras_gen.networks.dcgan_generator((8, 8, 1), 4, 4, label_planes=2)

    def test_needs_conditional_networks(self):
        plain = keras_gen.networks
        with pytest.raises(ValueError, match=r"takes \[latent_points, labels\]"):
            ConditionalGAN(plain.dcgan_generator((8, 8, 1), 4, 4), plain.dcgan_discriminator((8, 8, 1), 4),
                           num_classes=3)


class TestACGAN(LabelledCase):
    model_class = ACGAN

    def test_class_losses_are_logged_and_match_the_formula(self):
        model = self.make_model(class_weight=0.5)
        model.compile()
        history = model.fit(_images(), _labels(), batch_size=8, verbose=0)
        assert {"d_class_loss", "g_class_loss"} <= set(history.history)
        logits = np.array([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]], "float32")
        expected = -np.log(np.exp(logits[[0, 1], [0, 2]]) / np.exp(logits).sum(1))
        np.testing.assert_allclose(losses.class_cross_entropy(np.array([0, 2]), logits), expected, rtol=1e-5)

    def test_classify_gives_probabilities(self):
        model = self.make_model()
        probabilities = model.classify(_images(5))
        assert probabilities.shape == (5, CLASSES)
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)

    def test_discriminator_needs_a_class_head(self):
        plain = keras_gen.networks
        generator = plain.dcgan_generator((8, 8, 1), 4, 4, num_classes=3)
        with pytest.raises(ValueError, match=r"\[logit, class_logits\]"):
            ACGAN(generator, plain.dcgan_discriminator((8, 8, 1), 4), num_classes=3)


class TestInfoGAN(GenerativeModelTestCase):
    def make_model(self, seed=0, **kwargs):
        return InfoGAN.for_images((8, 8, 1), latent_dim=4, width=4, categorical_codes=[3], continuous_codes=2,
                                  seed=seed, **kwargs)

    def compile_model(self, model):
        model.compile()

    def training_data(self):
        return _images()

    def test_each_player_updates_only_its_own_network(self):
        model = self.make_model()
        model.compile()
        real = tf.constant(_images(8))
        _update_touches_only(model, model._discriminator_step, model.discriminator, [model.generator], real, None)
        _update_touches_only(model, model._generator_step, model.generator, [model.discriminator], real, None)

    def test_codes_drive_generation_and_are_read_back(self):
        model = self.make_model()
        model.compile()
        history = model.fit(_images(), batch_size=8, verbose=0)
        assert {"d_info_loss", "g_info_loss"} <= set(history.history)
        z = np.zeros((2, 4), "float32")
        codes = model.codes_for(categorical=[0, 2], continuous=[[-1.0, 0.0], [1.0, 0.0]])
        np.testing.assert_array_equal(codes[0], [1, 0, 0, -1, 0])
        a = model.generate(latent_points=z, codes=codes)
        np.testing.assert_array_equal(a, model.generate(latent_points=z, codes=codes))
        assert not np.allclose(a[0], a[1])
        inferred = model.infer_codes(a)
        assert inferred["categorical"].shape == (2, 1) and inferred["continuous"].shape == (2, 2)
        images, columns = model.grid_samples(n=12)
        assert images.shape == (3 * 4, 8, 8, 1) and columns == 4

    def test_q_hidden_layer_feeds_the_heads_and_learns(self):
        model = self.make_model(q_hidden=6)
        hidden = model.discriminator.get_layer("heads_hidden")
        assert hidden.kernel.shape[-1] == 6
        assert model.discriminator.get_layer("q_categorical").kernel.shape == (6, 3)
        assert model.discriminator.get_layer("q_continuous").kernel.shape == (6, 2)
        model.compile()
        before = weights_of(hidden)
        model.fit(_images(), batch_size=8, verbose=0)
        assert changed(before, weights_of(hidden)) == len(before)  # kernel and bias
        for bad in (-1, 1.5, "128"):
            with pytest.raises(ValueError, match="head_hidden must be an integer >= 0"):
                self.make_model(q_hidden=bad)

    def test_information_loss_matches_the_formula(self):
        codes = np.array([[0, 1, 0, 0.5], [1, 0, 0, -0.5]], "float32")
        logits = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]], "float32")
        means = np.array([[0.0], [0.0]], "float32")
        got = losses.mutual_information_loss(codes, logits, means, [3], continuous_weight=2.0)
        softmax = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        expected = -np.log(softmax[[0, 1], [1, 0]]) + 2.0 * 0.5 * 0.25
        np.testing.assert_allclose(got, expected, rtol=1e-5)

    def test_bad_codes(self):
        model = self.make_model()
        with pytest.raises(ValueError, match=r"Codes must have shape \(2, 5\)"):
            model.generate(latent_points=np.zeros((2, 4)), codes=np.zeros((2, 4)))
        with pytest.raises(ValueError, match=r"values in \[0, 3\)"):
            model.codes_for(categorical=[3])
        with pytest.raises(ValueError, match="takes no labels"):
            model.generate(2, labels=[0, 1])
        with pytest.raises(ValueError, match="at least one code"):
            InfoGAN.for_images((8, 8, 1), categorical_codes=[], continuous_codes=0)


class TestBiGAN(GenerativeModelTestCase):
    def make_model(self, seed=0, **kwargs):
        return BiGAN.for_images((8, 8, 1), latent_dim=4, width=4, hidden_units=8, seed=seed, **kwargs)

    def compile_model(self, model):
        model.compile()

    def training_data(self):
        return _images()

    def test_three_players_each_update_only_their_network(self):
        model = self.make_model()
        model.compile()
        assert set(model.players()) == {"d_optimizer", "g_optimizer", "e_optimizer"}
        real = tf.constant(_images(8))
        _update_touches_only(model, model._discriminator_step, model.discriminator,
                             [model.generator, model.encoder], real, None)
        before_g, before_e, before_d = (_trainable(n) for n in (model.generator, model.encoder, model.discriminator))
        model._generator_step(real, None, update=True)
        assert changed(before_g, _trainable(model.generator)) > 0
        assert changed(before_e, _trainable(model.encoder)) > 0
        assert changed(before_d, _trainable(model.discriminator)) == 0

    def test_encode_decode_reconstruct(self):
        model = self.make_model()
        model.compile()
        history = model.fit(_images(), batch_size=8, verbose=0)
        assert "e_loss" in history.history
        x = _images(3)
        assert tuple(model.encode(x).shape) == (3, 4)
        np.testing.assert_allclose(model.reconstruct(x), model.decode(model.encode(x)).numpy(), atol=1e-6)
        assert model.generate(2).shape == (2, 8, 8, 1)

    def test_losses_without_a_symmetric_form_are_refused(self):
        with pytest.raises(ValueError, match="BiGAN supports loss="):
            self.make_model(loss="least_squares")


class TestSemiSupervisedGAN(GenerativeModelTestCase):
    def make_model(self, seed=0, **kwargs):
        return SemiSupervisedGAN.for_images((8, 8, 1), num_classes=CLASSES, latent_dim=4, width=4, seed=seed,
                                            **kwargs)

    def compile_model(self, model):
        model.compile()

    def training_data(self):
        return _images()

    def extra_fit_arguments(self, count):
        labels = _labels(count)
        labels[::2] = -1  # half unlabelled
        return (labels,)

    def test_each_player_updates_only_its_own_network(self):
        model = self.make_model()
        model.compile()
        real, labels = tf.constant(_images(8)), tf.constant(self.extra_fit_arguments(8)[0])
        _update_touches_only(model, model._discriminator_step, model.discriminator, [model.generator], real, labels)
        _update_touches_only(model, model._generator_step, model.generator, [model.discriminator], real, labels)

    def test_unlabelled_images_train_and_classify(self):
        model = self.make_model()
        model.compile()
        history = model.fit(_images(), np.full(16, -1, "int32"), batch_size=8, verbose=0)
        assert history.history["supervised_loss"][0] == 0.0  # no labels, no supervised loss
        probabilities = model.classify(_images(4))
        assert probabilities.shape == (4, CLASSES)
        assert model.generate(2).shape == (2, 8, 8, 1)
        with pytest.raises(ValueError, match="not conditional"):
            model.generate(2, labels=[0, 1])
        with pytest.raises(ValueError, match=r"or -1 for an unlabelled image"):
            model.fit(_images(), np.full(16, -2, "int32"), batch_size=8, verbose=0)

    def test_losses_match_the_formulas(self):
        logits = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]], "float32")
        np.testing.assert_allclose(losses.softmax_logit_of_real(logits)[:, 0], np.log(np.exp(logits).sum(1)),
                                   rtol=1e-6)
        labels = np.array([0, -1, 2])
        per_example = keras.ops.convert_to_numpy(losses.masked_class_cross_entropy(labels, logits))
        softmax = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        labelled = -np.log(softmax[[0, 2], [0, 2]])
        np.testing.assert_allclose(per_example.mean(), labelled.mean(), rtol=1e-5)
        real, fake = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, 0.0], [1.0, 1.0]])
        matched = keras.ops.convert_to_numpy(losses.feature_matching_loss(real, fake))
        np.testing.assert_allclose(matched, [((2 - 0.5) ** 2 + (3 - 0.5) ** 2)] * 2, rtol=1e-6)


def test_keep_balanced_labels():
    labels = np.repeat(np.arange(4), 50)
    kept = keras_gen.data.keep_balanced_labels(labels, 10, seed=3)
    assert (kept >= 0).sum() == 10
    assert sorted(np.bincount(kept[kept >= 0], minlength=4)) == [2, 2, 3, 3]
    assert np.all(kept[kept >= 0] == labels[kept >= 0])
    np.testing.assert_array_equal(kept, keras_gen.data.keep_balanced_labels(labels, 10, seed=3))
    with pytest.raises(ValueError, match="only 50 images"):
        keras_gen.data.keep_balanced_labels(labels, 400)
    data = keras_gen.data.load("digits", batch_size=2000, labels=True, labelled=100, shuffle=False)
    _, batch_labels = next(iter(data))
    assert int(np.sum(batch_labels.numpy() >= 0)) == 100
    with pytest.raises(ValueError, match="labels=True"):
        keras_gen.data.load("digits", labelled=100)
    mixed = keras_gen.data.load("digits", batch_size=400, labels=True, labelled=100, labelled_share=0.5, seed=1)
    batches = [labels.numpy() for _, labels in mixed]
    shares = [np.mean(b >= 0) for b in batches[:-1]]
    assert 0.35 < np.mean(shares) < 0.65  # about half of each batch labelled
    assert set(np.concatenate(batches)) <= set(range(-1, 10))
    # The epoch ends with the unlabelled images: each of them once.
    train_size = len(keras_gen.data.load_numpy("digits", "train")[0])
    assert int(np.sum(np.concatenate(batches) == -1)) == train_size - 100
    # ... and has a length known in advance (fit sees epochs of one size).
    assert int(mixed.cardinality()) == len(batches) == -(-round((train_size - 100) * 2) // 400)
    evenly = keras_gen.data.load("digits", batch_size=50, labels=True, labelled=100, labelled_share=0.25,
                                 shuffle=False)
    even_shares = [np.mean(labels.numpy() >= 0) for _, labels in evenly][:-1]
    assert all(0.2 <= share <= 0.3 for share in even_shares), even_shares
    with pytest.raises(ValueError, match="labelled_share"):
        keras_gen.data.load("digits", labels=True, labelled=100, labelled_share=1.5)
