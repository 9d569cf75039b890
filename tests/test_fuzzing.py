"""Bad input, fuzzed with Hypothesis, for every family in the registry and every entry point that takes data.

Each generated input is wrong in one way (rank, channels, size, dtype, value
range, NaN or infinity, empty; labels out of range, missing, fractional or
one-hot; image counts that are not whole numbers). Every one must raise a
`ValueError` whose message names the problem, before any weight changes:
never an error from inside TensorFlow, never a silent coercion. New families
join by their registry entry. Examples are derandomized, so a CI run is
repeatable; `tests/test_fuzzing.py::EXAMPLES` sets how many per entry point.
"""

import re

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_gen import families
from keras_gen.models import (
    Completes,
    ContextEncoder,
    Encodes,
    Generates,
    HasLikelihood,
    SamplesFromPrior,
    Translates,
)
from tests.test_case import changed, weights_of
from tests.test_families import (
    TINY_CLASSES,
    condition_values,
    first_input,
    fit_data,
    images_for,
    tiny_model,
)

NAMES = families.names()
EXAMPLES = 12
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
_MODELS = {}


def model_of(name):
    """One tiny compiled model per family and test process (building one takes seconds)."""
    if name not in _MODELS:
        keras.utils.set_random_seed(0)
        _MODELS[name] = tiny_model(name)
    return _MODELS[name]


# --- what is wrong with an image array, and the words its error must contain -------------------
# Images are wrong for the model's *input* (super-resolution models take 2x2 images here).
def inputs_for(model, count=4):
    """Good input images of the model: its training images, or a paired family's inputs."""
    return first_input(fit_data(model, images_for(model, count))[0])


def input_shape(model):
    """One input example's shape: an image (the model's input images), a clip or a voxel grid."""
    return model.input_image_shape if model.data_kind == "images" else model.data_shape


def wrong_rank(model):
    side, rank = model.input_image_shape[0], len(input_shape(model)) + 1
    shapes = [shape for shape in [(side,), (4, side), (4, side, side), (2, 4, side, side, 1), (2, 2, 4, side, side, 1)]
              if len(shape) != rank]
    return st.sampled_from(shapes).map(lambda shape: (np.zeros(shape, "float32"), r"rank|shape"))


def wrong_channels(model):
    return st.integers(2, 4).map(
        lambda c: (np.zeros((4, *input_shape(model)[:-1], c), "float32"), "Channel mismatch"))


def wrong_size(model):
    good = tuple(model.input_image_shape[:2])
    sizes = st.tuples(st.integers(1, 12), st.integers(1, 12)).filter(lambda hw: hw != good)
    return sizes.map(lambda hw: (np.zeros((4, *input_shape(model)[:-3], *hw, 1), "float32"), "size mismatch"))


def wrong_dtype(model):
    return st.sampled_from(["uint8", "int32", "int64", "bool"]).map(
        lambda dtype: (np.zeros((4, *input_shape(model)), dtype), "integer dtype"))


def out_of_range(model):
    low, high = model.data_scale
    beyond = st.floats(0.05, 1e6).flatmap(lambda margin: st.sampled_from([low - margin * (high - low),
                                                                          high + margin * (high - low)]))
    return st.tuples(beyond, st.integers(0, 3), st.integers(0, 7)).map(
        lambda args: (_with_value(inputs_for(model), args[1], args[2], args[0]), "data_scale"))


def not_finite(model):
    return st.tuples(st.sampled_from([np.nan, np.inf, -np.inf]), st.integers(0, 3), st.integers(0, 7)).map(
        lambda args: (_with_value(inputs_for(model), args[1], args[2], args[0]), "NaN or infinite"))


def empty(model):
    return st.just((np.zeros((0, *input_shape(model)), "float32"), "empty"))


def _with_value(images, index, row, value):
    images = images.copy()
    row, column = row % images.shape[1], row % images.shape[2]
    images[index, row, column, 0] = value
    return images


def bad_images(model):
    return st.one_of(wrong_rank(model), wrong_channels(model), wrong_size(model), wrong_dtype(model),
                     out_of_range(model), not_finite(model), empty(model))


