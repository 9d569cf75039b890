"""Attributes, words, captions and layouts measured on Fashion-MNIST's pixels."""

import numpy as np
import pytest

import keras_gen
from keras_gen.data import (
    FASHION_CAPTIONS_HELDOUT,
    fashion_attribute_words,
    fashion_attributes,
    fashion_layout,
)
from keras_gen.data.fashion_captions import (
    BRIGHTNESS_WORDS,
    CLASS_WORDS,
    FASHION_TERCILES,
    SIZE_WORDS,
    caption_condition,
    fashion_caption_texts,
    layout_condition,
)


def _block_image(value, rows=slice(7, 21), cols=slice(7, 21)):
    image = np.zeros((28, 28), "float32")
    image[rows, cols] = value
    return image


@pytest.mark.parametrize("scale", [(0, 1), (-1, 1), (0, 255)])
def test_attributes_of_a_known_garment_in_any_scale(scale):
    low, high = scale
    unit = np.stack([_block_image(0.6), _block_image(0.1), np.zeros((28, 28), "float32")])
    unit[1, 0, 0] = 0.9  # one garment pixel: 0.1 itself is not above 10 % of the range
    attributes = fashion_attributes(low + (high - low) * unit[..., None], scale=scale)
    np.testing.assert_allclose(attributes["size"], [196 / 784, 1 / 784, 0.0], atol=1e-6)
    np.testing.assert_allclose(attributes["brightness"], [0.6, 0.9, 0.0], atol=1e-5)


def test_words_split_at_the_class_terciles():
    (dark, grey), (small, medium) = FASHION_TERCILES[5]
    attributes = {"brightness": [dark - 1e-3, dark, grey + 1e-3], "size": [small - 1e-3, medium - 1e-3, medium]}
    assert fashion_attribute_words(attributes, [5, 5, 5]) == (["dark", "grey", "light"], ["small", "medium", "large"])
    # The same pixels read differently for another class: a sandal's "large" is a coat's "small".
    assert fashion_attribute_words({"brightness": [0.6], "size": [0.3]}, [4]) == (["dark"], ["small"])


def test_the_fixed_terciles_split_every_class_of_the_train_split_in_thirds():
    images, labels = keras_gen.data.load_numpy("fashion_mnist", "train", scale=(-1, 1))
    brightness, size = fashion_attribute_words(fashion_attributes(images), labels)
    brightness, size = np.asarray(brightness), np.asarray(size)
    for label in range(10):
        of_class = labels == label
        for words, vocabulary in ((brightness, BRIGHTNESS_WORDS), (size, SIZE_WORDS)):
            shares = [np.mean(words[of_class] == word) for word in vocabulary]
            # Sizes are whole pixel counts: images tied at a boundary move a share by about 1 %.
            np.testing.assert_allclose(shares, 1 / 3, atol=0.02, err_msg=f"class {label}")


def test_garment_medians_are_numpys_median_of_each_images_garment_pixels():
    from keras_gen.data.fashion_captions import garment_medians

    rng = np.random.default_rng(0)
    unit = rng.random((40, 8, 8)).astype("float32")
    garment = rng.random((40, 8, 8)) < rng.random((40, 1, 1))  # from none to all pixels: odd and even counts
    garment[0], garment[1], garment[2] = False, True, False
    garment[2, 3, 4] = True  # one pixel
    expected = [np.median(image[mask]) if mask.any() else 0.0 for image, mask in zip(unit, garment, strict=True)]
    np.testing.assert_array_equal(garment_medians(unit, garment), np.asarray(expected, "float32"))
    assert garment_medians(unit, garment).dtype == np.float32


def test_the_layout_marks_background_darker_and_lighter_cells():
    image = np.zeros((28, 28), "float32")
    image[8:28, 0:12] = 0.3  # darker garment, 3 columns of cells
    image[8:28, 12:24] = 0.9  # lighter garment: the garment median is 0.6
    image[4:6, 0:28] = 0.9  # half of each cell in the second row: garment cells
    image[0:1, 0:28] = 0.9  # a quarter of each cell in the first row: background
    layout = fashion_layout(image[None, ..., None], scale=(0, 1))
    assert layout.shape == (1, 7, 7) and layout.dtype == np.int32
    expected = np.zeros((7, 7), "int32")
    expected[1, :] = 2
    expected[2:, 0:3] = 1
    expected[2:, 3:6] = 2
    np.testing.assert_array_equal(layout[0], expected)
    assert layout_condition().check(layout, count=1) is not None


