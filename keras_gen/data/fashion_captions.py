"""Conditions measured on Fashion-MNIST's pixels: attributes, their words, captions and a layout.

Fashion-MNIST has one label per image. The conditional families that draw from
a sentence, an attribute vector or a scene layout need more, so keras_gen
measures it on the pixels, with no annotator and nothing random but a fixed
seed:

- a garment pixel is one above 10 % of the pixel range (`GARMENT_THRESHOLD`);
- `fashion_attributes`: `brightness`, the mean garment intensity, and `size`,
  the garment's share of the image's pixels, both in [0, 1];
- `fashion_attribute_words`: "dark"/"grey"/"light" and "small"/"medium"/"large",
  split at each class's terciles of the full train split (`FASHION_TERCILES`,
  measured once and fixed here, so the words of an image never change);
- `fashion_caption_texts`: a sentence from one of `CAPTION_TEMPLATES`, e.g.
  "a large dark ankle boot" or "this sandal is small and light";
- `fashion_layout`: a 7×7 map of 4×4 cells, 0 where fewer than half the cell's
  pixels are garment, else 1 (darker) or 2 (lighter) by the cell's garment mean
  against the image's garment median.

`FASHION_CAPTIONS_HELDOUT` lists, per class, the (brightness, size) word pair
kept out of training, to test whether a model composes words it saw apart.
"""

import string

import numpy as np

from keras_gen.data.conditions import Condition
from keras_gen.data.preprocessing import validate_range

GARMENT_THRESHOLD = 0.1
CLASS_WORDS = ("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot")
BRIGHTNESS_WORDS = ("dark", "grey", "light")
SIZE_WORDS = ("small", "medium", "large")
# Per class: (brightness terciles, size terciles) of the 60,000 train images, measured with
# fashion_attributes on load_numpy("fashion_mnist", "train", scale=(0, 1)) and rounded to 4 places.
FASHION_TERCILES = (
    ((0.5226, 0.7259), (0.5166, 0.5663)),
    ((0.6312, 0.7515), (0.3048, 0.3329)),
    ((0.5267, 0.7420), (0.5765, 0.6429)),
    ((0.5978, 0.7610), (0.3533, 0.4260)),
    ((0.6555, 0.7704), (0.5434, 0.6020)),
    ((0.4714, 0.5692), (0.2066, 0.2844)),
    ((0.4623, 0.6886), (0.5497, 0.6224)),
    ((0.5344, 0.6335), (0.2615, 0.3048)),
    ((0.6261, 0.7294), (0.4872, 0.5816)),
    ((0.6578, 0.7384), (0.3992, 0.4656)),
)
# One (class, brightness, size) cell per class, drawn once with np.random.default_rng(2016)
# (cell k = BRIGHTNESS_WORDS[k // 3], SIZE_WORDS[k % 3]).
FASHION_CAPTIONS_HELDOUT = (
    ("t-shirt", "dark", "medium"),
    ("trouser", "light", "large"),
    ("pullover", "grey", "large"),
    ("dress", "grey", "small"),
    ("coat", "grey", "large"),
    ("sandal", "dark", "large"),
    ("shirt", "dark", "large"),
    ("sneaker", "grey", "small"),
    ("bag", "light", "small"),
    ("ankle boot", "light", "small"),
)
CAPTION_TEMPLATES = (
    "a {size} {brightness} {garment}",
    "this {garment} is {size} and {brightness}",
    "a {brightness} {garment} of {size} size",
    "a {garment} that is {brightness} and {size}",
)
MAX_CAPTION_LENGTH = 12
CELL = 4
LAYOUT_REGIONS = 3


