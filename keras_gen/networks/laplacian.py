"""The Laplacian pyramid of images, and the networks of LAPGAN's levels.

Denton, Chintala, Szlam & Fergus, "Deep Generative Image Models using a
Laplacian Pyramid of Adversarial Networks" (2015), section 3. An image I is
split into a coarse image and band-pass residuals: I_{k-1} = down(I_k) and
h_k = I_k - up(I_{k-1}), so I_k = up(I_{k-1}) + h_k rebuilds it exactly.
Here down is 2x2 average pooling and up a fixed bilinear upsampling.

Level 0 is an unconditional GAN at the coarsest size (fully connected networks,
as the paper's coarsest level); each finer level k has a generator of h_k from
noise and up(I_{k-1}), and a discriminator of h_k given up(I_{k-1}).
"""

import itertools

import keras
from keras import layers, ops

from keras_gen.layers.normalization import FusedBatchNormalization
from keras_gen.networks.mlp import mlp_discriminator, mlp_generator
from keras_gen.networks.precision import float32_pin
from keras_gen.networks.stages import check_count, check_image_shape, conv_stage

# Residuals between two images in [-1, 1] lie in [-2, 2]; the residual generators' tanh is scaled to reach them.
RESIDUAL_RANGE = 2.0


def largest_pyramid_levels(height: int, width: int) -> int:
    """The most levels a pyramid of `height` x `width` images can have (1: none of 2 or more levels fits).

    Each level halves both sides, which must stay integers, and the coarsest
    side must be at least 2 pixels.

    Example:
    >>> largest_pyramid_levels(28, 28), largest_pyramid_levels(32, 32), largest_pyramid_levels(30, 30)
    (3, 5, 2)
    """
    levels = 1
    while height % 2**levels == 0 and width % 2**levels == 0 and min(height, width) // 2**levels >= 2:
        levels += 1
    return levels


