"""The built-in data sets: Fashion-MNIST, MNIST (IDX files), scikit-learn's digits, sample-image patches.

The IDX data sets are searched for, in order, in: the `data_dir` argument,
`$KERAS_GEN_DATA`, the Debian package path (/usr/share/datasets/<name>), Keras'
download cache, and finally downloaded with `keras.datasets.<name>.load_data()`.
A directory matches when it (or its `fashion-mnist` / `fashion_mnist` subfolder)
holds the split's two IDX files, gzip-compressed or not.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable

import numpy as np

from keras_gen.data import fashion_captions, video, voxels
from keras_gen.data.conditions import Condition
from keras_gen.data.idx import read_idx
from keras_gen.data.registry import DatasetNotFoundError, register

DATA_ENV_VAR = "KERAS_GEN_DATA"
DEBIAN_DATA_ROOT = "/usr/share/datasets"

# Split name -> file name prefix used by the MNIST family ("t10k" is the test set).
IDX_SPLIT_PREFIXES = {"train": "train", "test": "t10k"}

FASHION_MNIST_CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

DIGITS_SPLIT_SEED = 0
DIGITS_TRAIN_FRACTION = 0.8


@dataclasses.dataclass(frozen=True)
class IdxDataset:
    """Where an MNIST-like data set's IDX files may live and how to download it."""

    title: str
    folder_names: tuple[str, ...]
    keras_module: str
    keras_npz: str | None = None
    debian_package: str | None = None


FASHION_MNIST = IdxDataset(
    title="Fashion-MNIST",
    folder_names=("fashion-mnist", "fashion_mnist"),
    keras_module="fashion_mnist",
    debian_package="dataset-fashion-mnist",
)
MNIST = IdxDataset(
    title="MNIST",
    folder_names=("mnist",),
    keras_module="mnist",
    keras_npz="mnist.npz",
)


def keras_cache_dir() -> str:
    """Keras' download cache for data sets: `$KERAS_HOME/datasets` or `~/.keras/datasets`."""
    home = os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras"
    )
    return os.path.join(home, "datasets")


def idx_file_names(split: str) -> tuple[list[str], list[str]]:
    """Accepted file names of a split's images and labels, preferred first.

    Example:
    >>> idx_file_names("test")[1][0]
    't10k-labels-idx1-ubyte.gz'
    """
    prefix = IDX_SPLIT_PREFIXES[split]

    def variants(kind: str, rank: int) -> list[str]:
        # Besides the standard "train-images-idx3-ubyte", some mirrors use a dot.
        stems = [f"{prefix}-{kind}-idx{rank}-ubyte", f"{prefix}-{kind}.idx{rank}-ubyte"]
        return [stem + ext for stem in stems for ext in (".gz", "")]

    return variants("images", 3), variants("labels", 1)


def find_idx_files(directory: str, split: str) -> tuple[str, str] | None:
    """Returns the split's `(images_path, labels_path)` in `directory`, or None."""
    image_names, label_names = idx_file_names(split)
    found = []
    for names in (image_names, label_names):
        paths = [os.path.join(directory, n) for n in names]
        existing = [p for p in paths if os.path.isfile(p)]
        if not existing:
            return None
        found.append(existing[0])
    return found[0], found[1]


def search_places(
    dataset: IdxDataset, data_dir: str | None
) -> list[tuple[str, str | None]]:
    """Lists `(description, directory)` in search order; directory None when unset."""
    places: list[tuple[str, str | None]] = []
    for description, root in (
        ("data_dir argument", data_dir),
        (f"${DATA_ENV_VAR}", os.environ.get(DATA_ENV_VAR) or None),
    ):
        if root is None:
            places.append((f"{description}: not set", None))
            continue
        root = os.path.expanduser(os.fspath(root))
        places.append((description, root))
        places.extend(
            (description, os.path.join(root, f)) for f in dataset.folder_names
        )
    debian = (
        f"Debian package {dataset.debian_package}"
        if dataset.debian_package
        else "Debian path"
    )
    places.append((debian, os.path.join(DEBIAN_DATA_ROOT, dataset.folder_names[0])))
    places.append(
        ("Keras cache", os.path.join(keras_cache_dir(), dataset.folder_names[0]))
    )
    return places


