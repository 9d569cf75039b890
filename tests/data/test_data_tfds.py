"""Tests for the TensorFlow Datasets path, offline with tfds.testing.mock_data."""

import re

import numpy as np
import pytest
import tensorflow_datasets as tfds

import keras_gen.data
from keras_gen.data import DatasetNotFoundError


@pytest.fixture
def mock_tfds():
    with tfds.testing.mock_data(num_examples=10):
        yield


def test_load_cifar10_with_labels(mock_tfds):
    ds = keras_gen.data.load("cifar10", batch_size=4, labels=True, seed=1)
    images, labels = ds.element_spec
    assert images.shape.as_list() == [None, 32, 32, 3]
    assert images.dtype.name == "float32" and labels.dtype.name == "int32"
    batches = list(ds.as_numpy_iterator())
    assert [len(x) for x, _ in batches] == [4, 4, 2]
    assert all(x.min() >= -1.0 and x.max() <= 1.0 for x, _ in batches)
    assert all(((y >= 0) & (y < 10)).all() for _, y in batches)


def test_tfds_prefix_limit_and_seed(mock_tfds):
    x, y = keras_gen.data.load_numpy("tfds:mnist", "test", scale=(0, 1), limit=6)
    assert x.shape == (6, 28, 28, 1) and x.dtype == np.float32 and y.dtype == np.int32
    assert x.min() >= 0.0 and x.max() <= 1.0

    def first_batch(seed, shuffle=True):
        ds = keras_gen.data.load(
            "tfds:mnist",
            batch_size=8,
            seed=seed,
            limit=8,
            shuffle=shuffle,
            scale=(0, 1),
        )
        return next(iter(ds)).numpy()

    np.testing.assert_array_equal(first_batch(5), first_batch(5))
    x, _ = keras_gen.data.load_numpy("tfds:mnist", limit=8, scale=(0, 1))
    np.testing.assert_array_equal(first_batch(None, shuffle=False), x)


def test_tfds_info_and_empty(mock_tfds):
    cifar = keras_gen.data.info("cifar10")
    assert cifar.image_shape == (32, 32, 3) and cifar.num_classes == 10
    assert len(cifar.class_names) == 10
    with pytest.raises(ValueError, match="data set is empty"):
        keras_gen.data.load("cifar10", limit=0)


def test_unknown_tfds_name():
    pattern = r"Unknown data set 'tfds:no_such_thing'.*tfds.list_builders"
    with pytest.raises(ValueError, match=pattern):
        keras_gen.data.load("tfds:no_such_thing")


def test_tfds_offline_download_lists_data_dir(tmp_path, monkeypatch):
    def offline(self, *args, **kwargs):
        raise ConnectionError("no network")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", offline)
    pattern = rf"(?s)cifar10.*{re.escape(str(tmp_path))}.*no network.*tfds build"
    with pytest.raises(DatasetNotFoundError, match=pattern):
        keras_gen.data.load("cifar10", data_dir=str(tmp_path))
