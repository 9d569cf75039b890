"""Class labels as network inputs: one integer per image, encoded one-hot or as an embedding."""

import keras
from keras import layers

from keras_gen.networks.stages import check_count

LABEL_ENCODINGS = ("one_hot", "embedding")


def check_num_classes(num_classes) -> int:
    """`num_classes` as an int >= 2, or a ValueError naming the fix."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(
            f"num_classes must be an integer >= 2 (the number of label values), got {num_classes!r}."
        )
    return num_classes


def label_input(name: str = "label") -> keras.KerasTensor:
    """A network input for one integer class label per example: shape `(batch,)`, int32."""
    return keras.Input((), dtype="int32", name=name)


def encode_labels(labels, num_classes: int, encoding: str = "one_hot", embedding_dim: int | None = None):
    """Turns integer labels `(batch,)` into features `(batch, d)`.

    `"one_hot"` gives `d = num_classes` (Sohn et al., 2015; Mirza & Osindero,
    2014); `"embedding"` a learned `keras.layers.Embedding` of `embedding_dim`
    (default: `num_classes`) units.

    Example:
    >>> y = label_input()
    >>> tuple(encode_labels(y, 10).shape)
    (None, 10)
    """
    check_num_classes(num_classes)
    if encoding == "one_hot":
        return layers.CategoryEncoding(num_classes, output_mode="one_hot", name="label_one_hot")(labels)
    if encoding == "embedding":
        return layers.Embedding(num_classes, embedding_dim or num_classes, name="label_embedding")(labels)
    raise ValueError(f"Unknown label encoding {encoding!r}; choose one of {LABEL_ENCODINGS}.")


def join_label_input(x, inputs, num_classes: int | None, encoding: str = "one_hot"):
    """Makes a network class-conditional: a label input, encoded and joined to the features `x`.

    Returns `(x, inputs, label)`: `x` with the encoded label concatenated, the
    network's inputs `[inputs, label]`, and the label input. Without
    `num_classes` the network stays unconditional: `(x, inputs, None)`.

    Example:
    >>> latent = keras.Input((16,))
    >>> x, inputs, label = join_label_input(latent, latent, 10)
    >>> tuple(x.shape)
    (None, 26)
    """
    if num_classes is None:
        return x, inputs, None
    label = label_input()
    x = layers.Concatenate()([x, encode_labels(label, num_classes, encoding)])
    return x, [inputs, label], label


def check_label_planes(label_planes, num_classes) -> int:
    """`label_planes` as an int >= 0 (and 0 without `num_classes`), or a ValueError naming the fix."""
    check_count(label_planes, "label_planes", "feature maps per class")
    if label_planes and num_classes is None:
        raise ValueError("label_planes needs num_classes: only a conditional network has labels to join.")
    return label_planes


def join_label_planes(x, labels, num_classes: int | None, label_planes: int):
    """Joins `label_planes` learned feature maps of each example's class to the feature grid `x`.

    Each class owns `label_planes` maps of `x`'s height and width (a
    `keras.layers.Embedding` reshaped to the grid), concatenated to `x`'s
    channels, so the label can shape every resolution of a generator or
    decoder, not only its latent input. With `label_planes=0`, `x` comes back
    unchanged.

    Example:
    >>> y = label_input()
    >>> x = keras.Input((7, 7, 16))
    >>> tuple(join_label_planes(x, y, 10, 4).shape)
    (None, 7, 7, 20)
    """
    if not label_planes:
        return x
    height, width = int(x.shape[1]), int(x.shape[2])
    plane = layers.Embedding(num_classes, height * width * label_planes, name=f"label_planes_{height}x{width}")(labels)
    return layers.Concatenate()([x, layers.Reshape((height, width, label_planes))(plane)])
