"""Image data sets from TensorFlow Datasets (TFDS), as `(uint8 image, int32 label)` pairs.

Any name that is not registered goes to TFDS; the prefix "tfds:" sends a name to
TFDS even when a built-in data set has the same name ("tfds:mnist").
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from keras_gen.data.conditions import Condition
from keras_gen.data.registry import (
    TFDS_PREFIX,
    DatasetInfo,
    DatasetNotFoundError,
    check_split,
    unknown_dataset_message,
)

NO_LABEL = -1


@dataclasses.dataclass(frozen=True)
class TfdsSource:
    """A TFDS builder and what `keras_gen.data` needs to know about its features."""

    builder: object
    info: DatasetInfo
    image_key: str
    has_label: bool


def tfds_name(name: str) -> str:
    """Strips the optional "tfds:" prefix.

    Example:
    >>> tfds_name("tfds:cifar10")
    'cifar10'
    """
    return name.removeprefix(TFDS_PREFIX)


def open_source(name: str, data_dir: str | None = None) -> TfdsSource:
    """Finds the TFDS builder for `name` and describes its image and label features."""
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(tfds_name(name), data_dir=data_dir)
    except tfds.core.DatasetNotFoundError as err:
        raise ValueError(unknown_dataset_message(name)) from err
    features = builder.info.features
    image_keys = [k for k in features if isinstance(features[k], tfds.features.Image)]
    if not image_keys:
        raise ValueError(
            f"TFDS data set '{tfds_name(name)}' has no image feature (features: "
            f"{', '.join(features.keys())}); keras_gen.data loads image data sets only."
        )
    image_feature = features[image_keys[0]]
    if np.dtype(image_feature.np_dtype) != np.uint8:
        raise ValueError(
            f"TFDS data set '{tfds_name(name)}' has {np.dtype(image_feature.np_dtype)} images; "
            "keras_gen.data expects uint8 images with values in [0, 255]."
        )
    # FeaturesDict has `in` and `[]` but no `.get`.
    has_label = "label" in features and isinstance(
        features["label"], tfds.features.ClassLabel
    )
    label = features["label"] if has_label else None
    dataset_info = DatasetInfo(
        name=name,
        image_shape=tuple(image_feature.shape),
        num_classes=label.num_classes if has_label else None,
        class_names=tuple(label.names) if has_label else None,
        splits=tuple(builder.info.splits.keys()),
        conditions=(
            {"labels": Condition.classes(label.num_classes, tuple(label.names))}
            if has_label and label.num_classes >= 2 else {}
        ),
    )
    return TfdsSource(builder, dataset_info, image_keys[0], has_label)


def check_image_size(image_size) -> tuple[int, int] | None:
    """`image_size` as `(height, width)` ints after checking it, or None."""
    if image_size is None:
        return None
    try:
        height, width = (int(side) for side in image_size)
    except (TypeError, ValueError):
        raise ValueError(f"image_size must be (height, width), e.g. (64, 64), got {image_size!r}.") from None
    if height < 1 or width < 1:
        raise ValueError(f"image_size must have positive sides, got {image_size!r}.")
    return height, width


def tfds_info(name: str, data_dir: str | None = None) -> DatasetInfo:
    """Describes a TFDS data set without downloading it (splits may be empty until then)."""
    return open_source(name, data_dir).info


def _prepare(source: TfdsSource, data_dir: str | None) -> None:
    try:
        source.builder.download_and_prepare()
    # Offline downloads fail with many error types; all mean "the data is not here".
    except Exception as err:
        name = tfds_name(source.info.name)
        where = (
            "data_dir argument"
            if data_dir
            else "TFDS default, $TFDS_DATA_DIR or ~/tensorflow_datasets"
        )
        raise DatasetNotFoundError(
            f"Could not find or download TFDS data set '{name}'. Looked in:\n"
            f"  - {source.builder.data_dir} ({where})\n"
            f"  - download and prepare failed: {err}\n"
            "To get the data:\n"
            "  - connect to the internet so TFDS can download it\n"
            f"  - or run `tfds build {name} --data_dir=DIR` on a machine that is online, "
            "copy DIR here and pass data_dir=DIR\n"
        ) from err


def _num_examples(builder, split: str) -> int | None:
    try:
        return int(builder.info.splits[split].num_examples)
    except (KeyError, ValueError, TypeError):
        return None


def tfds_dataset(
    name: str,
    split: str,
    data_dir: str | None = None,
    shuffle_files: bool = False,
    seed: int | None = None,
    image_size: tuple[int, int] | None = None,
) -> tuple[tf.data.Dataset, DatasetInfo, int | None]:
    """Loads a TFDS split as `(uint8 image, int32 label)` pairs, label -1 when unlabelled.

    Args:
        name: a TFDS name, with or without the "tfds:" prefix.
        split: a split name; TFDS slices such as "train[:10%]" work too.
        data_dir: where TFDS keeps prepared data; None for its default.
        shuffle_files: read the files in a shuffled order.
        seed: seed of that file order.
        image_size: `(height, width)` to resize every image to (antialiased
            bilinear resizing), for data sets of varying image size such
            as `cycle_gan/horse2zebra`; None keeps the stored size.

    Returns:
        `(dataset, info, num_examples)`, `num_examples` None when TFDS does not know it.

    Example:
    >>> ds, ds_info, n = tfds_dataset("cifar10", "test")
    """
    import tensorflow_datasets as tfds

    source = open_source(name, data_dir)
    size = check_image_size(image_size)
    if None in source.info.image_shape[-1:] or (size is None and None in source.info.image_shape):
        raise ValueError(
            f"TFDS data set '{tfds_name(name)}' has images of varying size "
            f"{source.info.image_shape}; keras_gen.data batches need one fixed (H, W, C). "
            "Pass image_size=(height, width), e.g. image_size=(64, 64), to resize them."
        )
    _prepare(source, data_dir)
    splits = tuple(source.builder.info.splits.keys())
    dataset_info = dataclasses.replace(source.info, splits=splits)
    if size is not None:
        dataset_info = dataclasses.replace(dataset_info, image_shape=(*size, source.info.image_shape[-1]))
    if splits and "[" not in split and "+" not in split:
        check_split(dataset_info, split)
    ds = source.builder.as_dataset(
        split=split,
        shuffle_files=shuffle_files,
        read_config=tfds.ReadConfig(shuffle_seed=seed),
    )

    def to_pair(example):
        label = (
            tf.cast(example["label"], tf.int32)
            if source.has_label
            else tf.constant(NO_LABEL)
        )
        image = example[source.image_key]
        if size is not None:
            # Antialiased bilinear resizing averages the covered pixels when shrinking.
            resized = tf.image.resize(image, size, method="bilinear", antialias=True)
            image = tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8)
        return image, label

    ds = ds.map(to_pair, num_parallel_calls=tf.data.AUTOTUNE)
    return ds, dataset_info, _num_examples(source.builder, split)
