"""Cross convolution: each example's feature maps filtered by that example's own kernels."""

import keras
from keras import ops


def _same_padding(kernel_size: int) -> tuple[int, int]:
    """`(before, after)` padding of 'same' correlation, as `keras.ops.depthwise_conv` pads (less before)."""
    before = (kernel_size - 1) // 2
    return before, kernel_size - 1 - before


def cross_convolve(feature_maps, kernels):
    """Filters each example's feature maps with its own depthwise kernels ('same' padding).

    Xue, Wu, Bouman & Freeman, "Visual Dynamics: Probabilistic Future Frame
    Synthesis via Cross Convolutional Networks" (2016), section 3.2: the image
    is encoded as feature maps and the motion as kernels, and the two meet in
    a convolution whose kernels differ from example to example:

        out[b, y, x, c] = sum_{i, j} pad(feature_maps)[b, y + i, x + j, c] * kernels[b, i, j, c].

    Like Keras' convolutions this is a correlation (the kernel is not
    flipped), with the zero padding of `keras.ops.depthwise_conv(...,
    padding="same")`. It is a sum of `kernel_size ** 2` shifted products, so
    it needs only `keras.ops`, runs batched on every backend, and takes any
    batch size, known or not, inside `tf.function` or `jax.jit`.

    Args:
        feature_maps: `(batch, height, width, channels)`.
        kernels: `(batch, kernel_size, kernel_size, channels)`, one kernel per
            example and channel.

    Returns:
        A tensor shaped like `feature_maps`.

    Example:
    >>> maps = keras.ops.ones((2, 6, 6, 3))
    >>> kernels = keras.ops.ones((2, 3, 3, 3))
    >>> out = cross_convolve(maps, kernels)
    >>> tuple(out.shape), float(out[0, 2, 2, 0]), float(out[0, 0, 0, 0])  # 9 inside, 4 in a corner
    ((2, 6, 6, 3), 9.0, 4.0)
    """
    feature_maps = ops.convert_to_tensor(feature_maps)
    kernels = ops.cast(kernels, feature_maps.dtype)
    kernel_size = _check_kernels(feature_maps.shape, kernels.shape)
    before, after = _same_padding(kernel_size)
    padded = ops.pad(feature_maps, [[0, 0], [before, after], [before, after], [0, 0]])
    height, width = feature_maps.shape[1], feature_maps.shape[2]
    if height is None or width is None:
        height, width = ops.shape(feature_maps)[1], ops.shape(feature_maps)[2]
    output = None
    for i in range(kernel_size):
        for j in range(kernel_size):
            weight = kernels[:, i : i + 1, j : j + 1, :]  # (batch, 1, 1, channels) broadcasts over the map
            term = padded[:, i : i + height, j : j + width, :] * weight
            output = term if output is None else output + term
    return output


def _check_kernels(map_shape, kernel_shape) -> int:
    """The kernel size after checking the two shapes agree (static sizes only; unknown ones pass)."""
    if len(map_shape) != 4 or len(kernel_shape) != 4:
        raise ValueError(
            "cross convolution takes feature maps (batch, height, width, channels) and kernels "
            f"(batch, kernel_size, kernel_size, channels); got shapes {tuple(map_shape)} and {tuple(kernel_shape)}."
        )
    rows, cols = kernel_shape[1], kernel_shape[2]
    if rows is None or cols is None or rows != cols:
        raise ValueError(
            f"The kernels must be square with a known size, (batch, k, k, channels); got {tuple(kernel_shape)}. "
            "Reshape the kernel decoder's output to (k, k, channels)."
        )
    if None not in (map_shape[-1], kernel_shape[-1]) and map_shape[-1] != kernel_shape[-1]:
        raise ValueError(
            f"There is one kernel per feature map: the kernels have {kernel_shape[-1]} channels but the feature "
            f"maps {map_shape[-1]}. Make the kernel decoder give as many kernels as the image encoder gives maps."
        )
    return int(rows)


@keras.saving.register_keras_serializable(package="keras_gen")
class CrossConvolution(keras.layers.Layer):
    """Applies each example's own depthwise kernels to its own feature maps.

    The cross convolution of Xue et al., "Visual Dynamics: Probabilistic
    Future Frame Synthesis via Cross Convolutional Networks" (2016): the
    kernels are an input, not weights, so a kernel decoder can make a
    different set for every example (from its motion code). The layer has no
    weights; see `cross_convolve` for the formula and the padding.

    Call arguments:
        inputs: a pair `(feature_maps, kernels)`, shaped `(batch, height,
            width, channels)` and `(batch, kernel_size, kernel_size, channels)`.

    Example:
    >>> maps, kernels = keras.Input((16, 16, 4)), keras.Input((5, 5, 4))
    >>> tuple(CrossConvolution()([maps, kernels]).shape)
    (None, 16, 16, 4)
    """

    def call(self, inputs):
        feature_maps, kernels = inputs
        return cross_convolve(feature_maps, kernels)

    def compute_output_shape(self, input_shape):
        map_shape, kernel_shape = input_shape
        _check_kernels(map_shape, kernel_shape)
        return tuple(map_shape)
