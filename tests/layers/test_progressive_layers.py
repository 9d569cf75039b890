"""Progressive GAN layers against numpy: equalized learning rate, pixel norm, minibatch std."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gen.layers import EqualizedConv2D, EqualizedDense, MinibatchStdDev, PixelNormalization
from keras_gen.networks import dcgan_discriminator, dcgan_networks

RNG = np.random.default_rng(0)


def _normal(*shape):
    return RNG.normal(size=shape).astype("float32")


def _numpy_conv(x, kernel, stride, padding):
    """Cross-correlation of `(batch, H, W, C)` with `(kh, kw, C, F)`, as Keras' Conv2D computes it."""
    kh, kw = kernel.shape[:2]
    if padding == "same":
        height, width = x.shape[1:3]
        out_h, out_w = -(-height // stride), -(-width // stride)
        pad_h = max((out_h - 1) * stride + kh - height, 0)
        pad_w = max((out_w - 1) * stride + kw - width, 0)
        x = np.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    out_h = (x.shape[1] - kh) // stride + 1
    out_w = (x.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], out_h, out_w, kernel.shape[-1]))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j] = np.einsum("bhwc,hwcf->bf", window, kernel)
    return out


def _numpy_minibatch_std(x, group_size):
    """Consecutive groups of `group_size`; population std per feature, averaged, as one more channel."""
    extra = np.zeros(x.shape[:3] + (1,))
    for start in range(0, len(x), group_size):
        extra[start:start + group_size] = x[start:start + group_size].std(axis=0).mean()
    return np.concatenate([x, extra], axis=-1)


# Equalized learning rate


@pytest.mark.parametrize("gain", [2.0, 1.0])
def test_equalized_dense_scales_the_kernel_at_run_time(gain):
    layer = EqualizedDense(5, gain=gain)
    x = _normal(3, 8)
    layer(x)
    assert isinstance(layer.scale, float) and layer.scale == pytest.approx(np.sqrt(gain / 8))
    kernel, bias = layer.get_weights()
    bias = _normal(5)
    layer.set_weights([kernel, bias])
    np.testing.assert_allclose(layer(x), x @ (kernel * np.sqrt(gain / 8)) + bias, rtol=1e-5, atol=1e-5)


def test_equalized_weights_start_standard_normal_with_zero_bias():
    dense, conv = EqualizedDense(128), EqualizedConv2D(64, 3)
    dense(np.zeros((1, 128), "float32"))
    conv(np.zeros((1, 4, 4, 32), "float32"))
    for layer in (dense, conv):
        kernel, bias = layer.get_weights()
        assert abs(kernel.mean()) < 0.05 and abs(kernel.std() - 1.0) < 0.05
        np.testing.assert_array_equal(bias, 0.0)