def read_idx_split(images_path: str, labels_path: str) -> tuple[np.ndarray, np.ndarray]:
    """Reads an images/labels IDX pair and checks that their lengths agree."""
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"{images_path} has shape {images.shape} and {labels_path} has shape "
            f"{labels.shape}; expected (N, H, W) images and (N,) labels with the same N. "
            "The two files belong to different data sets or splits."
        )
    return images, labels


def _download_with_keras(
    dataset: IdxDataset, split: str
) -> tuple[np.ndarray, np.ndarray]:
    import keras

    load_data = getattr(keras.datasets, dataset.keras_module).load_data
    train, test = load_data()
    return train if split == "train" else test


def not_found_message(dataset: IdxDataset, split: str, looked: list[str]) -> str:
    """Lists every place searched and the ways to get the files."""
    image_names, label_names = idx_file_names(split)
    how = []
    if dataset.debian_package:
        how.append(
            f"install the Debian package: sudo apt-get install {dataset.debian_package}"
        )
    how += [
        (
            f"put the IDX files in a directory and set {DATA_ENV_VAR}=/that/directory "
            f"(a {dataset.folder_names[0]}/ subfolder of it works too)"
        ),
        "or pass data_dir='/that/directory' to keras_gen.data.load",
        "or connect to the internet so Keras can download the files",
    ]
    return (
        f"Could not find the {dataset.title} '{split}' files ({image_names[0]} and "
        f"{label_names[0]}, .gz or uncompressed). Looked in:\n"
        + "".join(f"  - {place}\n" for place in looked)
        + "To get the data:\n"
        + "".join(f"  - {step}\n" for step in how)
    )


