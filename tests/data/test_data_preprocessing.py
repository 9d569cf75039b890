"""Tests for scale_images, unscale_images and check_images."""

import numpy as np
import pytest

from keras_gen.data import check_images, scale_images, unscale_images


def test_scale_images_maps_ends_exactly():
    pixels = np.array([0, 51, 255], np.uint8)
    tanh = scale_images(pixels, to_range=(-1, 1))
    assert tanh.dtype == np.float32 and (tanh[0], tanh[2]) == (-1.0, 1.0)
    np.testing.assert_allclose(
        scale_images(pixels, to_range=(0, 1)), [0, 0.2, 1], rtol=1e-6
    )
    odd = scale_images(pixels, to_range=(0.1, 0.7))
    assert (odd[0], odd[2]) == (np.float32(0.1), np.float32(0.7))
    digits = scale_images(np.array([0.0, 16.0]), from_range=(0, 16), to_range=(-1, 1))
    np.testing.assert_array_equal(digits, [-1.0, 1.0])


def test_scale_images_rejects_bad_ranges():
    for bad in [(1, -1), (0, 0), (0, 1, 2), "ab", None, (0, float("nan"))]:
        with pytest.raises(
            ValueError, match=r"lo < hi.*tanh generators.*Bernoulli decoders"
        ):
            scale_images(np.zeros(3), to_range=bad)


def test_unscale_round_trips_uint8_and_clips():
    pixels = np.arange(256, dtype=np.uint8)
    for to_range in [(-1.0, 1.0), (0.0, 1.0)]:
        back = unscale_images(
            scale_images(pixels, to_range=to_range), from_range=to_range
        )
        assert back.dtype == np.uint8
        np.testing.assert_array_equal(back, pixels)
    np.testing.assert_array_equal(
        unscale_images(np.array([-3.0, 5.0, np.nan])), [0, 255, 0]
    )


def test_check_images_accepts_good_batch_and_explains_bad_ones():
    good = np.zeros((2, 4, 4, 1), np.float32)
    assert check_images(good, expected_shape=(4, 4, 1)) is good
    cases = [
        (
            np.zeros((2, 4, 4), np.float32),
            {},
            r"rank 4.*\(N, H, W, C\).*images\[\.\.\., None\]",
        ),
        (np.zeros((2, 4, 4, 1), np.uint8), {}, r"integer.*scale_images.*127\.5"),
        (np.zeros((0, 4, 4, 1), np.float32), {}, "data set is empty"),
        (
            good,
            {"expected_shape": (28, 28, 1)},
            r"\(4, 4, 1\).*expected.*\(28, 28, 1\)",
        ),
    ]
    for images, kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            check_images(images, **kwargs)


def test_check_images_counts_nan_and_inf():
    x = np.zeros((2, 4, 4, 1), np.float32)
    x[0, 0, 0, 0] = np.nan
    x[1, 1, 1, 0] = np.inf
    x[1, 2, 2, 0] = -np.inf
    with pytest.raises(ValueError, match=r"1 NaN and 2 infinite.*nan_to_num"):
        check_images(x)
