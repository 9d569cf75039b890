"""A family's training data by its batch kind: `load_batches(name, batch_kind)` and `batch_arrays`.

What one batch holds is the model's `batch_kind` (`keras_gen.families.BATCH_KINDS`):

| batch kind | a batch | made by |
| --- | --- | --- |
| `"images"` | images | `load` |
| `"images_labels"` | `(images, labels)` | `load(labels=True)` |
| `"images_conditions"` | `(images, conditions)` | `load(conditions=...)` |
| `"pairs"` | `(inputs, targets)` of a paired task | `load_pairs` |
| `"unpaired"` | `(images of domain A, images of domain B)` | `load_unpaired` |

Callers (the `keras-gen` command, `keras_gen.tuning.run_search`, benchmarks,
tests) name the batch kind; the choice of loader is made here, once.
`batch_arrays` makes the same batches from numpy arrays already in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_gen.data.pairs import TASKS, load_pairs, load_unpaired, make_pairs
from keras_gen.data.pipeline import load, load_numpy
from keras_gen.data.preprocessing import TANH_RANGE
from keras_gen.families import BATCH_KINDS

# Options of a `tf.data` stream that arrays in memory have no use for.
_STREAM_OPTIONS = ("drop_remainder", "repeat", "labelled", "labelled_share")
# A batch larger than any split: `as_numpy` takes a whole unpaired domain in one batch.
_WHOLE_SPLIT = np.iinfo(np.int32).max


def _check_batch_kind(batch_kind: str) -> None:
    if batch_kind not in BATCH_KINDS:
        raise ValueError(
            f"Unknown batch kind {batch_kind!r}; choose one of {list(BATCH_KINDS)} (a model's "
            "`batch_kind` says which it trains on)."
        )


def _check_task(batch_kind: str, task: str | None, task_options: dict) -> None:
    if batch_kind == "pairs":
        if task is None:
            raise ValueError(f"Batches of kind 'pairs' are made by a paired task; pass task= one of {TASKS}.")
        return
    given = sorted(({"task": task} if task is not None else {}) | task_options)
    if given:
        raise ValueError(
            f"Batches of kind {batch_kind!r} take no {given}; a task and its options make 'pairs' batches."
        )


def batch_arrays(
    batch_kind: str,
    images: np.ndarray,
    labels: np.ndarray | None = None,
    *,
    other_domain: np.ndarray | None = None,
    conditions: Any = None,
    task: str | None = None,
    scale: Sequence[float] = TANH_RANGE,
    seed: int = 0,
    **task_options: Any,
) -> tuple[np.ndarray, ...]:
    """`fit`'s data for a batch kind from numpy images in memory: `(x,)` or `(x, y)`.

    A caller passes what it has; each kind takes what it needs and ignores
    `labels` or `other_domain` when it has no use for them (as `load_batches`
    drops the labels of a labelled data set for `"images"`):

    - `"images"`: `(images,)`;
    - `"images_labels"`: `(images, labels)`;
    - `"images_conditions"`: `(images, conditions)`, an array or a dict of them;
    - `"pairs"`: `make_pairs(images, task, scale, seed, **task_options)`,
      `(inputs, targets)`;
    - `"unpaired"`: `(images, other_domain)`.

    Args:
        batch_kind: a key of `keras_gen.families.BATCH_KINDS`.
        images: float32 `(N, H, W, C)` images in `scale`.
        labels: `(N,)` integer labels, for `"images_labels"`.
        other_domain: the images of domain B, for `"unpaired"`.
        conditions: one condition per image (an array, or a dict of arrays), for
            `"images_conditions"`.
        task: the paired task (`keras_gen.data.TASKS`), for `"pairs"`.
        scale: the images' pixel range.
        seed: seed of a task's random masks.
        **task_options: the task's own (`factor=4`, `hole=(14, 14)`, ...).

    Returns:
        A tuple to unpack into `model.fit(*arrays, ...)`.

    Example:
    >>> x, y = keras_gen.data.load_numpy("digits", "test", limit=8)
    >>> low, high = keras_gen.data.batch_arrays("pairs", x, task="superres", factor=2)
    >>> images, labels = keras_gen.data.batch_arrays("images_labels", x, y)
    """
    _check_batch_kind(batch_kind)
    _check_task(batch_kind, task, task_options)
    images = np.asarray(images)
    if batch_kind == "images":
        return (images,)
    if batch_kind == "images_labels":
        if labels is None or len(labels) != len(images):
            count = "no labels" if labels is None else f"{len(labels)} labels"
            raise ValueError(
                f"Batches of kind 'images_labels' need one label per image: {len(images)} images, {count}."
            )
        return images, np.asarray(labels)
    if batch_kind == "images_conditions":
        counts = None if conditions is None else {len(np.asarray(part)) for part in (
            conditions.values() if isinstance(conditions, dict) else [conditions])}
        if counts != {len(images)}:
            raise ValueError(
                f"Batches of kind 'images_conditions' need one condition per image: {len(images)} images, "
                f"{'no conditions' if conditions is None else f'conditions of {sorted(counts)} rows'}; pass conditions=."
            )
        return images, conditions
    if batch_kind == "pairs":
        return make_pairs(images, task, scale=scale, seed=seed, **task_options)
    if other_domain is None:
        raise ValueError("Batches of kind 'unpaired' need the images of domain B; pass other_domain=.")
    return images, np.asarray(other_domain)


def load_batches(
    name: str,
    batch_kind: str,
    split: str = "train",
    batch_size: int = 64,
    scale: Sequence[float] = TANH_RANGE,
    shuffle: bool = True,
    seed: int | None = 0,
    limit: int | None = None,
    data_dir: str | None = None,
    as_numpy: bool = False,
    **options: Any,
):
    """Loads a data set as the batches a model of `batch_kind` trains on.

    The loader follows the kind: `load` for `"images"`, `load(labels=True)`
    for `"images_labels"`, `load(conditions=...)` for `"images_conditions"`,
    `load_pairs` for `"pairs"`, `load_unpaired` for `"unpaired"`; see the
    module docstring.

    Args:
        name: any data set `keras_gen.data.load` knows.
        batch_kind: a key of `keras_gen.families.BATCH_KINDS` (a model's
            `batch_kind`).
        split, batch_size, scale, shuffle, seed, limit, data_dir: as for
            `keras_gen.data.load` (for `"unpaired"`, `limit` applies to each
            domain).
        as_numpy: instead of a `tf.data.Dataset`, return the first `limit`
            examples of the split as numpy arrays, in order (`batch_arrays`'
            tuple; `batch_size` and `shuffle` do not apply).
        **options: the kind's own: `labelled`, `labelled_share` (semi-supervised
            `"images_labels"`); `conditions`, the data set's condition names
            (`"images_conditions"`, required); `task` and its options (`"pairs"`, e.g.
            `task="superres", factor=4`); `domain_a`, `domain_b` (`"unpaired"`);
            and the loaders' `drop_remainder`, `repeat`, `image_size`, `binarize`.

    Returns:
        A shuffled, batched, prefetched `tf.data.Dataset`, or with `as_numpy`
        a tuple of arrays for `model.fit(*arrays)`.

    Example:
    >>> model = keras_gen.models.VAE.for_images((28, 28, 1), latent_dim=2, width=8, seed=0)
    >>> model.compile()
    >>> ds = keras_gen.data.load_batches("fashion_mnist", model.batch_kind, scale=model.data_scale, limit=64)
    >>> history = model.fit(ds, epochs=1, verbose=0)
    >>> inputs, targets = keras_gen.data.load_batches("digits", "pairs", "test", task="edges",
    ...                                               limit=16, as_numpy=True)
    """
    _check_batch_kind(batch_kind)
    # Callers pass every option they know of; None means "not asked for".
    options = {key: value for key, value in options.items() if value is not None}
    task = options.pop("task", None)
    if batch_kind == "pairs" or task is not None:
        _check_task(batch_kind, task, {})
        options["task"] = task
    labelled = [key for key in ("labelled", "labelled_share") if key in options]
    if labelled and batch_kind != "images_labels":
        raise ValueError(
            f"{' and '.join(labelled)} keep some of the labels of 'images_labels' batches (semi-supervised "
            f"training); batches of kind {batch_kind!r} have no labels."
        )
    if (batch_kind == "images_conditions") != ("conditions" in options):
        raise ValueError(
            "Batches of kind 'images_conditions' need conditions= (the data set's condition names, e.g. "
            "'captions')." if batch_kind == "images_conditions" else
            f"conditions= picks the conditions of 'images_conditions' batches; batches of kind {batch_kind!r} "
            "take none."
        )
    common = {"split": split, "scale": scale, "seed": seed, "limit": limit, "data_dir": data_dir}
    if as_numpy:
        return _arrays(name, batch_kind, common, options)
    common.update(batch_size=batch_size, shuffle=shuffle)
    if batch_kind == "pairs":
        return load_pairs(name, **common, **options)
    if batch_kind == "unpaired":
        return load_unpaired(name, **common, **options)
    return load(name, labels=batch_kind == "images_labels", **common, **options)


def _arrays(name: str, batch_kind: str, common: dict, options: dict) -> tuple[np.ndarray, ...]:
    """`load_batches(..., as_numpy=True)`: the split's first examples, through `batch_arrays`."""
    streamed = sorted(key for key in _STREAM_OPTIONS if options.get(key))
    if streamed:
        raise ValueError(
            f"{streamed} shape a tf.data stream; as_numpy=True returns the split's first examples as arrays. "
            "Drop them, or drop as_numpy."
        )
    options = {key: value for key, value in options.items() if key not in _STREAM_OPTIONS}
    if batch_kind == "unpaired":
        # load_unpaired's first unshuffled batch, as large as the split: the same domains, checked alike.
        size = common["limit"] or _WHOLE_SPLIT
        domains = load_unpaired(name, batch_size=size, shuffle=False, **common, **options)
        images_a, images_b = (np.asarray(part) for part in next(iter(domains)))
        return batch_arrays(batch_kind, images_a, other_domain=images_b)
    image_size = options.pop("image_size", None)
    binarize = options.pop("binarize", False)
    conditions = options.pop("conditions", None)
    images, labels = load_numpy(name, common["split"], scale=common["scale"], limit=common["limit"],
                                data_dir=common["data_dir"], image_size=image_size, binarize=binarize,
                                conditions=conditions)
    seed = 0 if common["seed"] is None else common["seed"]
    if batch_kind == "images_conditions":
        return batch_arrays(batch_kind, images, conditions=labels)
    return batch_arrays(batch_kind, images, labels, scale=common["scale"], seed=seed, **options)
