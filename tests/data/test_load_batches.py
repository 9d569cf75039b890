"""`load_batches` and `batch_arrays`: a family's batches chosen by its batch kind, on the offline digits."""

import numpy as np
import pytest

from keras_gen import data
from keras_gen.families import BATCH_KINDS

NAME = "digits"  # 8x8, 10 classes, bundled with scikit-learn
SCALE = (0.0, 1.0)


@pytest.fixture(scope="module")
def test_split():
    return data.load_numpy(NAME, "test", scale=SCALE)


def first_batch(ds):
    return next(iter(ds.as_numpy_iterator()))


def test_every_batch_kind_is_covered_here():
    # images_conditions: tests/models/test_conditions.py::test_load_batches_makes_condition_batches.
    assert set(BATCH_KINDS) == {"images", "images_labels", "images_conditions", "pairs", "unpaired"}


def test_images(test_split):
    ds = data.load_batches(NAME, "images", "test", batch_size=16, scale=SCALE, limit=40)
    batches = list(ds.as_numpy_iterator())
    assert [len(batch) for batch in batches] == [16, 16, 8]
    assert batches[0].shape == (16, 8, 8, 1) and batches[0].min() >= 0.0 and batches[0].max() <= 1.0
    # The same pipeline as `load` with the same seed: same order.
    np.testing.assert_array_equal(batches[0], first_batch(data.load(NAME, "test", 16, SCALE, limit=40)))
    (images,) = data.load_batches(NAME, "images", "test", scale=SCALE, limit=40, as_numpy=True)
    np.testing.assert_array_equal(images, test_split[0][:40])


def test_images_labels(test_split):
    images, labels = first_batch(data.load_batches(NAME, "images_labels", "test", batch_size=16, scale=SCALE))
    assert images.shape == (16, 8, 8, 1) and labels.shape == (16,) and labels.dtype == np.int32
    arrays = data.load_batches(NAME, "images_labels", "test", scale=SCALE, limit=12, as_numpy=True)
    np.testing.assert_array_equal(arrays[0], test_split[0][:12])
    np.testing.assert_array_equal(arrays[1], test_split[1][:12])


def test_images_labels_with_few_labels():
    ds = data.load_batches(NAME, "images_labels", batch_size=64, limit=200, labelled=20, labelled_share=0.5)
    labels = np.concatenate([labels for _, labels in ds.as_numpy_iterator()])
    assert (labels == -1).any() and (labels >= 0).any()
    assert set(np.unique(labels[labels >= 0])) == set(range(10))


def test_pairs(test_split):
    low, high = first_batch(data.load_batches(NAME, "pairs", "test", batch_size=8, task="superres", factor=2))
    assert low.shape == (8, 4, 4, 1) and high.shape == (8, 8, 8, 1)
    (holed, masks), images = first_batch(data.load_batches(NAME, "pairs", batch_size=8, task="inpaint"))
    assert holed.shape == masks.shape == images.shape == (8, 8, 8, 1)
    inputs, targets = data.load_batches(NAME, "pairs", "test", scale=SCALE, limit=6, task="edges", as_numpy=True)
    expected = data.make_pairs(test_split[0][:6], "edges", scale=SCALE)
    np.testing.assert_array_equal(inputs, expected[0])
    np.testing.assert_array_equal(targets, expected[1])


def test_unpaired(test_split):
    ones, sevens = first_batch(data.load_batches(NAME, "unpaired", batch_size=8, domain_a=[1], domain_b=[7]))
    assert ones.shape == sevens.shape == (8, 8, 8, 1)
    images_a, images_b = data.load_batches(NAME, "unpaired", "test", scale=SCALE, limit=5, domain_a=[1],
                                           domain_b=[7], as_numpy=True)
    images, labels = test_split
    np.testing.assert_array_equal(images_a, images[labels == 1][:5])
    np.testing.assert_array_equal(images_b, images[labels == 7][:5])
    # Without a limit, each whole domain.
    whole_a, whole_b = data.load_batches(NAME, "unpaired", "test", scale=SCALE, domain_a=[1], domain_b=[7],
                                         as_numpy=True)
    assert len(whole_a) == np.sum(labels == 1) and len(whole_b) == np.sum(labels == 7)


def test_batch_arrays_takes_what_each_kind_needs(test_split):
    images, labels = test_split[0][:8], test_split[1][:8]
    (only,) = data.batch_arrays("images", images, labels)  # labels are dropped, as load_batches does
    np.testing.assert_array_equal(only, images)
    np.testing.assert_array_equal(data.batch_arrays("images_labels", images, labels)[1], labels)
    low, high = data.batch_arrays("pairs", images, task="superres", scale=SCALE, factor=2)
    assert low.shape == (8, 4, 4, 1) and high is not None
    domain_a, domain_b = data.batch_arrays("unpaired", images, other_domain=images[::-1])
    np.testing.assert_array_equal(domain_a, images)
    np.testing.assert_array_equal(domain_b, images[::-1])


@pytest.mark.parametrize(
    "kind, options, message",
    [
        ("pictures", {}, "Unknown batch kind 'pictures'"),
        ("pairs", {}, "pass task= one of"),
        ("images", {"task": "edges"}, "take no \\['task'\\]"),
        ("pairs", {"task": "superres", "threshold": 0.5}, "takes \\['factor'\\], not \\['threshold'\\]"),
        ("pairs", {"task": "edges", "labelled": 10}, "have no labels"),
        ("unpaired", {"domain_a": [1]}, "Give both domain_a and domain_b"),
        ("unpaired", {"domain_a": [1], "domain_b": [1]}, "share classes"),
        ("images_labels", {"repeat": True, "as_numpy": True}, "shape a tf.data stream"),
    ],
)
def test_load_batches_bad_input_is_a_clear_error(kind, options, message):
    with pytest.raises(ValueError, match=message):
        data.load_batches(NAME, kind, "test", limit=8, **options)


@pytest.mark.parametrize(
    "kind, arguments, message",
    [
        ("images_labels", {}, "need one label per image: 4 images, no labels"),
        ("images_labels", {"labels": np.zeros(3, "int32")}, "4 images, 3 labels"),
        ("unpaired", {}, "pass other_domain="),
        ("images", {"factor": 2}, "take no \\['factor'\\]"),
    ],
)
def test_batch_arrays_bad_input_is_a_clear_error(kind, arguments, message):
    with pytest.raises(ValueError, match=message):
        data.batch_arrays(kind, np.zeros((4, 8, 8, 1), "float32"), **arguments)
