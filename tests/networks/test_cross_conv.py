"""The cross convolutional network's builders: shapes, what each output depends on, checks, saving."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gen.layers import cross_convolve
from keras_gen.networks import (
    cross_conv_image_encoder,
    cross_conv_kernel_decoder,
    cross_conv_motion_decoder,
    cross_conv_motion_encoder,
    cross_conv_networks,
)

FRAME = (16, 16, 1)


def _frames(count, seed):
    return np.random.default_rng(seed).uniform(-1, 1, size=(count, *FRAME)).astype("float32")


def test_the_parts_fit_together_from_two_frames_to_a_difference_image():
    parts = cross_conv_networks(FRAME, latent_dim=4, kernel_size=3, num_kernels=4, width=8, num_scales=3,
                                hidden_units=16)
    frames, next_frames = _frames(2, 0), _frames(2, 1)
    mean, log_var = parts["motion_encoder"]([frames, next_frames])
    assert tuple(mean.shape) == tuple(log_var.shape) == (2, 4)
    kernels = parts["kernel_decoder"](mean)
    maps = parts["image_encoder"](frames)
    assert [tuple(k.shape) for k in kernels] == [(2, 3, 3, 4)] * 3
    assert [tuple(m.shape) for m in maps] == [(2, 16, 16, 4), (2, 8, 8, 4), (2, 4, 4, 4)]
    difference = parts["motion_decoder"]([cross_convolve(m, k) for m, k in zip(maps, kernels)])
    assert tuple(difference.shape) == (2, *FRAME)


def test_the_deterministic_baseline_has_no_motion_encoder():
    parts = cross_conv_networks(FRAME, latent_dim=4, kernel_size=3, num_kernels=4, width=8, num_scales=2,
                                stochastic=False)
    assert parts["motion_encoder"] is None


def test_the_motion_code_depends_on_both_frames():
    encoder = cross_conv_motion_encoder(FRAME, latent_dim=4, width=8, hidden_units=16)
    frames, next_frames = tf.constant(_frames(1, 2)), tf.constant(_frames(1, 3))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([frames, next_frames])
        mean = tf.reduce_sum(encoder([frames, next_frames])[0])
    assert np.any(tape.gradient(mean, frames).numpy() != 0)
    assert np.any(tape.gradient(mean, next_frames).numpy() != 0)


def test_each_scale_of_the_image_encoder_sees_the_frame_through_its_pooling():
    encoder = cross_conv_image_encoder(FRAME, num_kernels=2, width=4, num_scales=2)
    frames = _frames(1, 4)
    # A frame constant on 2x2 blocks has the same coarse level as its block means: change inside a block.
    changed = frames.copy()
    changed[0, 0, 0, 0], changed[0, 0, 1, 0] = frames[0, 0, 1, 0], frames[0, 0, 0, 0]
    fine, coarse = (keras.ops.convert_to_numpy(m) for m in encoder(frames))
    fine_changed, coarse_changed = (keras.ops.convert_to_numpy(m) for m in encoder(changed))
    np.testing.assert_allclose(coarse_changed, coarse, rtol=1e-5, atol=1e-6)
    assert not np.allclose(fine_changed, fine)


def test_the_kernels_change_with_z_and_the_decoder_uses_every_scale():
    decoder = cross_conv_kernel_decoder(latent_dim=4, kernel_size=3, num_kernels=2, num_scales=2, hidden_units=16)
    z = np.random.default_rng(5).normal(size=(2, 4)).astype("float32")
    first, second = (keras.ops.convert_to_numpy(k) for k in decoder(z))
    assert not np.allclose(first[0], first[1]) and not np.allclose(second[0], second[1])
    motion_decoder = cross_conv_motion_decoder(FRAME, num_kernels=2, width=4, num_scales=2)
    maps = [tf.constant(np.ones((1, 16, 16, 2), "float32")), tf.constant(np.ones((1, 8, 8, 2), "float32"))]
    with tf.GradientTape() as tape:
        tape.watch(maps)
        out = tf.reduce_sum(motion_decoder(maps) ** 2)
    assert all(np.any(g.numpy() != 0) for g in tape.gradient(out, maps))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: cross_conv_image_encoder((20, 20, 1), num_scales=4), "divisible by 8"),
        (lambda: cross_conv_motion_decoder((16, 16, 1), num_scales=0), "num_scales must be"),
        (lambda: cross_conv_kernel_decoder(kernel_size=2.5), "kernel_size must be"),
    ],
)
def test_sizes_that_do_not_fit_are_rejected_with_the_fix(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_the_networks_survive_serialization():
    parts = cross_conv_networks(FRAME, latent_dim=4, kernel_size=3, num_kernels=2, width=4, num_scales=2,
                                hidden_units=8)
    frames = _frames(2, 6)
    for name in ("image_encoder", "motion_encoder"):
        network = parts[name]
        copy = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(network))
        copy.set_weights(network.get_weights())
        inputs = frames if name == "image_encoder" else [frames, frames[::-1]]
        for a, b in zip(copy(inputs), network(inputs)):
            np.testing.assert_allclose(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b), rtol=1e-5)
