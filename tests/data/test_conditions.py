"""keras_gen.data.Condition: the five kinds, their checks, words and serialization."""

import json

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_gen.data import Condition

ALL = {
    "classes": Condition.classes(3, names=["a", "b", "c"]),
    "attributes": Condition.attributes(["brightness", "size"], low=-1.0, high=2.0),
    "multi_hot": Condition.multi_hot(["red", "large", "striped"]),
    "tokens": Condition.tokens(["a", "dark", "sandal"], max_length=4),
    "layout": Condition.layout((7, 5), num_regions=3),
}
VALID = {
    "classes": np.array([0, 2, 1]),
    "attributes": np.array([[-1.0, 2.0], [0.5, 0.0], [1.0, 1.0]]),
    "multi_hot": np.array([[1, 0, 1], [0, 0, 0], [1, 1, 1]]),
    "tokens": np.array([[2, 3, 4, 0], [1, 0, 0, 0], [4, 4, 4, 4]]),
    "layout": np.random.default_rng(0).integers(0, 3, size=(3, 7, 5)),
}


@pytest.mark.parametrize("kind", list(ALL))
def test_each_kind_reports_its_shape_and_dtype_and_checks_a_valid_batch(kind):
    condition = ALL[kind]
    assert condition.kind == kind
    checked = condition.check(VALID[kind], count=3)
    assert checked.shape == (3, *condition.shape)
    assert checked.dtype == np.dtype(condition.dtype)
    np.testing.assert_array_equal(checked, VALID[kind])


def test_the_constructor_arguments_are_attributes():
    assert ALL["classes"].num_classes == 3 and ALL["classes"].names == ("a", "b", "c")
    assert (ALL["attributes"].low, ALL["attributes"].high) == (-1.0, 2.0)
    assert ALL["attributes"].shape == (2,)
    assert ALL["multi_hot"].shape == (3,) and ALL["multi_hot"].dtype == "float32"
    assert ALL["tokens"].vocabulary == ("a", "dark", "sandal") and ALL["tokens"].max_length == 4
    assert ALL["tokens"].names[:2] == ("<pad>", "<unk>")
    assert ALL["layout"].num_regions == 3 and ALL["layout"].shape == (7, 5)


@pytest.mark.parametrize("kind", list(ALL))
def test_config_round_trips_through_json_and_keras_serialization(kind):
    condition = ALL[kind]
    config = json.loads(json.dumps(condition.get_config()))
    rebuilt = Condition.from_config(config)
    assert rebuilt == condition and rebuilt.get_config() == condition.get_config()
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(condition))
    assert isinstance(restored, Condition) and restored == condition
    assert repr(condition).startswith(f"Condition.{kind}(")


def test_tokenize_pads_marks_unknown_words_refuses_long_captions_and_detokenize_inverts_it():
    captions = ALL["tokens"]
    ids = captions.tokenize(["A dark  sandal", "a Purple sandal", "sandal a dark sandal"])
    np.testing.assert_array_equal(ids, [[2, 3, 4, 0], [2, 1, 4, 0], [4, 2, 3, 4]])
    assert captions.detokenize(ids) == ["a dark sandal", "a <unk> sandal", "sandal a dark sandal"]
    assert captions.tokenize([]).shape == (0, 4)
    with pytest.raises(ValueError, match=r"Caption 1 has 6 words, more than this condition's max_length=4"):
        captions.tokenize(["a dark sandal", "sandal a dark sandal a dark"])
    with pytest.raises(ValueError, match="max_length=4"):
        captions.check(["sandal a dark sandal a dark"], count=1)


def test_token_conditions_take_strings_where_ids_go():
    captions = ALL["tokens"]
    np.testing.assert_array_equal(captions.check(["a dark sandal"], count=1), [[2, 3, 4, 0]])
    np.testing.assert_array_equal(captions.check(np.array(["dark sandal"]), count=1), [[3, 4, 0, 0]])
    with pytest.raises(ValueError, match="list of captions"):
        captions.check("a dark sandal")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "dark", "sandal"]), min_size=0, max_size=4), max_size=5))
