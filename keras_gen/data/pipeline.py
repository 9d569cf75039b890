"""`load` and `load_numpy`: any data set as scaled NHWC float32 images.

Registered data sets are read into memory by `load_numpy` and `load` wraps the
arrays in a `tf.data` pipeline; TFDS data sets are streamed from their files.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from keras_gen.data.preprocessing import (
    TANH_RANGE,
    binarize_images,
    check_images,
    linear_rescale,
    scale_images,
    validate_range,
)
from keras_gen.data.registry import DatasetInfo, check_split, is_tfds_name, registered
from keras_gen.families import DATA_KINDS

# The most memory a streamed (TFDS) shuffle buffer of uint8 images may take.
SHUFFLE_BUFFER_BYTES = 1 << 30


def _check_limit(limit: int | None) -> None:
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
    ):
        raise ValueError(
            f"limit must be None (all examples) or a non-negative integer; got {limit!r}."
        )


def _empty_error(name: str, split: str, limit: int | None) -> ValueError:
    after = f" with limit={limit}" if limit is not None else ""
    return ValueError(
        f"The data set is empty: '{name}' split '{split}' has no examples{after}. "
        "Use a positive limit, or check the split and the files it is read from."
    )


def _as_image_arrays(
    dataset_info: DatasetInfo, images: np.ndarray, labels: np.ndarray, values=None
) -> tuple[np.ndarray, np.ndarray]:
    """Checks a loader's output, adding the channel axis to (N, H, W) grayscale."""
    images, labels = np.asarray(images), np.asarray(labels)
    extra = sorted(set(dataset_info.conditions) - {"labels"})
    if sorted(values or {}) != extra:
        raise ValueError(
            f"The loader of '{dataset_info.name}' returned conditions {sorted(values or {})}, but the data set "
            f"declares {extra}: return (images, labels, {{name: array}}) with an array per declared condition."
        )
    if images.ndim == len(dataset_info.example_shape):  # no channel axis
        images = images[..., None]
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(
            f"The loader of '{dataset_info.name}' returned {len(images)} images but labels "
            f"of shape {labels.shape}; expected labels of shape ({len(images)},)."
        )
    return images, labels


def _registered_arrays(
    name: str, split: str, data_dir: str | None, limit: int | None = None
) -> tuple[np.ndarray, np.ndarray, DatasetInfo]:
    dataset_info, loader = registered(name)
    check_split(dataset_info, split)
    # Procedural data sets (moving_fashion_mnist) make only the examples asked for.
    takes_limit = "limit" in inspect.signature(loader).parameters
    output = loader(split, data_dir, limit=limit) if takes_limit else loader(split, data_dir)
    images, labels = _as_image_arrays(dataset_info, *output)
    values = {"labels": labels, **(output[2] if len(output) == 3 else {})}
    return images, labels, dataset_info, values


def _condition_names(dataset_info: DatasetInfo, conditions) -> list[str]:
    """`conditions` (a name or a list of names) as a checked list of the data set's condition names."""
    names = [conditions] if isinstance(conditions, str) else conditions
    if not isinstance(names, (list, tuple)) or not names or not all(isinstance(n, str) for n in names):
        raise ValueError(f"conditions takes a condition's name or a list of names, e.g. 'captions' or "
                         f"['attributes', 'layout']; got {conditions!r}.")
    unknown = [name for name in names if name not in dataset_info.conditions]
    if unknown:
        known = sorted(dataset_info.conditions) or "none"
        raise ValueError(f"'{dataset_info.name}' has no condition {unknown}; its conditions: {known}.")
    return list(names)


def _selected_conditions(dataset_info, values, conditions, count):
    """The chosen conditions' checked arrays: one array for a name, a dict for a list of names."""
    names = _condition_names(dataset_info, conditions)
    chosen = {name: dataset_info.conditions[name].check(values[name][:count], count) for name in names}
    return chosen[names[0]] if isinstance(conditions, str) else chosen


