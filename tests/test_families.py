"""Registry-wide checks: every family in `keras_gen.families` gets them without writing a test.

A new family joins by its registry entry alone; these tests then build it,
train one step, save and reload it, and train it through `keras-gen train`.
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gen
from keras_gen import cli, families
from keras_gen.models import (
    Completes,
    Encodes,
    Generates,
    GenerativeModel,
    SamplesFromPrior,
    Translates,
    capabilities,
)
from tests.test_case import changed, weights_of

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = families.names()
GRID_CAPABILITY = {"samples": Generates, "reconstructions": Encodes, "translations": Translates,
                   "completions": Completes}


def tiny_builder_arguments(family):
    """The family's builder defaults with every size shrunk, so one step takes milliseconds."""
    return {key: (1 if key == "num_blocks" else 4) if isinstance(value, int) and not isinstance(value, bool)
            else value for key, value in family.builder_defaults.items()}


TINY_CLASSES = 3


def tiny_model(name, seed=0):
    family = families.get(name)
    arguments = tiny_builder_arguments(family)
    if family.batch_kind == "images_labels":
        arguments["num_classes"] = TINY_CLASSES
    return family.build((8, 8, 1), seed=seed, **arguments)


def images_for(model, count=8, seed=0):
    """Random 8-bit images in the model's scale (models of discrete pixels need the 8-bit grid)."""
    low, high = model.data_scale
    levels = np.random.default_rng(seed).integers(0, 256, (count, 8, 8, 1))
    return (low + levels * ((high - low) / 255.0)).astype("float32")


def fit_data(model, images):
    """`fit` arguments for the family's batch kind: `(images,)`, `(images, labels)`, `(inputs, targets)`
    made by the family's paired task, or `(images_a, images_b)`."""
    if model.batch_kind == "images_labels":
        return images, np.arange(len(images), dtype="int32") % model.num_classes
    if model.batch_kind == "pairs":
        task = families.family_of(model).data_options["task"]
        return keras_gen.data.make_pairs(images, task, scale=model.data_scale, **model.data_options())
    if model.batch_kind == "unpaired":
        return images, images[::-1].copy()
    assert model.batch_kind == "images", f"add the {model.batch_kind} batch kind to these tests"
    return (images,)


def first_input(x):
    """The images of `fit`'s x: x itself, or the images of `(images with hole, masks)`."""
    return x[0] if isinstance(x, tuple) else x


def with_first_input(x, images):
    return (images, *x[1:]) if isinstance(x, tuple) else images


def test_registry_lists_the_first_families():
    assert {"autoencoder", "denoising_autoencoder", "vae", "gan", "dcgan"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_entry_is_consistent(name):
    family = families.get(name)
    model_class = family.model_class()
    assert issubclass(model_class, GenerativeModel)
    assert family.batch_kind in families.BATCH_KINDS
    assert callable(getattr(model_class, "for_images", None))
    assert model_class.__doc__ and "Example" in model_class.__doc__
    for grid in family.grids:
        assert issubclass(model_class, GRID_CAPABILITY[grid]), (name, grid)
    if family.hypermodel:
        assert family.hypermodel_class().model_class is model_class
    assert family.docs and os.path.exists(os.path.join(REPO_ROOT, family.docs))
    assert families.family_of(tiny_model(name)) is family


@pytest.mark.graph  # every family's train step traced once, as fit does for users
@pytest.mark.parametrize("name", NAMES)
def test_one_step_updates_every_player_and_round_trips(name, tmp_path):
    keras.utils.set_random_seed(0)
    model = tiny_model(name)
    for optimizer in model.players().values():
        assert optimizer.built and int(optimizer.iterations.numpy()) == 0
    before = {player: weights_of_player(model, player) for player in model.optimizer_names}
    model.fit(*fit_data(model, images_for(model)), batch_size=8, epochs=1, verbose=0)
    for player, weights in before.items():
        assert int(model.players()[player].iterations.numpy()) >= 1, player
        assert changed(weights, weights_of_player(model, player)) > 0, player
    path = tmp_path / f"{name}.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert type(restored) is type(model) and capabilities(restored) == capabilities(model)
    np.testing.assert_array_equal(outputs(model), outputs(restored))


def weights_of_player(model, player):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in model.optimizer_variables(player)]