def _unit_images(images, scale, what):
    """Images `(n, H, W)` or `(n, H, W, 1)` mapped to [0, 1], after checking them."""
    low, high = validate_range(scale)
    images = np.asarray(images, "float32")
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(f"{what} takes grayscale images (n, H, W) or (n, H, W, 1), got shape {images.shape}.")
    if not np.all(np.isfinite(images)):
        raise ValueError(f"{what}: the images contain NaN or inf.")
    slack = 1e-4 * (high - low)
    if images.size and (images.min() < low - slack or images.max() > high + slack):
        raise ValueError(f"{what}: pixels lie in [{images.min():g}, {images.max():g}], outside scale=({low:g}, "
                         f"{high:g}); pass the scale the images are in.")
    return (images - low) / (high - low)


def fashion_attributes(images, scale=(-1, 1)):
    """`{"brightness": (n,), "size": (n,)}`, both in [0, 1], measured on garment pixels.

    Example:
    >>> images, _ = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(-1, 1))
    >>> fashion_attributes(images[:2])["size"].shape
    (2,)
    """
    unit = _unit_images(images, scale, "fashion_attributes")
    garment = unit > GARMENT_THRESHOLD
    count = garment.sum(axis=(1, 2))
    brightness = np.where(count > 0, (unit * garment).sum(axis=(1, 2)) / np.maximum(count, 1), 0.0)
    return {"brightness": brightness.astype("float32"),
            "size": (count / (unit.shape[1] * unit.shape[2])).astype("float32")}


def _check_labels(labels, count):
    labels = np.asarray(labels)
    if labels.shape != (count,) or labels.dtype.kind not in "iu":
        raise ValueError(f"Pass one integer Fashion-MNIST class per image: shape ({count},), got {labels.shape} "
                         f"of {labels.dtype}.")
    if count and (labels.min() < 0 or labels.max() >= len(CLASS_WORDS)):
        raise ValueError(f"Fashion-MNIST classes lie in [0, 10); got [{labels.min()}, {labels.max()}].")
    return labels


def fashion_attribute_words(attributes, labels):
    """`(brightness_words, size_words)`: each a list with a word per image, split at the class's terciles.

    Example:
    >>> fashion_attribute_words({"brightness": [0.3], "size": [0.9]}, [9])
    (['dark'], ['large'])
    """
    if not isinstance(attributes, dict) or set(attributes) != {"brightness", "size"}:
        raise ValueError("fashion_attribute_words takes fashion_attributes(images)'s dict "
                         "{'brightness': ..., 'size': ...}.")
    brightness = np.asarray(attributes["brightness"], "float32")
    size = np.asarray(attributes["size"], "float32")
    if brightness.ndim != 1 or brightness.shape != size.shape:
        raise ValueError(f"brightness and size must be (n,) each, got {brightness.shape} and {size.shape}.")
    labels = _check_labels(labels, len(brightness))
    terciles = np.asarray(FASHION_TERCILES, "float32")[labels]  # (n, 2 attributes, 2 boundaries)
    brightness_bins = (brightness[:, None] >= terciles[:, 0]).sum(axis=1)
    size_bins = (size[:, None] >= terciles[:, 1]).sum(axis=1)
    return [BRIGHTNESS_WORDS[b] for b in brightness_bins], [SIZE_WORDS[s] for s in size_bins]


def caption_condition():
    """The `Condition.tokens` of `fashion_captions`: every word the templates can write."""
    literals = [literal for template in CAPTION_TEMPLATES for literal, *_ in string.Formatter().parse(template)]
    words = []
    for text in (*literals, *CLASS_WORDS, *BRIGHTNESS_WORDS, *SIZE_WORDS):
        words += [word for word in text.split() if word not in words]
    return Condition.tokens(words, MAX_CAPTION_LENGTH)


def fashion_caption_texts(images, labels, scale=(-1, 1), seed=0):
    """A caption per image, from a template chosen per image with `seed`.

    Example:
    >>> images, labels = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(-1, 1))
    >>> len(fashion_caption_texts(images[:3], labels[:3]))
    3
    """
    brightness, size = fashion_attribute_words(fashion_attributes(images, scale), labels)
    return _captions_of_words(brightness, size, labels, seed)


