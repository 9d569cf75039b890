"""Fully connected generator and discriminator, as in the original GAN paper.

Goodfellow et al., "Generative Adversarial Nets" (2014), section 5: multilayer
perceptrons for both players on flattened images.
"""

import math

import keras
from keras import layers

from keras_gen.networks.precision import float32_pin
from keras_gen.networks.stages import check_image_shape, dense_block


def mlp_generator(
    image_shape: tuple, latent_dim: int = 64, units: int = 256, hidden_layers: int = 2, name: str = "generator"
) -> keras.Model:
    """Builds a fully connected generator: latent vector -> image in [-1, 1].

    `hidden_layers` dense layers of `units`, `2 * units`, ... with LeakyReLU(0.2),
    then a dense tanh layer reshaped to the image.

    Example:
    >>> tuple(mlp_generator((28, 28, 1), latent_dim=8, units=16).output_shape)
    (None, 28, 28, 1)
    """
    shape = check_image_shape(image_shape)
    inputs = keras.Input((latent_dim,), name="latent")
    x = inputs
    for layer in range(hidden_layers):
        x = dense_block(x, units * 2**layer)
    x = layers.Dense(math.prod(shape), activation="tanh", dtype=float32_pin(), name="to_pixels")(x)
    return keras.Model(inputs, layers.Reshape(shape, dtype=float32_pin())(x), name=name)


def mlp_discriminator(
    image_shape: tuple, units: int = 256, hidden_layers: int = 2, dropout: float = 0.3, name: str = "discriminator"
) -> keras.Model:
    """Builds a fully connected discriminator: image -> one logit.

    Dense layers of `2**k * units` down to `units`, LeakyReLU(0.2) and dropout
    after each, then a dense logit.

    Example:
    >>> tuple(mlp_discriminator((28, 28, 1), units=16).output_shape)
    (None, 1)
    """
    inputs = keras.Input(check_image_shape(image_shape), name="image")
    x = layers.Flatten()(inputs)
    for layer in reversed(range(hidden_layers)):
        x = dense_block(x, units * 2**layer, dropout=dropout)
    return keras.Model(inputs, layers.Dense(1, dtype=float32_pin(), name="logit")(x), name=name)
