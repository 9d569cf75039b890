"""Image checks and the linear maps between pixel ranges.

Generators with a `tanh` output want pixels in (-1, 1); decoders with a Bernoulli
likelihood want them in (0, 1). Both are the same linear map from [0, 255] with a
different target range, so one function, `scale_images`, serves both, and
`unscale_images` turns model outputs back into `uint8` pixels for PNG files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

TANH_RANGE = (-1.0, 1.0)
UNIT_RANGE = (0.0, 1.0)
UINT8_RANGE = (0.0, 255.0)
_CHUNK_SIZE = 1 << 22


def validate_range(
    value: Sequence[float], *, argument: str = "scale"
) -> tuple[float, float]:
    """Returns `value` as a `(lo, hi)` pair of floats, or raises a ValueError.

    Args:
        value: a pair `(lo, hi)` of finite numbers with `lo < hi`.
        argument: the argument's name, used in the error message.

    Example:
    >>> validate_range((0, 1))
    (0.0, 1.0)
    """
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        lo, hi = math.nan, math.nan
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(
            f"`{argument}` must be a pair (lo, hi) of finite numbers with lo < hi, "
            f"e.g. {TANH_RANGE} for tanh generators or {UNIT_RANGE} for Bernoulli "
            f"decoders; got {value!r}."
        )
    return lo, hi


def linear_rescale(x, from_range: Sequence[float], to_range: Sequence[float]):
    """Maps `x` linearly from `from_range` to `to_range`; NumPy arrays and tensors alike.

    Written as `(1 - t) * lo + t * hi` with `t = (x - a) / (b - a)` so that both
    ends map exactly (`lo + t * (hi - lo)` can miss `hi` by a rounding error).
    The ranges are not validated; `scale_images` is the checked entry point.

    Example:
    >>> linear_rescale(np.float32(255), (0.0, 255.0), (-1.0, 1.0))
    np.float32(1.0)
    """
    (a, b), (lo, hi) = from_range, to_range
    t = (x - a) / (b - a)
    return (1.0 - t) * lo + t * hi


def scale_images(
    x: np.ndarray,
    from_range: Sequence[float] = UINT8_RANGE,
    to_range: Sequence[float] = TANH_RANGE,
) -> np.ndarray:
    """Maps pixel values linearly from `from_range` to `to_range`, as float32.

    The ends map exactly: `from_range[0]` becomes `to_range[0]` and `from_range[1]`
    becomes `to_range[1]`.

    Args:
        x: images of any shape, integer (e.g. `uint8`) or float.
        from_range: `(lo, hi)` the values of `x` live in; (0, 255) for `uint8` pixels.
        to_range: `(lo, hi)` to map to; (-1, 1) for tanh generators, (0, 1) for
            Bernoulli decoders.

    Example:
    >>> scale_images(np.array([0, 255], np.uint8), to_range=(-1, 1))
    array([-1.,  1.], dtype=float32)
    """
    from_range = validate_range(from_range, argument="from_range")
    to_range = validate_range(to_range, argument="to_range")
    x = np.asarray(x)
    out = np.empty(x.shape, dtype=np.float32)
    flat_x, flat_out = x.reshape(-1), out.reshape(-1)
    # In chunks, so that scaling a whole data set needs one float32 copy, not five.
    for start in range(0, flat_x.size, _CHUNK_SIZE):
        chunk = flat_x[start : start + _CHUNK_SIZE].astype(np.float32)
        flat_out[start : start + _CHUNK_SIZE] = linear_rescale(
            chunk, from_range, to_range
        )
    return out


def binarize_images(x, scale: Sequence[float] = UNIT_RANGE):
    """Sets pixels above the middle of `scale` to its top and the rest to its bottom, as float32.

    Deterministic (a threshold, not a Bernoulli draw), so every model is
    trained and scored on the same binary images; models of binary pixels
    (NADE, MADE) need them. NumPy arrays and tensors alike.

    Args:
        x: images in `scale`.
        scale: `(lo, hi)` the images live in.

    Example:
    >>> binarize_images(np.array([0.0, 0.5, 0.51, 1.0]))
    array([0., 0., 1., 1.], dtype=float32)
    """
    lo, hi = validate_range(scale, argument="scale")
    if isinstance(x, np.ndarray) or not hasattr(x, "dtype") or np.isscalar(x):
        x = np.asarray(x, dtype=np.float32)
        return np.where(x > (lo + hi) / 2.0, np.float32(hi), np.float32(lo)).astype(np.float32)
    import tensorflow as tf

    return tf.where(x > (lo + hi) / 2.0, tf.constant(hi, x.dtype), tf.constant(lo, x.dtype))


def unscale_images(
    x: np.ndarray, from_range: Sequence[float] = TANH_RANGE
) -> np.ndarray:
    """Maps images from `from_range` back to `uint8` pixels in [0, 255].

    Values outside `from_range` are clipped, and NaN becomes 0, so that model
    outputs can always be written as PNG files.

    Args:
        x: float images (any shape), e.g. a generator's output.
        from_range: `(lo, hi)` the values of `x` live in.

    Example:
    >>> unscale_images(np.array([-1.0, 0.0, 1.0]))
    array([  0, 128, 255], dtype=uint8)
    """
    from_range = validate_range(from_range, argument="from_range")
    pixels = linear_rescale(np.asarray(x, dtype=np.float32), from_range, UINT8_RANGE)
    pixels = np.rint(np.nan_to_num(pixels, nan=0.0))
    return np.clip(pixels, 0, 255).astype(np.uint8)


def check_images(
    x: np.ndarray,
    *,
    expected_shape: Sequence[int] | None = None,
    name: str = "images",
) -> np.ndarray:
    """Checks that `x` is a non-empty, finite, float batch of NHWC images (or of clips, voxel grids).

    Args:
        x: the array to check.
        expected_shape: optional `(H, W, C)` every image must have; a
            four-sided shape (`(frames, H, W, C)` of a clip, `(depth, H, W, C)`
            of a voxel grid) asks for a rank-5 batch.
        name: what to call `x` in error messages.

    Returns:
        `x` as a NumPy array, unchanged.

    Example:
    >>> check_images(np.zeros((2, 28, 28, 1), np.float32), expected_shape=(28, 28, 1)).shape
    (2, 28, 28, 1)
    """
    x = np.asarray(x)
    if expected_shape is not None and len(expected_shape) != 3:
        if x.ndim != len(expected_shape) + 1:
            raise ValueError(
                f"{name} must have rank {len(expected_shape) + 1}, shape (N, {', '.join(map(str, expected_shape))}); "
                f"got rank {x.ndim} with shape {x.shape}."
            )
    elif x.ndim != 4:
        hint = ""
        if x.ndim == 3:
            hint = f" For grayscale images of shape (N, H, W), add a channel axis: {name}[..., None]."
        raise ValueError(
            f"{name} must have rank 4, shape (N, H, W, C); got rank {x.ndim} with "
            f"shape {x.shape}.{hint}"
        )
    if x.size == 0:
        raise ValueError(
            f"The data set is empty: {name} has shape {x.shape}; expected at least one "
            "image. Check `limit`, the split, and the files the data came from."
        )
    if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
        raise ValueError(
            f"{name} have integer dtype {x.dtype}; expected floats. Integer images must "
            "be scaled to floats, e.g. with keras_gen.data.scale_images or x / 127.5 - 1."
        )
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            f"{name} have dtype {x.dtype}; expected a float dtype such as float32."
        )
    if expected_shape is not None and tuple(x.shape[1:]) != tuple(expected_shape):
        raise ValueError(
            f"{name} have {'image ' if len(expected_shape) == 3 else ''}shape {tuple(x.shape[1:])}; expected "
            f"{'(H, W, C) = ' if len(expected_shape) == 3 else ''}"
            f"{tuple(expected_shape)}. Resize the images or build the model for "
            f"{tuple(x.shape[1:])}."
        )
    finite = np.isfinite(x)
    if not finite.all():
        num_nan = int(np.isnan(x).sum())
        num_inf = int(x.size - finite.sum()) - num_nan
        raise ValueError(
            f"{name} contain {num_nan} NaN and {num_inf} infinite values (of {x.size}); "
            "expected finite pixel values. Fix the source files or the loader, or "
            "replace them, e.g. np.nan_to_num(x, nan=0.0, posinf=hi, neginf=lo)."
        )
    return x