def _tfds_arrays(
    name: str, split: str, limit: int | None, data_dir: str | None, image_size=None
) -> tuple[np.ndarray, np.ndarray, DatasetInfo]:
    # Imported here: tensorflow_datasets is slow to import and only TFDS names need it.
    from keras_gen.data import tfds_source

    ds, dataset_info, _ = tfds_source.tfds_dataset(name, split, data_dir, image_size=image_size)
    if limit is not None:
        ds = ds.take(limit)
    batches = list(ds.batch(1024).as_numpy_iterator())
    if not batches:
        return (
            np.zeros((0, *dataset_info.image_shape), np.uint8),
            np.zeros(0, np.int32),
            dataset_info,
        )
    images, labels = (np.concatenate(parts) for parts in zip(*batches))
    return images, labels, dataset_info


def load_numpy(
    name: str,
    split: str = "train",
    scale: Sequence[float] = TANH_RANGE,
    limit: int | None = None,
    data_dir: str | None = None,
    image_size: Sequence[int] | None = None,
    binarize: bool = False,
    conditions: str | Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Loads a whole split into memory as scaled float32 NHWC images and int32 labels.

    Data sets of clips and voxel grids (`info(name).kind` "videos" or
    "voxels") give rank-5 arrays, `(N, *info(name).example_shape)`.

    Args:
        name: "fashion_mnist", "mnist", "digits", another registered name, or any
            TFDS name ("cifar10", or "tfds:mnist" to prefer TFDS over a built-in).
        split: "train" or "test" (see `info(name).splits`).
        scale: `(lo, hi)` to map pixels to: (-1, 1) for tanh generators, (0, 1)
            for Bernoulli decoders.
        limit: keep only the first `limit` examples.
        data_dir: a directory to look in first (for TFDS: its data_dir).
        image_size: `(height, width)` to resize TFDS images to (for data sets
            of varying image size, such as `cycle_gan/*`).
        binarize: set pixels above the middle of `scale` to its top and the
            rest to its bottom (`binarize_images`), for models of binary pixels.
        conditions: a condition's name (`info(name).conditions`) to return in
            place of the labels, or a list of names to return a dict of them.

    Returns:
        `(images, labels)`: float32 `(N, H, W, C)` in `scale`, int32 `(N,)`
        (-1 for a TFDS data set without labels). With `conditions`,
        `(images, values)`: the condition's checked array, or a dict of them.

    Example:
    >>> x, y = keras_gen.data.load_numpy("digits", scale=(0, 1), limit=100)
    >>> x.shape, y.dtype
    ((100, 8, 8, 1), dtype('int32'))
    """
    to_range = validate_range(scale, argument="scale")
    _check_limit(limit)
    if is_tfds_name(name):
        if conditions is not None and conditions != "labels":
            raise ValueError(f"TFDS data sets give their labels only: pass conditions='labels' or None for '{name}'.")
        images, labels, dataset_info = _tfds_arrays(name, split, limit, data_dir, image_size)
        values = {"labels": labels}
    else:
        _check_no_image_size(name, image_size)
        images, labels, dataset_info, values = _registered_arrays(name, split, data_dir, limit)
        if conditions is not None:
            _condition_names(dataset_info, conditions)
        images, labels = images[:limit], labels[:limit]
    if len(images) == 0:
        raise _empty_error(name, split, limit)
    images = scale_images(
        images, from_range=dataset_info.value_range, to_range=to_range
    )
    if _checked_binarize(binarize):
        images = binarize_images(images, to_range)
    check_images(
        images, expected_shape=dataset_info.example_shape, name=f"'{name}' {DATA_KINDS[dataset_info.kind].noun}"
    )
    if conditions is not None and not (is_tfds_name(name) and conditions == "labels"):
        return images, _selected_conditions(dataset_info, values, conditions, len(images))
    return images, labels.astype(np.int32)


def _checked_binarize(binarize) -> bool:
    if not isinstance(binarize, (bool, np.bool_)):
        # A ValueError like every other bad argument of the loaders.
        raise ValueError(f"binarize must be True or False, got {binarize!r}.")  # noqa: TRY004
    return bool(binarize)


def _check_no_image_size(name: str, image_size) -> None:
    if image_size is not None:
        raise ValueError(
            f"image_size resizes TFDS images of varying size; '{name}' is a registered data set whose images "
            "all have one size. Drop image_size (or resize the arrays of load_numpy yourself)."
        )


def _shuffle_buffer_size(num_examples: int | None, image_shape: Sequence[int]) -> int:
    """The whole split when its uint8 images fit in SHUFFLE_BUFFER_BYTES, else what fits."""
    fits = max(1, SHUFFLE_BUFFER_BYTES // int(np.prod(image_shape)))
    return fits if num_examples is None else max(1, min(num_examples, fits))


def _tfds_stream(
    name: str,
    split: str,
    scale: tuple[float, float],
    labels: bool,
    shuffle: bool,
    seed: int | None,
    limit: int | None,
    data_dir: str | None,
    image_size=None,
    binarize: bool = False,
) -> tuple[tf.data.Dataset, int | None]:
    from keras_gen.data import tfds_source

    if limit == 0:
        raise _empty_error(name, split, limit)
    # With a limit, "the first N" must not depend on a shuffled file order.
    ds, dataset_info, num_examples = tfds_source.tfds_dataset(
        name, split, data_dir, shuffle_files=shuffle and limit is None, seed=seed, image_size=image_size
    )
    if labels and dataset_info.num_classes is None:
        raise ValueError(
            f"TFDS data set '{name}' has no 'label' class feature, so labels=True cannot "
            "work; use labels=False."
        )
    if limit is not None:
        ds = ds.take(limit)
        num_examples = limit if num_examples is None else min(limit, num_examples)
    if num_examples == 0:
        raise _empty_error(name, split, limit)
    if shuffle:
        buffer_size = _shuffle_buffer_size(num_examples, dataset_info.image_shape)
        ds = ds.shuffle(buffer_size, seed=seed, reshuffle_each_iteration=True)

    def to_float(image, label):
        image = linear_rescale(
            tf.cast(image, tf.float32), dataset_info.value_range, scale
        )
        if binarize:
            image = binarize_images(image, scale)
        return (image, label) if labels else image

    return ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE), num_examples


def keep_balanced_labels(labels: np.ndarray, labelled: int, seed: int = 0) -> np.ndarray:
    """A copy of `labels` in which only `labelled` remain, balanced over the classes; the rest are -1.

    Each class keeps `labelled // num_classes` labels (the first classes one
    more when it does not divide), chosen at random with `seed`; the
    semi-supervised protocol of Salimans et al. (2016).

    Example:
    >>> np.sort(keep_balanced_labels(np.array([0, 0, 1, 1]), 2, seed=0))  # one label per class
    array([-1, -1,  0,  1], dtype=int32)
    """
    labels = np.asarray(labels)
    classes = np.unique(labels[labels >= 0])
    if isinstance(labelled, bool) or not isinstance(labelled, (int, np.integer)) or labelled < len(classes):
        raise ValueError(
            f"labelled must be an integer of at least one label per class ({len(classes)}), got {labelled!r}."
        )
    rng = np.random.default_rng(seed)
    kept = np.full(labels.shape, -1, dtype=np.int32)
    share, extra = divmod(int(labelled), len(classes))
    for index, label in enumerate(classes):
        members = np.flatnonzero(labels == label)
        count = share + (index < extra)
        if count > len(members):
            raise ValueError(
                f"labelled={labelled} asks for {count} labels of class {label}, which has only {len(members)} "
                "images; ask for fewer labels."
            )
        chosen = rng.choice(members, count, replace=False)
        kept[chosen] = label
    return kept


def _mixed_labelled_stream(images, labels, share, shuffle, seed):
    """Labelled examples, repeated, mixed into the unlabelled ones at `share`.

    An epoch is every unlabelled example once plus round(n_u * share / (1 - share))
    draws from the repeated labelled ones, in an order that a choice stream
    fixes: shuffled (reshuffled every epoch) when `shuffle`, evenly spread
    otherwise. Its length is known in advance, so `fit` sees epochs of one
    size (a randomly sampled mix would end at a random step).
    """
    parts = []
    for mask in (labels >= 0, labels < 0):
        part = tf.data.Dataset.from_tensor_slices((images[mask], labels[mask]))
        if shuffle:
            part = part.shuffle(int(mask.sum()), seed=seed, reshuffle_each_iteration=True)
        parts.append(part)
    unlabelled = int(np.sum(labels < 0))
    labelled_draws = max(1, round(unlabelled * share / (1.0 - share)))
    # 0 picks the next labelled example, 1 the next unlabelled one.
    choices = np.concatenate([np.zeros(labelled_draws, np.int64), np.ones(unlabelled, np.int64)])
    if shuffle:
        choice = tf.data.Dataset.from_tensor_slices(choices).shuffle(
            len(choices), seed=seed, reshuffle_each_iteration=True
        )
    else:
        position = np.concatenate([
            (np.arange(labelled_draws) + 0.5) / labelled_draws, (np.arange(unlabelled) + 0.5) / max(unlabelled, 1)
        ])
        choice = tf.data.Dataset.from_tensor_slices(choices[np.argsort(position, kind="stable")])
    mixed = tf.data.Dataset.choose_from_datasets([parts[0].repeat(), parts[1]], choice)
    return mixed.apply(tf.data.experimental.assert_cardinality(len(choices))), len(choices)


def load(
    name: str,
    split: str = "train",
    batch_size: int = 64,
    scale: Sequence[float] = TANH_RANGE,
    labels: bool = False,
    shuffle: bool = True,
    seed: int | None = 0,
    limit: int | None = None,
    data_dir: str | None = None,
    drop_remainder: bool = False,
    repeat: bool = False,
    labelled: int | None = None,
    labelled_share: float | None = None,
    image_size: Sequence[int] | None = None,
    binarize: bool = False,
    conditions: str | Sequence[str] | None = None,
) -> tf.data.Dataset:
    """Loads a data set as a shuffled, batched, prefetched `tf.data.Dataset`.

    Batches are float32 `(batch, H, W, C)` images scaled to `scale`, or
    `(images, int32 labels)` pairs when `labels=True`; data sets of clips and
    voxel grids give rank-5 batches, `(batch, *info(name).example_shape)`. The shuffle buffer holds
    the whole split when it fits in memory; the same `seed` gives the same order
    on every fresh `load` (each epoch is reshuffled, reproducibly).

    Args:
        name: "fashion_mnist", "mnist", "digits", another registered name, or any
            TFDS name ("cifar10", or "tfds:mnist" to prefer TFDS over a built-in).
        split: "train" or "test" (see `info(name).splits`).
        batch_size: examples per batch.
        scale: `(lo, hi)` to map pixels to: (-1, 1) for tanh generators, (0, 1)
            for Bernoulli decoders.
        labels: yield `(images, labels)` instead of images.
        shuffle: shuffle the examples, reshuffling every epoch.
        seed: shuffle seed; None for a different order every time.
        limit: keep only the first `limit` examples (for smoke tests).
        data_dir: a directory to look in first (for TFDS: its data_dir).
        drop_remainder: drop the last, smaller batch.
        repeat: repeat forever (then pass `steps_per_epoch` to `fit`).
        labelled: with `labels=True`, keep only this many labels, balanced over
            the classes and chosen with `seed`; the other images get label -1
            (unlabelled), for semi-supervised training.
        labelled_share: with `labelled`, the expected share of labelled images
            in each batch (e.g. 0.5): the labelled images are repeated and
            mixed into the stream of unlabelled ones; an epoch is every
            unlabelled image once plus the labelled draws that make the share,
            a fixed length. None (the default) keeps the data set's own mix (1,000 of
            60,000: about one labelled image per batch of 64).
        image_size: `(height, width)` to resize TFDS images to (data sets of
            varying image size, such as `cycle_gan/*`); registered data sets
            have a fixed size and take none.
        binarize: pixels above the middle of `scale` become its top, the rest
            its bottom (deterministic), for models of binary pixels (NADE, MADE).
        conditions: yield `(images, values)` batches of a condition's values
            (a name of `info(name).conditions`, e.g. "captions"), or of a dict of
            them (a list of names). `conditions="labels"` is `labels=True`.

    Example:
    >>> ds = keras_gen.data.load("fashion_mnist", batch_size=128, scale=(0, 1))
    >>> tuple(next(iter(ds)).shape)  # model.fit(ds, epochs=10)
    (128, 28, 28, 1)
    """
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int)
        or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}.")
    if conditions == "labels":
        if labels:
            raise ValueError("conditions='labels' is labels=True: pass one of them.")
        labels, conditions = True, None
    if conditions is not None and (labels or labelled is not None):
        raise ValueError("conditions= yields the chosen conditions in place of the labels; drop labels= and "
                         "labelled= (or ask for conditions=['labels', ...]).")
    if labelled is not None and not labels:
        raise ValueError("labelled= keeps some of the labels, so it needs labels=True.")
    if labelled_share is not None and (labelled is None or not 0.0 < labelled_share < 1.0):
        raise ValueError(
            f"labelled_share is the share of labelled images per batch, in (0, 1), and needs labelled=; "
            f"got labelled_share={labelled_share!r}, labelled={labelled!r}."
        )
    if is_tfds_name(name):
        if conditions is not None:
            raise ValueError(f"TFDS data sets give their labels only: pass labels=True for '{name}'.")
        if labelled is not None:
            raise ValueError(
                "labelled= works with in-memory data sets (fashion_mnist, mnist, digits, registered ones); "
                f"for the TFDS set '{name}', load it with keras_gen.data.load_numpy and use keep_balanced_labels."
            )
        _check_limit(limit)
        to_range = validate_range(scale, argument="scale")
        ds, num_examples = _tfds_stream(
            name, split, to_range, labels, shuffle, seed, limit, data_dir, image_size, _checked_binarize(binarize)
        )
    else:
        images, label_array = load_numpy(name, split, scale, limit, data_dir, image_size, binarize, conditions)
        if conditions is not None:
            labels = True  # the stream below pairs the images with the chosen conditions
        if labelled is not None:
            label_array = keep_balanced_labels(label_array, labelled, seed=0 if seed is None else seed)
        num_examples = len(images)
        if labelled_share is not None:
            ds, num_examples = _mixed_labelled_stream(images, label_array, labelled_share, shuffle, seed)
        else:
            ds = tf.data.Dataset.from_tensor_slices(
                (images, label_array) if labels else images
            )
            if shuffle:
                ds = ds.shuffle(num_examples, seed=seed, reshuffle_each_iteration=True)
    if drop_remainder and num_examples is not None and num_examples < batch_size:
        raise ValueError(
            f"'{name}' split '{split}' has {num_examples} examples, fewer than batch_size="
            f"{batch_size}, so drop_remainder=True would yield no batches. Use a smaller "
            "batch_size, a larger limit, or drop_remainder=False."
        )
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if repeat:
        ds = ds.repeat()
    return ds.prefetch(tf.data.AUTOTUNE)


def info(name: str) -> DatasetInfo:
    """Describes a data set: image shape, number of classes, class names, splits.

    Args:
        name: a registered name (see `available()`) or any TFDS name.

    Example:
    >>> keras_gen.data.info("digits")
    DatasetInfo(name='digits', image_shape=(8, 8, 1), num_classes=10, ...)
    """
    if not is_tfds_name(name):
        return registered(name)[0]
    # Imported here: tensorflow_datasets is slow to import and only TFDS names need it.
    from keras_gen.data import tfds_source

    return tfds_source.tfds_info(name)
