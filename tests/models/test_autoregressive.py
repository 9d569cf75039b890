"""PixelCNN, Gated PixelCNN and PixelRNN: causal dependencies, exact likelihoods, sampling, completion."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import special, stats

from keras_gen import networks
from keras_gen.models import (
    Completes,
    GatedPixelCNN,
    HasLikelihood,
    PixelCNN,
    PixelRNN,
    capabilities,
)
from keras_gen.models.autoregressive.pixelcnn import parameters_per_sub_pixel
from tests.test_case import changed, weights_of

SHAPE = (8, 8, 1)


def grid_images(count=16, shape=SHAPE, seed=0):
    """Images on the 8-bit grid of (0, 1): integers 0..255 divided by 255."""
    return (np.random.default_rng(seed).integers(0, 256, (count, *shape)) / 255.0).astype("float32")


def striped_images(count=32):
    """Easy images: each row is black or white, alternating."""
    images = np.zeros((count, *SHAPE), "float32")
    images[:, ::2] = 1.0
    return images


# --- the dependencies are causal ----------------------------------------------------------
def dependencies(model, shape, row, col, channel=None, trials=3):
    """Which input sub-pixels the parameters at (row, col[, channel]) have a non-zero gradient for."""
    seen = np.zeros(shape, bool)
    for trial in range(trials):
        x = tf.constant(np.random.default_rng(trial).uniform(0, 1, (1, *shape)).astype("float32"))
        with tf.GradientTape() as tape:
            tape.watch(x)
            parameters = model(x)[0, row, col]
            target = tf.reduce_sum(parameters if channel is None else parameters[channel])
        seen |= np.abs(tape.gradient(target, x).numpy()[0]) > 0
    return seen


def earlier_pixels(shape, row, col):
    mask = np.zeros(shape[:2], bool)
    mask[:row] = True
    mask[row, :col] = True
    return mask


@pytest.mark.parametrize("model_class", [PixelCNN, GatedPixelCNN, PixelRNN])
@pytest.mark.parametrize("row, col", [(0, 0), (0, 5), (3, 0), (4, 4), (7, 7)])
def test_each_pixel_depends_only_on_earlier_pixels(model_class, row, col):
    # Fixed initial weights, whatever ran before in this worker: one fresh-clone run (2026-12-05) found no
    # gradient from the pixel just before (3, 0) of a PixelCNN; 180 cases with seeds 0-14 all pass.
    keras.utils.set_random_seed(0)
    model = model_class.for_images(SHAPE, filters=6, num_layers=3, seed=0)
    seen = dependencies(model, SHAPE, row, col)[..., 0]
    assert not np.any(seen & ~earlier_pixels(SHAPE, row, col)), "sees itself or a later pixel"
    if (row, col) != (0, 0):
        assert seen[row, col - 1] if col else seen[row - 1, col]  # the pixel just before


def test_pixelcnn_has_the_blind_spot_and_gated_pixelcnn_does_not():
    shape = (10, 10, 1)
    pixelcnn = PixelCNN.for_images(shape, filters=6, num_layers=3, seed=0)
    gated = GatedPixelCNN.for_images(shape, filters=6, num_layers=6, seed=0)
    before = earlier_pixels(shape, 7, 4)
    # 6 gated layers reach 7 rows up and 6 columns either way: every earlier pixel.
    np.testing.assert_array_equal(dependencies(gated, shape, 7, 4)[..., 0], before)
    seen = dependencies(pixelcnn, shape, 7, 4)[..., 0]
    within_reach = before.copy()
    within_reach[: 7 - pixelcnn.sampling_rows] = False
    blind = within_reach & ~seen
    assert blind.any()
    rows, cols = np.nonzero(blind)
    assert np.all(rows < 7) and np.all(cols > 4)  # the blind spot lies above and to the right


def test_colour_pixelcnn_orders_red_green_blue_within_a_pixel():
    shape = (5, 5, 3)
    model = PixelCNN.for_images(shape, filters=9, num_layers=2, seed=0)
    for channel in range(3):
        seen = dependencies(model, shape, 2, 2, channel)
        assert not seen[2, 2, channel:].any()  # not itself, not the channels after it
        assert seen[2, 2, :channel].all()  # the channels before it
        assert not seen[2, 3:].any() and not seen[3:].any()


@pytest.mark.parametrize("model_class", [PixelCNN, GatedPixelCNN])
def test_receptive_rows_are_the_rows_the_network_sees(model_class):
    shape = (16, 6, 1)
    model = model_class.for_images(shape, filters=4, num_layers=3, seed=0)
    seen = dependencies(model, shape, 15, 5)[..., 0]
    assert np.nonzero(seen.any(axis=1))[0].min() == 15 - model.sampling_rows


# --- exact likelihoods ----------------------------------------------------------------------
def constant_model(model, bias):
    """Zeroes every weight but the last bias: every sub-pixel gets the same parameters `bias`."""
    for weight in model.network.weights:
        weight.assign(np.zeros(weight.shape, "float32"))
    model.network.get_layer("head_out").bias.assign(np.tile(bias, model.image_shape[-1]).astype("float32"))
    return model


def test_categorical_likelihood_matches_an_independent_computation():
    logits = np.random.default_rng(0).normal(size=256)
    model = constant_model(PixelCNN.for_images(SHAPE, filters=4, num_layers=1), logits)
    images = grid_images(3)
    levels = np.round(images * 255).astype(int)
    expected = special.log_softmax(logits)[levels].reshape(3, -1).sum(axis=1)
    np.testing.assert_allclose(model.log_prob(images), expected, rtol=1e-4)
    np.testing.assert_allclose(model.bits_per_dim(images), -expected / (math.log(2) * 64), rtol=1e-4)


def test_logistic_mixture_likelihood_matches_scipy():
    weights, means, log_scales = np.array([0.3, -0.2]), np.array([-0.4, 0.5]), np.array([-2.0, -1.5])
    model = PixelCNN.for_images(SHAPE, filters=4, num_layers=1, output="logistic_mixture", num_mixtures=2)
    # The network's raw means pass through tanh: give it arctanh of the means wanted.
    constant_model(model, np.concatenate([weights, np.arctanh(means), log_scales]))
    images = grid_images(2)
    images[0, 0, :3, 0] = [0.0, 1.0, 128 / 255]  # both edge bins and a middle one
    x = images * 2 - 1
    half = 1 / 255
    probabilities = sum(
        w * np.where(x < -0.999, stats.logistic.cdf(x + half, m, np.exp(s)),
                     np.where(x > 0.999, stats.logistic.sf(x - half, m, np.exp(s)),
                              stats.logistic.cdf(x + half, m, np.exp(s)) - stats.logistic.cdf(x - half, m, np.exp(s))))
        for w, m, s in zip(special.softmax(weights), means, log_scales)
    )
    expected = np.log(probabilities).reshape(2, -1).sum(axis=1)
    np.testing.assert_allclose(model.log_prob(images), expected, rtol=1e-4)


@pytest.mark.graph  # many steps or a compiled loop: tracing pays off
def test_likelihood_of_a_trained_model_is_its_negative_loss_and_training_lowers_it():
    keras.utils.set_random_seed(0)
    model = GatedPixelCNN.for_images(SHAPE, filters=8, num_layers=2, seed=0)
    model.compile(keras.optimizers.Adam(1e-2))
    images = striped_images()
    before = model.bits_per_dim(images).mean()
    model.fit(images, batch_size=16, epochs=15, verbose=0)
    after = model.bits_per_dim(images).mean()
    assert before > 7.5 and after < 2.0  # uniform over 256 values is 8 bits
    loss = model.evaluate(images, batch_size=32, verbose=0, return_dict=True)
    np.testing.assert_allclose(loss["loss"], -model.log_prob(images).mean(), rtol=1e-3)
    assert capabilities(model) == ["completes", "likelihood", "samples"]
    assert isinstance(model, HasLikelihood) and isinstance(model, Completes)


# --- sampling and completion ------------------------------------------------------------------
def test_samples_follow_the_model_distribution():
    logits = np.full(256, -30.0)
    logits[[10, 200]] = [0.0, math.log(3.0)]  # values 10 and 200 with probabilities 1/4 and 3/4
    model = constant_model(PixelCNN.for_images(SHAPE, filters=4, num_layers=1), logits)
    samples = np.round(model.generate(32, seed=0) * 255)
    assert set(np.unique(samples)) <= {10.0, 200.0}
    assert 0.70 < np.mean(samples == 200) < 0.80  # 2,048 draws: 0.75 within ~5 standard deviations
    cold = np.round(model.generate(4, seed=0, temperature=0.05) * 255)
    assert np.all(cold == 200)  # a low temperature picks the most likely value


@pytest.mark.graph  # many steps or a compiled loop: tracing pays off
@pytest.mark.parametrize("model_class", [PixelCNN, GatedPixelCNN, PixelRNN])
def test_sampling_is_seeded(model_class):
    models = []
    for _ in range(2):
        keras.utils.set_random_seed(4)  # the same weights
        # One layer: seeding does not depend on depth, and each generate traces its sampler (PixelRNN's
        # test took 8 s with two layers, 5 s with one); the stacks are tested above.
        models.append(model_class.for_images(SHAPE, filters=6, num_layers=1, seed=5))
    model, twin = models
    first, again = model.generate(3, seed=1), model.generate(3, seed=1)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, model.generate(3, seed=2))
    # The model's seed generator (3 images each time: a traced sampler is traced again for another count).
    np.testing.assert_array_equal(model.generate(3), twin.generate(3))
    assert not np.array_equal(model.generate(3), twin.generate(3, seed=9))
    np.testing.assert_allclose(first * 255, np.round(first * 255), atol=1e-3)  # on the 8-bit grid


@pytest.mark.parametrize("model_class", [PixelCNN, GatedPixelCNN])
def test_a_band_of_rows_gives_the_whole_image_parameters(model_class):
    shape = (12, 6, 1)
    model = model_class.for_images(shape, filters=6, num_layers=2, seed=0)
    band = model.sampling_rows + 1
    images = grid_images(2, shape)
    whole = keras.ops.convert_to_numpy(model(images))
    for row in range(shape[0]):
        top = max(0, row - band + 1)
        part = keras.ops.convert_to_numpy(model._parameters(images[:, top : top + band], None))
        np.testing.assert_allclose(part[:, row - top], whole[:, row], rtol=1e-4, atol=1e-5)


@pytest.mark.graph  # many steps or a compiled loop: tracing pays off
def test_completions_keep_the_known_rows_bit_exact():
    model = GatedPixelCNN.for_images(SHAPE, filters=6, num_layers=2, seed=0)
    images = grid_images(3)
    one = model.complete(images, known_rows=3, seed=0)
    several = model.complete(images, known_rows=3, num_samples=4, seed=0)
    assert one.shape == (3, *SHAPE) and several.shape == (3, 4, *SHAPE)
    np.testing.assert_array_equal(one[:, :3], images[:, :3])
    np.testing.assert_array_equal(several[:, :, :3], np.repeat(images[:, None, :3], 4, axis=1))
    assert not np.array_equal(several[:, 0, 3:], several[:, 1, 3:])  # the samples differ below
    np.testing.assert_array_equal(model.complete(images, known_rows=8), images)  # nothing to sample
    rows = model.completion_rows(images)
    assert list(rows) == ["known", "completion", "original"]
    assert np.all(rows["known"][:, 4:] == 0.0)


@pytest.mark.graph  # many steps or a compiled loop: tracing pays off
def test_conditional_model_samples_each_class_from_its_own_distribution():
    model = GatedPixelCNN.for_images(SHAPE, filters=8, num_layers=2, num_classes=2, seed=0)
    model.compile(keras.optimizers.Adam(1e-2))
    images = np.concatenate([np.zeros((16, *SHAPE)), np.ones((16, *SHAPE))]).astype("float32")
    labels = np.repeat([0, 1], 16).astype("int32")
    model.fit(images, labels, batch_size=16, epochs=20, verbose=0)
    samples = model.generate(4, labels=[0, 1, 0, 1], seed=0)
    assert samples[[0, 2]].mean() < 0.1 and samples[[1, 3]].mean() > 0.9
    grid, columns = model.grid_samples(n=4, seed=0)
    assert grid.shape == (4, *SHAPE) and columns == 2


# --- saving -----------------------------------------------------------------------------------
def test_config_round_trip_keeps_the_sampling_band(tmp_path):
    model = GatedPixelCNN.for_images(SHAPE, filters=4, num_layers=2, output="logistic_mixture", num_mixtures=2, seed=1)
    model.compile()
    path = tmp_path / "gated.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert (restored.sampling_rows, restored.image_shape, restored.output_kind) == (3, SHAPE, "logistic_mixture")
    images = grid_images(2)
    np.testing.assert_array_equal(restored.log_prob(images), model.log_prob(images))


# --- bad input --------------------------------------------------------------------------------
def test_bad_arguments_get_clear_errors():
    model = PixelCNN.for_images(SHAPE, filters=4, num_layers=1, seed=0)
    model.compile()
    images = grid_images(4)
    start = weights_of(model)
    with pytest.raises(ValueError, match="not on the grid of 256 values"):
        model.fit(images * 0.999, batch_size=4, verbose=0)
    dequantized = tf.data.Dataset.from_tensor_slices(images + 0.001 * (images < 0.5)).batch(4)
    with pytest.raises(ValueError, match=r"not on a grid of 256 pixel values.*epoch 1, batch 1"):
        model.fit(dequantized, verbose=0)
    assert changed(start, weights_of(model)) == 0
    with pytest.raises(ValueError, match="not on the grid"):
        model.log_prob(images * 0.999)
    with pytest.raises(ValueError, match="known_rows must be an integer in"):
        model.complete(images, known_rows=9)
    with pytest.raises(ValueError, match="num_samples"):
        model.complete(images, num_samples=0)
    with pytest.raises(ValueError, match="temperature must be positive"):
        model.generate(2, temperature=0)
    with pytest.raises(ValueError, match="num_images"):
        model.generate(0)
    with pytest.raises(ValueError, match="not conditional"):
        model.generate(2, labels=[0, 1])
    with pytest.raises(ValueError, match="Unknown output"):
        PixelCNN.for_images(SHAPE, output="gaussian")
    with pytest.raises(ValueError, match="num_mixtures"):
        parameters_per_sub_pixel("logistic_mixture", 0)
    with pytest.raises(ValueError, match="pass num_classes="):
        PixelCNN(networks.gated_pixelcnn_network(SHAPE, filters=4, num_layers=1, num_classes=3), image_shape=SHAPE)
    with pytest.raises(ValueError, match="image_shape"):
        PixelCNN(networks.pixelcnn_network(SHAPE, filters=4, num_layers=1))
    with pytest.raises(ValueError, match="must output"):
        PixelCNN(networks.pixelcnn_network(SHAPE, parameters=30, filters=4, num_layers=1), image_shape=SHAPE)
    with pytest.raises(ValueError, match="sampling_rows needs a network"):
        PixelRNN(networks.row_lstm_network(SHAPE, filters=4, num_layers=1), sampling_rows=3)
    conditional = GatedPixelCNN.for_images(SHAPE, filters=4, num_layers=1, num_classes=3)
    with pytest.raises(ValueError, match="class-conditional: pass one integer label"):
        conditional.complete(images)


def test_pixelrnn_row_steps_give_the_whole_image_parameters():
    shape = (6, 5, 1)
    model = PixelRNN.for_images(shape, filters=6, num_layers=2, num_classes=2, seed=0)
    images, labels = grid_images(2, shape), np.array([0, 1], "int32")
    whole = keras.ops.convert_to_numpy(model([images, labels]))
    layers = model._family_layers()
    states = [lstm.initial_state(2, 5) for lstm in layers["lstms"]]
    for row in range(shape[0]):
        top = max(0, row - 3)
        parameters, states = model._row_parameters(layers, images[:, top : top + 4], row - top, labels, states)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(parameters)[:, 0], whole[:, row], rtol=1e-4, atol=1e-5)