def pyramid_sizes(image_shape, levels) -> list[tuple[int, int, int]]:
    """The image shape of each level of a `levels`-level pyramid, coarsest first.

    Raises a ValueError that names the sizes and the largest `levels` that fits
    when `levels` is not an integer >= 2, when the sides are not divisible by
    2^(levels - 1) or when the coarsest side would be below 2 pixels.

    Example:
    >>> pyramid_sizes((28, 28, 1), 3)
    [(7, 7, 1), (14, 14, 1), (28, 28, 1)]
    """
    height, width, channels = check_image_shape(image_shape)
    levels = check_count(levels, "levels", "the coarsest GAN and at least one residual level", minimum=2)
    largest = largest_pyramid_levels(height, width)
    if levels > largest:
        factor = 2 ** (levels - 1)
        fits = (f"the largest levels that fits {height}x{width} is {largest}" if largest >= 2 else
                f"no pyramid of 2 or more levels fits {height}x{width}; resize the images to even sides of at "
                "least 4 pixels (e.g. 28x28 or 32x32)")
        raise ValueError(
            f"Images of {height}x{width} cannot make a Laplacian pyramid of {levels} levels: each level halves "
            f"the sides, so they must be divisible by 2^(levels - 1) = {factor} and leave a coarsest side of at "
            f"least 2 pixels; {fits}."
        )
    return [(height // 2**k, width // 2**k, channels) for k in reversed(range(levels))]


def pyramid_down(images):
    """Halves the sides of `(n, h, w, c)` images by 2x2 average pooling.

    Example:
    >>> tuple(pyramid_down(keras.ops.ones((2, 8, 8, 1))).shape)
    (2, 4, 4, 1)
    """
    return ops.average_pool(images, pool_size=2, strides=2, padding="valid")


def pyramid_up(images):
    """Doubles the sides of `(n, h, w, c)` images by a fixed bilinear upsampling.

    Example:
    >>> tuple(pyramid_up(keras.ops.ones((2, 4, 4, 1))).shape)
    (2, 8, 8, 1)
    """
    height, width = images.shape[1], images.shape[2]
    return ops.image.resize(images, (2 * height, 2 * width), interpolation="bilinear")


def gaussian_pyramid(images, levels: int) -> list:
    """The images at each level, coarsest first: I_{k-1} = pyramid_down(I_k), the last being `images`.

    Example:
    >>> [tuple(level.shape) for level in gaussian_pyramid(keras.ops.ones((2, 8, 8, 1)), 3)]
    [(2, 2, 2, 1), (2, 4, 4, 1), (2, 8, 8, 1)]
    """
    pyramid = [images]
    for _ in range(levels - 1):
        pyramid.insert(0, pyramid_down(pyramid[0]))
    return pyramid


def laplacian_pyramid(images, levels: int):
    """`(coarsest, residuals)`: the coarsest image and the band-pass residuals h_k = I_k - up(I_{k-1}).

    The residuals come coarsest first; `reconstruct_from_pyramid` adds them back.

    Example:
    >>> images = keras.random.uniform((2, 8, 8, 1), -1, 1, seed=0)
    >>> coarsest, residuals = laplacian_pyramid(images, 3)
    >>> tuple(coarsest.shape), [tuple(residual.shape) for residual in residuals]
    ((2, 2, 2, 1), [(2, 4, 4, 1), (2, 8, 8, 1)])
    >>> float(keras.ops.max(keras.ops.abs(reconstruct_from_pyramid(coarsest, residuals) - images))) < 1e-6
    True
    """
    pyramid = gaussian_pyramid(images, levels)
    return pyramid[0], [finer - pyramid_up(coarser) for coarser, finer in itertools.pairwise(pyramid)]


def reconstruct_from_pyramid(coarsest, residuals):
    """The image I = up(... up(up(coarsest) + h_1) ...) + h_{L-1} of a Laplacian pyramid."""
    images = coarsest
    for residual in residuals:
        images = pyramid_up(images) + residual
    return images


def lapgan_residual_generator(
    image_shape: tuple, noise_dim: int = 16, width: int = 32, batch_norm: bool = True, name: str = "generator"
) -> keras.Model:
    """Builds the generator of a finer LAPGAN level: `[noise, upsampled coarser image] -> residual`.

    The noise is projected to one plane beside the image's channels (the paper
    gives it as "a 4th color plane"; here it is a learned projection of a
    `noise_dim`-sized vector, so latent points stay short). Then a 3x3
    convolution, a stride-2 `conv_stage` down and one up (a U-Net step whose
    skip connection keeps the full-resolution features), batch normalization
    and LeakyReLU, and a 3x3 convolution with `2 * tanh`: residuals between
    images in [-1, 1] lie in [-2, 2], and a generator that outputs zero starts
    from the upsampled coarser image itself.

    Args:
        image_shape: `(height, width, channels)` of this level; even sides.
        noise_dim: size of the level's noise vector.
        width: filters of the full-resolution convolutions (the middle stage has twice as many).
        batch_norm: batch normalization after each hidden convolution.
        name: the model's name.

    Example:
    >>> g = lapgan_residual_generator((14, 14, 1), noise_dim=8, width=8)
    >>> [tuple(shape) for shape in g.input_shape], tuple(g.output_shape)
    ([(None, 8), (None, 14, 14, 1)], (None, 14, 14, 1))
    """
    height, image_width, channels = check_image_shape(image_shape)
    if height % 2 or image_width % 2:
        raise ValueError(f"A residual generator's level has even sides (twice the coarser level's), got {image_shape}.")
    noise = keras.Input((check_count(noise_dim, "noise_dim", "each finer level's noise", minimum=1),), name="noise")
    coarse = keras.Input((height, image_width, channels), name="upsampled")
    plane = layers.Dense(height * image_width, name="noise_plane")(noise)
    plane = layers.Reshape((height, image_width, 1))(plane)
    x = layers.Concatenate()([coarse, plane])
    x = layers.Conv2D(width, 3, padding="same", use_bias=not batch_norm, name="stem")(x)
    if batch_norm:
        x = FusedBatchNormalization(name="stem_bn")(x)
    stem = layers.LeakyReLU(0.2)(x)
    x = conv_stage(stem, 2 * width, batch_norm=batch_norm, name="down")
    x = conv_stage(x, width, upsample=True, batch_norm=batch_norm, name="up")
    x = layers.Concatenate()([x, stem])
    x = layers.Conv2D(channels, 3, padding="same", activation="tanh", dtype=float32_pin(), name="to_residual")(x)
    outputs = layers.Rescaling(RESIDUAL_RANGE, dtype=float32_pin(), name="residual_range")(x)
    return keras.Model([noise, coarse], outputs, name=name)


def lapgan_residual_discriminator(
    image_shape: tuple, width: int = 32, dropout: float = 0.3, name: str = "discriminator"
) -> keras.Model:
    """Builds the discriminator of a finer LAPGAN level: `[residual, upsampled coarser image] -> logit`.

    The residual and the image it is added to are joined as channels (the
    paper's conditional discriminator), then up to two stride-2 `conv_stage`s
    (`width`, `2 * width` filters; as many as the sides stay even), LeakyReLU
    and dropout, and a dense logit.

    Args:
        image_shape: `(height, width, channels)` of this level.
        width: filters of the first stage.
        dropout: dropout rate after each stage.
        name: the model's name.

    Example:
    >>> d = lapgan_residual_discriminator((14, 14, 1), width=8)
    >>> tuple(d.output_shape)
    (None, 1)
    """
    height, image_width, channels = check_image_shape(image_shape)
    residual = keras.Input((height, image_width, channels), name="residual")
    coarse = keras.Input((height, image_width, channels), name="upsampled")
    x = layers.Concatenate()([residual, coarse])
    for stage in range(2):
        if height % 2**(stage + 1) or image_width % 2**(stage + 1):
            break
        x = conv_stage(x, width * 2**stage, name=f"down_{stage}")
        x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(1, dtype=float32_pin(), name="logit")(x)
    return keras.Model([residual, coarse], outputs, name=name)


def lapgan_networks(
    image_shape: tuple,
    levels: int = 3,
    latent_dim: int = 64,
    noise_dim: int = 16,
    width: int = 32,
    coarse_units: int = 256,
    batch_norm: bool = True,
    dropout: float = 0.3,
) -> tuple[list, list]:
    """Builds LAPGAN's `(generators, discriminators)`, one of each per level, coarsest first.

    Level 0: `mlp_generator` (latent_dim -> the coarsest image, tanh) and
    `mlp_discriminator` (hidden layers of `coarse_units` and twice that), fully
    connected as the paper's coarsest level. Each finer level:
    `lapgan_residual_generator` and `lapgan_residual_discriminator`.

    Args:
        image_shape: `(height, width, channels)` of the final images.
        levels: levels of the pyramid (`pyramid_sizes` checks that they fit).
        latent_dim: size of the coarsest generator's latent vector.
        noise_dim: size of each finer generator's noise vector.
        width: filters of the finer levels' networks.
        coarse_units: units of the coarsest networks' first hidden layer.
        batch_norm: batch normalization in the residual generators.
        dropout: the discriminators' dropout rate.

    Example:
    >>> generators, discriminators = lapgan_networks((28, 28, 1), levels=3, latent_dim=8, width=8)
    >>> [tuple(g.output_shape)[1:] for g in generators]
    [(7, 7, 1), (14, 14, 1), (28, 28, 1)]
    """
    sizes = pyramid_sizes(image_shape, levels)
    generators = [mlp_generator(sizes[0], latent_dim, coarse_units, name="generator_0")]
    discriminators = [mlp_discriminator(sizes[0], coarse_units, dropout=dropout, name="discriminator_0")]
    for level, size in enumerate(sizes[1:], start=1):
        generators.append(lapgan_residual_generator(size, noise_dim, width, batch_norm, name=f"generator_{level}"))
        discriminators.append(lapgan_residual_discriminator(size, width, dropout, name=f"discriminator_{level}"))
    return generators, discriminators