def test_captions_use_the_words_of_the_image_and_tokenize_without_unknown_words():
    images, labels = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(-1, 1))
    images, labels = images[:200], labels[:200]
    texts = fashion_caption_texts(images, labels, seed=1)
    assert texts == fashion_caption_texts(images, labels, seed=1)
    brightness, size = fashion_attribute_words(fashion_attributes(images), labels)
    for text, b, s, label in zip(texts, brightness, size, labels, strict=True):
        assert f" {b} " in f" {text} " and f" {s} " in f" {text} " and CLASS_WORDS[label] in text
    condition = caption_condition()
    ids = condition.tokenize(texts)
    assert ids.shape == (200, 12) and not np.any(ids == 1)
    assert condition.detokenize(ids) == texts
    assert len({text.split()[1] for text in texts}) > 3  # several templates, several word orders


def test_one_held_out_cell_per_class():
    assert [garment for garment, _, _ in FASHION_CAPTIONS_HELDOUT] == list(CLASS_WORDS)
    for _, brightness, size in FASHION_CAPTIONS_HELDOUT:
        assert brightness in BRIGHTNESS_WORDS and size in SIZE_WORDS


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fashion_attributes(np.zeros((2, 28, 28, 3))), "grayscale"),
        (lambda: fashion_attributes(np.full((2, 28, 28), 200.0)), "outside scale"),
        (lambda: fashion_attributes(np.full((2, 28, 28), np.nan)), "NaN"),
        (lambda: fashion_layout(np.zeros((2, 30, 30))), "multiples of 4"),
        (lambda: fashion_attribute_words({"brightness": [0.5]}, [0]), "fashion_attributes"),
        (lambda: fashion_attribute_words({"brightness": [0.5], "size": [0.5]}, [10]), r"lie in \[0, 10\)"),
        (lambda: fashion_attribute_words({"brightness": [0.5], "size": [0.5]}, [0.0]), "integer"),
    ],
)
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- the data sets ----------------------------------------------------------------------
ALL_CONDITIONS = ["labels", "captions", "attributes", "multi_hot", "layout"]


@pytest.fixture(scope="module")
def captioned_test_split():
    return keras_gen.data.load_numpy("fashion_captions", "test", scale=(-1, 1), conditions=ALL_CONDITIONS)


def test_the_splits_keep_the_held_out_cells_apart(captioned_test_split):
    for split, held in (("test", False), ("heldout", True)):
        images, labels = keras_gen.data.load_numpy("fashion_captions", split, scale=(-1, 1), conditions="labels")
        brightness, size = fashion_attribute_words(fashion_attributes(images), labels)
        cells = {(CLASS_WORDS[label], b, s) for label, b, s in zip(labels, brightness, size, strict=True)}
        if held:
            assert cells <= set(FASHION_CAPTIONS_HELDOUT) and len(cells) == 10
        else:
            assert not cells & set(FASHION_CAPTIONS_HELDOUT) and len(cells) == 80
    plain, _ = keras_gen.data.load_numpy("fashion_mnist", "test")
    heldout, _ = keras_gen.data.load_numpy("fashion_captions", "heldout")
    assert len(captioned_test_split[0]) + len(heldout) == len(plain)
    assert keras_gen.data.info("fashion_captions").splits == ("train", "test", "heldout")


def test_every_condition_agrees_with_the_pixels_and_the_label(captioned_test_split):
    images, values = captioned_test_split
    info = keras_gen.data.info("fashion_captions")
    assert sorted(info.conditions) == sorted(ALL_CONDITIONS)
    for name, array in values.items():
        assert array.shape == (len(images), *info.conditions[name].shape), name
    labels = values["labels"]
    one_hot = np.eye(10, dtype="float32")[labels]
    np.testing.assert_array_equal(values["multi_hot"][:, :10], one_hot)
    np.testing.assert_array_equal(values["attributes"][:, :10], one_hot)
    measured = fashion_attributes(images)
    np.testing.assert_allclose(values["attributes"][:, 10], measured["brightness"], atol=1e-5)
    np.testing.assert_allclose(values["attributes"][:, 11], measured["size"], atol=1e-5)
    brightness, size = fashion_attribute_words(measured, labels)
    words = np.array(info.conditions["multi_hot"].names)[10:]
    assert [tuple(words[row[10:] == 1]) for row in values["multi_hot"][:50]] == list(zip(brightness[:50], size[:50]))
    np.testing.assert_array_equal(values["layout"], fashion_layout(images))
    texts = info.conditions["captions"].detokenize(values["captions"][:50])
    assert all(b in text and s in text for text, b, s in zip(texts, brightness, size))


def test_scenes_paste_the_same_garments_on_photographs(captioned_test_split):
    garments = captioned_test_split[0][:500]
    scenes, mask = keras_gen.data.load_numpy("fashion_scenes", "test", scale=(-1, 1), conditions="mask", limit=500)
    assert mask.shape == (500, 28, 28) and set(np.unique(mask)) == {0, 1}
    inside = mask.astype(bool)[..., None]
    np.testing.assert_array_equal(scenes[inside], garments[inside])
    # Outside the garment the plain image is dark (at most 10 % of the range); the scene is a photograph.
    assert np.all(garments[~inside] <= -0.8 + 1e-6)
    assert np.mean(scenes[~inside] > -0.8) > 0.5
    assert np.std([scene[~m[..., None].astype(bool)].mean() for scene, m in zip(scenes[:50], mask[:50])]) > 0.05