def load_idx_dataset(
    dataset: IdxDataset, split: str, data_dir: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Finds and reads an MNIST-like split as `(uint8 images (N, H, W), labels (N,))`."""
    looked = []
    for description, directory in search_places(dataset, data_dir):
        if directory is None:
            looked.append(description)
            continue
        paths = find_idx_files(directory, split)
        if paths is not None:
            return read_idx_split(*paths)
        looked.append(f"{directory} ({description})")
    if dataset.keras_npz:
        npz_path = os.path.join(keras_cache_dir(), dataset.keras_npz)
        if os.path.isfile(npz_path):
            with np.load(npz_path) as arrays:
                return arrays[f"x_{split}"], arrays[f"y_{split}"]
        looked.append(f"{npz_path} (Keras cache)")
    try:
        return _download_with_keras(dataset, split)
    # Keras raises a bare Exception ("URL fetch failure") when offline, so catch broadly;
    # the cause stays attached with `from`.
    except Exception as err:
        looked.append(
            f"download with keras.datasets.{dataset.keras_module}.load_data() failed: {err}"
        )
        raise DatasetNotFoundError(not_found_message(dataset, split, looked)) from err


def digits_split_indices(num_examples: int, split: str) -> np.ndarray:
    """The fixed 80/20 train/test split of the digits data set, as sorted indices.

    A permutation from `np.random.RandomState(DIGITS_SPLIT_SEED)` (whose stream
    NumPy keeps stable) is cut at 80%; the first part is "train".

    Example:
    >>> len(digits_split_indices(1797, "train")), len(digits_split_indices(1797, "test"))
    (1437, 360)
    """
    order = np.random.RandomState(DIGITS_SPLIT_SEED).permutation(num_examples)
    num_train = int(DIGITS_TRAIN_FRACTION * num_examples)
    part = order[:num_train] if split == "train" else order[num_train:]
    return np.sort(part)


def load_digits_split(
    split: str, data_dir: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits for `split` as 8-bit images; `data_dir` is ignored.

    The data set's 17 grey levels (0..16) are mapped to round(v * 255 / 16), so
    that, like every built-in data set, its pixels are 8-bit values (models of
    discrete pixels, such as PixelCNN, need that).
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    indices = digits_split_indices(len(digits.images), split)
    images = np.round(digits.images[indices, :, :, None] * (255.0 / 16.0)).astype(np.uint8)
    return images, digits.target[indices]


# scikit-image's bundled colour photographs, cut into patches: the offline colour data set.
# The test split is a photograph the training patches never saw.
PATCH_SOURCES = {
    "train": ("chelsea", "coffee", "rocket", "immunohistochemistry", "hubble_deep_field"),
    "test": ("astronaut",),
}
PATCH_SIZE = 32


def image_patches(image: np.ndarray, size: int = PATCH_SIZE) -> np.ndarray:
    """The non-overlapping `size` x `size` patches of an `(H, W, C)` image, row by row.

    Example:
    >>> image_patches(np.zeros((64, 96, 3), np.uint8)).shape
    (6, 32, 32, 3)
    """
    rows, columns = image.shape[0] // size, image.shape[1] // size
    cropped = image[: rows * size, : columns * size]
    patches = cropped.reshape(rows, size, columns, size, image.shape[2]).swapaxes(1, 2)
    return patches.reshape(rows * columns, size, size, image.shape[2])


def load_sample_patches(split: str, data_dir: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """32x32 RGB patches of scikit-image's bundled colour photographs; labels say which photograph.

    Training patches come from five photographs (a cat, coffee, a rocket, a
    stained tissue, the Hubble deep field), test patches from a sixth (the
    astronaut). Works offline: the photographs ship with scikit-image.
    """
    from skimage import data

    images, labels = [], []
    for name in PATCH_SOURCES[split]:
        patches = image_patches(np.asarray(getattr(data, name)())[..., :3])
        images.append(patches)
        labels.append(np.full(len(patches), SAMPLE_PHOTOGRAPHS.index(name), np.int32))
    return np.concatenate(images), np.concatenate(labels)


SAMPLE_PHOTOGRAPHS = PATCH_SOURCES["train"] + PATCH_SOURCES["test"]


def _idx_loader(
    dataset: IdxDataset,
) -> Callable[[str, str | None], tuple[np.ndarray, np.ndarray]]:
    def loader(
        split: str, data_dir: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        return load_idx_dataset(dataset, split, data_dir)

    loader.__name__ = f"load_{dataset.keras_module}"
    return loader


def register_builtins() -> None:
    """Registers "fashion_mnist", "mnist", "digits", "sample_patches", "fashion_captions", "fashion_scenes",
    "moving_fashion_mnist" and "voxel_shapes"."""
    register(
        "fashion_mnist",
        _idx_loader(FASHION_MNIST),
        (28, 28, 1),
        10,
        FASHION_MNIST_CLASS_NAMES,
        overwrite=True,
    )
    register(
        "mnist",
        _idx_loader(MNIST),
        (28, 28, 1),
        10,
        tuple("0123456789"),
        overwrite=True,
    )
    register(
        "digits",
        load_digits_split,
        (8, 8, 1),
        10,
        tuple("0123456789"),
        value_range=(0.0, 255.0),
        overwrite=True,
    )
    register(
        "sample_patches",
        load_sample_patches,
        (PATCH_SIZE, PATCH_SIZE, 3),
        len(SAMPLE_PHOTOGRAPHS),
        SAMPLE_PHOTOGRAPHS,
        overwrite=True,
    )
    conditions = fashion_captions.fashion_conditions()
    for name, scenes in (("fashion_captions", False), ("fashion_scenes", True)):
        register(
            name,
            fashion_captions.fashion_loader(_idx_loader(FASHION_MNIST), scenes=scenes),
            (28, 28, 1),
            10,
            FASHION_MNIST_CLASS_NAMES,
            splits=fashion_captions.SPLITS,
            overwrite=True,
            conditions={**conditions, "mask": Condition.layout((28, 28), 2)} if scenes else conditions,
        )
    register(
        "moving_fashion_mnist",
        video.moving_fashion_mnist_loader(_idx_loader(FASHION_MNIST)),
        None,
        10,
        FASHION_MNIST_CLASS_NAMES,
        overwrite=True,
        example_shape=video.MOVING_FASHION_MNIST_SHAPE,
        kind="videos",
    )
    register(
        "voxel_shapes",
        voxels.load_voxel_shapes,
        None,
        len(voxels.VOXEL_CLASSES),
        voxels.VOXEL_CLASSES,
        value_range=(0.0, 1.0),
        overwrite=True,
        example_shape=(voxels.VOXEL_SIZE,) * 3 + (1,),
        kind="voxels",
        revision=voxels.VOXEL_SHAPES_REVISION,
    )
