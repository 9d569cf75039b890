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
