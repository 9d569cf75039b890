"""The family contract: what every family must do, checked for each entry of `keras_gen.families`.

A family joins by its registry entry alone; every test here then runs on it, on
a tiny model of its builder (`tiny_model`), and on the `VARIANTS` (options that
take a family's train step down another path than its defaults). Every family:

- has a consistent entry: a `GenerativeModel` with `for_images`, a documented
  class, the capability behind each snapshot grid, its docs page and HyperModel;
- builds compiled, with every player's optimizer built at 0 iterations;
- trains one step: every player's optimizer steps and every one of its
  weights changes (but those the loss cannot see, `blind_to_one_step`), and
  no two players share a variable (each player's weights change in its own
  update);
- saves and loads: the same class, capabilities, settings, sub-network layers,
  optimizer state and outputs (samples from fixed latent points,
  reconstructions, completions, translations in every direction);
- resumes: trained one epoch, saved, loaded and trained one more, it ends with
  the weights of two epochs straight, and its optimizers count on;
- repeats: the same seeds give the same losses and outputs; other seeds draw
  other latent points; latent points of the wrong size are a clear error;
- refuses bad batches (rank, dtype, channels, size, NaN, empty, scale, labels,
  batch kind) with a clear ValueError before any weight changes;
- trains through `keras-gen train NAME`, its step traced as `fit` traces it for
  users (the other tests run eagerly, `tests/conftest.py`), and writes its
  model, checkpoint state and snapshot grids.

A family's own file (`tests/models/test_<family>.py`) checks only what is its
own: its losses against independent math, its networks, its options and their
errors. Bad input is also fuzzed for every family in `tests/test_fuzzing.py`.
"""

import inspect
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gen
from keras_gen import cli, families, recipes
from keras_gen.data import Condition
from keras_gen.models import (
    Completes,
    Encodes,
    Generates,
    GenerativeModel,
    PredictsFrames,
    SamplesFromPrior,
    Translates,
    capabilities,
)
from tests.test_case import changed, variables_of, weights_of

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = families.names()
GRID_CAPABILITY = {"samples": Generates, "reconstructions": Encodes, "translations": Translates,
                   "completions": Completes, "predictions": PredictsFrames}


def tiny_builder_arguments(family):
    """The family's builder defaults with every size shrunk, so one step takes milliseconds."""
    return {key: (1 if key == "num_blocks" else 4) if isinstance(value, int) and not isinstance(value, bool)
            else value for key, value in family.builder_defaults.items()}


TINY_CLASSES = 3
# What families conditioned on more than a class get here: three attributes in [0, 1].
TINY_CONDITION = Condition.attributes(["ink", "brightness", "height"])
# The captions of the tiny data set of `keras-gen train` (families whose registry entry names `captions`).
TINY_CAPTIONS = Condition.tokens(["thin", "thick", "dim", "bright", "digit"], max_length=3)
# Its layout: a 4x4 map of the 8x8 digits, 0 background, 1 dim ink, 2 bright ink.
TINY_LAYOUT = Condition.layout((4, 4), num_regions=3)
# What a family whose registry entry names several conditions gets for each of them.
TINY_PARTS = {"attributes": TINY_CONDITION, "layout": TINY_LAYOUT, "captions": TINY_CAPTIONS}


def condition_values(model, count, seed=0):
    """Conditions for `count` images of a model conditioned on `TINY_CONDITION` (or a dict of `TINY_PARTS`):
    attributes in [0, 1], layouts of random region ids; None for the other models."""
    condition = model.condition
    if condition is None or getattr(condition, "kind", None) == "classes":
        return None
    rng = np.random.default_rng(seed)

    def values(part):
        if part.kind == "layout":
            return rng.integers(0, part.num_regions, (count, *part.shape)).astype("int32")
        return rng.uniform(0, 1, (count, *part.shape)).astype("float32")

    return {name: values(part) for name, part in condition.items()} if isinstance(condition, dict) else values(
        condition)


