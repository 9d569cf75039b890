"""Convolutional encoder and decoder builders for VAEs and autoencoders."""

import keras
from keras import layers

from keras_gen.networks.conditioning import check_label_planes, join_label_input, join_label_planes
from keras_gen.networks.precision import float32_pin
from keras_gen.networks.stages import check_image_shape, check_layers_per_stage, conv_stage


def _check_divisible_by_4(image_shape):
    height, width, channels = check_image_shape(image_shape)
    if height % 4 or width % 4:
        raise ValueError(
            f"The convolutional encoder/decoder halve the image twice, so both sides "
            f"must be divisible by 4; got {height}x{width}. Pad or resize the images "
            "(e.g. to 28x28 or 32x32), or pass your own encoder and decoder."
        )
    return height, width, channels


def check_residual_blocks(residual_blocks) -> int:
    """`residual_blocks` as an int after checking it is a whole number >= 0."""
    if isinstance(residual_blocks, bool) or int(residual_blocks) != residual_blocks or residual_blocks < 0:
        raise ValueError(f"residual_blocks must be an integer >= 0 (0: none), got {residual_blocks!r}.")
    return int(residual_blocks)


def residual_blocks_at(x, count: int):
    """`count` residual blocks at the current resolution: x <- relu(x + conv3x3(relu(conv3x3(x)))).

    The blocks of the deep residual VAEs the lectures point to (He et al.,
    "Deep Residual Learning", 2016; Cai, Gao & Ji, "Multi-Stage Variational
    Auto-Encoders", 2017). The channels stay those of `x`.
    """
    filters = x.shape[-1]
    for _ in range(count):
        h = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        h = layers.Conv2D(filters, 3, padding="same")(h)
        x = layers.Activation("relu")(layers.Add()([x, h]))
    return x


def conv_encoder(
    image_shape: tuple,
    latent_dim: int = 16,
    width: int = 32,
    hidden_units: int = 256,
    layers_per_stage: int = 1,
    variational: bool = True,
    num_classes: int | None = None,
    label_encoding: str = "one_hot",
    name: str = "encoder",
    residual_blocks: int = 0,
) -> keras.Model:
    """Builds an encoder: image -> `[mean, log_var]` of q(z|x), or image -> code.

    Two stride-2 convolutions (kernel 4, ReLU) with `width` and `2 * width`
    filters, a dense hidden layer, and two linear heads (`variational=True`,
    for VAEs) or one (`variational=False`, for autoencoders).

    Args:
        image_shape: `(height, width, channels)`; sides divisible by 4.
        latent_dim: size of the latent vector.
        width: filters of the first convolution.
        hidden_units: units of the dense hidden layer.
        layers_per_stage: depth: convolutions per resolution (the stride-2 one,
            then stride-1 3x3 ones).
        variational: two heads `[mean, log_var]`, or one linear code.
        num_classes: when set, the encoder is conditional, q(z|x, y): it takes
            `[image, label]` and joins the encoded label to the image features
            before the dense layer (Sohn, Lee & Yan, 2015).
        label_encoding: `"one_hot"` or `"embedding"`.
        name: the model's name.
        residual_blocks: residual blocks after each resolution's convolutions
            (`residual_blocks_at`); 0 for none.

    Example:
    >>> e = conv_encoder((28, 28, 1), latent_dim=2, width=8)
    >>> [tuple(s) for s in e.output_shape]
    [(None, 2), (None, 2)]
    """
    shape = _check_divisible_by_4(image_shape)
    layers_per_stage = check_layers_per_stage(layers_per_stage)
    residual_blocks = check_residual_blocks(residual_blocks)
    inputs = keras.Input(shape, name="image")
    x = inputs
    for filters in (width, 2 * width):
        x = conv_stage(x, filters, layers_per_stage, activation="relu")
        x = residual_blocks_at(x, residual_blocks)
    x = layers.Flatten()(x)
    x, inputs, _ = join_label_input(x, inputs, num_classes, label_encoding)
    x = layers.Dense(hidden_units, activation="relu")(x)
    if not variational:
        return keras.Model(inputs, layers.Dense(latent_dim, dtype=float32_pin(), name="code")(x), name=name)
    # The posterior's parameters feed the KL term: float32 under mixed precision.
    mean = layers.Dense(latent_dim, dtype=float32_pin(), name="mean")(x)
    log_var = layers.Dense(latent_dim, dtype=float32_pin(), name="log_var")(x)
    return keras.Model(inputs, [mean, log_var], name=name)


