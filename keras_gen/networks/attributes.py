"""Networks conditioned on a vector of attributes: Attribute2Image's encoder and (layered) decoder.

Yan, Yang, Sohn & Lee, "Attribute2Image: Conditional Image Generation from
Visual Attributes" (2016). The attribute vector y (floats, or 0/1 bits) joins
the encoder's image features and the decoder's latent input. The layered
decoder (their disCVAE) draws a foreground and a gating mask from (y, z_fg) and
a background from z_bg alone, and composes x = g * fg + (1 - g) * bg.
"""

import keras
from keras import layers

from keras_gen.layers.composition import AlphaComposite, ProbabilityLogits, SliceLastAxis
from keras_gen.networks.autoencoder import _check_divisible_by_4
from keras_gen.networks.precision import float32_pin
from keras_gen.networks.stages import check_layers_per_stage, conv_stage


def _check_dim(value, name, lowest=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
        raise ValueError(f"{name} must be an integer >= {lowest}, got {value!r}.")
    return value


def attribute_encoder(image_shape, condition_dim, latent_dim=16, width=32, hidden_units=256, layers_per_stage=1,
                      name="encoder"):
    """q(z | x, y): `[images, attributes]` -> `[mean, log_var]`.

    Two stride-2 convolution stages (as `conv_encoder`), the flattened
    features joined to the attribute vector, a dense hidden layer and two
    linear heads.

    Example:
    >>> e = attribute_encoder((28, 28, 1), condition_dim=12, latent_dim=4, width=8)
    >>> [tuple(s) for s in e.input_shape]
    [(None, 28, 28, 1), (None, 12)]
    """
    shape = _check_divisible_by_4(image_shape)
    layers_per_stage = check_layers_per_stage(layers_per_stage)
    _check_dim(condition_dim, "condition_dim")
    images = keras.Input(shape, name="image")
    attributes = keras.Input((condition_dim,), name="attributes")
    x = images
    for filters in (width, 2 * width):
        x = conv_stage(x, filters, layers_per_stage, activation="relu")
    x = layers.Concatenate()([layers.Flatten()(x), attributes])
    x = layers.Dense(hidden_units, activation="relu")(x)
    mean = layers.Dense(latent_dim, dtype=float32_pin(), name="mean")(x)
    log_var = layers.Dense(latent_dim, dtype=float32_pin(), name="log_var")(x)
    return keras.Model([images, attributes], [mean, log_var], name=name)


def _image_branch(x, image_shape, channels, width, hidden_units, layers_per_stage, activation, name):
    """Dense layers to a quarter-size grid, two upsampling stages and a 3x3 output convolution."""
    height, image_width, _ = image_shape
    x = layers.Dense(hidden_units, activation="relu")(x)
    x = layers.Dense((height // 4) * (image_width // 4) * 2 * width, activation="relu")(x)
    x = layers.Reshape((height // 4, image_width // 4, 2 * width))(x)
    for filters in (2 * width, width):
        x = conv_stage(x, filters, layers_per_stage, upsample=True, activation="relu")
    return layers.Conv2D(channels, 3, padding="same", activation=activation, dtype=float32_pin(), name=name)(x)


def attribute_decoder(image_shape, condition_dim, latent_dim=16, width=32, hidden_units=256, layers_per_stage=1,
                      background_latent_dim=0, name="decoder"):
    """p(x | y, z): `[latent_points, attributes]` -> the logits of a Bernoulli decoder.

    With `background_latent_dim=0`, one branch decodes `[z, y]`. Otherwise the
    decoder is layered (Yan et al.'s disCVAE): z = (z_fg, z_bg), z_bg the last
    `background_latent_dim` entries; a foreground branch maps `[z_fg, y]` to a
    foreground and a gating mask g (layers named `"foreground"` and
    `"mask"`), a background branch maps z_bg alone to a background (layer
    `"background"`), so the attributes never move it, and the image is
    `g * fg + (1 - g) * bg` (layer `"image"`), returned as logits.

    Example:
    >>> d = attribute_decoder((28, 28, 1), condition_dim=12, latent_dim=6, width=8, background_latent_dim=2)
    >>> sorted(layer.name for layer in d.layers if layer.name in ("foreground", "mask", "background", "image"))
    ['background', 'foreground', 'image', 'mask']
    """
    shape = _check_divisible_by_4(image_shape)
    layers_per_stage = check_layers_per_stage(layers_per_stage)
    _check_dim(condition_dim, "condition_dim")
    _check_dim(background_latent_dim, "background_latent_dim", lowest=0)
    if background_latent_dim >= latent_dim:
        raise ValueError(f"background_latent_dim ({background_latent_dim}) must be smaller than latent_dim "
                         f"({latent_dim}): the foreground needs latent units too.")
    channels = shape[-1]
    latent = keras.Input((latent_dim,), name="latent")
    attributes = keras.Input((condition_dim,), name="attributes")
    common = {"image_shape": shape, "width": width, "hidden_units": hidden_units, "layers_per_stage": layers_per_stage}
    if background_latent_dim == 0:
        x = layers.Concatenate()([latent, attributes])
        return keras.Model([latent, attributes], _image_branch(x, channels=channels, activation=None, name="logits",
                                                                **common), name=name)
    foreground_units = latent_dim - background_latent_dim
    z_fg = SliceLastAxis(0, foreground_units, name="foreground_latent")(latent)
    z_bg = SliceLastAxis(foreground_units, name="background_latent")(latent)
    fg_and_gate = _image_branch(layers.Concatenate()([z_fg, attributes]), channels=channels + 1, activation="sigmoid",
                                name="foreground_and_mask", **common)
    foreground = SliceLastAxis(0, channels, name="foreground")(fg_and_gate)
    mask = SliceLastAxis(channels, name="mask")(fg_and_gate)
    background = _image_branch(z_bg, channels=channels, activation="sigmoid", name="background", **common)
    image = AlphaComposite(name="image", dtype=float32_pin())([foreground, mask, background])
    logits = ProbabilityLogits(name="logits", dtype=float32_pin())(image)
    return keras.Model([latent, attributes], logits, name=name)