def bad_labels(model, count=4):
    classes = model.num_classes
    return st.one_of(
        st.integers(classes, classes + 100).map(lambda v: (np.full(count, v, "int32"), r"Labels must lie in")),
        st.integers(-100, -2).map(lambda v: (np.full(count, v, "int32"), r"Labels must lie in")),
        st.integers(1, 3).map(lambda k: (np.zeros(count + k, "int32"), "one label per image")),
        st.just((np.zeros(count, "float32") + 0.5, "integers")),
        st.just((np.eye(classes, dtype="int32")[np.zeros(count, int)], "one-hot|one label per image")),
    )


def assert_clear(err, pattern):
    message = str(err.value)
    assert re.search(pattern, message), f"{message!r} does not say {pattern!r}"
    assert "Traceback" not in message and "tensorflow" not in message.lower()


# --- fit and evaluate ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_fit_and_evaluate_reject_bad_images_before_any_update(name):
    model = model_of(name)
    start = weights_of(model)

    @FUZZ
    @given(case=bad_images(model), method=st.sampled_from(["fit", "evaluate"]))
    def check(case, method):
        images, pattern = case
        extra = (np.zeros(len(images), "int32"),) if model.batch_kind == "images_labels" else ()
        with pytest.raises(ValueError) as err:
            getattr(model, method)(images, *extra, batch_size=4, verbose=0)
        assert_clear(err, pattern)

    check()
    assert changed(start, weights_of(model)) == 0


@pytest.mark.parametrize("name", [n for n in NAMES if families.get(n).batch_kind == "images_labels"])
def test_fit_rejects_bad_labels_before_any_update(name):
    model = model_of(name)
    start = weights_of(model)
    good = images_for(model, 4)

    @FUZZ
    @given(case=bad_labels(model))
    def check(case):
        labels, pattern = case
        with pytest.raises(ValueError) as err:
            model.fit(good, labels, batch_size=4, verbose=0)
        assert_clear(err, pattern)

    check()
    with pytest.raises(ValueError, match=r"\(images, labels\)"):
        model.fit(good, batch_size=4, verbose=0)
    assert changed(start, weights_of(model)) == 0


# --- the other entry points -----------------------------------------------------------------------
def _entry_points(model):
    """`{name: function(images)}` of the model's public methods that take images."""
    points = {}
    labels = np.zeros(4, "int32") if model.label_conditional else None
    if isinstance(model, Encodes):
        points["encode"] = lambda x: model.encode(x, labels=None if labels is None else labels[: len(x)])
        points["reconstruct"] = lambda x: model.reconstruct(x, labels=None if labels is None else labels[: len(x)])
    if isinstance(model, HasLikelihood):
        points["log_prob"] = lambda x: model.log_prob(x, labels=None if labels is None else labels[: len(x)])
    if isinstance(model, Completes):
        points["complete"] = lambda x: model.complete(x, labels=None if labels is None else labels[: len(x)])
    if isinstance(model, Translates):
        points["translate"] = model.translate
    if isinstance(model, ContextEncoder):
        points["inpaint"] = lambda x: model.inpaint(x, np.zeros((*np.shape(x)[:3], 1), "float32"))
    return points


@pytest.mark.parametrize("name", NAMES)
def test_methods_that_take_images_reject_bad_ones(name):
    model = model_of(name)
    points = _entry_points(model)
    if not points:
        pytest.skip(f"{name} has no method that takes images besides fit and evaluate")

    @FUZZ
    @given(case=bad_images(model), point=st.sampled_from(sorted(points)))
    def check(case, point):
        images, pattern = case
        with pytest.raises(ValueError) as err:
            points[point](images)
        assert_clear(err, pattern)

    check()


