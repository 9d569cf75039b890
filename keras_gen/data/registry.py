"""The data set registry: names, their metadata, and the functions that load them.

A loader is a plain function `loader_fn(split, data_dir) -> (images, labels)`
returning NumPy arrays: images `(N, H, W, C)` or `(N, H, W)` with values in the
data set's `value_range` (default [0, 255]), and integer labels `(N,)`; for a
data set of clips or voxel grids (`kind` "videos" or "voxels") the examples are
`(N, *example_shape)`. A loader that also takes `limit=` makes only the first
`limit` examples (procedural data sets generate on demand). A data
set that declares conditions other than its labels (`register(...,
conditions=...)`) returns `(images, labels, values)`, `values` a dict with an
array per declared condition.
Names that are not registered are looked up in TensorFlow Datasets
(`keras_gen.data.tfds_source`, which builds on this module; `keras_gen.data.info`
and `load` choose between the two).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

from keras_gen.data.conditions import Condition
from keras_gen.data.preprocessing import UINT8_RANGE, validate_range
from keras_gen.families import DATA_KINDS

Loader = Callable[[str, str | None], tuple]

TFDS_PREFIX = "tfds:"


class DatasetNotFoundError(FileNotFoundError):
    """Raised when a known data set's files are nowhere to be found or downloaded."""


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What a data set holds: the shape of its examples, classes and splits.

    Args:
        name: the name `load` accepts.
        image_shape: `(H, W, C)` of every image; grayscale has `C = 1`. For
            clips, the shape of a frame; for voxel grids, of a depth slice.
        num_classes: number of label classes, or None for unlabelled data.
        class_names: a name per class, or None.
        splits: split names `load` accepts (empty when TFDS does not know them yet).
        value_range: `(lo, hi)` of the raw pixel values the loader returns.
        conditions: what `load(..., conditions=...)` can yield, each name's
            `Condition`; `"labels"` is there whenever there are two classes or more.
        kind: what one example is: "images", "videos" or "voxels".
        example_shape: the shape of one example: `image_shape` for images,
            `(frames, H, W, C)` for videos, `(depth, H, W, C)` for voxels
            (None: `image_shape`).
        revision: the revision of the examples the loader makes, 1 at first;
            raised when they change, so that feature networks cached for the
            old examples are not reused (their cache file names carry it).

    Example:
    >>> keras_gen.data.info("fashion_mnist").image_shape
    (28, 28, 1)
    >>> keras_gen.data.info("moving_fashion_mnist").example_shape
    (8, 32, 32, 1)
    >>> keras_gen.data.info("fashion_mnist").conditions["labels"].num_classes
    10
    """

    name: str
    image_shape: tuple[int, int, int]
    num_classes: int | None
    class_names: tuple[str, ...] | None = None
    splits: tuple[str, ...] = ("train", "test")
    value_range: tuple[float, float] = UINT8_RANGE
    conditions: Mapping[str, Condition] = dataclasses.field(default_factory=dict, hash=False, repr=False)
    kind: str = "images"
    example_shape: tuple[int, ...] | None = None
    revision: int = 1

    def __post_init__(self):
        kind = DATA_KINDS.get(self.kind)
        if kind is None:
            raise ValueError(f"kind must be one of {tuple(DATA_KINDS)}, got {self.kind!r}.")
        if self.example_shape is None:
            object.__setattr__(self, "example_shape", tuple(self.image_shape))
        if self.kind == "images" and any(side is None for side in self.example_shape):
            # TFDS image data sets of varying sizes (cycle_gan/horse2zebra: (None, None, 3)) are resized when loaded.
            object.__setattr__(self, "example_shape", tuple(self.example_shape))
            return
        shape = kind.check_shape(self.example_shape, f"The example_shape of {self.kind} data set '{self.name}'")
        if shape[-3:] != tuple(self.image_shape):
            raise ValueError(f"The image_shape of '{self.name}' is the last three sides of its example_shape "
                             f"{shape}: {shape[-3:]}, got {tuple(self.image_shape)}.")
        object.__setattr__(self, "example_shape", shape)


_REGISTRY: dict[str, tuple[DatasetInfo, Loader]] = {}


def register(
    name: str,
    loader_fn: Loader,
    image_shape: Sequence[int] | None,
    num_classes: int | None,
    class_names: Sequence[str] | None = None,
    *,
    splits: Sequence[str] = ("train", "test"),
    value_range: Sequence[float] = UINT8_RANGE,
    overwrite: bool = False,
    conditions: Mapping[str, Condition] | None = None,
    example_shape: Sequence[int] | None = None,
    kind: str = "images",
    revision: int = 1,
) -> DatasetInfo:
    """Makes `name` loadable with `keras_gen.data.load` and `load_numpy`.

    Args:
        name: the data set's name, e.g. "my_sprites".
        loader_fn: `loader_fn(split, data_dir) -> (images, labels)`, NumPy arrays with
            images `(N, H, W, C)` (or `(N, H, W)` for grayscale) in `value_range`
            and integer labels `(N,)`; clips and voxel grids `(N, *example_shape)`
            (or without the channel axis). With a `limit=` parameter, it is
            asked for the first `limit` examples only.
        image_shape: `(H, W, C)` of every image; None with `example_shape`
            (then the frame's or slice's shape, `example_shape[1:]`).
        num_classes: number of label classes.
        class_names: optional name per class.
        splits: the split names `loader_fn` accepts.
        value_range: `(lo, hi)` of the raw pixel values; (0, 255) for `uint8`.
        overwrite: replace an existing registration with the same name.
        conditions: `{name: Condition}` of what else each example is conditioned
            on (captions, attributes, layouts); the loader then returns
            `(images, labels, {name: array})` with an array per name. The labels are
            the condition `"labels"` either way, a `Condition.classes(num_classes)`.
        example_shape: the shape of one example, for clips `(frames, H, W, C)`
            and voxel grids `(depth, H, W, C)` (None: `image_shape`).
        kind: "images", "videos" or "voxels"; `load` then yields rank-5
            batches of the latter two.
        revision: raise it when the loader's examples change: the feature
            networks `keras_gen.evaluation` caches for the data set are keyed
            on it.

    Returns:
        The registered `DatasetInfo`.

    Example:
    >>> def load_sprites(split, data_dir):
    ...     return np.zeros((10, 16, 16, 3), np.uint8), np.zeros(10, np.int32)
    >>> keras_gen.data.register("sprites", load_sprites, (16, 16, 3), num_classes=1).image_shape
    (16, 16, 3)
    """
    if not isinstance(name, str) or not name or name.startswith(TFDS_PREFIX):
        raise ValueError(
            f"Data set name must be a non-empty string not starting with "
            f"'{TFDS_PREFIX}' (that prefix selects TensorFlow Datasets); got {name!r}."
        )
    if name in _REGISTRY and not overwrite:
        raise ValueError(
            f"Data set '{name}' is already registered. Pick another name or pass "
            "overwrite=True to replace it."
        )
    if not callable(loader_fn):
        raise TypeError(
            f"loader_fn must be a function (split, data_dir) -> (images, labels); got {loader_fn!r}."
        )
    shape = _checked_image_shape(image_shape, example_shape, kind)
    if num_classes is not None and (
        isinstance(num_classes, bool) or int(num_classes) < 1
    ):
        raise ValueError(
            f"num_classes must be a positive integer or None; got {num_classes!r}."
        )
    names = None if class_names is None else tuple(str(c) for c in class_names)
    if names is not None and len(names) != num_classes:
        raise ValueError(
            f"class_names has {len(names)} entries but num_classes is {num_classes}; "
            "give one name per class."
        )
    if not splits:
        raise ValueError("splits must name at least one split, e.g. ('train', 'test').")
    declared = _checked_conditions(conditions, num_classes, names)
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 1:
        raise ValueError(f"revision must be an integer >= 1 (raise it when the examples change), got {revision!r}.")
    dataset_info = DatasetInfo(
        name=name,
        image_shape=shape,
        num_classes=None if num_classes is None else int(num_classes),
        class_names=names,
        splits=tuple(splits),
        value_range=validate_range(value_range, argument="value_range"),
        conditions=declared,
        kind=kind,
        example_shape=None if example_shape is None else tuple(int(side) for side in example_shape),
        revision=revision,
    )
    _REGISTRY[name] = (dataset_info, loader_fn)
    return dataset_info


def _checked_image_shape(image_shape, example_shape, kind) -> tuple[int, int, int]:
    """The data set's `image_shape`: given, or the last three sides of `example_shape`."""
    if kind not in DATA_KINDS:
        raise ValueError(f"kind must be one of {tuple(DATA_KINDS)}, got {kind!r}.")
    if example_shape is not None:
        example_shape = DATA_KINDS[kind].check_shape(example_shape, f"example_shape of {kind}")
        image_shape = example_shape[-3:] if image_shape is None else image_shape
    elif kind != "images":
        axes = ", ".join(DATA_KINDS[kind].axes)
        raise ValueError(f"A data set of {kind} needs example_shape=({axes}), e.g. (8, 32, 32, 1).")
    if image_shape is None:
        raise ValueError("Give image_shape=(H, W, C), e.g. (28, 28, 1), or example_shape=.")
    shape = tuple(int(d) for d in image_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(
            f"image_shape must be (H, W, C) with positive sizes, e.g. (28, 28, 1); got {image_shape!r}."
        )
    return shape


def _checked_conditions(conditions, num_classes, class_names) -> dict[str, Condition]:
    """The data set's `{name: Condition}`: the labels (two classes or more) and the declared ones."""
    declared = {}
    if num_classes is not None and int(num_classes) >= 2:
        declared["labels"] = Condition.classes(int(num_classes), class_names)
    if conditions is None:
        return declared
    if not isinstance(conditions, Mapping):
        raise ValueError(f"conditions must be a dict {{name: Condition}}, got {type(conditions).__name__}.")  # noqa: TRY004
    for key, condition in conditions.items():
        if not isinstance(key, str) or not key or not isinstance(condition, Condition):
            raise ValueError(
                f"conditions maps names to keras_gen.data.Condition objects, e.g. {{'captions': "
                f"Condition.tokens(words, 12)}}; got {key!r}: {condition!r}."
            )
        if key == "labels" and condition != declared.get("labels"):
            raise ValueError(
                "The condition 'labels' is the data set's classes, Condition.classes(num_classes, class_names); "
                "give num_classes= instead, or name the condition otherwise."
            )
        declared[key] = condition
    return declared


def available() -> list[str]:
    """Lists the registered data set names (any TFDS name works as well).

    Example:
    >>> keras_gen.data.available()
    ['digits', 'fashion_captions', 'fashion_mnist', 'fashion_scenes', 'mnist', 'moving_fashion_mnist', 'sample_patches',
     'voxel_shapes']
    """
    return sorted(_REGISTRY)


def registered(name: str) -> tuple[DatasetInfo, Loader] | None:
    """Returns `(info, loader_fn)` for a registered name, or None."""
    return _REGISTRY.get(name)


def is_tfds_name(name: str) -> bool:
    """Tells whether `name` is served by TFDS: prefixed with "tfds:" or not registered."""
    if not isinstance(name, str):
        raise TypeError(
            f"Data set name must be a string such as 'fashion_mnist'; got {name!r}."
        )
    return name.startswith(TFDS_PREFIX) or name not in _REGISTRY


def unknown_dataset_message(name: str) -> str:
    """The error message for a name neither the registry nor TFDS knows."""
    return (
        f"Unknown data set '{name}'. Built-in: {', '.join(available())}; any TFDS name "
        "also works (see tfds.list_builders()), optionally prefixed with 'tfds:'."
    )


def check_split(dataset_info: DatasetInfo, split: str) -> None:
    """Raises a ValueError listing the valid splits when `split` is not one of them."""
    if split not in dataset_info.splits:
        valid = ", ".join(f"'{s}'" for s in dataset_info.splits)
        raise ValueError(
            f"Unknown split '{split}' for data set '{dataset_info.name}'. Valid splits: {valid}."
        )
