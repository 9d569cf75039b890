"""DRAW's Gaussian attention as pure functions: a filterbank, a read glimpse and a write patch.

Gregor, Danihelka, Graves, Rezende & Wierstra, "DRAW: A Recurrent Neural
Network For Image Generation" (2015), sec. 3.2. A grid of N x N Gaussian
filters is placed on an image of height B and width A by five numbers a
network computes, `(g~_X, g~_Y, log sigma^2, log delta~, log gamma)` (eq. 21):

    g_X = (A + 1) / 2 * (g~_X + 1),   g_Y = (B + 1) / 2 * (g~_Y + 1)      (eq. 22, 23)
    delta = (max(A, B) - 1) / (N - 1) * delta~                            (eq. 24)
    mu_X^i = g_X + (i - N / 2 - 0.5) * delta,  i = 1..N                 (eq. 19, 20)
    F_X[i, a] = exp(-(a - mu_X^i)^2 / (2 sigma^2)) / Z_X,  a = 1..A      (eq. 25, 26)

with `Z_X` making each row of `F_X` sum to 1 (the same for Y). Pixels are
numbered from 1, as in the paper: `g~ = 0` is the image's centre and
`delta~ = 1` spreads the grid over the whole image. A read glimpse is
`F_Y x F_X^T` (eq. 27, before the intensity gamma) and a write patch `w` lands
on the canvas as `F_Y^T w F_X` (eq. 29, before 1 / gamma); each channel of a
colour image is filtered alike. `keras_gen.models.DRAW` uses them.
"""

import keras
from keras import ops

# The numbers a network gives per attention window: g~_X, g~_Y, log sigma^2, log delta~, log gamma.
WINDOW_PARAMETERS = 5


def attention_window(parameters, image_height: int, image_width: int, size: int):
    """The window of N x N filters that five raw numbers per example describe (DRAW, eq. 21-24).

    Args:
        parameters: `(batch, 5)`: `(g~_X, g~_Y, log sigma^2, log delta~, log gamma)`,
            a linear function of the decoder's state.
        image_height: B, the image's height in pixels.
        image_width: A, the image's width in pixels.
        size: N, filters along each side of the grid.

    Returns:
        `(grid_x, grid_y, stride, variance, intensity)`, each `(batch,)`: the
        grid's centre (g_X, g_Y, in pixels counted from 1), the distance delta
        between filters, the filters' variance sigma^2 and the intensity gamma.

    Example:
    >>> grid_x, grid_y, stride, variance, intensity = attention_window(keras.ops.zeros((1, 5)), 28, 28, 5)
    >>> [float(value[0]) for value in (grid_x, grid_y, stride, variance, intensity)]
    [14.5, 14.5, 6.75, 1.0, 1.0]
    """
    parameters = ops.convert_to_tensor(parameters)
    grid_x, grid_y, log_variance, log_stride, log_intensity = (
        parameters[:, index] for index in range(WINDOW_PARAMETERS)
    )
    # N = 1 has one filter at the centre: the stride then moves nothing.
    widest = (max(image_height, image_width) - 1) / max(size - 1, 1)
    return (
        (image_width + 1) / 2 * (grid_x + 1.0),
        (image_height + 1) / 2 * (grid_y + 1.0),
        widest * ops.exp(log_stride),
        ops.exp(log_variance),
        ops.exp(log_intensity),
    )


def _filters(centre, stride, variance, size, pixels):
    """`(batch, size, pixels)`: normalized Gaussians along one axis (DRAW, eq. 19-20 and 25-26)."""
    dtype = keras.backend.standardize_dtype(centre.dtype)
    offsets = ops.arange(1, size + 1, dtype=dtype) - (size / 2 + 0.5)
    means = centre[:, None] + offsets[None, :] * stride[:, None]
    coordinates = ops.arange(1, pixels + 1, dtype=dtype)
    exponents = -ops.square(coordinates[None, None, :] - means[:, :, None]) / (2.0 * variance[:, None, None])
    # softmax(exponents) is exp(exponents) / Z, computed without underflow when sigma^2 is small.
    return ops.softmax(exponents, axis=-1)


def gaussian_filterbank(grid_x, grid_y, stride, variance, size: int, image_height: int, image_width: int):
    """The horizontal and vertical filterbank matrices F_X and F_Y of a window (DRAW, eq. 19-20, 25-26).

    Args:
        grid_x, grid_y, stride, variance: `(batch,)` each, as `attention_window` gives them.
        size: N, filters along each side.
        image_height: B. image_width: A.

    Returns:
        `(filter_x, filter_y)`: `(batch, N, A)` and `(batch, N, B)`, each row a
        Gaussian over the pixels of its axis that sums to 1.

    Example:
    >>> window = attention_window(keras.ops.zeros((2, 5)), 8, 8, 2)
    >>> filter_x, filter_y = gaussian_filterbank(*window[:4], 2, 8, 8)
    >>> tuple(filter_x.shape), tuple(filter_y.shape)
    ((2, 2, 8), (2, 2, 8))
    """
    return (
        _filters(grid_x, stride, variance, size, image_width),
        _filters(grid_y, stride, variance, size, image_height),
    )


def read_glimpse(images, filter_x, filter_y):
    """The N x N glimpse `F_Y x F_X^T` of each channel of each image (DRAW, eq. 27 without gamma).

    Args:
        images: `(batch, B, A, channels)`.
        filter_x: `(batch, N, A)`. filter_y: `(batch, N, B)`.

    Returns:
        `(batch, N, N, channels)`.

    Example:
    >>> window = attention_window(keras.ops.zeros((1, 5)), 8, 8, 8)
    >>> glimpse = read_glimpse(keras.ops.ones((1, 8, 8, 1)), *gaussian_filterbank(*window[:4], 8, 8, 8))
    >>> tuple(glimpse.shape)
    (1, 8, 8, 1)
    """
    rows = ops.einsum("bih,bhwc->biwc", filter_y, images)
    return ops.einsum("biwc,bjw->bijc", rows, filter_x)


def write_patch(patches, filter_x, filter_y):
    """An N x N patch of each channel spread over the image, `F_Y^T w F_X` (DRAW, eq. 29 without 1 / gamma).

    Args:
        patches: `(batch, N, N, channels)`.
        filter_x: `(batch, N, A)`. filter_y: `(batch, N, B)`.

    Returns:
        `(batch, B, A, channels)`.

    Example:
    >>> window = attention_window(keras.ops.zeros((1, 5)), 8, 8, 5)
    >>> canvas = write_patch(keras.ops.ones((1, 5, 5, 1)), *gaussian_filterbank(*window[:4], 5, 8, 8))
    >>> tuple(canvas.shape)
    (1, 8, 8, 1)
    """
    rows = ops.einsum("bih,bijc->bhjc", filter_y, patches)
    return ops.einsum("bhjc,bjw->bhwc", rows, filter_x)