def test_equalized_dense_activation_without_bias():
    layer = EqualizedDense(4, activation="relu", use_bias=False)
    x = _normal(6, 3)
    out = keras.ops.convert_to_numpy(layer(x))
    assert len(layer.weights) == 1
    np.testing.assert_allclose(out, np.maximum(x @ (layer.get_weights()[0] * np.sqrt(2 / 3)), 0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("kernel_size", "strides", "padding"), [(3, 1, "same"), ((3, 2), 2, "valid"), (4, 2, "same")])
def test_equalized_conv_scales_the_kernel_by_its_fan_in(kernel_size, strides, padding):
    layer = EqualizedConv2D(4, kernel_size, strides=strides, padding=padding)
    x = _normal(2, 7, 6, 3)
    out = keras.ops.convert_to_numpy(layer(x))
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    scale = np.sqrt(2 / (kh * kw * 3))
    assert isinstance(layer.scale, float) and layer.scale == pytest.approx(scale)
    kernel, _ = layer.get_weights()
    bias = _normal(4)
    layer.set_weights([kernel, bias])
    out = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(out, _numpy_conv(x, kernel * scale, strides, padding) + bias, rtol=1e-4, atol=1e-4)
    assert out.shape[1:] == tuple(layer.compute_output_shape((None, 7, 6, 3)))[1:]


def test_scale_is_read_only_and_none_before_build():
    layer = EqualizedConv2D(2, 3)
    assert layer.scale is None
    with pytest.raises(AttributeError):
        layer.scale = 1.0


# Pixel normalization


@pytest.mark.parametrize("epsilon", [1e-8, 0.5])
def test_pixel_normalization_matches_numpy(epsilon):
    x = _normal(2, 4, 5, 6) * 3
    expected = x / np.sqrt(np.mean(x.astype("float64") ** 2, axis=-1, keepdims=True) + epsilon)
    np.testing.assert_allclose(PixelNormalization(epsilon)(x), expected, rtol=1e-5, atol=1e-6)
    assert not np.any(np.isnan(PixelNormalization()(np.zeros((1, 2, 2, 3), "float32"))))


# Minibatch standard deviation


@pytest.mark.parametrize(("batch", "group"), [(8, 4), (12, 4), (6, 3), (10, 2), (7, 1), (1, 1), (3, 3)])
def test_minibatch_std_matches_numpy_with_consecutive_groups(batch, group):
    x = _normal(batch, 3, 4, 5)
    out = keras.ops.convert_to_numpy(MinibatchStdDev()(x))
    assert out.shape == (batch, 3, 4, 6)
    np.testing.assert_allclose(out, _numpy_minibatch_std(x, group), rtol=1e-5, atol=1e-6)


def test_minibatch_std_of_a_batch_of_one_is_zero():
    out = keras.ops.convert_to_numpy(MinibatchStdDev()(_normal(1, 2, 2, 3)))
    np.testing.assert_array_equal(out[..., -1], 0.0)


@pytest.mark.parametrize("half", [4, 8])
def test_minibatch_std_keeps_real_and_fake_halves_apart(half):
    real = np.zeros((half, 4, 4, 3), "float32")
    fake = _normal(half, 4, 4, 3)
    out = keras.ops.convert_to_numpy(MinibatchStdDev()(np.concatenate([real, fake])))
    np.testing.assert_array_equal(out[:half, ..., -1], 0.0)
    assert np.all(out[half:, ..., -1] > 0.1)
    np.testing.assert_allclose(out, _numpy_minibatch_std(np.concatenate([real, fake]), 4), rtol=1e-5, atol=1e-6)


def test_minibatch_std_group_size_argument():
    x = _normal(12, 2, 2, 3)
    np.testing.assert_allclose(MinibatchStdDev(group_size=6)(x), _numpy_minibatch_std(x, 6), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(MinibatchStdDev(group_size=5)(x), _numpy_minibatch_std(x, 4), rtol=1e-5, atol=1e-6)


@pytest.mark.graph
@pytest.mark.parametrize(("batch", "group"), [(8, 4), (6, 3), (7, 1), (1, 1)])
def test_minibatch_std_with_a_batch_size_unknown_when_traced(batch, group):
    layer = MinibatchStdDev()
    traced = tf.function(layer.__call__, input_signature=[tf.TensorSpec((None, 3, 3, 2), "float32")])
    x = _normal(batch, 3, 3, 2)
    np.testing.assert_allclose(traced(x), _numpy_minibatch_std(x, group), rtol=1e-5, atol=1e-6)


def test_minibatch_std_gradient_is_finite_for_identical_examples():
    x = tf.Variable(np.zeros((4, 2, 2, 3), "float32"))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(MinibatchStdDev()(x)[..., -1])
    gradient = tape.gradient(total, x).numpy()
    assert np.all(np.isfinite(gradient))


# Mixed precision, serialization


def _layers():
    return [
        EqualizedDense(3, activation="leaky_relu", gain=1.0),
        EqualizedConv2D(3, (3, 2), strides=2, padding="valid", use_bias=False),
        PixelNormalization(epsilon=1e-6),
        MinibatchStdDev(group_size=2),
    ]


def _input(layer):
    return _normal(4, 6) if isinstance(layer, EqualizedDense) else _normal(4, 6, 6, 3)


CONSTRUCTOR_ARGUMENTS = {
    EqualizedDense: {"units", "activation", "use_bias", "gain"},
    EqualizedConv2D: {"filters", "kernel_size", "strides", "padding", "activation", "use_bias", "gain"},
    PixelNormalization: {"epsilon"},
    MinibatchStdDev: {"group_size"},
}


@pytest.mark.parametrize("index", range(4))
def test_layers_compute_in_the_mixed_precision_dtype(index):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        layer = _layers()[index]
        out = layer(_input(layer))
        assert keras.backend.standardize_dtype(out.dtype) == "float16"
        assert all(keras.backend.standardize_dtype(weight.dtype) == "float32" for weight in layer.weights)
        assert np.all(np.isfinite(keras.ops.convert_to_numpy(out)))
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("index", range(4))
def test_config_round_trip(index):
    layer = _layers()[index]
    x = _input(layer)
    config = layer.get_config()
    assert set(config) == CONSTRUCTOR_ARGUMENTS[type(layer)] | {"name", "trainable", "dtype"}
    restored = type(layer).from_config(config)
    layer(x)
    restored(x)
    restored.set_weights(layer.get_weights())
    assert restored.get_config() == config
    np.testing.assert_allclose(restored(x), layer(x), rtol=1e-6)


@pytest.mark.parametrize("index", range(4))
def test_keras_file_round_trip(index, tmp_path):
    layer = _layers()[index]
    x = _input(layer)
    inputs = keras.Input(x.shape[1:], batch_size=4)
    model = keras.Model(inputs, layer(inputs))
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    assert type(restored.layers[-1]) is type(layer)
    assert getattr(restored.layers[-1], "scale", None) == getattr(layer, "scale", None)
    np.testing.assert_allclose(restored(x), model(x), rtol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="group_size"):
        MinibatchStdDev(group_size=0)
    with pytest.raises(ValueError, match="padding"):
        EqualizedConv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="gain"):
        EqualizedDense(2, gain=0)
    with pytest.raises(ValueError, match="kernel_size"):
        EqualizedConv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="height, width, channels"):
        MinibatchStdDev()(_normal(4, 3))


