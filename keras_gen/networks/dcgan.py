"""Generator and discriminator builders that follow the practical DCGAN recipe.

Radford, Metz & Chintala, "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks" (2015): strided (transposed)
convolutions instead of pooling, batch normalization in the generator, LeakyReLU,
tanh output. Kernel sizes are multiples of the stride (4 for stride 2) so that
transposed convolutions do not leave checkerboard artefacts (Odena et al.,
"Deconvolution and Checkerboard Artifacts", 2016). The discriminator uses dropout.
"""

import keras
from keras import layers

from keras_gen.layers.normalization import FusedBatchNormalization
from keras_gen.layers.progressive import MinibatchStdDev
from keras_gen.networks.conditioning import (
    check_label_planes,
    check_num_classes,
    join_label_input,
    join_label_planes,
    label_input,
)
from keras_gen.networks.precision import float32_pin
from keras_gen.networks.stages import (
    check_count,
    check_image_shape,
    check_layers_per_stage,
    conv_stage,
)

DISCRIMINATOR_CONDITIONING = ("concat", "projection")


def upsampling_plan(image_shape: tuple) -> tuple[int, tuple[int, int]]:
    """How many stride-2 stages lead from a small grid to `image_shape`.

    Picks the largest number of halvings that keeps both sides integers and the
    starting grid at least 4 pixels on a side (28 -> 7 after 2 stages, 32 -> 4
    after 3, 64 -> 4 after 4).

    Returns:
        `(stages, (start_height, start_width))`.
    """
    height, width = image_shape[0], image_shape[1]
    stages = 0
    while height % 2 ** (stages + 1) == 0 and width % 2 ** (stages + 1) == 0:
        if min(height, width) // 2 ** (stages + 1) < 4:
            break
        stages += 1
    if stages == 0:
        raise ValueError(
            f"Image sides {height}x{width} cannot be reached by stride-2 upsampling "
            "from a grid of at least 4x4. Use images whose sides are divisible by 2 "
            "and at least 8 pixels (e.g. 28x28, 32x32 or 64x64), or resize them."
        )
    return stages, (height // 2**stages, width // 2**stages)


def dcgan_generator(
    image_shape: tuple,
    latent_dim: int = 128,
    width: int = 64,
    batch_norm: bool = True,
    layers_per_stage: int = 1,
    num_classes: int | None = None,
    code_dim: int | None = None,
    label_encoding: str = "embedding",
    label_planes: int = 0,
    name: str = "generator",
) -> keras.Model:
    """Builds a DCGAN generator: latent vector -> image in [-1, 1].

    Dense projection to a small grid, then stride-2 transposed convolutions
    (kernel 4) that halve the filter count while doubling the resolution, each
    followed by optional batch normalization and LeakyReLU(0.2); a final 5x5
    convolution with tanh gives the image.

    Args:
        image_shape: `(height, width, channels)` of the images.
        latent_dim: size of the latent vector.
        width: filters of the last (highest-resolution) stage; earlier stages
            have `width * 2**k`.
        batch_norm: whether to normalize after each hidden layer.
        layers_per_stage: depth: convolutions per resolution stage. The first is
            the stride-2 transposed convolution; each further one is a stride-1
            3x3 convolution.
        num_classes: when set, the generator is class-conditional: it takes
            `[latent, label]` and joins the encoded label (an embedding of
            `num_classes` units, or one-hot) to the latent vector (Mirza &
            Osindero, 2014).
        code_dim: when set, it takes `[latent, codes]`, codes a float vector of
            this size joined to the latent vector (InfoGAN's c).
        label_encoding: `"embedding"` or `"one_hot"`, for `num_classes`.
        label_planes: with `num_classes`, also join `label_planes` learned
            feature maps per class before every stage and the output
            convolution (see `keras_gen.networks.join_label_planes`); 0 (the
            default) joins the label to the latent vector only.
        name: the model's name.

    Example:
    >>> g = dcgan_generator((28, 28, 1), latent_dim=16, width=8)
    >>> tuple(g.output_shape)
    (None, 28, 28, 1)
    """
    check_image_shape(image_shape)
    inputs = keras.Input((latent_dim,), name="latent")
    x = inputs
    if num_classes is not None and code_dim is not None:
        raise ValueError("Pass num_classes (class labels) or code_dim (InfoGAN codes), not both.")
    label_planes = check_label_planes(label_planes, num_classes)
    x, inputs, label = join_label_input(x, inputs, num_classes, label_encoding)
    if code_dim is not None:
        codes = keras.Input((int(code_dim),), name="codes")
        x = layers.Concatenate()([x, codes])
        inputs = [inputs, codes]
    outputs = upsample_to_image(x, image_shape, width, batch_norm, layers_per_stage,
                                join=lambda grid: join_label_planes(grid, label, num_classes, label_planes))
    return keras.Model(inputs, outputs, name=name)


def upsample_to_image(x, image_shape: tuple, width: int, batch_norm: bool = True, layers_per_stage: int = 1,
                      join=None):
    """The DCGAN generator's body on the features `x`: a dense projection to the smallest grid, the stride-2
    upsampling stages and the 5x5 tanh convolution to the image.

    Args:
        x: a `(batch, d)` tensor: the latent vector with whatever joined it.
        image_shape, width, batch_norm, layers_per_stage: as for `dcgan_generator`.
        join: `grid -> grid`, applied before every stage and before the output
            convolution (label planes, a layout's maps); None keeps the grid.

    Example:
    >>> latent = keras.Input((8,))
    >>> tuple(upsample_to_image(latent, (28, 28, 1), width=4).shape)
    (None, 28, 28, 1)
    """
    height, image_width, channels = check_image_shape(image_shape)
    layers_per_stage = check_layers_per_stage(layers_per_stage)
    join = join or (lambda grid: grid)
    stages, (start_h, start_w) = upsampling_plan((height, image_width))
    filters = width * 2 ** (stages - 1)
    x = layers.Dense(start_h * start_w * filters, use_bias=not batch_norm, name="project")(x)
    if batch_norm:
        x = FusedBatchNormalization(name="project_bn")(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Reshape((start_h, start_w, filters))(x)
    for stage in range(stages):
        x = join(x)
        x = conv_stage(
            x, width * 2 ** (stages - 1 - stage), layers_per_stage,
            upsample=True, batch_norm=batch_norm, name=f"up_{stage}",
        )
    x = join(x)
    return layers.Conv2D(channels, 5, padding="same", activation="tanh", dtype=float32_pin(), name="to_image")(x)


def dcgan_discriminator(
    image_shape: tuple,
    width: int = 64,
    dropout: float = 0.3,
    batch_norm: bool = False,
    layers_per_stage: int = 1,
    layer_norm: bool = False,
    spectral_norm: bool = False,
    num_classes: int | None = None,
    conditioning: str = "concat",
    heads: dict | None = None,
    head_hidden: int = 0,
    logit_units: int = 1,
    return_features: bool = False,
    minibatch_std: bool = False,
    name: str = "discriminator",
) -> keras.Model:
    """Builds a DCGAN discriminator: image -> one logit (real vs generated).

    Stride-2 convolutions with kernel 4 (no pooling) doubling the filters at
    each stage, LeakyReLU(0.2) and dropout after each, then a dense logit. The
    output is a logit: the losses apply the sigmoid.

    Args:
        image_shape: `(height, width, channels)` of the images.
        width: filters of the first stage.
        dropout: dropout rate after each stage and before the logit.
        batch_norm: normalize after each stage but the first (off by default;
            with a frozen discriminator in the generator step, batch statistics
            would otherwise still move).
        layers_per_stage: depth: convolutions per resolution stage. The first is
            the stride-2 convolution; each further one is a stride-1 3x3 convolution.
        layer_norm: layer normalization after each stage but the first (the
            WGAN-GP critic: no batch statistics that mix examples).
        spectral_norm: spectral normalization of every convolution and of the
            logit layer (Miyato et al., 2018).
        num_classes: when set, the discriminator is class-conditional and takes
            `[image, label]`: with `conditioning="concat"` the label's embedding
            becomes an extra image channel (Mirza & Osindero, 2014); with
            `"projection"` the logit gets the inner product of a label embedding
            and the image features (Miyato & Koyama, 2018).
        conditioning: `"concat"` or `"projection"`.
        heads: extra outputs from the shared features, `{name: units}` (an
            auxiliary classifier, InfoGAN's Q head); the model then returns
            `[logit, head, ...]` in that order.
        head_hidden: when > 0, the heads share a hidden layer of this many
            units with LeakyReLU(0.2) between the features and their outputs
            (InfoGAN's Q network: FC 128 then the codes; Chen et al., 2016,
            appendix C); 0 (the default): linear heads on the features.
        logit_units: units of the first output (1: a real/fake logit; the
            semi-supervised GAN's K class logits).
        return_features: also return the flattened features the logit is
            computed from, last (feature matching).
        minibatch_std: append a `keras_gen.layers.MinibatchStdDev(group_size=4)`
            feature map after the last stage, before the flattening to the
            logit (Karras et al., 2018, section 3): the spread within groups
            of 4 consecutive examples, so that the discriminator can see a
            generator that collapses to a few images. Keep each half of a
            `[real; fake]` batch a multiple of 4, or groups mix the two.
        name: the model's name.

    Example:
    >>> d = dcgan_discriminator((28, 28, 1), width=8)
    >>> tuple(d.output_shape)
    (None, 1)
    """
    if conditioning not in DISCRIMINATOR_CONDITIONING:
        raise ValueError(f"Unknown conditioning {conditioning!r}; choose one of {DISCRIMINATOR_CONDITIONING}.")
    height, image_width, channels = check_image_shape(image_shape)
    layers_per_stage = check_layers_per_stage(layers_per_stage)
    stages, _ = upsampling_plan((height, image_width))
    inputs = keras.Input((height, image_width, channels), name="image")
    x = inputs
    label = None
    if num_classes is not None:
        label = label_input()
        check_num_classes(num_classes)
        if conditioning == "concat":
            plane = layers.Embedding(num_classes, height * image_width, name="label_plane")(label)
            x = layers.Concatenate()([x, layers.Reshape((height, image_width, 1))(plane)])
    for stage in range(stages):
        x = conv_stage(
            x, width * 2**stage, layers_per_stage,
            batch_norm=batch_norm, normalize_first=stage > 0, layer_norm=layer_norm,
            spectral_norm=spectral_norm, name=f"down_{stage}",
        )
        x = layers.Dropout(dropout)(x)
    if minibatch_std:
        x = MinibatchStdDev(group_size=4, name="minibatch_std")(x)
    # From the features on, float32: the logit, the heads and feature matching feed losses.
    features = layers.Flatten(dtype=float32_pin(), name="features")(x)
    logit = layers.Dense(logit_units, dtype=float32_pin(), name="logit")
    if spectral_norm:
        # The wrapper casts the logit to its own compute dtype: it is pinned too.
        logit = layers.SpectralNormalization(logit, dtype=float32_pin(), name="logit_sn")
    outputs = logit(features)
    if label is not None and conditioning == "projection":
        embedded = layers.Embedding(num_classes, int(features.shape[-1]), name="label_projection")(label)
        projection = layers.Dot(axes=1, dtype=float32_pin())([embedded, features])
        outputs = layers.Add(dtype=float32_pin())([outputs, projection])
    outputs = [outputs]
    head_hidden = check_count(head_hidden, "head_hidden", "0: linear heads")
    head_features = features
    if heads and head_hidden:
        head_features = layers.Dense(head_hidden, name="heads_hidden")(features)
        head_features = layers.LeakyReLU(0.2, name="heads_hidden_activation")(head_features)
    for head, units in (heads or {}).items():
        outputs.append(layers.Dense(int(units), dtype=float32_pin(), name=head)(head_features))
    if return_features:
        outputs.append(features)
    return keras.Model([inputs, label] if label is not None else inputs,
                       outputs[0] if len(outputs) == 1 else outputs, name=name)


def dcgan_networks(
    image_shape: tuple,
    latent_dim: int = 128,
    width: int = 64,
    batch_norm: bool = True,
    dropout: float = 0.3,
    layers_per_stage: int = 1,
    spectral_norm: bool = False,
    generator_options: dict | None = None,
    discriminator_options: dict | None = None,
) -> tuple[keras.Model, keras.Model]:
    """Builds the recipe's pair: `(dcgan_generator(...), dcgan_discriminator(...))`.

    What `DCGAN.for_images` and the GANs built like it (conditional GAN, AC-GAN,
    InfoGAN, semi-supervised GAN) share: both networks of one `width` and
    `layers_per_stage`, batch normalization in the generator, dropout and
    spectral normalization in the discriminator. What a family adds (labels,
    codes, heads) goes in the two `*_options`.

    Args:
        image_shape: `(height, width, channels)` of the images.
        latent_dim: size of the latent vector.
        width: filters of the generator's last and the discriminator's first stage.
        batch_norm: batch normalization in the generator.
        dropout: the discriminator's dropout rate.
        layers_per_stage: depth of both networks: convolutions per resolution.
        spectral_norm: spectral normalization of the discriminator's layers.
        generator_options: further `dcgan_generator` arguments (`num_classes`,
            `code_dim`, `label_encoding`, `label_planes`).
        discriminator_options: further `dcgan_discriminator` arguments
            (`num_classes`, `conditioning`, `heads`, `logit_units`, ...).

    Example:
    >>> g, d = dcgan_networks((28, 28, 1), latent_dim=16, width=8,
    ...                       discriminator_options={"heads": {"classes": 10}})
    >>> [tuple(shape) for shape in d.output_shape]
    [(None, 1), (None, 10)]
    """
    generator = dcgan_generator(
        image_shape, latent_dim, width, batch_norm=batch_norm, layers_per_stage=layers_per_stage,
        **(generator_options or {}),
    )
    discriminator = dcgan_discriminator(
        image_shape, width, dropout=dropout, layers_per_stage=layers_per_stage, spectral_norm=spectral_norm,
        **(discriminator_options or {}),
    )
    return generator, discriminator


def keras_book_generator(latent_dim: int = 32, channels: int = 3, name: str = "generator"):
    """The 32x32x3 generator of the well-known Keras book GAN example.

    Latent 32 -> Dense 16*16*128 -> Conv 256 k5 -> ConvTranspose 256 k4 s2
    -> Conv 256 k5 -> Conv 256 k5 -> Conv 3 k7 tanh, LeakyReLU after each hidden
    layer (Chollet, "Deep Learning with Python", 1st ed., section 8.5).

    Example:
    >>> tuple(keras_book_generator().output_shape)
    (None, 32, 32, 3)
    """
    inputs = keras.Input((latent_dim,), name="latent")
    x = layers.Dense(128 * 16 * 16)(inputs)
    x = layers.LeakyReLU()(x)
    x = layers.Reshape((16, 16, 128))(x)
    x = layers.Conv2D(256, 5, padding="same")(x)
    x = layers.LeakyReLU()(x)
    x = layers.Conv2DTranspose(256, 4, strides=2, padding="same")(x)
    x = layers.LeakyReLU()(x)
    for _ in range(2):
        x = layers.Conv2D(256, 5, padding="same")(x)
        x = layers.LeakyReLU()(x)
    outputs = layers.Conv2D(channels, 7, activation="tanh", padding="same", dtype=float32_pin())(x)
    return keras.Model(inputs, outputs, name=name)


def keras_book_discriminator(image_shape: tuple = (32, 32, 3), name: str = "discriminator"):
    """The 32x32x3 discriminator of the well-known Keras book GAN example.

    Conv 128 k3, then three Conv 128 k4 s2, LeakyReLU after each, Flatten,
    Dropout 0.4, Dense 1. The book ends in a sigmoid; this returns the logit,
    since keras_gen's losses take logits.

    Example:
    >>> tuple(keras_book_discriminator().output_shape)
    (None, 1)
    """
    inputs = keras.Input(check_image_shape(image_shape), name="image")
    x = layers.Conv2D(128, 3)(inputs)
    x = layers.LeakyReLU()(x)
    for _ in range(3):
        x = layers.Conv2D(128, 4, strides=2)(x)
        x = layers.LeakyReLU()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.4)(x)
    outputs = layers.Dense(1, dtype=float32_pin())(x)
    return keras.Model(inputs, outputs, name=name)


def joint_discriminator(
    image_shape: tuple,
    latent_dim: int = 128,
    width: int = 64,
    hidden_units: int = 512,
    dropout: float = 0.3,
    layers_per_stage: int = 1,
    name: str = "discriminator",
) -> keras.Model:
    """Builds a discriminator of (image, latent point) pairs: `[image, latent] -> logit`.

    BiGAN / ALI (Donahue et al., 2017; Dumoulin et al., 2017): the image goes
    through the DCGAN discriminator's strided convolutions, the latent point
    through a dense layer; their features are joined and judged together, with
    dropout throughout.

    Example:
    >>> d = joint_discriminator((28, 28, 1), latent_dim=16, width=8)
    >>> tuple(d.output_shape)
    (None, 1)
    """
    height, image_width, channels = check_image_shape(image_shape)
    layers_per_stage = check_layers_per_stage(layers_per_stage)
    stages, _ = upsampling_plan((height, image_width))
    image = keras.Input((height, image_width, channels), name="image")
    latent = keras.Input((latent_dim,), name="latent")
    x = image
    for stage in range(stages):
        x = conv_stage(x, width * 2**stage, layers_per_stage, normalize_first=stage > 0, name=f"down_{stage}")
        x = layers.Dropout(dropout)(x)
    z = layers.Dense(hidden_units)(latent)
    z = layers.LeakyReLU(0.2)(z)
    z = layers.Dropout(dropout)(z)
    joint = layers.Concatenate()([layers.Flatten()(x), z])
    joint = layers.Dense(hidden_units)(joint)
    joint = layers.LeakyReLU(0.2)(joint)
    joint = layers.Dropout(dropout)(joint)
    outputs = layers.Dense(1, dtype=float32_pin(), name="logit")(joint)
    return keras.Model([image, latent], outputs, name=name)
