"""Tests for load / load_numpy on the built-in and registered data sets."""

import gzip
import os

import keras
import numpy as np
import pytest

import keras_gen.data
from keras_gen.data import DatasetNotFoundError, builtin, write_idx

DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
needs_debian_files = pytest.mark.skipif(
    not os.path.isfile(f"{DEBIAN_FASHION_MNIST}/t10k-images-idx3-ubyte.gz"),
    reason="needs the Debian package dataset-fashion-mnist",
)


class OfflineError(Exception):
    """Stands in for the bare Exception Keras raises when a download fails."""


def offline_download():
    raise OfflineError("URL fetch failure on https://storage.googleapis.com")


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """No data anywhere: no env var, empty Debian root and Keras cache, no network."""
    monkeypatch.delenv(builtin.DATA_ENV_VAR, raising=False)
    monkeypatch.setattr(builtin, "DEBIAN_DATA_ROOT", str(tmp_path / "debian"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", offline_download)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline_download)
    return tmp_path


def write_tiny_idx_set(directory, compress=True, num_train=12, num_test=5):
    """Writes MNIST-style IDX files with known pixels; returns the train images."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    ext = ".gz" if compress else ""
    split_images = {}
    for prefix, count in [("train", num_train), ("t10k", num_test)]:
        images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
        images[0, 0, :2] = 0, 255
        labels = np.arange(count, dtype=np.uint8) % 10
        write_idx(directory / f"{prefix}-images-idx3-ubyte{ext}", images)
        write_idx(directory / f"{prefix}-labels-idx1-ubyte{ext}", labels)
        split_images[prefix] = images
    return split_images["train"]


@needs_debian_files
def test_debian_fashion_mnist_matches_independent_read(monkeypatch):
    monkeypatch.delenv(builtin.DATA_ENV_VAR, raising=False)
    x_train, y_train = keras_gen.data.load_numpy("fashion_mnist", split="train")
    x_test, y_test = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(0, 1))
    assert x_train.shape == (60000, 28, 28, 1) and x_test.shape == (10000, 28, 28, 1)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int32
    assert (x_train.min(), x_train.max()) == (-1.0, 1.0)
    assert (x_test.min(), x_test.max()) == (0.0, 1.0)
    assert set(np.unique(y_train)) == set(range(10)) and len(y_test) == 10000

    with gzip.open(f"{DEBIAN_FASHION_MNIST}/t10k-images-idx3-ubyte.gz") as f:
        raw = np.frombuffer(f.read(), np.uint8, offset=16).reshape(10000, 28, 28)
    with gzip.open(f"{DEBIAN_FASHION_MNIST}/t10k-labels-idx1-ubyte.gz") as f:
        raw_labels = np.frombuffer(f.read(), np.uint8, offset=8)
    for n, i, j in [(0, 14, 14), (9999, 10, 20), (123, 27, 0)]:
        assert x_test[n, i, j, 0] == np.float32(raw[n, i, j]) / np.float32(255)
    np.testing.assert_array_equal(y_test, raw_labels)


def test_info_and_available():
    assert {"fashion_mnist", "mnist", "digits"} <= set(keras_gen.data.available())
    fashion = keras_gen.data.info("fashion_mnist")
    assert fashion.image_shape == (28, 28, 1) and fashion.num_classes == 10
    assert fashion.class_names[0] == "T-shirt/top"
    assert fashion.class_names[9] == "Ankle boot"
    assert fashion.splits == ("train", "test")
    assert keras_gen.data.info("digits").image_shape == (8, 8, 1)


def test_load_from_data_dir_gz_and_plain(nowhere):
    for compress in [True, False]:
        user_dir = nowhere / f"user_{compress}"
        train = write_tiny_idx_set(user_dir, compress=compress)
        x, y = keras_gen.data.load_numpy(
            "fashion_mnist", data_dir=str(user_dir), scale=(0, 1)
        )
        assert x.shape == (12, 28, 28, 1)
        assert y.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
        np.testing.assert_array_equal(x[..., 0], train / np.float32(255))
        x_test, _ = keras_gen.data.load_numpy(
            "fashion_mnist", "test", data_dir=user_dir
        )
        assert x_test.shape == (5, 28, 28, 1)


def test_load_from_env_var_and_its_subfolders(nowhere, monkeypatch):
    for count, subfolder in enumerate(["", "fashion-mnist", "fashion_mnist"], start=2):
        root = nowhere / f"env{count}"
        write_tiny_idx_set(root / subfolder, num_train=count)
        monkeypatch.setenv(builtin.DATA_ENV_VAR, str(root))
        x, _ = keras_gen.data.load_numpy("fashion_mnist")
        assert x.shape == (count, 28, 28, 1) and (x.min(), x.max()) == (-1.0, 1.0)


def test_data_dir_comes_before_env_var(nowhere, monkeypatch):
    write_tiny_idx_set(nowhere / "env", num_train=7)
    write_tiny_idx_set(nowhere / "arg", num_train=3)
    monkeypatch.setenv(builtin.DATA_ENV_VAR, str(nowhere / "env"))
    x, _ = keras_gen.data.load_numpy("fashion_mnist", data_dir=str(nowhere / "arg"))
    assert len(x) == 3


def test_keras_cache_and_mnist_subfolder(nowhere, monkeypatch):
    cache = nowhere / "keras_home" / "datasets" / "fashion-mnist"
    write_tiny_idx_set(cache, num_train=4)
    assert len(keras_gen.data.load_numpy("fashion_mnist")[0]) == 4
    write_tiny_idx_set(nowhere / "env" / "mnist", num_train=6)
    monkeypatch.setenv(builtin.DATA_ENV_VAR, str(nowhere / "env"))
    assert len(keras_gen.data.load_numpy("mnist")[0]) == 6


def test_keras_download_is_the_last_resort(nowhere, monkeypatch):
    images = np.full((3, 28, 28), 255, np.uint8)
    labels = np.array([1, 2, 3], np.uint8)
    splits = ((images, labels), (images[:1], labels[:1]))
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", lambda: splits)
    x, y = keras_gen.data.load_numpy("fashion_mnist", scale=(0, 1))
    assert x.shape == (3, 28, 28, 1) and np.all(x == 1.0) and y.tolist() == [1, 2, 3]


def test_not_found_lists_every_place_and_remedy(nowhere, monkeypatch):
    monkeypatch.setenv(builtin.DATA_ENV_VAR, str(nowhere / "env_empty"))
    with pytest.raises(DatasetNotFoundError) as caught:
        keras_gen.data.load_numpy("fashion_mnist", data_dir=str(nowhere / "arg_empty"))
    assert isinstance(caught.value, FileNotFoundError)
    message = str(caught.value)
    for expected in [
        str(nowhere / "arg_empty"),
        str(nowhere / "env_empty" / "fashion_mnist"),
        str(nowhere / "debian" / "fashion-mnist"),
        str(nowhere / "keras_home" / "datasets" / "fashion-mnist"),
        "URL fetch failure",
        "apt-get install dataset-fashion-mnist",
        "KERAS_GEN_DATA=",
        "data_dir=",
        "internet",
    ]:
        assert expected in message


def test_not_found_mnist_mentions_keras_npz(nowhere):
    pattern = r"(?s)\$KERAS_GEN_DATA: not set.*mnist\.npz.*internet"
    with pytest.raises(DatasetNotFoundError, match=pattern):
        keras_gen.data.load_numpy("mnist", split="test")


def test_corrupt_file_is_an_error_not_skipped(nowhere):
    write_tiny_idx_set(nowhere / "user")
    (nowhere / "user" / "train-labels-idx1-ubyte.gz").write_bytes(b"\x00\x00\x08junk")
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte.gz"):
        keras_gen.data.load_numpy("fashion_mnist", data_dir=str(nowhere / "user"))


def test_digits_split_is_fixed_and_scaled():
    x_train, y_train = keras_gen.data.load_numpy("digits", scale=(0, 1))
    x_test, y_test = keras_gen.data.load_numpy("digits", split="test")
    assert x_train.shape == (1437, 8, 8, 1) and x_test.shape == (360, 8, 8, 1)
    assert (x_train.min(), x_train.max()) == (0.0, 1.0)
    assert (x_test.min(), x_test.max()) == (-1.0, 1.0)
    assert set(np.unique(y_train)) == set(range(10)) and y_test.dtype == np.int32
    again, _ = keras_gen.data.load_numpy("digits", scale=(0, 1))
    np.testing.assert_array_equal(x_train, again)
    # 8-bit like every built-in data set: the 17 grey levels v map to round(v * 255 / 16) / 255.
    from sklearn.datasets import load_digits

    levels = np.round(x_train * 255)
    np.testing.assert_allclose(x_train * 255, levels, atol=1e-3)
    assert set(np.unique(levels)) == set(np.round(np.arange(17) * 255 / 16))
    first = keras_gen.data.builtin.digits_split_indices(1797, "train")[0]
    np.testing.assert_array_equal(levels[0, ..., 0], np.round(load_digits().images[first] * 255 / 16))


def test_load_batches_limit_drop_remainder_and_repeat():
    ds = keras_gen.data.load("digits", batch_size=16, limit=40, scale=(0, 1))
    assert ds.element_spec.shape.as_list() == [None, 8, 8, 1]
    batches = list(ds.as_numpy_iterator())
    assert [len(b) for b in batches] == [16, 16, 8]
    assert all(b.dtype == np.float32 and b.min() >= 0 and b.max() <= 1 for b in batches)
    dropped = keras_gen.data.load(
        "digits", batch_size=16, limit=40, drop_remainder=True
    )
    assert len(list(dropped)) == 2
    forever = keras_gen.data.load("digits", batch_size=32, limit=40, repeat=True)
    assert len(list(forever.take(5))) == 5


def test_labels_true_yields_pairs():
    ds = keras_gen.data.load("digits", batch_size=8, labels=True, limit=20)
    images, labels = next(iter(ds))
    assert images.shape == (8, 8, 8, 1) and labels.shape == (8,)
    assert labels.dtype.name == "int32"


def test_same_seed_same_order_and_epochs_reshuffle():
    def epochs(seed, count=2):
        ds = keras_gen.data.load(
            "digits", batch_size=50, seed=seed, limit=200, labels=True
        )
        return [
            np.concatenate([y for _, y in ds.as_numpy_iterator()]) for _ in range(count)
        ]

    first, second = epochs(3), epochs(3)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first[0], epochs(4, count=1)[0])
    _, y = keras_gen.data.load_numpy("digits", limit=200)
    assert sorted(first[0].tolist()) == sorted(y.tolist())
    unshuffled = keras_gen.data.load(
        "digits", batch_size=200, limit=200, shuffle=False, labels=True
    )
    np.testing.assert_array_equal(next(iter(unshuffled))[1], y)


def test_bad_scale_names_both_conventions():
    for scale in [(1, -1), (0, 0), "tanh", (0, 1, 2)]:
        pattern = r"\(-1\.0, 1\.0\) for tanh generators or \(0\.0, 1\.0\) for Bernoulli"
        with pytest.raises(ValueError, match=pattern):
            keras_gen.data.load("digits", scale=scale)


def test_bad_split_lists_valid_splits():
    with pytest.raises(ValueError, match=r"Unknown split 't10k'.*'train', 'test'"):
        keras_gen.data.load_numpy("fashion_mnist", split="t10k")


def test_unknown_name():
    pattern = r"Unknown data set 'xyz_no_such_data'.*digits.*tfds\.list_builders"
    with pytest.raises(ValueError, match=pattern):
        keras_gen.data.load("xyz_no_such_data")


def test_empty_data_sets(nowhere):
    with pytest.raises(ValueError, match="data set is empty.*limit=0"):
        keras_gen.data.load("digits", limit=0)
    (nowhere / "user").mkdir()
    write_idx(nowhere / "user/train-images-idx3-ubyte", np.zeros((0, 28, 28), np.uint8))
    write_idx(nowhere / "user/train-labels-idx1-ubyte", np.zeros(0, np.uint8))
    with pytest.raises(ValueError, match="data set is empty"):
        keras_gen.data.load_numpy("fashion_mnist", data_dir=str(nowhere / "user"))


def test_bad_limit_and_batch_size():
    with pytest.raises(ValueError, match="non-negative integer"):
        keras_gen.data.load_numpy("digits", limit=-1)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        keras_gen.data.load("digits", batch_size=0)
    with pytest.raises(ValueError, match="fewer than batch_size"):
        keras_gen.data.load("digits", batch_size=64, limit=10, drop_remainder=True)


@pytest.fixture
def register_for_test():
    """`keras_gen.data.register` whose registrations are undone after the test."""
    names = []

    def register(name, *args, **kwargs):
        names.append(name)
        return keras_gen.data.register(name, *args, overwrite=True, **kwargs)

    yield register
    for name in names:
        keras_gen.data.registry._REGISTRY.pop(name, None)


def test_register_custom_data_set(register_for_test):
    def load_squares(split, data_dir):
        images = np.zeros((6, 4, 4, 3), np.uint8)
        images[:, 1:3, 1:3] = 255
        return images, np.arange(6) % 2

    squares = register_for_test(
        "test_squares", load_squares, (4, 4, 3), 2, ("off", "on")
    )
    assert squares == keras_gen.data.info("test_squares")
    assert "test_squares" in keras_gen.data.available()
    ds = keras_gen.data.load("test_squares", batch_size=6, labels=True, shuffle=False)
    images, labels = next(iter(ds))
    assert images.shape == (6, 4, 4, 3) and float(images[0, 0, 0, 0]) == -1.0
    assert float(images[0, 1, 1, 0]) == 1.0
    assert labels.numpy().tolist() == [0, 1, 0, 1, 0, 1]


def test_registered_loader_with_nan_or_wrong_shape(register_for_test):
    def load_broken(split, data_dir):
        images = np.zeros((4, 4, 4), np.float32)
        images[1, 2, 3] = np.nan
        return images, np.zeros(4)

    register_for_test("test_nan", load_broken, (4, 4, 1), 1, value_range=(0.0, 1.0))
    with pytest.raises(ValueError, match=r"1 NaN and 0 infinite.*nan_to_num"):
        keras_gen.data.load_numpy("test_nan")

    def load_5x5(split, data_dir):
        return np.zeros((2, 5, 5, 1)), np.zeros(2)

    register_for_test("test_shape", load_5x5, (4, 4, 1), 1)
    with pytest.raises(ValueError, match=r"\(5, 5, 1\).*expected.*\(4, 4, 1\)"):
        keras_gen.data.load_numpy("test_shape")


def test_register_rejects_duplicates_and_bad_arguments():
    loader = builtin.load_digits_split
    with pytest.raises(ValueError, match="already registered.*overwrite=True"):
        keras_gen.data.register("digits", loader, (8, 8, 1), 10)
    with pytest.raises(ValueError, match=r"image_shape must be \(H, W, C\)"):
        keras_gen.data.register("test_bad", loader, (8, 8), 10)
    with pytest.raises(ValueError, match="'tfds:'"):
        keras_gen.data.register("tfds:x", loader, (8, 8, 1), 10)