@pytest.mark.parametrize("name", [n for n in NAMES if issubclass(families.get(n).model_class(), Generates)])
def test_generate_rejects_bad_counts_labels_and_latent_points(name):
    model = model_of(name)

    @FUZZ
    @given(count=st.one_of(st.integers(-5, 0), st.floats(0.1, 9.9).filter(lambda v: v != int(v)),
                           st.sampled_from([float("nan"), float("inf"), "4", None, True])))
    def bad_count(count):
        with pytest.raises(ValueError) as err:
            model.generate(count)
        assert_clear(err, "num_images|either num_images or latent_points")

    bad_count()
    if model.label_conditional:
        @FUZZ
        @given(case=bad_labels(model))
        def bad_label(case):
            labels, pattern = case
            with pytest.raises(ValueError) as err:
                model.generate(4, labels=labels)
            assert_clear(err, pattern)

        bad_label()
    elif model.condition is not None:  # conditioned on attributes (TINY_CONDITION), or a dict of TINY_PARTS
        several = isinstance(model.condition, dict)
        shape = (model.condition["attributes"] if several else model.condition).shape
        good = condition_values(model, 4)

        def attributes(values, pattern):
            """`values` as the attributes, beside good other parts."""
            return ({**good, "attributes": values} if several else values), pattern

        cases = [
            st.floats(1.0001, 1e6).map(lambda v: attributes(np.full((4, *shape), v, "float32"), r"must lie in \[0, 1\]")),
            st.floats(-1e6, -1e-4).map(lambda v: attributes(np.full((4, *shape), v, "float32"), r"must lie in \[0, 1\]")),
            st.sampled_from([np.nan, np.inf]).map(lambda v: attributes(np.full((4, *shape), v, "float32"), "NaN or inf")),
            st.integers(1, 5).filter(lambda a: (a,) != shape).map(
                lambda a: attributes(np.zeros((4, a), "float32"), "shape")),
            st.integers(1, 7).filter(lambda n: n != 4).map(
                lambda n: attributes(np.zeros((n, *shape), "float32"), "one condition per example")),
            st.just((None, "is conditioned on"))]
        if several and "layout" in model.condition:
            layout = model.condition["layout"]
            cases += [
                st.integers(layout.num_regions, 99).map(
                    lambda k: ({**good, "layout": np.full((4, *layout.shape), k, "int32")}, r"ids must lie in")),
                st.sampled_from(sorted(good)).map(
                    lambda part: ({key: value for key, value in good.items() if key != part}, "parts")),
                st.just(({**good, "caption": good["attributes"]}, "parts")),
                st.just((good["attributes"], "parts"))]

        @FUZZ
        @given(case=st.one_of(*cases))
        def bad_condition(case):
            conditions, pattern = case
            with pytest.raises(ValueError) as err:
                model.generate(4, conditions=conditions)
            assert_clear(err, pattern)

        bad_condition()
    else:
        with pytest.raises(ValueError, match="not conditional"):
            model.generate(2, labels=[0, 1])
    if isinstance(model, SamplesFromPrior):
        @FUZZ
        @given(points=st.one_of(
            st.integers(1, 5).filter(lambda d: d != model.latent_dim).map(lambda d: (np.zeros((2, d)), r"\(n, ")),
            st.sampled_from([np.nan, np.inf]).map(
                lambda v: (np.full((2, model.latent_dim), v, "float32"), "NaN or infinite"))))
        def bad_points(points):
            values, pattern = points
            with pytest.raises(ValueError) as err:
                model.generate(latent_points=values)
            assert_clear(err, pattern)

        bad_points()

        @FUZZ
        @given(temperature=st.one_of(st.floats(max_value=-1e-6), st.sampled_from([float("nan"), float("inf"), "1", None,
                                                                                 True, [1.0]])))
        def bad_temperature(temperature):
            with pytest.raises(ValueError) as err:
                model.generate(2, temperature=temperature)
            assert_clear(err, "temperature must be")

        bad_temperature()


def test_every_family_is_fuzzed_on_the_entry_points_it_has():
    """The registry-wide tests above reach every family; this names what each one gets."""
    for name in NAMES:
        model = model_of(name)
        assert set(_entry_points(model)) <= {"encode", "reconstruct", "log_prob", "complete", "translate", "inpaint"}
        if families.get(name).batch_kind == "images_labels":
            assert model.num_classes == TINY_CLASSES