def outputs(model):
    if isinstance(model, SamplesFromPrior):
        latent = np.random.default_rng(1).standard_normal((3, model.latent_dim)).astype("float32")
        return model.generate(latent_points=latent)
    if isinstance(model, Completes):
        return model.complete(images_for(model, 3, seed=1), known_rows=4, seed=0)
    if isinstance(model, Translates):
        inputs = first_input(fit_data(model, images_for(model, 3, seed=1))[0])
        return model.translate(inputs)
    return model.reconstruct(images_for(model, 3, seed=1))


@pytest.mark.parametrize("name", NAMES)
def test_bad_batches_get_clear_errors_before_any_update(name):
    model = tiny_model(name)
    start = weights_of(model)
    x, *labels = fit_data(model, images_for(model))
    good = first_input(x)
    with pytest.raises(ValueError, match="Channel mismatch"):
        model.fit(with_first_input(x, np.concatenate([good, good], axis=-1)), *labels, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="data_scale"):
        model.fit(with_first_input(x, good * 255.0 + 2.0), *labels, batch_size=8, verbose=0)
    poisoned = good.copy()
    poisoned[3, 0, 0, 0] = np.nan
    pipeline = tf.data.Dataset.from_tensor_slices((with_first_input(x, poisoned), *labels)).batch(8)
    with pytest.raises(ValueError, match=r"NaN or infinite values.*epoch 1, batch 1"):
        model.fit(pipeline, verbose=0)
    if model.batch_kind in ("pairs", "unpaired"):
        with pytest.raises(ValueError, match="batches of"):
            model.fit(good, batch_size=8, verbose=0)
    elif labels:
        with pytest.raises(ValueError, match=r"\(images, labels\)"):
            model.fit(good, batch_size=8, verbose=0)
        with pytest.raises(ValueError, match=r"Labels must lie in \[0, 3\)"):
            model.fit(good, labels[0] + TINY_CLASSES, batch_size=8, verbose=0)
        with pytest.raises(ValueError, match="one label per image"):
            model.fit(good, labels[0][:-1], batch_size=8, verbose=0)
    assert changed(start, weights_of(model)) == 0


@pytest.mark.graph  # many steps or a compiled loop: tracing pays off
@pytest.mark.parametrize("name", NAMES)
def test_keras_gen_train_runs_every_family(name, tmp_path):
    family = families.get(name)
    out = tmp_path / name
    argv = ["train", name, "--data", "digits", "--limit", "64", "--batch-size", "32",
            "--epochs", "1", "--out", str(out), "--verbose", "0"]
    for key, value in tiny_builder_arguments(family).items():
        flag = key.replace("_", "-")
        argv += [f"--{flag}", str(value)] if key in cli.train.BUILDER_FLAGS else ["--option", f"{key}={value}"]
    if "content_network" in cli.train.accepted_arguments(family.model_class()):
        argv += ["--option", "content_network=None"]  # the pixel loss: no feature network to train here
    assert cli.main(argv) == 0
    model = cli.load_generative_model(str(out / cli.MODEL_FILE))
    assert families.family_of(model) is family
    with open(out / cli.CHECKPOINT_STATE_FILE) as file:
        assert json.load(file)["model"] == name
    expected = {"samples": cli.SAMPLES_FILE, "reconstructions": cli.RECONSTRUCTIONS_FILE,
                "completions": cli.COMPLETIONS_FILE, "translations": cli.TRANSLATIONS_FILE}
    for grid in family.grids:
        assert (out / expected[grid]).exists(), grid
        assert (out / "snapshots" / f"{grid}_epoch_0001.png").exists(), grid


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