def test_load_yields_condition_batches_and_checks_its_arguments():
    ds = keras_gen.data.load("fashion_captions", "heldout", batch_size=8, conditions=["captions", "layout"], limit=16)
    images, values = next(iter(ds))
    assert images.shape == (8, 28, 28, 1) and values["captions"].shape == (8, 12)
    assert values["layout"].dtype == "int32" and values["layout"].shape == (8, 7, 7)
    images, labels = next(iter(keras_gen.data.load("digits", batch_size=4, conditions="labels", shuffle=False)))
    np.testing.assert_array_equal(labels, keras_gen.data.load_numpy("digits", limit=4)[1])
    with pytest.raises(ValueError, match=r"has no condition \['caption'\]; its conditions: \['labels'"):
        keras_gen.data.load("digits", conditions="caption")
    with pytest.raises(ValueError, match="drop labels="):
        keras_gen.data.load("fashion_captions", labels=True, conditions="captions")
    with pytest.raises(ValueError, match="a condition's name or a list of names"):
        keras_gen.data.load_numpy("digits", conditions=[])


def test_a_user_data_set_declares_its_conditions():
    from keras_gen.data import Condition, registry

    colours = Condition.attributes(["red", "green"])

    def load_sprites(split, data_dir):
        return (np.zeros((6, 8, 8, 1), np.uint8), np.arange(6) % 2,
                {"colour": np.tile([[0.5, 1.0]], (6, 1))})

    saved = dict(registry._REGISTRY)
    try:
        info = keras_gen.data.register("sprites_c", load_sprites, (8, 8, 1), 2, conditions={"colour": colours})
        assert sorted(info.conditions) == ["colour", "labels"]
        _, values = keras_gen.data.load_numpy("sprites_c", conditions=["colour", "labels"])
        np.testing.assert_allclose(values["colour"], np.tile([[0.5, 1.0]], (6, 1)))
        keras_gen.data.register("sprites_d", lambda split, data_dir: load_sprites(split, data_dir)[:2], (8, 8, 1),
                                2, conditions={"colour": colours})
        with pytest.raises(ValueError, match=r"returned conditions \[\], but the data set declares \['colour'\]"):
            keras_gen.data.load_numpy("sprites_d")
        with pytest.raises(ValueError, match="give num_classes= instead"):
            keras_gen.data.register("sprites_e", load_sprites, (8, 8, 1), 2,
                                    conditions={"labels": Condition.classes(3)})
        with pytest.raises(ValueError, match="keras_gen.data.Condition objects"):
            keras_gen.data.register("sprites_f", load_sprites, (8, 8, 1), 2, conditions={"colour": "red"})
    finally:
        registry._REGISTRY.clear()
        registry._REGISTRY.update(saved)


def test_no_held_out_cell_is_left_in_the_training_split():
    from keras_gen.data.fashion_captions import fashion_loader

    fashion_mnist = keras_gen.data.registry.registered("fashion_mnist")[1]
    first = fashion_mnist("train")[0][:3000], fashion_mnist("train")[1][:3000]  # 3,000 training images
    loader = fashion_loader(lambda split, data_dir=None: first)
    images, labels, _ = loader("train")
    brightness, size = fashion_attribute_words(fashion_attributes(images, (0, 255)), labels)
    cells = {(CLASS_WORDS[label], b, s) for label, b, s in zip(labels, brightness, size, strict=True)}
    assert not cells & set(FASHION_CAPTIONS_HELDOUT)
    # What was left out is exactly the images of the held-out cells.
    all_words = fashion_attribute_words(fashion_attributes(first[0], (0, 255)), first[1])
    held = sum((CLASS_WORDS[label], b, s) in set(FASHION_CAPTIONS_HELDOUT)
               for label, b, s in zip(first[1], *all_words, strict=True))
    assert 0 < held and len(images) == 3000 - held


def test_scene_backgrounds_of_train_and_test_come_from_different_photographs(monkeypatch):
    from skimage import data as photographs

    from keras_gen.data.fashion_captions import SCENE_PHOTOGRAPHS, scene_backgrounds

    assert not set(SCENE_PHOTOGRAPHS["train"]) & set(SCENE_PHOTOGRAPHS["test"])
    for split, other in (("train", "test"), ("test", "train")):
        with monkeypatch.context() as patch:
            for name in SCENE_PHOTOGRAPHS[other]:  # the other split's photographs cannot be read
                patch.setattr(photographs, name, lambda name=name, split=split: pytest.fail(f"{split} read {name}"))
            backgrounds = scene_backgrounds(16, split)
        assert backgrounds.shape == (16, 28, 28) and backgrounds.dtype == np.uint8 and backgrounds.std() > 0