# --- the command line -----------------------------------------------------------------------------
NUMERIC_FLAGS = {"train": ["--epochs", "--batch-size", "--limit", "--lr", "--checkpoint-every",
                           "--snapshot-every", "--latent-dim", "--width"],
                 "sample": ["--n", "--temperature"], "complete": ["--n", "--num-samples", "--temperature"]}
# Flags for which 0 is a good value (sample's temperature 0 draws the prior's mode).
ZERO_ALLOWED = {("sample", "--temperature")}


@pytest.mark.parametrize("command", sorted(NUMERIC_FLAGS))
def test_bad_numbers_on_the_command_line_are_one_line_usage_errors(command, capsys):
    from keras_gen import cli

    required = {"train": ["dcgan"], "sample": ["model.keras"], "complete": ["model.keras"]}[command]
    bad_number = st.one_of(st.sampled_from(["0", "-1", "-0.5", "nan", "inf", "", "1e999", "two", "1,5", "0x10"]),
                           st.text(alphabet="abc-_,;", min_size=1, max_size=6))

    @FUZZ
    @given(flag=st.sampled_from(NUMERIC_FLAGS[command]), value=bad_number)
    def check(flag, value):
        if value == "0" and (command, flag) in ZERO_ALLOWED:
            args = cli.build_parser().parse_args([command, *required, f"{flag}={value}"])
            assert getattr(args, flag.lstrip("-").replace("-", "_")) == 0.0
            return
        with pytest.raises(SystemExit) as exit_info:
            cli.build_parser().parse_args([command, *required, f"{flag}={value}"])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert f"error: argument {flag}" in err and "Traceback" not in err

    check()


# --- the data loaders -----------------------------------------------------------------------------
def _bad_loader_call():
    """`(function name, keyword arguments, words of the error)`: each call wrong in one argument."""
    bad_int = st.one_of(st.integers(-5, 0), st.sampled_from([2.5, "8", None, True, float("nan")]))
    bad_scale = st.sampled_from([(1, 0), (0, 0), (0,), (0, 1, 2), "unit", (0, float("nan")), (float("inf"), 1)])
    return st.one_of(
        bad_int.map(lambda v: ("load", {"batch_size": v}, "batch_size")),
        bad_scale.map(lambda v: ("load", {"scale": v}, "scale")),
        st.sampled_from([-1, 2.5, "10", True]).map(lambda v: ("load_numpy", {"limit": v}, "limit")),
        st.sampled_from(["colour", "", "Edges", None]).map(lambda v: ("load_pairs", {"task": v}, "Unknown paired task")),
        st.sampled_from([0, 1, 3, 5, 2.0, "4", True]).map(
            lambda v: ("load_pairs", {"task": "superres", "factor": v}, "factor")),
        st.sampled_from([(0, 4), (9, 4), (4,), "big", (4, -1)]).map(
            lambda v: ("load_pairs", {"task": "inpaint", "hole": v}, "hole")),
        st.sampled_from([0.0, 1.0, -0.5, 3]).map(lambda v: ("load_pairs", {"task": "edges", "threshold": v},
                                                              "threshold")),
        st.sampled_from([0, -2, 1.5, "3", True]).map(
            lambda v: ("load_pairs", {"task": "inpaint", "masks": "random", "num_boxes": v}, "num_boxes")),
        st.sampled_from([{"noise": 1}, {"factor": 2}]).map(lambda v: ("load_pairs", {"task": "edges", **v},
                                                                      "takes")),
        st.sampled_from([(["cat"], [1]), ([1], [1]), ([10], [2]), ([-1], [2]), ([1], None)]).map(
            lambda v: ("load_unpaired", {"domain_a": v[0], "domain_b": v[1]}, "domain|class")),
        st.sampled_from([(4, 4), (0, 8)]).map(lambda v: ("load", {"image_size": v}, "image_size")),
    )


def test_data_loaders_reject_bad_arguments():
    import keras_gen

    @FUZZ
    @given(call=_bad_loader_call())
    def check(call):
        function, arguments, pattern = call
        with pytest.raises(ValueError) as err:
            getattr(keras_gen.data, function)("digits", **arguments)
        assert_clear(err, pattern)

    check()
