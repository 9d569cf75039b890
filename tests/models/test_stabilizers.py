"""Options of every GAN: R1, EMA of the generator, DiffAugment, spectral normalization."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gen import training
from keras_gen.layers import DiffAugment
from keras_gen.models import DCGAN, GAN
from tests.test_case import weights_of


def _images(count=16, size=8, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (count, size, size, 1)).astype("float32")


def _linear_critic(w):
    critic = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(1, use_bias=False)])
    critic.set_weights([w])
    return critic


def test_r1_penalty_of_a_linear_critic_is_half_gamma_times_the_squared_norm():
    w = np.random.default_rng(0).standard_normal((64, 1)).astype("float32") * 0.1
    generator = DCGAN.for_images((8, 8, 1), latent_dim=4, width=4).generator
    model = GAN(generator, _linear_critic(w), r1_weight=3.0, seed=0)
    model.compile()
    logs = model.test_step(tf.constant(_images(8)))
    assert float(logs["r1_penalty"]) == pytest.approx(0.5 * 3.0 * np.sum(w.astype(np.float64) ** 2), rel=1e-4)
    # Without the option there is no such metric and no penalty.
    plain = GAN(generator, _linear_critic(w), seed=0)
    plain.compile()
    assert "r1_penalty" not in plain.test_step(tf.constant(_images(8)))
    with pytest.raises(ValueError, match="r1_weight"):
        GAN(generator, _linear_critic(w), r1_weight=-1.0)


def test_ema_weights_follow_the_formula_and_are_used_by_generate(tmp_path):
    model = DCGAN.for_images((8, 8, 1), latent_dim=4, width=4, ema=0.9, dropout=0.0, seed=0)
    model.compile()
    assert not model.generator_ema.trainable_weights  # the average is not trained
    trainable = [w.trainable for w in model.generator.weights]
    assert any(trainable) and not all(trainable)  # kernels, and batch-norm statistics
    start = [w.numpy().copy() for w in model.generator.weights]
    for w0, average in zip(start, model.generator_ema.weights):
        np.testing.assert_array_equal(w0, average.numpy())
    # The decay warms up: min(0.9, (1 + t) / (10 + t)) after the t-th generator update.
    averages = [w.astype(np.float64) for w in start]
    for t in (1, 2):
        model.fit(_images(8), batch_size=8, epochs=1, verbose=0)  # one generator update
        after = [w.numpy() for w in model.generator.weights]
        decay = min(0.9, (1 + t) / (10 + t))
        averages = [decay * a + (1 - decay) * w1 if is_trainable else w1
                    for a, w1, is_trainable in zip(averages, after, trainable)]
        for expected, average, is_trainable in zip(averages, model.generator_ema.weights, trainable):
            if is_trainable:
                np.testing.assert_allclose(average.numpy(), expected, rtol=1e-5, atol=1e-6)
            else:
                np.testing.assert_array_equal(average.numpy(), expected)  # batch-norm statistics copied
    assert any(not np.array_equal(w0, w1) for w0, w1 in zip(start, after))
    z = np.random.default_rng(1).standard_normal((3, 4)).astype("float32")
    np.testing.assert_allclose(model.generate(latent_points=z), model.generator_ema(z, training=False), atol=1e-6)
    assert not np.allclose(model.generate(latent_points=z), model.generator(z, training=False))
    path = tmp_path / "ema.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert restored.ema == 0.9
    np.testing.assert_array_equal(restored.generate(latent_points=z), model.generate(latent_points=z))
    for a, b in zip(weights_of(restored.generator_ema), weights_of(model.generator_ema)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="ema"):
        DCGAN.for_images((8, 8, 1), latent_dim=4, width=4, ema=1.5)


def test_ema_decay_is_the_given_one_once_the_warm_up_passes_it():
    # (1 + t) / (10 + t) is 0.18 after the first update: a decay of 0.15 applies from the start.
    model = DCGAN.for_images((8, 8, 1), latent_dim=4, width=4, ema=0.15, dropout=0.0, seed=0)
    model.compile()
    kernel = next(i for i, w in enumerate(model.generator.weights) if w.trainable)
    before = model.generator.weights[kernel].numpy().copy()
    model.fit(_images(8), batch_size=8, epochs=1, verbose=0)
    after = model.generator.weights[kernel].numpy()
    np.testing.assert_allclose(model.generator_ema.weights[kernel].numpy(), 0.15 * before + 0.85 * after,
                               rtol=1e-5, atol=1e-6)


def test_diffaugment_is_seeded_differentiable_and_off_at_inference():
    x = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    layer = DiffAugment("color,translation,cutout", seed=1)
    np.testing.assert_array_equal(layer(x, training=False), x)
    a = keras.ops.convert_to_numpy(DiffAugment("translation,cutout", seed=3)(x, training=True))
    b = keras.ops.convert_to_numpy(DiffAugment("translation,cutout", seed=3)(x, training=True))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, x)
    gradients = training.input_gradients(lambda images: layer(images, training=True), keras.ops.convert_to_tensor(x))
    assert np.any(keras.ops.convert_to_numpy(gradients) != 0)
    restored = DiffAugment.from_config(layer.get_config())
    assert restored.policy == "color,translation,cutout" and restored.seed == 1
    with pytest.raises(ValueError, match="Unknown DiffAugment policy"):
        DiffAugment("rotate")


def test_cutout_zeroes_at_most_a_quarter_and_translation_keeps_pixels():
    ones = np.ones((64, 8, 8, 1), "float32")
    cut = keras.ops.convert_to_numpy(DiffAugment("cutout", seed=0)(ones, training=True))
    zeros = (cut == 0).reshape(64, -1).sum(axis=1)
    assert zeros.max() <= 16 and zeros.mean() > 4  # a 4x4 square, sometimes partly outside
    image = np.zeros((64, 8, 8, 1), "float32")
    image[:, 3:5, 3:5] = 1.0  # a block in the middle survives any shift of up to 1 pixel
    shifted = keras.ops.convert_to_numpy(DiffAugment("translation", seed=0)(image, training=True))
    np.testing.assert_array_equal(shifted.reshape(64, -1).sum(axis=1), 4.0)
    assert len({tuple(np.argwhere(s[..., 0])[0]) for s in shifted}) > 1


def test_gan_with_augmentation_and_spectral_norm_trains_and_saves(tmp_path):
    model = DCGAN.for_images((8, 8, 1), latent_dim=4, width=4, augment="translation,cutout",
                             spectral_norm=True, seed=0)
    assert any(isinstance(layer, keras.layers.SpectralNormalization) for layer in model.discriminator.layers)
    model.compile()
    d0, g0 = weights_of(model.discriminator), weights_of(model.generator)
    model.fit(_images(16), batch_size=8, epochs=1, verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(d0, weights_of(model.discriminator)))
    assert any(not np.array_equal(a, b) for a, b in zip(g0, weights_of(model.generator)))
    path = tmp_path / "augmented.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert restored.augment == "translation,cutout"
    z = np.random.default_rng(0).standard_normal((2, 4)).astype("float32")
    np.testing.assert_array_equal(restored.generate(latent_points=z), model.generate(latent_points=z))
