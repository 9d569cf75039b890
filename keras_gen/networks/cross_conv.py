"""The networks of the cross convolutional network (Xue et al. 2016), scaled to 32x32 frames.

Xue, Wu, Bouman & Freeman, "Visual Dynamics: Probabilistic Future Frame
Synthesis via Cross Convolutional Networks" (2016), section 3 and figure 3.
Four networks, and the cross convolution (`keras_gen.layers.cross_convolve`)
between them:

    motion encoder   [frame t, frame t+1] -> [mean, log_var] of q(z | motion)
    kernel decoder   z -> one (kernel_size, kernel_size, num_kernels) set of kernels per scale
    image encoder    frame t -> num_kernels feature maps per scale (sides H, H/2, H/4, ...)
    motion decoder   the cross-convolved maps, upsampled and concatenated -> frame t+1 - frame t

The paper's 128x128 frames take a pyramid of four scales, 5x5 convolutions
and a 3,200-dimensional z; on 32x32 frames the defaults are three scales
(32, 16 and 8 pixels a side) and `latent_dim=32`: a displacement of a few
pixels is one step of a 5x5 kernel at every scale.
"""

import keras
from keras import layers

from keras_gen.networks.autoencoder import conv_encoder
from keras_gen.networks.precision import float32_pin
from keras_gen.networks.stages import check_count, check_image_shape

# The convolutions of the image encoder and the motion decoder, 5x5 as in the paper.
CONV_SIZE = 5


def check_scales(frame_shape, num_scales: int) -> tuple[tuple[int, int, int], int]:
    """`(frame_shape, num_scales)` after checking that the frame halves `num_scales - 1` times."""
    frame_shape = check_image_shape(frame_shape)
    num_scales = check_count(num_scales, "num_scales", "pyramid levels of the image encoder", minimum=1)
    factor = 2 ** (num_scales - 1)
    if frame_shape[0] % factor or frame_shape[1] % factor:
        raise ValueError(
            f"num_scales={num_scales} halves the frames {num_scales - 1} times, so both sides must be divisible by "
            f"{factor}; got {frame_shape[0]}x{frame_shape[1]}. Use fewer scales or frames of e.g. 32x32."
        )
    return frame_shape, num_scales


def cross_conv_motion_encoder(
    frame_shape: tuple,
    latent_dim: int = 32,
    width: int = 32,
    hidden_units: int = 256,
    name: str = "motion_encoder",
) -> keras.Model:
    """q(z | frame t, frame t+1): two frames -> `[mean, log_var]`, each `(batch, latent_dim)`.

    The paper's motion encoder sees both frames stacked on the channel axis;
    here that stack goes through `conv_encoder` (two stride-2 stages, a dense
    layer, two float32 heads).

    Args:
        frame_shape: `(height, width, channels)` of one frame; sides divisible by 4.
        latent_dim: size of z.
        width: filters of the first convolution (twice that in the second).
        hidden_units: units of the dense layer.
        name: the model's name.

    Example:
    >>> encoder = cross_conv_motion_encoder((16, 16, 1), latent_dim=4, width=8, hidden_units=16)
    >>> [tuple(shape) for shape in encoder.output_shape]
    [(None, 4), (None, 4)]
    """
    frame_shape = check_image_shape(frame_shape)
    height, width_px, channels = frame_shape
    frame = keras.Input(frame_shape, name="frame")
    next_frame = keras.Input(frame_shape, name="next_frame")
    body = conv_encoder(
        (height, width_px, 2 * channels), latent_dim=latent_dim, width=width, hidden_units=hidden_units,
        name=f"{name}_body",
    )
    stacked = layers.Concatenate(axis=-1)([frame, next_frame])
    return keras.Model([frame, next_frame], body(stacked), name=name)


def cross_conv_kernel_decoder(
    latent_dim: int = 32,
    kernel_size: int = 5,
    num_kernels: int = 32,
    num_scales: int = 3,
    hidden_units: int = 256,
    name: str = "kernel_decoder",
) -> keras.Model:
    """z -> one set of depthwise kernels per scale, each `(batch, kernel_size, kernel_size, num_kernels)`.

    A dense hidden layer, then one linear dense head per scale reshaped to
    the kernels of that scale (the paper uses convolutions on its 3,200-d z;
    a 32-d z is small enough for dense heads). The heads compute in float32:
    the kernels multiply the image features directly.

    Args:
        latent_dim: size of z.
        kernel_size: side of each kernel.
        num_kernels: kernels per scale, one per feature map of the image encoder.
        num_scales: scales of the image encoder.
        hidden_units: units of the hidden layer.
        name: the model's name.

    Example:
    >>> decoder = cross_conv_kernel_decoder(latent_dim=4, kernel_size=3, num_kernels=2, num_scales=2)
    >>> [tuple(shape) for shape in decoder.output_shape]
    [(None, 3, 3, 2), (None, 3, 3, 2)]
    """
    latent_dim = check_count(latent_dim, "latent_dim", "size of the motion code z", minimum=1)
    kernel_size = check_count(kernel_size, "kernel_size", "side of each cross-convolution kernel", minimum=1)
    num_kernels = check_count(num_kernels, "num_kernels", "kernels (and feature maps) per scale", minimum=1)
    num_scales = check_count(num_scales, "num_scales", "pyramid levels of the image encoder", minimum=1)
    z = keras.Input((latent_dim,), name="z")
    hidden = layers.Dense(hidden_units, activation="relu")(z)
    kernels = []
    for scale in range(num_scales):
        flat = layers.Dense(kernel_size * kernel_size * num_kernels, dtype=float32_pin(), name=f"kernels_{scale}")(
            hidden
        )
        kernels.append(layers.Reshape((kernel_size, kernel_size, num_kernels), dtype=float32_pin())(flat))
    return keras.Model(z, kernels, name=name)


