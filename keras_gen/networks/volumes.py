"""Builders of 3-D convolutional generators and discriminators: videos and voxel grids.

One example is a volume `(A, H, W, C)` whose first axis is time (a clip of A
frames) or depth (a voxel grid). The builders follow the DCGAN recipe of
`keras_gen.networks.dcgan` in three dimensions: strided (transposed)
convolutions with kernel 4 where the stride is 2 (a multiple of the stride, so
no checkerboard artefacts), batch normalization in the generator, LeakyReLU(0.2)
and dropout in the discriminator.

- Vondrick, Pirsiavash & Torralba, "Generating Videos with Scene Dynamics"
  (2016): `two_stream_video_generator`, `volume_discriminator`.
- Wu, Zhang, Xue, Freeman & Tenenbaum, "Learning a Probabilistic Latent Space
  of Object Shapes via 3D Generative-Adversarial Modeling" (2016):
  `volume_generator` with a sigmoid occupancy output, `volume_discriminator`.
"""

import keras
from keras import layers

from keras_gen.layers.composition import AlphaComposite
from keras_gen.layers.normalization import FusedBatchNormalization
from keras_gen.networks.conditioning import check_num_classes, label_input
from keras_gen.networks.dcgan import dcgan_generator, upsampling_plan
from keras_gen.networks.precision import float32_pin
from keras_gen.networks.stages import check_count

OUTPUT_ACTIVATIONS = ("tanh", "sigmoid")


def check_volume_shape(shape, what="example") -> tuple[int, int, int, int]:
    """`(A, H, W, C)` as ints, or a ValueError naming the expected form."""
    try:
        shape = tuple(int(side) for side in shape)
    except (TypeError, ValueError):
        shape = None
    if shape is None or len(shape) != 4 or min(shape) < 1:
        raise ValueError(
            f"The {what} shape must be (frames or depth, height, width, channels) with positive sizes, "
            f"e.g. (8, 32, 32, 1) for clips or (16, 16, 16, 1) for voxel grids; got {shape!r}."
        )
    return shape


