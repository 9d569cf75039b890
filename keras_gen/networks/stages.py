"""The building blocks every network builder shares: shape checks and the strided stage."""

import numpy as np
from keras import layers

from keras_gen.layers.normalization import FusedBatchNormalization


def check_image_shape(image_shape) -> tuple[int, int, int]:
    """Validates an `(height, width, channels)` tuple and returns it as ints."""
    if len(image_shape) != 3 or any(int(side) <= 0 for side in image_shape):
        raise ValueError(
            f"image_shape must be (height, width, channels) with positive sizes, got "
            f"{tuple(image_shape)}. For grayscale images use channels=1, e.g. (28, 28, 1)."
        )
    return tuple(int(side) for side in image_shape)


def check_count(value, name: str, meaning: str, minimum: int = 0, *, whole_floats: bool = False) -> int:
    """`value` as a Python int >= `minimum`, or a ValueError naming `name` and what it counts.

    The one check of counts in keras_gen: network sizes (filters, label
    planes, hidden units) and the number of images a model is asked for. A
    size must be an integer, since a float there is a mistake in a config;
    with `whole_floats`, a whole float such as `2.0` (what `n / 2` gives) is
    taken as 2, and `2.5` is still an error. Booleans and strings are errors.

    Args:
        value: the count to check.
        name: the argument's name, for the message.
        meaning: what it counts, for the message.
        minimum: the smallest allowed value.
        whole_floats: accept floats with a whole value.

    Returns:
        `value` as a Python int.

    Example:
    >>> check_count(8, "label_planes", "feature maps per class")
    8
    >>> check_count(2.0, "num_images", "images to make", minimum=1, whole_floats=True)
    2
    """
    kind = "a whole number" if whole_floats else "an integer"
    numbers = (int, np.integer, float, np.floating) if whole_floats else (int, np.integer)
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers)
        or not np.isfinite(value)
        or int(value) != value
        or value < minimum
    ):
        raise ValueError(f"{name} must be {kind} >= {minimum} ({meaning}), got {value!r}.")
    return int(value)


def check_layers_per_stage(layers_per_stage: int) -> int:
    """Validates the depth argument shared by the network builders."""
    if int(layers_per_stage) != layers_per_stage or layers_per_stage < 1:
        raise ValueError(
            f"layers_per_stage must be an integer >= 1 (1: the strided layer alone), "
            f"got {layers_per_stage}."
        )
    return int(layers_per_stage)


def conv_stage(
    x,
    filters: int,
    layers_per_stage: int = 1,
    *,
    upsample: bool = False,
    activation: str = "leaky_relu",
    batch_norm: bool = False,
    normalize_first: bool = True,
    layer_norm: bool = False,
    spectral_norm: bool = False,
    name: str | None = None,
):
    """One resolution stage: a stride-2 convolution, then stride-1 3x3 convolutions.

    The strided layer has kernel 4, a multiple of its stride, so transposed
    convolutions leave no checkerboard artefacts (Odena et al., "Deconvolution
    and Checkerboard Artifacts", 2016). Every builder in `keras_gen.networks`
    makes its stages with this function.

    Args:
        x: the input tensor (a Keras functional tensor).
        filters: filters of every convolution in the stage.
        layers_per_stage: the strided convolution plus `layers_per_stage - 1`
            stride-1 convolutions.
        upsample: a transposed convolution (doubles the resolution) instead of
            a strided one (halves it).
        activation: `"leaky_relu"` (LeakyReLU(0.2) layers, the DCGAN recipe) or
            any Keras activation name applied inside the convolutions.
        batch_norm: batch normalization after each convolution (convolutions
            then have no bias).
        normalize_first: with `batch_norm` or `layer_norm`, also normalize after
            the stage's first convolution (False for a discriminator's input stage).
        layer_norm: layer normalization instead of batch normalization (for
            critics with a gradient penalty, which must not mix examples:
            Gulrajani et al., 2017, section 4).
        spectral_norm: wrap each convolution in
            `keras.layers.SpectralNormalization` (Miyato et al., 2018).
        name: layer name prefix (`name`, `name_1`, ..., `name_bn`), or None.

    Returns:
        The stage's output tensor.

    Example:
    >>> x = keras.Input((28, 28, 1))
    >>> tuple(conv_stage(x, 8, 2).shape)
    (None, 14, 14, 8)
    """
    layers_per_stage = check_layers_per_stage(layers_per_stage)
    fused = None if activation == "leaky_relu" else activation
    for depth in range(layers_per_stage):
        layer_name = None if name is None else name + ("" if depth == 0 else f"_{depth}")
        normalize = (batch_norm or layer_norm) and (normalize_first or depth > 0)
        if depth == 0:
            conv_class = layers.Conv2DTranspose if upsample else layers.Conv2D
            conv = conv_class(
                filters, 4, strides=2, padding="same", use_bias=not normalize,
                activation=fused, name=layer_name,
            )
        else:
            conv = layers.Conv2D(
                filters, 3, padding="same", use_bias=not normalize, activation=fused, name=layer_name
            )
        if spectral_norm:
            conv = layers.SpectralNormalization(conv, name=None if layer_name is None else f"{layer_name}_sn")
        x = conv(x)
        if normalize:
            norm_class = layers.LayerNormalization if layer_norm else FusedBatchNormalization
            x = norm_class(name=None if layer_name is None else f"{layer_name}_{'ln' if layer_norm else 'bn'}")(x)
        if fused is None:
            x = layers.LeakyReLU(0.2)(x)
    return x


def dense_block(x, units: int, activation: str = "leaky_relu", dropout: float = 0.0):
    """A dense layer with LeakyReLU(0.2) (or a fused activation) and optional dropout."""
    fused = None if activation == "leaky_relu" else activation
    x = layers.Dense(units, activation=fused)(x)
    if fused is None:
        x = layers.LeakyReLU(0.2)(x)
    if dropout:
        x = layers.Dropout(dropout)(x)
    return x