def tiny_condition(family):
    """The condition of a tiny model of `family`: `TINY_CONDITION`, or for a family of several conditions
    (al_cgan) a dict of their `TINY_PARTS`."""
    if isinstance(family.conditions, tuple):
        return {name: TINY_PARTS[name] for name in family.conditions}
    return TINY_CONDITION


def tiny_content_network():
    """A small fixed feature network for SRGAN's content loss (a trained one takes a minute)."""
    inputs = keras.Input((8, 8, 1))
    features = keras.layers.Conv2D(3, 3, padding="same", name="features")(inputs)
    return keras.Model(inputs, keras.layers.Flatten()(features), name="content_network")


# Options that send a family's train step down another path than its defaults: `{case: (family, options)}`.
VARIANTS = {
    "vae+discretized_logistic": ("vae", lambda: {"reconstruction": "discretized_logistic"}),
    "pixelcnn+logistic_mixture": ("pixelcnn", lambda: {"output": "logistic_mixture", "num_mixtures": 3}),
    "gated_pixelcnn+num_classes": ("gated_pixelcnn", lambda: {"output": "categorical", "num_classes": TINY_CLASSES}),
    "srgan+content_network": ("srgan", lambda: {"content_network": tiny_content_network()}),
}
CASES = [*NAMES, *VARIANTS]


# What one example of the tests' tiny models is, by the kind of data the family trains on; families that
# sample pixel by pixel get smaller clips, so that drawing a few takes a second.
TINY_SHAPES = {"images": (8, 8, 1), "videos": (4, 8, 8, 1), "voxels": (8, 8, 8, 1)}
TINY_FAMILY_SHAPES = {"video_pixelcnn": (3, 2, 2, 1)}


def tiny_model(name, seed=0, compile=True):
    """A tiny model of the family `name`, or of the variant `name` of `VARIANTS`, for 8x8x1 images (4 frames of
    8x8 for models of clips, 8^3 grids for models of voxels)."""
    family_name, options = VARIANTS.get(name, (name, dict))
    family = families.get(family_name)
    arguments = tiny_builder_arguments(family)
    if family.batch_kind == "images_labels":
        arguments["num_classes"] = TINY_CLASSES
    if family.batch_kind == "images_conditions":
        arguments["condition"] = tiny_condition(family)
    shape = TINY_FAMILY_SHAPES.get(family_name, TINY_SHAPES[family.data_kind])
    return family.build(shape, seed=seed, compile=compile, **{**arguments, **options()})


def model_class_of(case):
    return families.get(VARIANTS.get(case, (case,))[0]).model_class()


def images_for(model, count=8, seed=0):
    """Random 8-bit images in the model's scale (models of discrete pixels need the 8-bit grid), binarized
    for models of binary pixels (NADE, MADE)."""
    low, high = model.data_scale
    levels = np.random.default_rng(seed).integers(0, 256, (count, *model.data_shape))
    images = (low + levels * ((high - low) / 255.0)).astype("float32")
    return keras_gen.data.binarize_images(images, model.data_scale) if getattr(model, "binary_pixels", False) else images


def fit_data(model, images):
    """`fit` arguments for the family's batch kind (`keras_gen.data.batch_arrays`): `(images,)`,
    `(images, labels)`, `(inputs, targets)` made by the family's paired task, or `(images_a, images_b)`."""
    return keras_gen.data.batch_arrays(
        model.batch_kind,
        images,
        labels=np.arange(len(images), dtype="int32") % (model.num_classes or 1),
        other_domain=images[::-1].copy(),
        conditions=condition_values(model, len(images)),
        scale=model.data_scale,
        **recipes.task_options(model),
    )


def first_input(x):
    """The images of `fit`'s x: x itself, or the images of `(images with hole, masks)`."""
    return x[0] if isinstance(x, tuple) else x


def with_first_input(x, images):
    return (images, *x[1:]) if isinstance(x, tuple) else images


