"""`load_pairs`, `make_pairs` and `load_unpaired`: paired tasks and unpaired domains from any data set."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from scipy import ndimage

import keras_gen
from keras_gen.data.pairs import SOBEL_MAX


def fashion(limit=32):
    return keras_gen.data.load_numpy("fashion_mnist", "test", scale=(-1, 1), limit=limit)[0]


def test_superres_is_area_downsampling():
    images = fashion(4)
    low, high = keras_gen.data.make_pairs(images, "superres", factor=4)
    assert low.shape == (4, 7, 7, 1) and high.shape == (4, 28, 28, 1)
    np.testing.assert_array_equal(high, images)
    block_means = images.reshape(4, 7, 4, 7, 4, 1).mean(axis=(2, 4))
    np.testing.assert_allclose(low, block_means, atol=1e-6)
    low2, _ = keras_gen.data.make_pairs(images, "superres", factor=2)
    assert low2.shape == (4, 14, 14, 1)
    with pytest.raises(ValueError, match="does not divide"):
        keras_gen.data.make_pairs(images, "superres", factor=3)


def test_edges_match_an_independent_sobel():
    images = fashion(4)
    edges, targets = keras_gen.data.make_pairs(images, "edges", threshold=0.15)
    np.testing.assert_array_equal(targets, images)
    assert set(np.unique(edges)) <= {-1.0, 1.0}
    unit = (images[..., 0] + 1) / 2
    # scipy's 2-D Sobel of each image on its own (its smoothing must not run across the batch);
    # "mirror" is the reflection without the edge pixel, as tf.image.sobel_edges pads.
    magnitude = np.stack([np.hypot(ndimage.sobel(image, axis=0, mode="mirror"),
                                   ndimage.sobel(image, axis=1, mode="mirror")) for image in unit])
    expected = magnitude / SOBEL_MAX > 0.15
    agreement = ((edges[..., 0] > 0) == expected).mean()
    assert agreement > 0.99, agreement
    assert 0.05 < expected.mean() < 0.6  # edges, not everything or nothing


def test_inpaint_centre_and_random_masks():
    images = fashion(8)
    (holed, masks), _ = keras_gen.data.make_pairs(images, "inpaint", hole=(14, 14))
    assert masks.shape == (8, 28, 28, 1) and set(np.unique(masks)) == {0.0, 1.0}
    assert masks[0, 7:21, 7:21].all() and masks.sum() == 8 * 196
    known = masks[..., 0] == 0
    np.testing.assert_array_equal(holed[known], images[known])
    assert (holed[~known] == 0.0).all()  # the middle of (-1, 1)
    (_, random_a), _ = keras_gen.data.make_pairs(images, "inpaint", masks="random", hole=(10, 10), seed=1)
    (_, random_b), _ = keras_gen.data.make_pairs(images, "inpaint", masks="random", hole=(10, 10), seed=1)
    (_, random_c), _ = keras_gen.data.make_pairs(images, "inpaint", masks="random", hole=(10, 10), seed=2)
    np.testing.assert_array_equal(random_a, random_b)
    assert not np.array_equal(random_a, random_c)
    sizes = random_a.reshape(8, -1).sum(axis=1)
    assert ((sizes >= 25) & (sizes <= 100)).all()
    assert len({tuple(np.argwhere(m[..., 0])[0]) for m in random_a}) > 1  # boxes at different places


def test_load_pairs_batches_seeds_and_epochs():
    def pipeline(seed=3):
        return keras_gen.data.load_pairs("digits", task="inpaint", masks="random", hole=(4, 4), batch_size=16,
                                         seed=seed, limit=32)

    ds = pipeline()
    first = [(holed.numpy(), masks.numpy(), images.numpy()) for (holed, masks), images in ds]
    holed, masks, images = first[0]
    assert holed.shape == (16, 8, 8, 1) and masks.shape == (16, 8, 8, 1) and images.shape == (16, 8, 8, 1)
    again = [masks.numpy() for (_, masks), _ in pipeline()]
    for a, (_, b, _) in zip(again, first):
        np.testing.assert_array_equal(a, b)  # the same seed: the same masks
    second_epoch = [masks.numpy() for (_, masks), _ in ds]
    assert not np.array_equal(first[0][1], second_epoch[0])  # new masks every epoch
    assert not np.array_equal(first[0][1], next(iter(pipeline(seed=4)))[0][1].numpy())
    low, high = next(iter(keras_gen.data.load_pairs("fashion_mnist", task="superres", batch_size=4, limit=8)))
    assert low.shape == (4, 7, 7, 1) and high.shape == (4, 28, 28, 1)


def test_bad_tasks_and_options_are_clear_errors():
    with pytest.raises(ValueError, match="Unknown paired task 'colorize'"):
        keras_gen.data.load_pairs("digits", task="colorize")
    with pytest.raises(ValueError, match=r"takes \['factor'\], not \['hole'\]"):
        keras_gen.data.load_pairs("digits", task="superres", hole=(2, 2))
    with pytest.raises(ValueError, match="must fit inside"):
        keras_gen.data.make_pairs(fashion(2), "inpaint", hole=(30, 4))
    with pytest.raises(ValueError, match="masks must be one of"):
        keras_gen.data.make_pairs(fashion(2), "inpaint", masks="circle")


def test_load_unpaired_by_class_name_and_index():
    ds = keras_gen.data.load_unpaired("fashion_mnist", domain_a=["sandal"], domain_b=[7], split="test",
                                      batch_size=8, limit=16)
    _, labels = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(-1, 1))
    images, _ = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(-1, 1))
    sandals = {arr.tobytes() for arr in images[labels == 5][:16]}
    sneakers = {arr.tobytes() for arr in images[labels == 7][:16]}
    batches = list(ds)
    assert len(batches) == 2
    for images_a, images_b in batches:
        assert all(image.tobytes() in sandals for image in images_a.numpy())
        assert all(image.tobytes() in sneakers for image in images_b.numpy())
    with pytest.raises(ValueError, match="unknown class 'boot'"):
        keras_gen.data.load_unpaired("fashion_mnist", domain_a=["boot"], domain_b=[7])
    with pytest.raises(ValueError, match="share classes"):
        keras_gen.data.load_unpaired("fashion_mnist", domain_a=[7], domain_b=["Sneaker"])
    with pytest.raises(ValueError, match="both domain_a and domain_b"):
        keras_gen.data.load_unpaired("fashion_mnist", domain_a=[7])
    with pytest.raises(ValueError, match="no trainA/trainB splits"):
        keras_gen.data.load_unpaired("digits")


def test_cycle_gan_tfds_domains_offline_with_mock_data():
    with tfds.testing.mock_data(num_examples=6):
        ds = keras_gen.data.load_unpaired("cycle_gan/horse2zebra", batch_size=4, image_size=(16, 16))
        images_a, images_b = next(iter(ds))
        assert images_a.shape == (4, 16, 16, 3) and images_b.shape == (4, 16, 16, 3)
        assert images_a.dtype == tf.float32 and -1 <= images_a.numpy().min() and images_a.numpy().max() <= 1
        with pytest.raises(ValueError, match="Pass image_size"):
            keras_gen.data.load("cycle_gan/horse2zebra", split="trainA")


def test_image_size_is_for_tfds_only():
    with pytest.raises(ValueError, match="image_size resizes TFDS images"):
        keras_gen.data.load("digits", image_size=(4, 4))


def test_sample_patches_are_offline_colour_data():
    info = keras_gen.data.info("sample_patches")
    assert info.image_shape == (32, 32, 3)
    train, train_labels = keras_gen.data.load_numpy("sample_patches", "train", scale=(0, 1))
    test, test_labels = keras_gen.data.load_numpy("sample_patches", "test", scale=(0, 1))
    assert train.shape[1:] == (32, 32, 3) and len(train) > 1000 and len(test) == 256
    assert not set(train_labels) & set(test_labels)
    low, high = next(iter(keras_gen.data.load_pairs("sample_patches", task="superres", batch_size=4)))
    assert low.shape == (4, 8, 8, 3) and high.shape == (4, 32, 32, 3)