def test_detokenize_of_tokenize_gives_back_known_words(sentences):
    captions = ALL["tokens"]
    texts = [" ".join(words) for words in sentences]
    assert captions.detokenize(captions.tokenize(texts)) == texts


@pytest.mark.parametrize(
    ("kind", "values", "message"),
    [
        ("classes", np.array([0.0, 1.0, 2.0]), "integer ids"),
        ("classes", np.eye(3, dtype="int32"), "not one-hot rows"),
        ("classes", np.array([0, 3, 1]), r"ids must lie in \[0, 3\)"),
        ("classes", np.array([0, -1, 1]), r"ids must lie in \[0, 3\)"),
        ("attributes", np.array([[0.0, 2.5], [0, 0], [0, 0]]), r"must lie in \[-1, 2\]"),
        ("attributes", np.array([[0.0, np.nan], [0, 0], [0, 0]]), "NaN"),
        ("attributes", np.array([0.0, 1.0]), r"values\[None\]"),
        ("attributes", np.zeros((3, 3)), r"shape \(3, 3\)"),
        ("multi_hot", np.array([[0.5, 0, 1], [0, 0, 0], [1, 1, 1]]), "only 0 and 1"),
        ("tokens", np.array([[2, 3, 4, 5], [0, 0, 0, 0], [0, 0, 0, 0]]), r"ids must lie in \[0, 5\)"),
        ("tokens", np.zeros((3, 5), "int32"), r"shape \(3, 5\)"),
        ("tokens", np.array([[2, 3, 0, 0], [0, 0, 0, 0], [4, 0, 0, 0]]), "Caption 1 is empty"),
        ("tokens", ["a dark sandal", "", "a sandal"], "Caption 1 is empty"),
        ("layout", np.full((3, 7, 5), 3), r"ids must lie in \[0, 3\)"),
        ("layout", np.zeros((3, 5, 7), "int32"), r"expected an array of shape \(3, 7, 5\)"),
        ("layout", np.zeros((3, 7, 5), "float32"), "astype"),
    ],
)
def test_bad_values_get_an_error_naming_the_problem(kind, values, message):
    with pytest.raises(ValueError, match=message):
        ALL[kind].check(values, count=3)


def test_the_count_and_missing_conditions_are_checked():
    with pytest.raises(ValueError, match="one condition per example: an array of shape \\(4,\\)"):
        ALL["classes"].check(np.array([0, 1, 2]), count=4)
    with pytest.raises(ValueError, match="Pass the 3-class condition"):
        ALL["classes"].check(None, count=2)
    with pytest.raises(ValueError, match="numeric array"):
        ALL["attributes"].check([[0.0, "x"], [1.0, None]])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Condition("colour"), "Unknown condition kind"),
        (lambda: Condition.classes(1), "num_classes must be an integer >= 2"),
        (lambda: Condition.classes(3, names=["a", "b"]), "one name per class"),
        (lambda: Condition.attributes("size"), "list of names"),
        (lambda: Condition.attributes(["size", "size"]), "unique"),
        (lambda: Condition.attributes(["size"], low=1.0, high=0.0), "low < high"),
        (lambda: Condition.multi_hot([]), "non-empty"),
        (lambda: Condition.tokens(["<unk>", "a"], max_length=3), "reserved"),
        (lambda: Condition.tokens(["a"], max_length=0), "max_length must be an integer >= 1"),
        (lambda: Condition.layout((7,), num_regions=2), r"shape=\(height, width\)"),
        (lambda: Condition.layout((7, 7), num_regions=1), "num_regions must be an integer >= 2"),
        (lambda: Condition("classes", num_classes=3, max_length=4), "takes no max_length"),
        (lambda: ALL["classes"].tokenize(["a"]), "belongs to token conditions"),
    ],
)
def test_bad_descriptions_get_an_error_naming_the_fix(build, message):
    with pytest.raises(ValueError, match=message):
        build()
