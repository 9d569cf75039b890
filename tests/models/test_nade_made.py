"""NADE, MADE and Frey's network: what is their own (the family contract covers saving, seeds, bad batches).

Every check is on 3x3 binary images, whose 512 states can be enumerated.
"""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gen
from keras_gen.layers.made import MADENetwork
from keras_gen.models import MADE, NADE
from tests.test_case import weights_of

SHAPE = (3, 3, 1)
ALL_IMAGES = np.array(list(itertools.product([0.0, 1.0], repeat=9)), "float32").reshape(-1, *SHAPE)


def randomized(model, seed=0):
    """`model` with every trainable weight redrawn at a larger scale, so its distribution is far from uniform."""
    rng = np.random.default_rng(seed)
    for weight in model.trainable_weights:
        weight.assign(rng.normal(0.0, 1.0, weight.shape).astype("float32"))
    return model


MODELS = {
    "nade": lambda: NADE.for_images(SHAPE, hidden_units=5, seed=0),
    "nade_random_order": lambda: NADE.for_images(SHAPE, hidden_units=5, ordering=3, seed=0),
    "made": lambda: MADE.for_images(SHAPE, hidden_units=(7, 6), seed=0),
    "made_3_orderings": lambda: MADE.for_images(SHAPE, hidden_units=(7,), num_masks=3, order_agnostic=True, seed=1),
    "made_3_masks": lambda: MADE.for_images(SHAPE, hidden_units=(7,), num_masks=3, seed=2),
    "frey": lambda: MADE.for_images(SHAPE, hidden_units=(), seed=0),
}


def numpy_log_likelihood(images, logits):
    """Independent Bernoulli log-likelihood per image, from probabilities."""
    p = 1.0 / (1.0 + np.exp(-logits.astype("float64")))
    x = images.reshape(len(images), -1).astype("float64")
    return np.sum(x * np.log(p) + (1 - x) * np.log1p(-p), axis=1)


@pytest.mark.parametrize("name", list(MODELS))
def test_each_output_depends_only_on_earlier_sub_pixels(name):
    model = randomized(MODELS[name]())
    x = tf.constant(np.random.default_rng(0).random((1, 9)), "float32")
    for mask_set, ordering in enumerate(model.orderings):
        with tf.GradientTape() as tape:
            tape.watch(x)
            logits = model._flat_logits(x, mask_set)
        jacobian = tape.jacobian(logits, x).numpy()[0, :, 0, :]  # [output, input]
        position = np.argsort(ordering)
        for output in range(9):
            later = position >= position[output]  # itself and every later sub-pixel
            assert np.all(jacobian[output, later] == 0.0), (name, mask_set, output)
        # Not trivially zero: some output sees some earlier input.
        assert np.abs(jacobian).max() > 0


@pytest.mark.parametrize("name", list(MODELS))
def test_probabilities_of_all_binary_images_sum_to_one(name):
    model = randomized(MODELS[name]())
    probabilities = np.exp(model.log_prob(ALL_IMAGES))
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert probabilities.max() > 5 * probabilities.min()  # a distribution of its own, not the uniform one


@pytest.mark.parametrize("name", ["nade", "nade_random_order", "made", "frey"])
def test_log_prob_is_the_likelihood_of_its_own_logits(name):
    model = randomized(MODELS[name]())
    images = ALL_IMAGES[::37]
    logits = keras.ops.convert_to_numpy(model(images)).reshape(len(images), -1)
    assert model(images).shape == images.shape
    expected = numpy_log_likelihood(images, logits)
    np.testing.assert_allclose(model.log_prob(images), expected, rtol=1e-5, atol=1e-5)
    one_at_a_time = np.concatenate([model.log_prob(image[None]) for image in images])
    np.testing.assert_allclose(model.log_prob(images), one_at_a_time, rtol=1e-6, atol=1e-6)


def test_several_mask_sets_give_the_log_of_their_mean_probability():
    model = randomized(MODELS["made_3_orderings"]())
    images = ALL_IMAGES[::50]
    flat = images.reshape(len(images), -1)
    per_set = [numpy_log_likelihood(images, keras.ops.convert_to_numpy(model._flat_logits(flat, k)))
               for k in range(3)]
    for k in range(3):
        np.testing.assert_allclose(model.mask_set_log_prob(images, k), per_set[k], rtol=1e-5)
    expected = np.log(np.mean(np.exp(per_set), axis=0))
    np.testing.assert_allclose(model.log_prob(images), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="mask_set"):
        model.mask_set_log_prob(images, 3)