def cross_conv_image_encoder(
    frame_shape: tuple,
    num_kernels: int = 32,
    width: int = 32,
    num_scales: int = 3,
    name: str = "image_encoder",
) -> keras.Model:
    """frame t -> `num_kernels` feature maps at each scale, finest first: sides H, H/2, ..., H/2^(num_scales-1).

    The paper's image encoder runs one convolutional network on each level
    of an image pyramid. Each level here is the frame average-pooled by
    2^scale (`keras_gen.networks.pyramid_down`'s pooling), then two 5x5 ReLU
    convolutions of `width` filters and one of `num_kernels`.

    Args:
        frame_shape: `(height, width, channels)`; sides divisible by 2^(num_scales - 1).
        num_kernels: feature maps per scale.
        width: filters of the hidden convolutions.
        num_scales: pyramid levels.
        name: the model's name.

    Example:
    >>> encoder = cross_conv_image_encoder((16, 16, 1), num_kernels=4, width=8, num_scales=3)
    >>> [tuple(shape) for shape in encoder.output_shape]
    [(None, 16, 16, 4), (None, 8, 8, 4), (None, 4, 4, 4)]
    """
    frame_shape, num_scales = check_scales(frame_shape, num_scales)
    num_kernels = check_count(num_kernels, "num_kernels", "kernels (and feature maps) per scale", minimum=1)
    width = check_count(width, "width", "filters of the hidden convolutions", minimum=1)
    frame = keras.Input(frame_shape, name="frame")
    maps = []
    for scale in range(num_scales):
        x = frame if scale == 0 else layers.AveragePooling2D(2**scale, name=f"pyramid_{scale}")(frame)
        for filters in (width, width, num_kernels):
            x = layers.Conv2D(filters, CONV_SIZE, padding="same", activation="relu")(x)
        # Network outputs are float32 under mixed precision (the convolutions above compute in its dtype).
        maps.append(layers.Activation("linear", dtype=float32_pin(), name=f"maps_{scale}")(x))
    return keras.Model(frame, maps, name=name)


def cross_conv_motion_decoder(
    frame_shape: tuple,
    num_kernels: int = 32,
    width: int = 32,
    num_scales: int = 3,
    name: str = "motion_decoder",
) -> keras.Model:
    """The cross-convolved maps of every scale -> the difference frame t+1 - frame t.

    Each scale's maps are upsampled (bilinear) to the frame's size and all
    are concatenated, as in the paper; two 5x5 ReLU convolutions of `width`
    filters and a linear 5x5 convolution (float32) give the difference image.

    Args:
        frame_shape: `(height, width, channels)` of the frames.
        num_kernels: feature maps per scale.
        width: filters of the hidden convolutions.
        num_scales: scales, finest first, as `cross_conv_image_encoder` gives them.
        name: the model's name.

    Example:
    >>> decoder = cross_conv_motion_decoder((16, 16, 1), num_kernels=4, width=8, num_scales=2)
    >>> tuple(decoder.output_shape)
    (None, 16, 16, 1)
    """
    frame_shape, num_scales = check_scales(frame_shape, num_scales)
    num_kernels = check_count(num_kernels, "num_kernels", "kernels (and feature maps) per scale", minimum=1)
    width = check_count(width, "width", "filters of the hidden convolutions", minimum=1)
    height, width_px, channels = frame_shape
    inputs = [
        keras.Input((height // 2**scale, width_px // 2**scale, num_kernels), name=f"maps_{scale}")
        for scale in range(num_scales)
    ]
    upsampled = [
        x if scale == 0 else layers.UpSampling2D(2**scale, interpolation="bilinear")(x)
        for scale, x in enumerate(inputs)
    ]
    x = upsampled[0] if num_scales == 1 else layers.Concatenate(axis=-1)(upsampled)
    for _ in range(2):
        x = layers.Conv2D(width, CONV_SIZE, padding="same", activation="relu")(x)
    difference = layers.Conv2D(channels, CONV_SIZE, padding="same", dtype=float32_pin(), name="difference")(x)
    return keras.Model(inputs, difference, name=name)


def cross_conv_networks(
    frame_shape: tuple,
    latent_dim: int = 32,
    kernel_size: int = 5,
    num_kernels: int = 32,
    width: int = 32,
    num_scales: int = 3,
    hidden_units: int = 256,
    stochastic: bool = True,
) -> dict:
    """The four networks of a cross convolutional network, by name, sized to fit one another.

    Returns:
        `{"motion_encoder", "kernel_decoder", "image_encoder", "motion_decoder"}`;
        `motion_encoder` is None when `stochastic=False` (the deterministic
        baseline has no motion code to infer).

    Example:
    >>> parts = cross_conv_networks((16, 16, 1), latent_dim=4, kernel_size=3, num_kernels=4, width=8, num_scales=2)
    >>> sorted(parts)
    ['image_encoder', 'kernel_decoder', 'motion_decoder', 'motion_encoder']
    """
    frame_shape, num_scales = check_scales(frame_shape, num_scales)
    return {
        "motion_encoder": (
            cross_conv_motion_encoder(frame_shape, latent_dim, width, hidden_units) if stochastic else None
        ),
        "kernel_decoder": cross_conv_kernel_decoder(latent_dim, kernel_size, num_kernels, num_scales, hidden_units),
        "image_encoder": cross_conv_image_encoder(frame_shape, num_kernels, width, num_scales),
        "motion_decoder": cross_conv_motion_decoder(frame_shape, num_kernels, width, num_scales),
    }