# The DCGAN discriminator's option


@pytest.mark.parametrize("image_shape", [(28, 28, 1), (8, 8, 1)])
def test_dcgan_discriminator_with_minibatch_std(image_shape):
    plain = dcgan_discriminator(image_shape, width=4)
    with_std = dcgan_discriminator(image_shape, width=4, minibatch_std=True)
    assert isinstance(with_std.get_layer("minibatch_std"), MinibatchStdDev)
    assert with_std.get_layer("minibatch_std").group_size == 4
    plain_grid = plain.get_layer("features").input.shape
    grid = with_std.get_layer("features").input.shape
    assert grid[-1] == plain_grid[-1] + 1 and grid[1:3] == plain_grid[1:3]
    plain_rows = plain.get_layer("logit").kernel.shape[0]
    assert with_std.get_layer("logit").kernel.shape[0] == plain_rows + grid[1] * grid[2]
    assert tuple(with_std(np.zeros((8, *image_shape), "float32")).shape) == (8, 1)


def test_dcgan_networks_passes_minibatch_std_through_discriminator_options():
    _, discriminator = dcgan_networks((8, 8, 1), latent_dim=4, width=4, discriminator_options={"minibatch_std": True})
    assert any(isinstance(layer, MinibatchStdDev) for layer in discriminator.layers)
    _, plain = dcgan_networks((8, 8, 1), latent_dim=4, width=4)
    assert not any(isinstance(layer, MinibatchStdDev) for layer in plain.layers)
