"""Cross convolution against an independent per-sample convolution, traced and saved."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy import signal

from keras_gen.layers import CrossConvolution, cross_convolve


def _random(shape, seed):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def test_each_sample_is_filtered_by_its_own_kernels_as_scipy_correlates():
    maps, kernels = _random((3, 9, 7, 4), 0), _random((3, 5, 5, 4), 1)
    out = keras.ops.convert_to_numpy(cross_convolve(maps, kernels))
    expected = np.stack([
        np.stack([signal.correlate2d(maps[b, ..., c], kernels[b, ..., c], mode="same") for c in range(4)], -1)
        for b in range(3)
    ])
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kernel_size", [1, 2, 4, 5])
def test_it_equals_a_depthwise_convolution_run_once_per_sample(kernel_size):
    # Even sizes pad one less before than after; the per-sample depthwise convolution is the reference.
    maps, kernels = _random((2, 8, 8, 3), 2), _random((2, kernel_size, kernel_size, 3), 3)
    out = keras.ops.convert_to_numpy(cross_convolve(maps, kernels))
    for b in range(2):
        reference = keras.ops.depthwise_conv(maps[b : b + 1], kernels[b][..., None], padding="same")
        np.testing.assert_allclose(out[b], keras.ops.convert_to_numpy(reference)[0], rtol=1e-5, atol=1e-5)


def test_swapping_kernels_between_samples_swaps_their_outputs():
    maps = np.repeat(_random((1, 6, 6, 2), 4), 2, axis=0)
    kernels = _random((2, 3, 3, 2), 5)
    out = keras.ops.convert_to_numpy(cross_convolve(maps, kernels))
    swapped = keras.ops.convert_to_numpy(cross_convolve(maps, kernels[::-1]))
    assert not np.allclose(out[0], out[1])
    np.testing.assert_allclose(swapped, out[::-1], rtol=1e-6)


@pytest.mark.graph
def test_it_traces_with_an_unknown_batch_size_and_backpropagates_to_both_inputs():
    function = tf.function(
        cross_convolve,
        input_signature=[tf.TensorSpec((None, 8, 8, 2)), tf.TensorSpec((None, 3, 3, 2))],
    )
    concrete = function.get_concrete_function()
    assert concrete.structured_outputs.shape.as_list() == [None, 8, 8, 2]
    maps, kernels = _random((5, 8, 8, 2), 6), _random((5, 3, 3, 2), 7)
    np.testing.assert_allclose(function(maps, kernels).numpy(), keras.ops.convert_to_numpy(cross_convolve(maps, kernels)),
                               rtol=1e-6)
    maps_t, kernels_t = tf.constant(maps), tf.constant(kernels)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([maps_t, kernels_t])
        total = tf.reduce_sum(function(maps_t, kernels_t) ** 2)
    assert np.all(np.isfinite(tape.gradient(total, kernels_t).numpy()))
    assert np.any(tape.gradient(total, maps_t).numpy() != 0)


def test_the_layer_builds_in_a_functional_model_and_survives_saving(tmp_path):
    maps_in, kernels_in = keras.Input((8, 8, 2)), keras.Input((3, 3, 2))
    model = keras.Model([maps_in, kernels_in], CrossConvolution(name="cross")([maps_in, kernels_in]))
    assert model.output_shape == (None, 8, 8, 2)
    path = tmp_path / "cross.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    maps, kernels = _random((2, 8, 8, 2), 8), _random((2, 3, 3, 2), 9)
    np.testing.assert_allclose(loaded.predict([maps, kernels], verbose=0), model.predict([maps, kernels], verbose=0))


@pytest.mark.parametrize(
    ("map_shape", "kernel_shape", "message"),
    [
        ((8, 8, 2), (3, 3, 4), "one kernel per feature map"),
        ((8, 8, 2), (3, 5, 2), "must be square"),
    ],
)
def test_mismatched_kernels_are_rejected_with_the_fix(map_shape, kernel_shape, message):
    with pytest.raises(ValueError, match=message):
        CrossConvolution()([keras.Input(map_shape), keras.Input(kernel_shape)])


def test_a_shifted_delta_kernel_moves_each_sample_by_its_own_displacement():
    # The paper's reading of the kernels: a motion. Sample 0 moves right by 1, sample 1 down by 2.
    maps = np.zeros((2, 9, 9, 1), "float32")
    maps[:, 4, 4, 0] = 1.0
    kernels = np.zeros((2, 5, 5, 1), "float32")
    kernels[0, 2, 1, 0] = 1.0  # correlation: out[y, x] = in[y, x - 1]
    kernels[1, 0, 2, 0] = 1.0  # out[y, x] = in[y - 2, x]
    out = keras.ops.convert_to_numpy(cross_convolve(maps, kernels))
    assert np.argwhere(out[0, ..., 0] == 1.0).tolist() == [[4, 5]]
    assert np.argwhere(out[1, ..., 0] == 1.0).tolist() == [[6, 4]]
