"""Data for image-to-image models: paired tasks derived from any image data set, and unpaired domains.

`load_pairs(name, task=...)` turns the images of any data set `load` knows into
`(input, target)` batches, computed inside the `tf.data` pipeline:

- `"edges"`: Sobel edge maps (white edges on black) -> the image (pix2pix's
  edges -> photo; Isola et al., 2017);
- `"superres"`: the image area-downsampled by `factor` -> the image (SRGAN;
  Ledig et al., 2017);
- `"inpaint"`: `((image with a hole, mask), image)`, where the mask is 1 on the
  missing pixels and 0 on the known ones: a centre hole, or random boxes
  (context encoders; Pathak et al., 2016).

`make_pairs(images, task=...)` does the same on a numpy array (for evaluation
and `keras-gen translate`). `load_unpaired(name, domain_a=..., domain_b=...)`
yields `(images_a, images_b)` batches from two sets of classes of one data set,
or from a TFDS CycleGAN data set's A and B splits (CycleGAN; Zhu et al., 2017).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from keras_gen.data.pipeline import info, load, load_numpy
from keras_gen.data.preprocessing import TANH_RANGE, validate_range

TASKS = ("edges", "superres", "inpaint")
MASK_KINDS = ("centre", "random")
# The largest Sobel gradient magnitude of an image in [0, 1]: |gx| and |gy| reach 4.
SOBEL_MAX = 4.0 * np.sqrt(2.0)


def _check_task(task: str) -> None:
    if task not in TASKS:
        raise ValueError(f"Unknown paired task {task!r}; choose one of {TASKS}.")


def _image_size(image_shape: Sequence[int]) -> tuple[int, int]:
    return int(image_shape[0]), int(image_shape[1])


def check_factor(image_shape: Sequence[int], factor: int) -> int:
    """The super-resolution `factor` after checking that it divides the image's height and width."""
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 2:
        raise ValueError(f"factor must be an integer >= 2 (e.g. 4: 28x28 -> 7x7), got {factor!r}.")
    height, width = _image_size(image_shape)
    if height % factor or width % factor:
        raise ValueError(
            f"factor={factor} does not divide the {height}x{width} images; choose a factor that divides both "
            f"sides (for 28x28: 2, 4, 7 or 14)."
        )
    return int(factor)


def check_hole(image_shape: Sequence[int], hole: Sequence[int]) -> tuple[int, int]:
    """`(height, width)` of an inpainting hole after checking that it fits inside the image."""
    height, width = _image_size(image_shape)
    try:
        hole_height, hole_width = (int(side) for side in hole)
    except (TypeError, ValueError):
        raise ValueError(f"hole must be (height, width), e.g. (14, 14), got {hole!r}.") from None
    if not (0 < hole_height <= height and 0 < hole_width <= width):
        raise ValueError(
            f"hole={tuple(hole)} must fit inside the {height}x{width} images with positive sides, e.g. "
            f"({height // 2}, {width // 2})."
        )
    return hole_height, hole_width


def edge_maps(images, scale: Sequence[float] = TANH_RANGE, threshold: float = 0.15):
    """Binary Sobel edge maps of a batch of images, in `scale` (edges high, the rest low).

    The gradient magnitude of the images' grey level (the channel mean, in
    [0, 1]) divided by its largest possible value is thresholded at
    `threshold`; the map has the images' number of channels.

    Args:
        images: `(batch, H, W, C)` float images in `scale`.
        scale: their pixel range.
        threshold: the share of the largest gradient above which a pixel is an edge.

    Example:
    >>> edges = edge_maps(tf.zeros((2, 28, 28, 1)))  # flat images: no edges
    """
    low, high = scale
    unit = (tf.convert_to_tensor(images, tf.float32) - low) / (high - low)
    grey = tf.reduce_mean(unit, axis=-1, keepdims=True)
    gradients = tf.image.sobel_edges(grey)
    magnitude = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=-1)) / SOBEL_MAX
    edges = tf.cast(magnitude > threshold, tf.float32)
    edges = tf.repeat(edges, tf.shape(unit)[-1], axis=-1)
    return low + (high - low) * edges