def contract_data(model):
    """`fit_data` of 8 images; a family that learns from unlabelled images gets half of them unlabelled (-1)."""
    data = fit_data(model, images_for(model))
    if model.accepts_unlabelled:
        images, labels = data
        data = images, np.where(np.arange(len(labels)) % 2 == 0, -1, labels).astype("int32")
    return data


def outputs(model):
    """What the model makes from fixed inputs, by every capability it has: `{what: images}`."""
    images = images_for(model, 3, seed=1)
    labels = np.arange(3, dtype="int32") % model.num_classes if model.label_conditional else None
    if labels is None:
        labels = condition_values(model, 3, seed=1)
    made = {}
    if isinstance(model, SamplesFromPrior):
        latent = np.random.default_rng(1).standard_normal((3, model.latent_dim)).astype("float32")
        made["samples"] = model.generate(latent_points=latent, conditions=condition_values(model, 3, seed=1))
    if isinstance(model, Encodes):
        made["reconstructions"] = model.reconstruct(images, labels=labels)
    if isinstance(model, Completes):
        # The last row only: sampling runs pixel by pixel, and one row exercises it.
        made["completions"] = model.complete(images, known_rows=7, labels=labels, seed=0)
    if not isinstance(model, (SamplesFromPrior, Completes)) and isinstance(model, Generates):
        # Families that sample without a latent prior (NADE, MADE, DRAW): a grid depends only on its seed.
        made["samples"] = model.grid_samples(n=3, seed=0)[0]
    if isinstance(model, PredictsFrames):
        made["predictions"] = model.predict_next(images[:, 0], latent_points=model.fixed_motion_codes(3, 1, seed=1))
    if isinstance(model, Translates):
        inputs = first_input(fit_data(model, images)[0])
        made["translations"] = model.translate(inputs)
        if "direction" in inspect.signature(model.translate).parameters:
            made["translations_back"] = model.translate(inputs, direction="b_to_a")
    assert made, f"{type(model).__name__} makes nothing these tests know how to compare"
    return made


def assert_makes(model, expected):
    """`model` makes exactly the `expected` outputs (an `outputs` dict of another model)."""
    made = outputs(model)
    assert list(made) == list(expected)
    for what, images in made.items():
        np.testing.assert_array_equal(images, expected[what], err_msg=what)


def weights_of_player(model, player):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in model.optimizer_variables(player)]


def blind_to_one_step(model):
    """Weights a step cannot move: under the Wasserstein loss (a difference of mean scores) the critic's output
    bias cancels out."""
    return {"logit/bias"} if getattr(model, "loss_name", None) == "wasserstein" else set()


def iterations(model):
    return [int(optimizer.iterations.numpy()) for optimizer in model.players().values()]


def optimizer_state(optimizer):
    """The optimizer's variables (iterations, moments) as numpy arrays."""
    return [np.array(keras.ops.convert_to_numpy(v)) for v in optimizer.variables]


def settings(config):
    """A model config without its sub-networks (whose layer auto-names vary)."""
    return {key: value for key, value in config.items() if not isinstance(value, dict)}


def assert_round_trip(model, restored):
    """`restored`, loaded from `model`'s `.keras` file, is the same model in every respect we can see.

    Drawing their outputs may advance both models' seed generators.
    """
    assert type(restored) is type(model) and capabilities(restored) == capabilities(model)
    assert settings(restored.get_config()) == settings(model.get_config())
    for network, restored_network in zip(model._flatten_layers(False), restored._flatten_layers(False)):
        if isinstance(network, keras.Model):
            assert [type(x).__name__ for x in network.layers] == [type(x).__name__ for x in restored_network.layers]
    for name, optimizer in model.players().items():
        state, restored_state = optimizer_state(optimizer), optimizer_state(restored.players()[name])
        assert len(state) == len(restored_state) > 1, name
        for a, b in zip(state, restored_state):
            np.testing.assert_array_equal(a, b, err_msg=name)
    assert_makes(restored, outputs(model))