def _captions_of_words(brightness, size, labels, seed):
    """A caption per image from its words, each from a template chosen with `seed`."""
    labels = np.asarray(labels)
    templates = np.random.default_rng(seed).integers(0, len(CAPTION_TEMPLATES), size=len(labels))
    return [CAPTION_TEMPLATES[t].format(size=s, brightness=b, garment=CLASS_WORDS[c])
            for t, b, s, c in zip(templates, brightness, size, labels, strict=True)]


def fashion_layout(images, scale=(-1, 1)):
    """Region ids `(n, H/4, W/4)` int32: 0 background, 1 a darker garment cell, 2 a lighter one.

    A 4x4 cell is garment when at least half its pixels are; it is darker when the
    mean of its garment pixels lies below the median of the image's garment pixels.

    Example:
    >>> images, _ = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(-1, 1))
    >>> fashion_layout(images[:2]).shape
    (2, 7, 7)
    """
    unit = _unit_images(images, scale, "fashion_layout")
    count, height, width = unit.shape
    if height % CELL or width % CELL:
        raise ValueError(f"fashion_layout takes images whose sides are multiples of {CELL}, got {height}x{width}.")
    garment = unit > GARMENT_THRESHOLD
    median = garment_medians(unit, garment)
    cells = (count, height // CELL, CELL, width // CELL, CELL)
    garment_cells = garment.reshape(cells).sum(axis=(2, 4))
    garment_sums = (unit * garment).reshape(cells).sum(axis=(2, 4))
    is_garment = garment_cells * 2 >= CELL * CELL
    # A cell at the median is lighter, with a margin that keeps float rounding (the same
    # pixels given in another scale) from flipping ties.
    lighter = garment_sums / np.maximum(garment_cells, 1) >= median[:, None, None] - 1e-5
    return np.where(is_garment, np.where(lighter, 2, 1), 0).astype("int32")


def garment_medians(unit, garment):
    """`np.median(image[mask])` of every image `(n, H, W)` float32 at once (0 for an image without garment
    pixels): the middle of each image's sorted garment pixels, or the mean of the two middle ones, in float32
    as `np.median` computes it (a loop over 60,000 images took 3 s)."""
    count = len(unit)
    ordered = np.sort(np.where(garment, unit, np.inf).reshape(count, -1), axis=1)
    sizes = garment.reshape(count, -1).sum(axis=1)
    rows = np.arange(count)
    low, high = ordered[rows, np.maximum(sizes - 1, 0) // 2], ordered[rows, sizes // 2 - (sizes == 0)]
    return np.where(sizes > 0, (low + high) / np.float32(2), np.float32(0)).astype("float32")


def layout_condition(shape=(7, 7)):
    """The `Condition.layout` of `fashion_layout`'s maps."""
    return Condition.layout(shape, LAYOUT_REGIONS)


# --- the fashion_captions and fashion_scenes data sets ------------------------------------
ATTRIBUTE_NAMES = ("t_shirt_top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
                   "ankle_boot", "brightness", "size")
MULTI_HOT_NAMES = (*ATTRIBUTE_NAMES[:10], *BRIGHTNESS_WORDS, *SIZE_WORDS)
CAPTION_SEEDS = {"train": 0, "test": 1, "heldout": 1}  # heldout images are test images: the same captions
SPLITS = ("train", "test", "heldout")
# Scenes: train and test backgrounds come from different photographs bundled with scikit-image.
SCENE_PHOTOGRAPHS = {"train": ("camera", "coins", "moon", "grass", "brick", "clock"),
                     "test": ("gravel", "page", "cell")}
SCENE_ZOOM = 4  # a 112x112 crop, averaged down to 28x28: a scene, not a patch of texture


def fashion_conditions():
    """`{name: Condition}` of `fashion_captions` (and, with `"mask"`, of `fashion_scenes`)."""
    return {
        "captions": caption_condition(),
        "attributes": Condition.attributes(ATTRIBUTE_NAMES),
        "multi_hot": Condition.multi_hot(MULTI_HOT_NAMES),
        "layout": layout_condition(),
    }


def heldout_cells(brightness_words, size_words, labels):
    """A boolean per image: its (class, brightness, size) cell is in `FASHION_CAPTIONS_HELDOUT`."""
    cells = set(FASHION_CAPTIONS_HELDOUT)
    return np.array([(CLASS_WORDS[label], b, s) in cells
                     for label, b, s in zip(labels, brightness_words, size_words, strict=True)], bool)


def measured_conditions(images, labels, scale, seed):
    """Every condition of `fashion_captions` for `images`, and whether each image is in a held-out cell."""
    labels = np.asarray(labels).astype("int32")
    attributes = fashion_attributes(images, scale)
    brightness, size = fashion_attribute_words(attributes, labels)
    words = np.array([[BRIGHTNESS_WORDS.index(b), 3 + SIZE_WORDS.index(s)] for b, s in zip(brightness, size,
                                                                                         strict=True)])
    multi_hot = np.zeros((len(labels), len(MULTI_HOT_NAMES)), "float32")
    multi_hot[np.arange(len(labels)), labels] = 1.0
    multi_hot[np.arange(len(labels))[:, None], 10 + words] = 1.0
    attribute_values = np.concatenate(
        [multi_hot[:, :10], attributes["brightness"][:, None], attributes["size"][:, None]], axis=1)
    texts = _captions_of_words(brightness, size, labels, seed)
    values = {"captions": caption_condition().tokenize(texts), "attributes": attribute_values,
              "multi_hot": multi_hot, "layout": fashion_layout(images, scale)}
    return values, heldout_cells(brightness, size, labels)


def scene_backgrounds(count, split, seed=0):
    """`count` grey 28x28 backgrounds, uint8: random crops of the split's photographs, zoomed out."""
    from skimage import data

    photographs = [np.asarray(getattr(data, name)(), "float32") for name in SCENE_PHOTOGRAPHS[split]]
    rng = np.random.default_rng(seed)
    side = 28 * SCENE_ZOOM
    backgrounds = np.empty((count, 28, 28), "float32")
    choices = rng.integers(0, len(photographs), size=count)
    for index, choice in enumerate(choices):
        photograph = photographs[choice]
        top = rng.integers(0, photograph.shape[0] - side + 1)
        left = rng.integers(0, photograph.shape[1] - side + 1)
        crop = photograph[top:top + side, left:left + side]
        backgrounds[index] = crop.reshape(28, SCENE_ZOOM, 28, SCENE_ZOOM).mean(axis=(1, 3))
    return np.round(backgrounds).astype("uint8")


def fashion_loader(fashion_mnist_loader, scenes=False):
    """The loader of `fashion_captions` (or, with `scenes`, `fashion_scenes`) over Fashion-MNIST's loader.

    Splits: `train` without the held-out cells, `test` the test images of the
    seen cells, `heldout` the test images of the held-out cells. Scenes paste
    each garment's pixels on a background; their `mask` is the garment.
    """
    cache = {}

    def loader(split, data_dir=None):
        if split not in SPLITS:
            raise ValueError(f"Unknown split {split!r}; choose one of {list(SPLITS)}.")
        source = "train" if split == "train" else "test"
        if (source, data_dir) not in cache:
            images, labels = fashion_mnist_loader(source, data_dir)
            images = np.asarray(images).reshape(len(images), 28, 28)
            values, heldout = measured_conditions(images, labels, (0, 255), CAPTION_SEEDS[source])
            if scenes:
                garment = images > GARMENT_THRESHOLD * 255
                backgrounds = scene_backgrounds(len(images), source, seed=CAPTION_SEEDS[source])
                images = np.where(garment, images, backgrounds).astype("uint8")
                values["mask"] = garment.astype("int32")
            cache[(source, data_dir)] = images, np.asarray(labels).astype("int32"), values, heldout
        images, labels, values, heldout = cache[(source, data_dir)]
        keep = heldout if split == "heldout" else ~heldout
        return images[keep], labels[keep], {name: array[keep] for name, array in values.items()}

    loader.__name__ = "load_fashion_scenes" if scenes else "load_fashion_captions"
    return loader