def conv_decoder(
    image_shape: tuple,
    latent_dim: int = 16,
    width: int = 32,
    hidden_units: int = 256,
    output_activation: str | None = None,
    layers_per_stage: int = 1,
    num_classes: int | None = None,
    label_encoding: str = "one_hot",
    label_planes: int = 0,
    name: str = "decoder",
    residual_blocks: int = 0,
) -> keras.Model:
    """Builds a VAE decoder: latent vector -> the parameters of p(x|z).

    Mirrors `conv_encoder`: dense layers to a quarter-size grid, then two
    stride-2 transposed convolutions (kernel 4, ReLU) and a 3x3 convolution.
    With `output_activation=None` the output is a logit (Bernoulli decoder) or
    a mean (Gaussian decoder), as `keras_gen.models.VAE` expects.

    Args:
        image_shape: `(height, width, channels)`; sides divisible by 4.
        latent_dim: size of the latent vector.
        width: filters of the last transposed convolution.
        hidden_units: units of the dense hidden layer.
        output_activation: activation of the last layer.
        layers_per_stage: depth: convolutions per resolution (the stride-2
            transposed one, then stride-1 3x3 ones).
        num_classes: when set, the decoder is conditional, p(x|z, y): it takes
            `[latent, label]` and joins the encoded label to the latent vector.
        label_encoding: `"one_hot"` or `"embedding"`.
        label_planes: with `num_classes`, feature maps of the class
            (`keras_gen.networks.join_label_planes`) joined to the input of
            every stage and of the output convolution, so that the label shapes
            every resolution; 0 (the default): the latent vector alone gets it.
        name: the model's name.
        residual_blocks: residual blocks at each resolution before its
            transposed convolution (`residual_blocks_at`); 0 for none.

    Example:
    >>> d = conv_decoder((28, 28, 1), latent_dim=2, width=8, num_classes=10)
    >>> [tuple(shape) for shape in d.input_shape], tuple(d.output_shape)
    ([(None, 2), (None,)], (None, 28, 28, 1))
    """
    height, image_width, channels = _check_divisible_by_4(image_shape)
    layers_per_stage = check_layers_per_stage(layers_per_stage)
    residual_blocks = check_residual_blocks(residual_blocks)
    label_planes = check_label_planes(label_planes, num_classes)
    inputs = keras.Input((latent_dim,), name="latent")
    x, inputs, label = join_label_input(inputs, inputs, num_classes, label_encoding)
    x = layers.Dense(hidden_units, activation="relu")(x)
    x = layers.Dense((height // 4) * (image_width // 4) * 2 * width, activation="relu")(x)
    x = layers.Reshape((height // 4, image_width // 4, 2 * width))(x)
    for filters in (2 * width, width):
        x = residual_blocks_at(x, residual_blocks)
        x = join_label_planes(x, label, num_classes, label_planes)
        x = conv_stage(x, filters, layers_per_stage, upsample=True, activation="relu")
    x = join_label_planes(x, label, num_classes, label_planes)
    outputs = layers.Conv2D(channels, 3, padding="same", activation=output_activation, dtype=float32_pin())(x)
    return keras.Model(inputs, outputs, name=name)


def latent_vae_networks(latent_dim: int, hidden_units: int = 256, name: str = "prior") -> tuple[keras.Model, keras.Model]:
    """The second stage of a two-stage VAE: an encoder z -> `[mean, log_var]` of u and a decoder u -> mean of z.

    Dai & Wipf, "Diagnosing and Enhancing VAE Models" (2019): a small VAE of
    the first stage's latent codes, with u of the same size as z. Two dense
    ReLU layers of `hidden_units` in each network.

    Example:
    >>> encoder, decoder = latent_vae_networks(4, hidden_units=8)
    >>> [tuple(s) for s in encoder.output_shape], tuple(decoder.output_shape)
    ([(None, 4), (None, 4)], (None, 4))
    """
    codes = keras.Input((latent_dim,), name="codes")
    x = layers.Dense(hidden_units, activation="relu")(codes)
    x = layers.Dense(hidden_units, activation="relu")(x)
    mean = layers.Dense(latent_dim, dtype=float32_pin(), name="mean")(x)
    log_var = layers.Dense(latent_dim, dtype=float32_pin(), name="log_var")(x)
    encoder = keras.Model(codes, [mean, log_var], name=f"{name}_encoder")
    points = keras.Input((latent_dim,), name="points")
    x = layers.Dense(hidden_units, activation="relu")(points)
    x = layers.Dense(hidden_units, activation="relu")(x)
    decoder = keras.Model(points, layers.Dense(latent_dim, dtype=float32_pin(), name="codes")(x), name=f"{name}_decoder")
    return encoder, decoder


def top_down_network(top_dim: int, lower_dim: int, hidden_units: int = 256, name: str = "top_down") -> keras.Model:
    """p(z1 | z2) of a two-layer (ladder) VAE: z2 -> `[mean, log_var]` of z1, two dense ReLU layers.

    Sønderby, Raiko, Maaløe, Sønderby & Winther, "Ladder Variational
    Autoencoders" (2016).

    Example:
    >>> tuple(top_down_network(2, 4, hidden_units=8).output_shape[0])
    (None, 4)
    """
    top = keras.Input((top_dim,), name="top")
    x = layers.Dense(hidden_units, activation="relu")(top)
    x = layers.Dense(hidden_units, activation="relu")(x)
    mean = layers.Dense(lower_dim, dtype=float32_pin(), name="mean")(x)
    log_var = layers.Dense(lower_dim, dtype=float32_pin(), name="log_var")(x)
    return keras.Model(top, [mean, log_var], name=name)
