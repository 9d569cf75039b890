"""Conditions as vectors, and GAN-CLS's networks that read them: G(z, phi(t)) and D(x, phi(t)).

Reed, Akata, Yan, Logeswaran, Schiele & Lee, "Generative Adversarial Text to
Image Synthesis" (2016): a text encoder phi maps a caption to a vector; both
networks compress it with a dense layer and a leaky ReLU; the generator joins
it to z, the discriminator tiles it over its last feature map. The image
layers are the DCGAN recipe's (`dcgan_generator`, `dcgan_discriminator`).
"""

import keras
from keras import layers

from keras_gen.networks.dcgan import dcgan_discriminator, dcgan_generator, upsampling_plan
from keras_gen.networks.precision import float32_pin
from keras_gen.networks.stages import check_count

CONDITION_VECTOR_KINDS = ("classes", "attributes", "multi_hot", "tokens")


def _condition_input(condition):
    return keras.Input(condition.shape, dtype=condition.dtype, name="condition")


def text_encoder(condition, embedding_dim: int = 128, name: str = "text_encoder") -> keras.Model:
    """phi(t): word ids `(batch, max_length)` -> a caption vector `(batch, embedding_dim)`.

    Word embeddings of `embedding_dim` (id 0, the padding, masked), a
    bidirectional GRU of `embedding_dim // 2` units each way, and the mean of
    its outputs over the caption's words (padding left out). A small stand-in
    for Reed et al.'s char-CNN-RNN, trained here with the discriminator.

    Args:
        condition: a `keras_gen.data.Condition.tokens(...)`.
        embedding_dim: the size of the word vectors and of phi; even, >= 2.
        name: the model's name.

    Example:
    >>> captions = keras_gen.data.Condition.tokens(["a", "dark", "sandal"], max_length=6)
    >>> tuple(text_encoder(captions, embedding_dim=8).output_shape)
    (None, 8)
    """
    if getattr(condition, "kind", None) != "tokens":
        raise ValueError(f"text_encoder reads captions: pass a Condition.tokens(...), got {condition!r}.")
    embedding_dim = check_count(embedding_dim, "embedding_dim", "the caption vector's size", 1)
    if embedding_dim < 2 or embedding_dim % 2:
        raise ValueError(f"embedding_dim must be even and >= 2 (half of it runs each way of the GRU), "
                         f"got {embedding_dim}.")
    ids = _condition_input(condition)
    words = layers.Embedding(condition.num_ids, embedding_dim, mask_zero=True, name="word_embedding")(ids)
    states = layers.Bidirectional(layers.GRU(embedding_dim // 2, return_sequences=True), name="bidirectional_gru")(
        words)
    caption = layers.GlobalAveragePooling1D(dtype=float32_pin(), name="mean_over_words")(states)
    return keras.Model(ids, caption, name=name)


def condition_encoder(condition, embedding_dim: int = 128, name: str = "text_encoder") -> keras.Model:
    """phi of any condition kind: `text_encoder` for captions, the condition's float vector otherwise.

    Class ids become one-hot vectors, attributes and multi-hot bits stay as
    they are (a network without weights). Layouts are not supported.

    Example:
    >>> attributes = keras_gen.data.Condition.attributes(["brightness", "size"])
    >>> tuple(condition_encoder(attributes).output_shape)
    (None, 2)
    """
    kind = getattr(condition, "kind", None)
    if kind not in CONDITION_VECTOR_KINDS:
        raise ValueError(f"A condition vector is made of a Condition of kind {list(CONDITION_VECTOR_KINDS)}, "
                         f"got {condition!r}.")
    if kind == "tokens":
        return text_encoder(condition, embedding_dim, name=name)
    values = _condition_input(condition)
    if kind == "classes":
        vector = layers.CategoryEncoding(condition.num_classes, output_mode="one_hot", dtype=float32_pin(),
                                         name="one_hot")(values)
    else:
        vector = layers.Activation("linear", dtype=float32_pin(), name="vector")(values)
    return keras.Model(values, vector, name=name)


def _compressed(vector, embedding_dim):
    """Reed et al.'s compression of phi: a dense layer to `embedding_dim` units and LeakyReLU(0.2)."""
    return layers.LeakyReLU(0.2, name="compressed_condition")(layers.Dense(embedding_dim, name="compress")(vector))


def gan_cls_generator(image_shape, condition_dim, latent_dim=100, width=32, embedding_dim=128, batch_norm=True,
                      layers_per_stage=1, name="generator") -> keras.Model:
    """G(z, phi): `[latent_points, condition_vectors]` -> images in [-1, 1].

    phi is compressed to `embedding_dim` and joined to z; the rest is
    `dcgan_generator` (its `code_dim` input takes the compressed vector).

    Example:
    >>> g = gan_cls_generator((28, 28, 1), condition_dim=16, latent_dim=8, width=8, embedding_dim=4)
    >>> [tuple(shape) for shape in g.input_shape], tuple(g.output_shape)
    ([(None, 8), (None, 16)], (None, 28, 28, 1))
    """
    condition_dim = check_count(condition_dim, "condition_dim", "the condition vector's size", 1)
    embedding_dim = check_count(embedding_dim, "embedding_dim", "the compressed condition's size", 1)
    body = dcgan_generator(image_shape, latent_dim, width, batch_norm=batch_norm, layers_per_stage=layers_per_stage,
                           code_dim=embedding_dim, name=f"{name}_body")
    latent = keras.Input((latent_dim,), name="latent")
    vector = keras.Input((condition_dim,), name="condition_vector")
    images = body([latent, _compressed(vector, embedding_dim)])
    # The images leave in float32 under mixed precision, as dcgan_generator's own output does.
    images = layers.Activation("linear", dtype=float32_pin(), name="image")(images)
    return keras.Model([latent, vector], images, name=name)


def gan_cls_discriminator(image_shape, condition_dim, width=32, embedding_dim=128, dropout=0.3, layers_per_stage=1,
                          spectral_norm=False, name="discriminator") -> keras.Model:
    """D(x, phi): `[images, condition_vectors]` -> one logit per pair.

    The strided stages of `dcgan_discriminator` make the image's last feature
    map; phi, compressed to `embedding_dim`, is tiled over it and joined to its
    channels, then a 1x1 convolution with LeakyReLU(0.2) and a dense logit judge
    image and condition together (Reed et al., 2016, section 4.1).
    Images too small for a stride-2 stage (sides under 8, or odd; StackGAN's
    stage-I images of tiny models) are judged at full resolution, after one 3x3
    convolution of `width` filters and LeakyReLU(0.2).

    Example:
    >>> d = gan_cls_discriminator((28, 28, 1), condition_dim=16, width=8, embedding_dim=4)
    >>> tuple(d.output_shape)
    (None, 1)
    """
    condition_dim = check_count(condition_dim, "condition_dim", "the condition vector's size", 1)
    embedding_dim = check_count(embedding_dim, "embedding_dim", "the compressed condition's size", 1)
    try:
        upsampling_plan(image_shape[:2])
    except ValueError:
        stages = _full_resolution_features(image_shape, width, f"{name}_stages")
    else:
        full = dcgan_discriminator(image_shape, width, dropout=dropout, layers_per_stage=layers_per_stage,
                                   spectral_norm=spectral_norm, name=f"{name}_full")
        # The recipe's strided stages up to its last feature map; its own logit is left out.
        stages = keras.Model(full.inputs, full.get_layer("features").input, name=f"{name}_stages")
    images = keras.Input(tuple(image_shape), name="image")
    vector = keras.Input((condition_dim,), name="condition_vector")
    features = stages(images)
    height, width_cells, channels = (int(side) for side in features.shape[1:])
    tiled = layers.RepeatVector(height * width_cells)(_compressed(vector, embedding_dim))
    tiled = layers.Reshape((height, width_cells, embedding_dim), name="tiled_condition")(tiled)
    joint = layers.Concatenate(name="image_and_condition")([features, tiled])
    joint = layers.Conv2D(channels, 1, name="joint_1x1")(joint)
    joint = layers.LeakyReLU(0.2)(joint)
    joint = layers.Dropout(dropout)(joint)
    joint = layers.Flatten(dtype=float32_pin(), name="joint_features")(joint)
    logit = layers.Dense(1, dtype=float32_pin(), name="logit")
    if spectral_norm:
        logit = layers.SpectralNormalization(logit, dtype=float32_pin(), name="logit_sn")
    return keras.Model([images, vector], logit(joint), name=name)


def _full_resolution_features(image_shape, width, name):
    """One 3x3 convolution and LeakyReLU(0.2) at the images' own resolution, for images too small to halve."""
    images = keras.Input(tuple(image_shape), name="image")
    features = layers.LeakyReLU(0.2)(layers.Conv2D(width, 3, padding="same", name="conv")(images))
    return keras.Model(images, features, name=name)