def downsample(images, factor: int):
    """Area downsampling by `factor` (each output pixel is the mean of a factor x factor block)."""
    images = tf.convert_to_tensor(images, tf.float32)
    height, width = images.shape[1], images.shape[2]
    return tf.image.resize(images, (height // factor, width // factor), method="area")


def centre_mask(image_shape: Sequence[int], hole: Sequence[int]) -> np.ndarray:
    """An `(H, W, 1)` float32 mask with a `hole`-sized block of ones in the centre.

    Example:
    >>> int(centre_mask((28, 28, 1), (14, 14)).sum())
    196
    """
    height, width = _image_size(image_shape)
    hole_height, hole_width = check_hole(image_shape, hole)
    top, left = (height - hole_height) // 2, (width - hole_width) // 2
    mask = np.zeros((height, width, 1), np.float32)
    mask[top : top + hole_height, left : left + hole_width] = 1.0
    return mask


def centre_masks(count, image_shape: Sequence[int], hole: Sequence[int]):
    """`(count, H, W, 1)` masks with a `hole`-sized block of ones in the centre (a tensor)."""
    return tf.tile(tf.constant(centre_mask(image_shape, hole))[None], [count, 1, 1, 1])


def random_box_masks(count, image_shape: Sequence[int], hole: Sequence[int], seed, num_boxes: int = 1):
    """`(count, H, W, 1)` masks of `num_boxes` boxes of up to `hole` size each, at random places.

    Each box has sides drawn from [half the hole's side, the hole's side];
    `seed` is a stateless seed pair (a shape-(2,) integer tensor).
    """
    height, width = _image_size(image_shape)
    hole_height, hole_width = check_hole(image_shape, hole)
    rows = tf.range(height, dtype=tf.int32)[None, :, None]
    columns = tf.range(width, dtype=tf.int32)[None, None, :]
    masks = tf.zeros((count, height, width), tf.bool)
    for box in range(num_boxes):
        draws = tf.random.stateless_uniform((4, count), seed=seed + box, dtype=tf.float32)
        box_height = tf.cast(tf.math.ceil(hole_height * (0.5 + 0.5 * draws[0])), tf.int32)
        box_width = tf.cast(tf.math.ceil(hole_width * (0.5 + 0.5 * draws[1])), tf.int32)
        top = tf.cast(draws[2] * tf.cast(height - box_height + 1, tf.float32), tf.int32)
        left = tf.cast(draws[3] * tf.cast(width - box_width + 1, tf.float32), tf.int32)
        inside_rows = (rows >= top[:, None, None]) & (rows < (top + box_height)[:, None, None])
        inside_columns = (columns >= left[:, None, None]) & (columns < (left + box_width)[:, None, None])
        masks = masks | (inside_rows & inside_columns)
    return tf.cast(masks, tf.float32)[..., None]


def apply_hole(images, masks, scale: Sequence[float] = TANH_RANGE):
    """The images with their missing pixels (mask 1) set to the middle of `scale`."""
    middle = 0.5 * (scale[0] + scale[1])
    return images * (1.0 - masks) + middle * masks


def pair_function(task: str, image_shape: Sequence[int], scale: Sequence[float] = TANH_RANGE, **options):
    """A function `(images, seed) -> batch` that makes one task's `(input, target)` batch.

    `seed` is a stateless seed pair; only random inpainting masks use it.

    Args:
        task: "edges", "superres" or "inpaint".
        image_shape: `(H, W, C)` of the images.
        scale: their pixel range.
        **options: the task's own: `threshold` (edges, default 0.15); `factor`
            (superres, default 4); `masks` ("centre" or "random"), `hole`
            (default half the image's sides) and `num_boxes` (random masks,
            default 1) for inpaint.
    """
    _check_task(task)
    allowed = {"edges": {"threshold"}, "superres": {"factor"}, "inpaint": {"masks", "hole", "num_boxes"}}[task]
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(f"The {task!r} task takes {sorted(allowed)}, not {unknown}.")
    if task == "edges":
        threshold = float(options.get("threshold", 0.15))
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold is a share of the largest gradient, in (0, 1), got {threshold}.")
        return lambda images, seed: (edge_maps(images, scale, threshold), images)
    if task == "superres":
        factor = check_factor(image_shape, options.get("factor", 4))
        return lambda images, seed: (downsample(images, factor), images)
    kind = options.get("masks", "centre")
    if kind not in MASK_KINDS:
        raise ValueError(f"masks must be one of {MASK_KINDS}, got {kind!r}.")
    hole = check_hole(image_shape, options.get("hole", (image_shape[0] // 2, image_shape[1] // 2)))
    num_boxes = options.get("num_boxes", 1)
    if isinstance(num_boxes, bool) or not isinstance(num_boxes, (int, np.integer)) or num_boxes < 1:
        raise ValueError(f"num_boxes must be an integer >= 1, got {num_boxes!r}.")

    def inpaint(images, seed):
        count = tf.shape(images)[0]
        if kind == "centre":
            masks = centre_masks(count, image_shape, hole)
        else:
            masks = random_box_masks(count, image_shape, hole, seed, num_boxes)
        return (apply_hole(images, masks, scale), masks), images

    return inpaint


def load_pairs(
    name: str,
    task: str,
    split: str = "train",
    batch_size: int = 64,
    scale: Sequence[float] = TANH_RANGE,
    shuffle: bool = True,
    seed: int | None = 0,
    limit: int | None = None,
    data_dir: str | None = None,
    drop_remainder: bool = False,
    repeat: bool = False,
    image_size: Sequence[int] | None = None,
    **task_options,
) -> tf.data.Dataset:
    """Loads a data set as batches of `(input, target)` pairs for an image-to-image task.

    The pairs are computed in the `tf.data` pipeline from the images `load`
    yields (same arguments, same shuffling). Random inpainting masks are drawn
    from `seed`: the same seed gives the same masks, and each epoch new ones.

    Args:
        name: any data set `keras_gen.data.load` knows.
        task: `"edges"` (edge map -> image), `"superres"` (low resolution ->
            image) or `"inpaint"` (`((image with hole, mask), image)`; mask 1 =
            missing pixel).
        split, batch_size, scale, shuffle, seed, limit, data_dir, drop_remainder, repeat, image_size:
            as for `keras_gen.data.load`.
        **task_options: `threshold=0.15` (edges); `factor=4` (superres; 2 or
            any divisor of the sides); `masks="centre"` or `"random"`,
            `hole=(H/2, W/2)`, `num_boxes=1` (inpaint).

    Example:
    >>> ds = keras_gen.data.load_pairs("fashion_mnist", task="superres", factor=4)
    >>> low, high = next(iter(ds))  # (64, 7, 7, 1) and (64, 28, 28, 1)
    """
    _check_task(task)
    image_shape = info(name).image_shape if image_size is None else (*image_size, info(name).image_shape[-1])
    make = pair_function(task, image_shape, validate_range(scale, argument="scale"), **task_options)
    ds = load(name, split=split, batch_size=batch_size, scale=scale, shuffle=shuffle, seed=seed, limit=limit,
              data_dir=data_dir, drop_remainder=drop_remainder, image_size=image_size)
    if task == "inpaint" and task_options.get("masks") == "random":
        # Batch i of this pipeline (counting across epochs) gets the stateless seed (seed, i): a
        # fresh pipeline with the same seed repeats the masks, and every epoch draws new ones.
        base = int(np.random.default_rng().integers(2**31)) if seed is None else int(seed)
        counter = tf.Variable(0, dtype=tf.int64, trainable=False)

        def with_seed(images):
            return make(images, tf.stack([tf.constant(base, tf.int64), counter.assign_add(1)]))

        ds = ds.map(with_seed)  # sequential: the counter follows the batch order
    else:
        ds = ds.map(lambda images: make(images, None), num_parallel_calls=tf.data.AUTOTUNE)
    if repeat:
        ds = ds.repeat()
    return ds.prefetch(tf.data.AUTOTUNE)


def make_pairs(
    images: np.ndarray, task: str, scale: Sequence[float] = TANH_RANGE, seed: int = 0, **task_options
):
    """`(inputs, targets)` of a task for a numpy batch of images, as numpy arrays.

    For inpainting, `inputs` is `(images with holes, masks)`.

    Example:
    >>> x, _ = keras_gen.data.load_numpy("fashion_mnist", "test", limit=8)
    >>> low, high = keras_gen.data.make_pairs(x, task="superres", factor=4)
    """
    images = np.asarray(images, np.float32)
    if images.ndim != 4:
        raise ValueError(f"make_pairs takes a batch of images (N, H, W, C), got shape {images.shape}.")
    make = pair_function(task, images.shape[1:], validate_range(scale, argument="scale"), **task_options)
    inputs, targets = make(tf.constant(images), tf.constant([seed, 0], tf.int64))
    to_numpy = lambda part: tuple(t.numpy() for t in part) if isinstance(part, tuple) else part.numpy()
    return to_numpy(inputs), to_numpy(targets)


def class_indices(name: str, classes, what: str) -> list[int]:
    """Class indices of `classes` (names or indices) of data set `name`; a clear error for unknown ones."""
    dataset_info = info(name)
    if dataset_info.num_classes is None:
        raise ValueError(f"'{name}' has no class labels, so {what} cannot name classes.")
    if isinstance(classes, (str, int, np.integer)):
        classes = [classes]
    names = list(dataset_info.class_names or [])
    indices = []
    for item in classes:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            if not 0 <= item < dataset_info.num_classes:
                raise ValueError(f"{what}: class index {item} is not in [0, {dataset_info.num_classes}).")
            indices.append(int(item))
        elif isinstance(item, str) and item.lower() in [n.lower() for n in names]:
            indices.append([n.lower() for n in names].index(item.lower()))
        else:
            raise ValueError(f"{what}: unknown class {item!r} of '{name}'; its classes are {names}.")
    if not indices:
        raise ValueError(f"{what} names no class; give at least one class name or index.")
    return indices


def load_unpaired(
    name: str,
    domain_a=None,
    domain_b=None,
    split: str = "train",
    batch_size: int = 64,
    scale: Sequence[float] = TANH_RANGE,
    shuffle: bool = True,
    seed: int | None = 0,
    limit: int | None = None,
    data_dir: str | None = None,
    drop_remainder: bool = False,
    repeat: bool = False,
    image_size: Sequence[int] | None = None,
) -> tf.data.Dataset:
    """Loads two image domains as batches of `(images_a, images_b)`, not paired with each other.

    Either two sets of classes of one labelled data set (`domain_a=["sandal"],
    domain_b=["sneaker"]`, names or indices), or, with both domains None, a
    data set with A and B splits such as TFDS' `cycle_gan/horse2zebra`
    (`split="train"` reads `trainA` and `trainB`; pass `image_size` for its
    varying-size images). The two domains are shuffled independently; an epoch
    ends with the smaller domain.

    Args:
        name: the data set.
        domain_a: classes of domain A (a name, an index or a list of them), or None.
        domain_b: classes of domain B, or None.
        split, batch_size, scale, shuffle, seed, limit, data_dir, drop_remainder, repeat, image_size:
            as for `keras_gen.data.load`;
            `limit` applies to each domain.

    Example:
    >>> ds = keras_gen.data.load_unpaired("fashion_mnist", domain_a=["sandal"], domain_b=["sneaker"])
    >>> sandals, sneakers = next(iter(ds))
    """
    common = {"batch_size": batch_size, "scale": scale, "shuffle": shuffle, "data_dir": data_dir,
              "drop_remainder": drop_remainder, "image_size": image_size}
    if domain_a is None and domain_b is None:
        splits = info(name).splits
        parts = [f"{split}A", f"{split}B"]
        if splits and any(part not in splits for part in parts):
            raise ValueError(
                f"'{name}' has no {parts[0]}/{parts[1]} splits (it has {list(splits)}); name the classes of "
                "each domain instead, e.g. domain_a=['sandal'], domain_b=['sneaker']."
            )
        domains = [load(name, split=part, seed=None if seed is None else seed + index, limit=limit, **common)
                   for index, part in enumerate(parts)]
    elif domain_a is None or domain_b is None:
        raise ValueError("Give both domain_a and domain_b (class names or indices), or neither (A/B splits).")
    else:
        if image_size is not None:
            raise ValueError("image_size resizes TFDS images of varying size; it does not apply to class domains.")
        images, labels = load_numpy(name, split, scale, None, data_dir)
        first, second = class_indices(name, domain_a, "domain_a"), class_indices(name, domain_b, "domain_b")
        if set(first) & set(second):
            raise ValueError(f"domain_a and domain_b share classes {sorted(set(first) & set(second))}; "
                             "the two domains must be different classes.")
        domains = []
        for index, classes in enumerate((first, second)):
            members = images[np.isin(labels, classes)][:limit]
            if len(members) == 0:
                raise ValueError(f"'{name}' split '{split}' has no images of the classes {classes}.")
            ds = tf.data.Dataset.from_tensor_slices(members)
            if shuffle:
                ds = ds.shuffle(len(members), seed=None if seed is None else seed + index,
                                reshuffle_each_iteration=True)
            domains.append(ds.batch(batch_size, drop_remainder=drop_remainder))
    ds = tf.data.Dataset.zip(tuple(domains))
    if repeat:
        ds = ds.repeat()
    return ds.prefetch(tf.data.AUTOTUNE)