@pytest.mark.parametrize("name", ["nade_random_order", "made_3_orderings"])
def test_samples_follow_the_model(name):
    model = randomized(MODELS[name]())
    # Samples follow the first mask set (orderings[0]); log_prob is the mean over the sets.
    probabilities = np.exp(model.mask_set_log_prob(ALL_IMAGES, 0))
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    marginals = (probabilities[:, None] * ALL_IMAGES.reshape(-1, 9)).sum(axis=0)
    samples = model.generate(2000, seed=0)
    assert samples.shape == (2000, *SHAPE) and set(np.unique(samples)) <= {0.0, 1.0}
    # Each marginal within ~6 standard errors (0.5 / sqrt(2000) ~ 0.011).
    np.testing.assert_allclose(samples.reshape(-1, 9).mean(axis=0), marginals, atol=0.07)
    np.testing.assert_array_equal(model.generate(5, seed=3), model.generate(5, seed=3))


@pytest.mark.parametrize("name", ["nade_random_order", "made_3_orderings"])
def test_temperature_zero_takes_the_likelier_value_along_the_first_ordering(name):
    model = randomized(MODELS[name]())
    image = np.zeros((1, 9), "float32")
    for index in model.orderings[0]:  # an independent greedy pass, one full evaluation per sub-pixel
        logit = keras.ops.convert_to_numpy(model._flat_logits(image, 0))[0, index]
        image[0, index] = float(logit > 0)
    np.testing.assert_array_equal(model.generate(1, temperature=0.0, seed=0).reshape(1, 9), image)


def test_made_cycles_its_mask_sets_in_training_and_saves_its_place(tmp_path):
    model = MODELS["made_3_masks"]()
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    images = ALL_IMAGES[::3]
    kernel = model.network.kernels[0]
    masks = keras.ops.convert_to_numpy(model.network.masks[0])
    assert not np.array_equal(masks[0], masks[1])
    for step in range(3):
        before = keras.ops.convert_to_numpy(kernel).copy()
        model.fit(images, batch_size=len(images), epochs=1, verbose=0, shuffle=False)
        moved = keras.ops.convert_to_numpy(kernel) != before
        # SGD moves only weights this step's mask set keeps (most of them: a unit may be inactive).
        kept = masks[step % 3] > 0
        assert not moved[~kept].any()
        assert moved[kept].mean() > 0.5
    assert model.mask_step == 3
    path = str(tmp_path / "made.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.mask_step == 3
    np.testing.assert_array_equal(loaded.orderings, model.orderings)
    np.testing.assert_array_equal(loaded.log_prob(images), model.log_prob(images))


def test_nade_reloads_with_the_same_log_prob(tmp_path):
    model = randomized(MODELS["nade_random_order"]())
    path = str(tmp_path / "nade.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.orderings, model.orderings)
    np.testing.assert_array_equal(loaded.log_prob(ALL_IMAGES), model.log_prob(ALL_IMAGES))


@pytest.mark.parametrize("name", ["nade", "made"])
def test_grey_levels_are_an_error_that_names_binarize(name):
    model = MODELS[name]()
    model.compile()
    grey = np.full((4, *SHAPE), 0.5, "float32")
    before = weights_of(model)
    with pytest.raises(ValueError, match="binarize=True"):
        model.fit(grey, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="binarize=True"):
        model.log_prob(grey)
    # The same data from tf.data, checked inside the step.
    with pytest.raises(ValueError, match="binarize"):
        model.fit(tf.data.Dataset.from_tensor_slices(grey).batch(2), epochs=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, weights_of(model)))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: NADE.for_images(SHAPE, hidden_units=0), "hidden_units"),
        (lambda: NADE.for_images(SHAPE, ordering="random"), "ordering"),
        (lambda: NADE.for_images(SHAPE, data_scale=(-1, 1)), "data_scale"),
        (lambda: MADE.for_images(SHAPE, num_masks=0), "num_masks"),
        (lambda: MADE.for_images(SHAPE, hidden_units=(4, -1)), "hidden_units"),
        (lambda: MADE(MADENetwork(5), SHAPE), "9 inputs"),
    ],
)
def test_bad_arguments_are_clear_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_binarize_in_load_numpy_and_load():
    grey, _ = keras_gen.data.load_numpy("digits", scale=(0, 1), limit=50)
    binary, _ = keras_gen.data.load_numpy("digits", scale=(0, 1), limit=50, binarize=True)
    np.testing.assert_array_equal(binary, (grey > 0.5).astype("float32"))
    batch = next(iter(keras_gen.data.load("digits", batch_size=50, scale=(0, 1), shuffle=False, limit=50,
                                           binarize=True)))
    np.testing.assert_array_equal(batch.numpy(), binary)
    with pytest.raises(ValueError, match="binarize"):
        keras_gen.data.load_numpy("digits", binarize="yes")
