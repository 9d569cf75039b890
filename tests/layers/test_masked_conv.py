"""MaskedConv2D: the output at a pixel depends on exactly the pixels before it (gradient check)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gen.layers import MaskedConv2D, causal_mask


def _dependency(model, shape, row, col, channel=0):
    """Which input values the output at (row, col, channel) has a non-zero gradient with respect to."""
    x = tf.constant(np.random.default_rng(0).normal(size=(1, *shape)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = model(x)
        target = y[0, row, col, channel]
    return np.abs(tape.gradient(target, x).numpy()[0]) > 0


def _before(shape, row, col, include_self):
    """Raster order: rows above, pixels left in the row, (and the pixel itself)."""
    height, width = shape[:2]
    mask = np.zeros((height, width), bool)
    mask[:row] = True
    mask[row, :col] = True
    mask[row, col] = include_self
    return mask


@pytest.mark.parametrize("mask_type", ["A", "B"])
def test_one_layer_sees_exactly_its_window_before_the_pixel(mask_type):
    layer = MaskedConv2D(2, 5, mask_type=mask_type, kernel_initializer="ones")
    model = keras.Sequential([keras.Input((9, 9, 1)), layer])
    depends = _dependency(model, (9, 9, 1), 4, 4)[..., 0]
    expected = _before((9, 9), 4, 4, include_self=mask_type == "B")
    window = np.zeros((9, 9), bool)
    window[2:7, 2:7] = True
    np.testing.assert_array_equal(depends, expected & window)


def test_a_stack_never_sees_the_future_and_keeps_the_blind_spot():
    model = keras.Sequential([
        keras.Input((10, 10, 1)),
        MaskedConv2D(4, 3, mask_type="A", kernel_initializer="ones"),
        MaskedConv2D(4, 3, mask_type="B", kernel_initializer="ones"),
        MaskedConv2D(1, 3, mask_type="B", kernel_initializer="ones"),
    ])
    depends = _dependency(model, (10, 10, 1), 5, 5)[..., 0]
    assert not np.any(depends & ~_before((10, 10), 5, 5, include_self=False))  # nothing at or after (5, 5)
    assert depends[4, 4] and depends[5, 4]  # the pixels just before are seen
    # The blind spot of stacked masked convolutions: (3, 8), up and to the right, is not reached.
    assert not depends[3, 8]


def test_colour_channels_are_ordered_within_a_pixel():
    mask = causal_mask((3, 3), 3, 6, "A", color_groups=3)[1, 1]
    # Outputs 0-1 (R) see no centre input, 2-3 (G) see R, 4-5 (B) see R and G.
    np.testing.assert_array_equal(mask, [[0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0]])
    mask_b = causal_mask((3, 3), 3, 3, "B", color_groups=3)[1, 1]
    np.testing.assert_array_equal(mask_b, np.triu(np.ones((3, 3))))


def test_serialization_keeps_the_mask():
    layer = MaskedConv2D(3, 3, mask_type="A", color_groups=1)
    restored = MaskedConv2D.from_config(layer.get_config())
    assert restored.mask_type == "A" and restored.padding == "same"
    x = np.random.default_rng(1).normal(size=(2, 6, 6, 1)).astype("float32")
    layer(x)
    restored(x)
    restored.set_weights(layer.get_weights())
    np.testing.assert_allclose(layer(x), restored(x), rtol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="mask_type"):
        MaskedConv2D(2, 3, mask_type="C")
    with pytest.raises(ValueError, match="odd kernel"):
        MaskedConv2D(2, 4)(np.zeros((1, 5, 5, 1), "float32"))
    with pytest.raises(ValueError, match="strides must be 1"):
        MaskedConv2D(2, 3, strides=2)
    with pytest.raises(ValueError, match="padding must be 'same'"):
        MaskedConv2D(2, 3, padding="valid")