def test_registry_lists_the_first_families():
    assert {"autoencoder", "denoising_autoencoder", "vae", "gan", "dcgan"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_entry_is_consistent(name):
    family = families.get(name)
    model_class = family.model_class()
    assert issubclass(model_class, GenerativeModel)
    assert family.batch_kind in families.BATCH_KINDS
    assert callable(getattr(model_class, family.builder, None))
    assert model_class.data_kind == family.data_kind
    assert model_class.__doc__ and "Example" in model_class.__doc__
    for grid in family.grids:
        assert issubclass(model_class, GRID_CAPABILITY[grid]), (name, grid)
    if family.hypermodel:
        assert family.hypermodel_class().model_class is model_class
    assert family.docs and os.path.exists(os.path.join(REPO_ROOT, family.docs))
    assert families.family_of(tiny_model(name)) is family


# The variants' steps go down their other paths in the default run's per-case tests below (bad batches, seeds);
# their round trips (2-6 s each on a slow 2-core machine) run with -m slow.
@pytest.mark.parametrize("case", [pytest.param(case, marks=[pytest.mark.slow] if case in VARIANTS else [])
                                  for case in CASES])
def test_one_step_per_player_round_trip_resume_and_same_seeds(case, tmp_path):
    def fresh():
        keras.utils.set_random_seed(3)
        return tiny_model(case, seed=3)

    def fit(model, epochs=1):
        return model.fit(*contract_data(model), batch_size=8, epochs=epochs, shuffle=False, verbose=0).history

    # Built compiled; the same seeds build the same model: every variable, the seed generators' states included.
    model, twin = fresh(), fresh()
    for a, b in zip(variables_of(model), variables_of(twin), strict=True):
        np.testing.assert_array_equal(a, b)
    del twin
    for optimizer in model.players().values():
        assert optimizer.built and int(optimizer.iterations.numpy()) == 0
    owned = [id(v) for player in model.optimizer_names for v in model.optimizer_variables(player)]
    assert len(owned) == len(set(owned)), "two players update the same variable"
    # One step updates every player, each its own variables.
    before = {player: weights_of_player(model, player) for player in model.optimizer_names}
    fit(model)
    for player, weights in before.items():
        assert int(model.players()[player].iterations.numpy()) >= 1, player
        after = weights_of_player(model, player)
        assert changed(weights, after) > 0, player
        unchanged = {variable.path for variable, old, new in zip(model.optimizer_variables(player), weights, after)
                     if np.array_equal(old, new)}
        assert unchanged <= blind_to_one_step(model), (player, unchanged)
    # Saved and loaded: the same model (drawing their outputs moves both models' seed generators alike).
    path = tmp_path / "model.keras"
    model.save(path)
    resumed = keras.saving.load_model(path)
    for a, b in zip(variables_of(model), variables_of(resumed), strict=True):
        np.testing.assert_array_equal(a, b)
    assert_round_trip(model, resumed)
    # Resumed from the file: as if never interrupted, and the optimizers count on. A state the file does not
    # hold would make them differ, and so would a step that draws from anything but the model's seeded state
    # (the two runs start from the same state, the process-wide generators from different ones): with the
    # same-seed build above, the same seeds give the same run.
    steps_before = iterations(resumed)
    fit(model)
    fit(resumed)
    assert all(after > before > 0 for before, after in zip(steps_before, iterations(resumed)))
    for a, b in zip(variables_of(model), variables_of(resumed), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", [case for case in CASES if issubclass(model_class_of(case), (SamplesFromPrior, Encodes))])
def test_seeds_choose_the_latent_draws_and_latent_sizes_are_checked(case):
    model = tiny_model(case, seed=1, compile=False)
    wrong = np.zeros((2, model.latent_dim + 1), "float32")
    if isinstance(model, SamplesFromPrior):
        other = tiny_model(case, seed=2, compile=False)
        assert not np.array_equal(model.sample_latent(4), other.sample_latent(4))
        latent = np.random.default_rng(1).standard_normal((4, model.latent_dim)).astype("float32")
        assert model.generate(latent_points=latent, conditions=condition_values(model, 4)).shape == (
            4, *model.data_shape)
        with pytest.raises(ValueError, match=rf"\(n, {model.latent_dim}\)"):
            model.generate(latent_points=wrong)
    if isinstance(model, Encodes):
        with pytest.raises(ValueError, match=rf"\(n, {model.latent_dim}\)"):
            model.decode(wrong)


@pytest.mark.parametrize("case", CASES)
def test_bad_batches_get_clear_errors_before_any_update(case):
    model = tiny_model(case)
    start = weights_of(model)
    x, *labels = contract_data(model)
    good = first_input(x)

    def fit_with(images, *others, **kwargs):
        model.fit(with_first_input(x, images), *(labels if not others else others), batch_size=8, verbose=0, **kwargs)

    with pytest.raises(ValueError, match="rank-3|add the channel axis"):
        fit_with(good[..., 0])
    with pytest.raises(ValueError, match="integer dtype"):
        fit_with(np.zeros(good.shape, "uint8"))
    with pytest.raises(ValueError, match="Channel mismatch"):
        fit_with(np.concatenate([good, good], axis=-1))
    with pytest.raises(ValueError, match="size mismatch"):
        fit_with(good[..., :-1, :-1, :])
    with pytest.raises(ValueError, match="empty"):
        empty = tuple(part[:0] for part in x) if isinstance(x, tuple) else x[:0]
        model.fit(empty, *(keras.tree.map_structure(lambda values: values[:0], part) for part in labels),
                  batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="data_scale"):
        fit_with(good * 255.0 + 2.0)
    poisoned = good.copy()
    poisoned[3, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fit_with(poisoned)
    pipeline = tf.data.Dataset.from_tensor_slices((with_first_input(x, poisoned), *labels)).batch(8)
    with pytest.raises(ValueError, match=r"NaN or infinite values.*epoch 1, batch 1"):
        model.fit(pipeline, verbose=0)
    if model.batch_kind in ("pairs", "unpaired"):
        with pytest.raises(ValueError, match="batches of"):
            model.fit(good, batch_size=8, verbose=0)
    elif model.batch_kind == "images_conditions":
        conditions = labels[0]
        attributes = conditions["attributes"] if isinstance(conditions, dict) else conditions

        def with_attributes(values):
            return {**conditions, "attributes": values} if isinstance(conditions, dict) else values

        with pytest.raises(ValueError, match=r"\(images, conditions\)"):
            model.fit(good, batch_size=8, verbose=0)
        with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
            model.fit(good, with_attributes(attributes + 1.5), batch_size=8, verbose=0)
        with pytest.raises(ValueError, match="one condition per example"):
            model.fit(good, with_attributes(attributes[:-1]), batch_size=8, verbose=0)
    elif labels:
        with pytest.raises(ValueError, match=r"\(images, labels\)"):
            model.fit(good, batch_size=8, verbose=0)
        with pytest.raises(ValueError, match=r"Labels must lie in \[0, 3\)"):
            model.fit(good, labels[0] + TINY_CLASSES, batch_size=8, verbose=0)
        with pytest.raises(ValueError, match="one label per image"):
            model.fit(good, labels[0][:-1], batch_size=8, verbose=0)
    assert changed(start, weights_of(model)) == 0


@pytest.fixture
def tiny_attribute_data(monkeypatch):
    """'tiny_attributes': the 8x8 digits with `TINY_CONDITION` measured on their pixels, `TINY_CAPTIONS` made
    of them and a `TINY_LAYOUT` of their ink, for conditioned families."""
    from keras_gen.data import registry

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    def load(split, data_dir):
        images, labels = keras_gen.data.load_numpy("digits", split, scale=(0, 255))
        unit = images[..., 0] / 255.0
        mass = np.maximum(unit.sum(axis=(1, 2)), 1e-6)
        attributes = np.stack([(unit > 0.1).mean(axis=(1, 2)), unit.max(axis=(1, 2)),
                               (unit.sum(axis=2) * np.arange(8)).sum(axis=1) / mass / 7], axis=1)
        words = [f"{'thick' if ink > 0.4 else 'thin'} {'bright' if peak > 0.9 else 'dim'} digit"
                 for ink, peak in attributes[:, :2]]
        cells = unit.reshape(-1, 4, 2, 4, 2).mean(axis=(2, 4))
        layout = np.where(cells > 0.5, 2, np.where(cells > 0.1, 1, 0)).astype("int32")
        conditions = {"attributes": attributes.astype("float32"), "captions": TINY_CAPTIONS.tokenize(words),
                      "layout": layout}
        return np.round(images).astype("uint8"), labels, conditions

    keras_gen.data.register("tiny_attributes", load, (8, 8, 1), 10,
                            conditions={"attributes": TINY_CONDITION, "captions": TINY_CAPTIONS,
                                        "layout": TINY_LAYOUT})
    return "tiny_attributes"


@pytest.fixture
def tiny_volume_data(monkeypatch):
    """'tiny_clips' (digits moving on 4 frames of 8x8) and 'tiny_voxels' (8^3 shapes), for families of
    clips and voxel grids: `{data_kind: name}`."""
    from keras_gen.data import registry

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    def clips(split, data_dir):
        images, labels = keras_gen.data.load_numpy("digits", split, scale=(0, 255), limit=64)
        made, _ = keras_gen.data.moving_sprites(np.round(images).astype("uint8"), frames=4, canvas=8,
                                                sprite_size=4, scale=(0, 255))
        return np.round(made).astype("uint8"), labels

    def voxels(split, data_dir):
        return keras_gen.data.voxel_shapes(64, size=8, seed=0 if split == "train" else 1)

    keras_gen.data.register("tiny_clips", clips, None, 10, example_shape=(4, 8, 8, 1), kind="videos")
    keras_gen.data.register("tiny_voxels", voxels, None, 3, example_shape=(8, 8, 8, 1), kind="voxels",
                            value_range=(0, 1))
    return {"videos": "tiny_clips", "voxels": "tiny_voxels"}


# The families whose `keras-gen train` the default run traces: one of each kind of data (images, clips, voxel
# grids), batch (images, labels, conditions, pairs), condition (attributes, captions) and grid (samples,
# reconstructions, completions, translations, predictions) that the command handles. Tracing a step is most
# of the cost (up to 30 s for CycleGAN's four players on a slow 2-core machine), so the other families run with
# `-m slow`, which traces every family's step. The default run still trains through `keras-gen train` DCGAN and
# the VAE (tests/cli/test_cli.py), VideoGAN (below), CycleGAN, SRResNet and the context encoder
# (tests/cli/test_translate_cli.py), and traces AL-CGAN's, GAN-CLS's, StackGAN's, WGAN-GP's, ProGAN's and the
# PixelCNNs' steps in their own tests (tests/models, `graph`).
CLI_DEFAULT_FAMILIES = {"autoencoder", "attribute2image", "cgan", "cross_conv_cvae", "gan_cls", "pix2pix", "pixelcnn",
                        "voxel_gan"}


def test_the_default_cli_families_cover_every_kind_of_data_batch_condition_and_grid():
    def kinds(names):
        found = set()
        for family in map(families.get, names):
            conditions = (family.conditions,) if isinstance(family.conditions, str) else family.conditions or ()
            found |= {("batch", family.batch_kind), ("data", family.data_kind)}
            found |= {("grid", grid) for grid in family.grids} | {("condition", name) for name in conditions}
        return found

    assert CLI_DEFAULT_FAMILIES <= set(NAMES)
    # Trained or traced by the default run elsewhere: CycleGAN's unpaired batches through `keras-gen train`
    # (tests/cli/test_translate_cli.py), AL-CGAN's layouts in its traced step (tests/models/test_al_cgan.py).
    elsewhere = {("batch", "unpaired"), ("condition", "layout")}
    assert kinds(NAMES) - kinds(CLI_DEFAULT_FAMILIES) <= elsewhere


@pytest.mark.graph  # the train step traced once, as fit does for users
@pytest.mark.parametrize("name", [pytest.param(name, marks=[] if name in CLI_DEFAULT_FAMILIES else [pytest.mark.slow])
                                  for name in NAMES])
def test_keras_gen_train_runs_every_family(name, tmp_path, tiny_attribute_data, tiny_volume_data):
    family = families.get(name)
    out = tmp_path / name
    data = tiny_attribute_data if family.batch_kind == "images_conditions" else "digits"
    data = tiny_volume_data.get(family.data_kind, data)
    argv = ["train", name, "--data", data, "--limit", "64", "--batch-size", "32",
            "--epochs", "1", "--out", str(out), "--verbose", "0"]
    for key, value in tiny_builder_arguments(family).items():
        flag = key.replace("_", "-")
        argv += [f"--{flag}", str(value)] if key in cli.train.BUILDER_FLAGS else ["--option", f"{key}={value}"]
    if "content_network" in cli.train.accepted_arguments(family.model_class(), family.builder):
        argv += ["--option", "content_network=None"]  # the pixel loss: no feature network to train here
    assert cli.main(argv) == 0
    model = cli.load_generative_model(str(out / cli.MODEL_FILE))
    assert families.family_of(model) is family
    with open(out / cli.CHECKPOINT_STATE_FILE) as file:
        assert json.load(file)["model"] == name
    expected = {"samples": cli.SAMPLES_FILE, "reconstructions": cli.RECONSTRUCTIONS_FILE,
                "completions": cli.COMPLETIONS_FILE, "translations": cli.TRANSLATIONS_FILE,
                "predictions": cli.PREDICTIONS_FILE}
    if family.data_kind == "videos":  # an animated grid of clips
        expected["samples"] = cli.SAMPLES_CLIPS_FILE
    for grid in family.grids:
        assert (out / expected[grid]).exists(), grid
        snapshot = f"{grid}_epoch_0001" + os.path.splitext(expected[grid])[1]
        assert (out / "snapshots" / snapshot).exists(), grid
    if family.data_kind == "voxels":  # a slice montage and a 3-D plot
        assert (out / cli.SAMPLES_3D_FILE).exists() and (out / "snapshots" / "samples_3d_epoch_0001.png").exists()


@pytest.mark.graph
def test_keras_gen_train_conditions_a_class_family_on_the_data_sets_conditions(tmp_path, tiny_attribute_data, capsys):
    family = families.get("cgan")
    argv = ["train", "cgan", "--data", tiny_attribute_data, "--conditions", "attributes", "--limit", "32",
            "--batch-size", "32", "--epochs", "1", "--out", str(tmp_path / "run"), "--verbose", "0"]
    for key, value in tiny_builder_arguments(family).items():
        flag = key.replace("_", "-")
        argv += [f"--{flag}", str(value)] if key in cli.train.BUILDER_FLAGS else ["--option", f"{key}={value}"]
    assert cli.main(argv) == 0
    model = cli.load_generative_model(str(tmp_path / "run" / cli.MODEL_FILE))
    assert model.condition == TINY_CONDITION and model.batch_kind == "images_conditions" and model.num_classes is None
    assert cli.main(["train", "dcgan", "--data", tiny_attribute_data, "--conditions", "attributes",
                     "--out", str(tmp_path / "other")]) == cli.EXIT_USAGE
    assert "not conditioned on a data set's conditions" in capsys.readouterr().err
    assert not (tmp_path / "other" / cli.MODEL_FILE).exists()


def test_builder_flag_a_family_does_not_take_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["train", "gan", "--data", "digits", "--width", "8", "--out", str(tmp_path)]) == cli.EXIT_USAGE
    assert "no --width" in capsys.readouterr().err


def test_help_and_models_answer_without_tensorflow():
    code = (
        "import sys, contextlib, io\n"
        "from keras_gen.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out: main(['models'])\n"
        "assert 'tensorflow' not in sys.modules, 'models imported TensorFlow'\n"
        "print(out.getvalue())\n"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr
    for family in families.families():
        assert f"{family.name}" in result.stdout and family.description in result.stdout


def test_register_family_reaches_the_cli(tmp_path):
    family = families.Family(
        "tiny_autoencoder", "keras_gen.models.autoencoders.autoencoder:Autoencoder", "for this test",
        builder_defaults={"latent_dim": 4, "width": 4}, grids=("reconstructions",), docs="docs/autoencoder.md",
    )
    families.register_family(family)
    try:
        argv = ["train", "tiny_autoencoder", "--data", "digits", "--limit", "32", "--batch-size", "32",
                "--epochs", "1", "--out", str(tmp_path), "--verbose", "0"]
        assert cli.main(argv) == 0
        with pytest.raises(ValueError, match="already registered"):
            families.register_family(family)
    finally:
        families._REGISTRY.pop("tiny_autoencoder")


def test_unknown_family_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown model family 'vqvae'.*dcgan"):
        families.get("vqvae")
    with pytest.raises(ValueError, match="no keras-tuner HyperModel"):
        families.get("autoencoder").hypermodel_class()


def test_package_imports_lazily():
    assert keras_gen.families is families
    with pytest.raises(AttributeError):
        keras_gen.no_such_module  # noqa: B018


def test_import_keras_then_keras_gen_is_enough_to_load_a_saved_model(tmp_path):
    path = tmp_path / "model.keras"
    tiny_model("pixelcnn").save(path)
    script = f"import keras, keras_gen; print(type(keras.saving.load_model({str(path)!r})).__name__)"
    env = {**os.environ, "PYTHONPATH": REPO_ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "PixelCNN"


def test_unknown_option_is_a_clear_error(tmp_path, capsys):
    argv = ["train", "autoencoder", "--data", "digits", "--option", "bogus=3", "--out", str(tmp_path)]
    assert cli.main(argv) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "bogus" in err and "for_images" in err


@pytest.mark.graph
@pytest.mark.parametrize("name", ["video_gan", pytest.param("voxel_gan", marks=pytest.mark.slow)])  # 41 s
def test_keras_gen_resume_and_sample_work_for_clips_and_voxel_grids(name, tmp_path, tiny_volume_data):
    import imageio.v3 as iio

    family = families.get(name)
    run = tmp_path / "run"
    argv = ["train", name, "--data", tiny_volume_data[family.data_kind], "--limit", "64", "--batch-size", "32",
            "--out", str(run), "--verbose", "0"]
    for key, value in tiny_builder_arguments(family).items():
        flag = key.replace("_", "-")
        argv += [f"--{flag}", str(value)] if key in cli.train.BUILDER_FLAGS else ["--option", f"{key}={value}"]
    assert cli.main([*argv, "--epochs", "1"]) == 0
    assert cli.main([*argv, "--epochs", "2", "--resume"]) == 0
    with open(run / cli.CHECKPOINT_STATE_FILE) as file:
        assert json.load(file)["epochs_done"] == 2
    model = cli.load_generative_model(str(run / cli.MODEL_FILE))
    assert int(model.g_optimizer.iterations.numpy()) == 4  # 64 examples in batches of 32, two epochs
    arrays = tmp_path / "samples.npy"
    assert cli.main(["sample", str(run / cli.MODEL_FILE), "--n", "4", "--out", str(arrays)]) == 0
    assert np.load(arrays).shape == (4, *family_shape(tiny_volume_data, family))
    if family.data_kind == "videos":
        assert cli.main(["sample", str(run / cli.MODEL_FILE), "--n", "4", "--out", str(tmp_path / "clips.gif")]) == 0
        assert iio.imread(tmp_path / "clips.gif", index=None).shape[0] == 4  # a GIF frame per clip frame
    else:
        assert cli.main(["sample", str(run / cli.MODEL_FILE), "--n", "4", "--out", str(tmp_path / "shapes.png")]) == 0
        assert (tmp_path / "shapes.png").exists() and (tmp_path / "shapes_3d.png").exists()


def family_shape(data_names, family):
    return keras_gen.data.info(data_names[family.data_kind]).example_shape