def volume_plan(shape) -> tuple[int, tuple[int, int, int], list[tuple[int, int, int]]]:
    """How the stride-2 stages lead from a small volume to `shape`.

    The height and width follow `keras_gen.networks.upsampling_plan` (a start of
    at least 4 pixels a side). The first axis (time or depth) doubles in the
    first stages for as long as it divides evenly, never more often than the
    other two: 8 frames of 32x32 start as 1x4x4, a 16^3 grid as 4x4x4.

    Returns:
        `(stages, start, strides)`: the number of stages, the start volume
        `(a, h, w)` and each stage's strides, coarsest first.

    Example:
    >>> volume_plan((8, 32, 32, 1))[:2]
    (3, (1, 4, 4))
    """
    frames, height, width, _ = check_volume_shape(shape)
    stages, (start_h, start_w) = upsampling_plan((height, width))
    doublings = 0
    while doublings < stages and frames % 2 ** (doublings + 1) == 0:
        doublings += 1
    strides = [(2 if stage < doublings else 1, 2, 2) for stage in range(stages)]
    return stages, (frames // 2**doublings, start_h, start_w), strides


def _kernel(strides):
    # Kernel 4 along an axis with stride 2, 3 along one with stride 1.
    return tuple(4 if stride == 2 else 3 for stride in strides)


def _join_label(latent, num_classes, embedding_dim=None):
    """`(x, inputs, label)`: the latent vector joined to a learned label embedding when conditional."""
    if num_classes is None:
        return latent, latent, None
    num_classes = check_num_classes(num_classes)
    label = label_input()
    embedded = layers.Embedding(num_classes, embedding_dim or num_classes, name="label_embedding")(label)
    x = layers.Concatenate(name="latent_and_label")([latent, embedded])
    return x, [latent, label], label


def _upsampling_trunk(x, shape, width, batch_norm, activation, name):
    """Dense projection to the start volume, then one transposed 3-D convolution per stage."""
    stages, start, strides = volume_plan(shape)
    filters = width * 2 ** (stages - 1)
    x = layers.Dense(start[0] * start[1] * start[2] * filters, use_bias=not batch_norm, name=f"{name}_project")(x)
    if batch_norm:
        x = FusedBatchNormalization(name=f"{name}_project_bn")(x)
    x = layers.Activation(activation)(x) if activation != "leaky_relu" else layers.LeakyReLU(0.2)(x)
    x = layers.Reshape((*start, filters))(x)
    for stage, stride in enumerate(strides):
        x = layers.Conv3DTranspose(
            width * 2 ** (stages - 1 - stage), _kernel(stride), strides=stride, padding="same",
            use_bias=not batch_norm, name=f"{name}_up_{stage}",
        )(x)
        if batch_norm:
            x = FusedBatchNormalization(name=f"{name}_up_{stage}_bn")(x)
        x = layers.Activation(activation)(x) if activation != "leaky_relu" else layers.LeakyReLU(0.2)(x)
    return x


def volume_generator(
    shape: tuple,
    latent_dim: int = 200,
    width: int = 32,
    batch_norm: bool = True,
    activation: str = "relu",
    output_activation: str = "sigmoid",
    num_classes: int | None = None,
    name: str = "generator",
) -> keras.Model:
    """Builds a 3-D convolutional generator: latent vector -> volume `(A, H, W, C)`.

    Wu et al. (2016): transposed 3-D convolutions with batch normalization and
    ReLU, and a sigmoid occupancy output for voxel grids (`output_activation="tanh"`
    gives values in [-1, 1], e.g. for clips).

    Args:
        shape: `(frames or depth, height, width, channels)`.
        latent_dim: size of the latent vector.
        width: filters of the last (finest) stage; earlier stages have `width * 2**k`.
        batch_norm: batch normalization after each hidden layer.
        activation: the hidden layers' activation (`"relu"`, or `"leaky_relu"` for
            LeakyReLU(0.2)).
        output_activation: `"sigmoid"` or `"tanh"`.
        num_classes: when set, the generator takes `[latent, label]` and joins a
            learned label embedding to the latent vector.
        name: the model's name.

    Example:
    >>> g = volume_generator((8, 8, 8, 1), latent_dim=16, width=4)
    >>> tuple(g.output_shape)
    (None, 8, 8, 8, 1)
    """
    shape = check_volume_shape(shape)
    if output_activation not in OUTPUT_ACTIVATIONS:
        raise ValueError(f"output_activation must be one of {OUTPUT_ACTIVATIONS}, got {output_activation!r}.")
    check_count(latent_dim, "latent_dim", "the size of the latent vector", minimum=1)
    check_count(width, "width", "filters of the finest stage", minimum=1)
    latent = keras.Input((int(latent_dim),), name="latent")
    x, inputs, _ = _join_label(latent, num_classes)
    x = _upsampling_trunk(x, shape, int(width), batch_norm, activation, "volume")
    outputs = layers.Conv3D(
        shape[-1], 3, padding="same", activation=output_activation, dtype=float32_pin(), name="to_volume"
    )(x)
    return keras.Model(inputs, outputs, name=name)


def two_stream_video_generator(
    clip_shape: tuple,
    latent_dim: int = 100,
    width: int = 32,
    two_stream: bool = True,
    batch_norm: bool = True,
    name: str = "generator",
) -> keras.Model:
    """Builds Vondrick et al.'s (2016) video generator: latent vector -> clip `(T, H, W, C)` in [-1, 1].

    With `two_stream=True`, a 3-D transposed-convolution stream gives a
    foreground f `(T, H, W, C)` (tanh) and a mask m `(T, H, W, 1)` (sigmoid),
    a 2-D stream (`keras_gen.networks.dcgan_generator`) gives one static
    background b `(H, W, C)` for the whole clip, and the clip is
    m * f + (1 - m) * b. The layers named `foreground`, `mask` and
    `background` (b as `(1, H, W, C)`) hold the three parts, so
    `keras.Model(g.input, g.get_layer("mask").output)` reads them.
    `two_stream=False` is the paper's one-stream baseline: the 3-D stream gives
    the clip directly.

    Args:
        clip_shape: `(frames, height, width, channels)`.
        latent_dim: size of the latent vector, shared by both streams.
        width: filters of the finest stage of each stream.
        two_stream: the foreground/background model (True) or one stream.
        batch_norm: batch normalization in both streams.
        name: the model's name.

    Example:
    >>> g = two_stream_video_generator((4, 16, 16, 1), latent_dim=8, width=4)
    >>> tuple(g.output_shape)
    (None, 4, 16, 16, 1)
    """
    frames, height, width_px, channels = check_volume_shape(clip_shape, "clip")
    check_count(latent_dim, "latent_dim", "the size of the latent vector", minimum=1)
    check_count(width, "width", "filters of the finest stage", minimum=1)
    latent = keras.Input((int(latent_dim),), name="latent")
    x = _upsampling_trunk(latent, clip_shape, int(width), batch_norm, "relu", "foreground_stream")
    if not two_stream:
        video = layers.Conv3D(channels, 3, padding="same", activation="tanh", dtype=float32_pin(), name="video")(x)
        return keras.Model(latent, video, name=name)
    foreground = layers.Conv3D(
        channels, 3, padding="same", activation="tanh", dtype=float32_pin(), name="foreground"
    )(x)
    mask = layers.Conv3D(1, 3, padding="same", activation="sigmoid", dtype=float32_pin(), name="mask")(x)
    background_stream = dcgan_generator(
        (height, width_px, channels), int(latent_dim), int(width), batch_norm=batch_norm, name="background_stream"
    )
    background = layers.Reshape((1, height, width_px, channels), dtype=float32_pin(), name="background")(
        background_stream(latent)
    )
    # The static background broadcasts over the clip's frames.
    video = AlphaComposite(dtype=float32_pin(), name="video")([foreground, mask, background])
    return keras.Model(latent, video, name=name)


def volume_discriminator(
    shape: tuple,
    width: int = 32,
    dropout: float = 0.3,
    num_classes: int | None = None,
    name: str = "discriminator",
) -> keras.Model:
    """Builds a 3-D convolutional discriminator: volume `(A, H, W, C)` -> one logit.

    Spatio-temporal (or volumetric) stride-2 convolutions with kernel 4,
    LeakyReLU(0.2) and dropout, the filters doubling at each stage (Vondrick et
    al., 2016; Wu et al., 2016), mirroring `volume_plan`; then a dense logit.
    With `num_classes`, it takes `[volume, label]` and adds the inner product of
    a label embedding and the features to the logit: the projection
    discriminator of Miyato & Koyama (2018), as `ConditionalGAN`'s.

    Args:
        shape: `(frames or depth, height, width, channels)`.
        width: filters of the first stage.
        dropout: dropout rate after each stage.
        num_classes: when set, the discriminator is class-conditional (projection).
        name: the model's name.

    Example:
    >>> d = volume_discriminator((8, 8, 8, 1), width=4)
    >>> tuple(d.output_shape)
    (None, 1)
    """
    shape = check_volume_shape(shape)
    check_count(width, "width", "filters of the finest stage", minimum=1)
    _, _, strides = volume_plan(shape)
    inputs = keras.Input(shape, name="volume")
    x = inputs
    for stage, stride in enumerate(reversed(strides)):
        x = layers.Conv3D(int(width) * 2**stage, _kernel(stride), strides=stride, padding="same",
                          name=f"down_{stage}")(x)
        x = layers.LeakyReLU(0.2)(x)
        x = layers.Dropout(dropout)(x)
    features = layers.Flatten(dtype=float32_pin(), name="features")(x)
    outputs = layers.Dense(1, dtype=float32_pin(), name="logit")(features)
    if num_classes is None:
        return keras.Model(inputs, outputs, name=name)
    num_classes = check_num_classes(num_classes)
    label = label_input()
    embedded = layers.Embedding(num_classes, int(features.shape[-1]), name="label_projection")(label)
    projection = layers.Dot(axes=1, dtype=float32_pin())([embedded, features])
    outputs = layers.Add(dtype=float32_pin())([outputs, projection])
    return keras.Model([inputs, label], outputs, name=name)
