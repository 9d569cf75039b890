"""The `keras-gen` command: train, sample, resume, NaN handling and error messages.

Most tests call `keras_gen.cli.main` in-process (a subprocess pays TensorFlow's
import each time); one runs `python -m keras_gen --help` for real.
"""

import csv
import json
import os
import re
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_gen
from keras_gen import cli, families, recipes
from tests.cli import training_data_name

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Small networks and a 256-image subset: each run takes seconds.
TINY = [
    "--epochs",
    "1",
    "--limit",
    "256",
    "--batch-size",
    "64",
    "--width",
    "8",
    "--latent-dim",
    "8",
]


DATA = training_data_name()
IMAGE_SHAPE = keras_gen.data.info(DATA).image_shape


def grid_size(count, columns, image_shape=IMAGE_SHAPE, padding=2):
    """(width, height) in pixels of an `image_grid` of `count` images."""
    rows = -(-count // columns)
    return (
        columns * (image_shape[1] + padding) - padding,
        rows * (image_shape[0] + padding) - padding,
    )


def read_history(run_dir):
    with open(os.path.join(run_dir, cli.HISTORY_FILE), newline="") as file:
        return list(csv.DictReader(file))


def read_state(run_dir):
    with open(os.path.join(run_dir, cli.CHECKPOINT_STATE_FILE)) as file:
        return json.load(file)


def train(model, out, *extra):
    return cli.main(
        ["train", model, "--data", DATA, "--out", str(out), "--verbose", "0", *TINY, *extra]
    )


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("dcgan")
    assert train("dcgan", out) == 0
    return out


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("vae")
    assert train("vae", out) == 0
    return out


# --- help -----------------------------------------------------------------------------
def test_module_help_runs_in_a_subprocess():
    env = {**os.environ, "PYTHONPATH": REPO_ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-m", "keras_gen", "--help"],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: keras-gen")
    for command in ("train", "sample", "evaluate"):
        assert command in result.stdout


def test_every_flag_has_help(capsys):
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, cli.argparse._SubParsersAction))
    for name, subparser in commands.choices.items():
        for action in subparser._actions:
            assert action.help, f"'{name} {action.option_strings or action.dest}' has no help"
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args([name, "--help"])
        assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--epochs", "--limit", "--resume", "--snapshot-every", "--num-samples", "--json", "--tensorboard",
                 "--metrics-every"):
        assert flag in out


def test_help_shows_defaults_plainly_and_states_no_timings():
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, cli.argparse._SubParsersAction))
    texts = [parser.format_help()] + [subparser.format_help() for subparser in commands.choices.values()]
    for text in texts:
        flat = " ".join(text.split())  # argparse wraps lines
        assert "(default: [])" not in flat and "(default: None)" not in flat
        assert not re.search(r"\b(minutes?|hours?)\b|\d s\b", flat), flat  # timings live in the README
    train_help = " ".join(commands.choices["train"].format_help().split())
    assert "--option KEY=VALUE any other argument of the family's for_images()" in train_help
    assert "repeatable; ignored with --resume" in train_help
    assert "--seed SEED seed of the weights, latent sampling, shuffling and snapshot latents (default: 0)" in train_help


def test_models_verbose_shows_every_familys_epochs_batch_size_and_task(capsys):
    assert cli.main(["models", "--verbose"]) == 0
    lines = capsys.readouterr().out.splitlines()
    tasks = {"samples": "generation", "reconstructions": "reconstruction", "completions": "completion",
             "predictions": "prediction (continues held-out clips)"}
    for family in families.families():
        index = next(i for i, line in enumerate(lines) if line.split()[0] == family.name)
        defaults = lines[index + 1]
        assert f"{family.epochs} epochs, batch size {family.batch_size}" in defaults, defaults
        task = re.search(r"task: (.+?); keras-gen tune", defaults).group(1)
        if "task" in family.data_options:  # the --task 'train' uses for an image-to-image family
            assert f"--task {family.data_options['task']}" in task, defaults
        elif "domain_a" in family.data_options:
            assert "unpaired translation" in task and str(family.data_options["domain_a"][0]) in task, defaults
        else:
            assert task == ", ".join(tasks[grid] for grid in family.grids), defaults


def test_docs_cli_lists_every_subcommand_and_every_familys_defaults():
    with open(os.path.join(REPO_ROOT, "docs", "cli.md"), encoding="utf-8") as file:
        text = file.read()
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, cli.argparse._SubParsersAction)).choices
    numbers = {8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve"}
    assert f"It has {numbers[len(commands)]} subcommands" in text
    for command in commands:
        assert f"## `keras-gen {command}" in text, command
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].startswith("`") and cells[2].isdigit():
            rows[cells[0].strip("`")] = cells
    assert set(rows) == set(families.names())
    for family in families.families():
        _, _, epochs, batch_size, _, _ = rows[family.name]
        assert int(epochs) == family.epochs, family.name
        assert batch_size.split()[0] == str(family.batch_size), family.name


# --- train ----------------------------------------------------------------------------
def test_train_dcgan_writes_every_promised_file(dcgan_run):
    for name in ("model.keras", "checkpoint.keras", "history.csv", "losses.png", "samples.png"):
        assert (dcgan_run / name).is_file(), name
    assert (dcgan_run / "snapshots" / "samples_epoch_0001.png").is_file()
    model = keras.saving.load_model(dcgan_run / "model.keras")
    assert isinstance(model, keras_gen.models.DCGAN)
    assert model.latent_dim == 8 and model.data_scale == (-1.0, 1.0)
    history = read_history(dcgan_run)
    assert [row["epoch"] for row in history] == ["0"]
    assert {"d_loss", "g_loss"} <= set(history[0])
    with Image.open(dcgan_run / "samples.png") as image:
        assert image.size == grid_size(64, 8)


def test_train_vae_writes_reconstructions(vae_run):
    for name in ("model.keras", "checkpoint.keras", "history.csv", "losses.png", "samples.png"):
        assert (vae_run / name).is_file(), name
    snapshots = sorted(os.listdir(vae_run / "snapshots"))
    assert snapshots == ["reconstructions_epoch_0001.png", "samples_epoch_0001.png"]
    model = keras.saving.load_model(vae_run / "model.keras")
    assert isinstance(model, keras_gen.models.VAE)
    assert model.data_scale == (0.0, 1.0) and model.reconstruction == "bernoulli"
    assert {"loss", "reconstruction_loss", "kl_loss"} <= set(read_history(vae_run)[0])


def test_train_unknown_data_set_is_a_clear_error(tmp_path, capsys):
    code = cli.main(["train", "vae", "--data", "no_such_data_set", "--out", str(tmp_path)])
    assert code == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("keras-gen: error: Unknown data set 'no_such_data_set'")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "vqvae"],
        ["train", "vae", "--epochs", "0"],
        ["train", "vae", "--lr", "-1"],
        ["sample"],
    ],
)
def test_bad_flags_exit_with_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert "keras-gen" in capsys.readouterr().err


# --- NaN and resume -------------------------------------------------------------------
def _poisoned_from_the_second_epoch(value):
    """A `recipes.load_training_data` stand-in: real images in epoch 1, images full of `value` from epoch 2 on."""
    epochs_started = []

    def images():
        epochs_started.append(True)
        rng = np.random.default_rng(len(epochs_started))
        batch = rng.uniform(-1, 1, (32, *IMAGE_SHAPE)).astype("float32")
        if len(epochs_started) >= 2:
            batch[:] = value
        for _ in range(3):
            yield batch

    def load(model, data, **options):
        dataset = tf.data.Dataset.from_generator(
            images, output_signature=tf.TensorSpec((None, *IMAGE_SHAPE), tf.float32)
        )
        return dataset.apply(tf.data.experimental.assert_cardinality(3))

    return load


def _last_good_checkpoint_is_intact(run_dir):
    assert not (run_dir / "model.keras").exists()
    assert read_state(run_dir)["epochs_done"] == 1
    checkpoint = keras.saving.load_model(run_dir / "checkpoint.keras")
    assert int(checkpoint.d_optimizer.iterations.numpy()) == 3
    assert all(np.isfinite(keras.ops.convert_to_numpy(w)).all() for w in checkpoint.weights)


def test_nan_loss_stops_training_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch, capsys):
    """Finite but enormous images from epoch 2 on: the losses overflow to NaN or infinity."""
    monkeypatch.setattr(recipes, "load_training_data", _poisoned_from_the_second_epoch(3e38))
    code = train("dcgan", tmp_path, "--epochs", "3")

    assert code == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert re.search(r"[dg]_loss became (nan|inf) at epoch 2, batch \d", err), err
    assert "checkpoint.keras" in err and "--resume" in err
    _last_good_checkpoint_is_intact(tmp_path)


def test_nan_in_a_data_pipeline_stops_training_with_a_data_error(tmp_path, monkeypatch, capsys):
    """NaN images inside a tf.data pipeline: a data error naming the batch, before any update."""
    monkeypatch.setattr(recipes, "load_training_data", _poisoned_from_the_second_epoch(np.nan))
    code = train("dcgan", tmp_path, "--epochs", "3")

    assert code == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "NaN or infinite values" in err and "epoch 2, batch 1" in err, err
    assert "checkpoint.keras" in err and "--resume" in err
    _last_good_checkpoint_is_intact(tmp_path)


def test_resume_continues_epochs_and_optimizer_steps(dcgan_run, tmp_path, capsys):
    shutil.copytree(dcgan_run, tmp_path, dirs_exist_ok=True)  # the same one-epoch run, trained once
    steps_per_epoch = read_state(tmp_path)["optimizer_iterations"]["d_optimizer"]
    assert steps_per_epoch == 4  # 256 images in batches of 64
    capsys.readouterr()

    assert train("dcgan", tmp_path, "--resume", "--epochs", "2") == 0

    assert "resuming" in capsys.readouterr().out
    assert [row["epoch"] for row in read_history(tmp_path)] == ["0", "1"]
    state = read_state(tmp_path)
    assert state["epochs_done"] == 2
    assert state["optimizer_iterations"] == {"d_optimizer": 8, "g_optimizer": 8}
    model = keras.saving.load_model(tmp_path / "model.keras")
    assert int(model.g_optimizer.iterations.numpy()) == 8
    assert (tmp_path / "snapshots" / "samples_epoch_0002.png").is_file()


def test_resume_errors(tmp_path, vae_run, capsys):
    # A scheduler may restart a job that died before its first checkpoint with the same command.
    assert train("vae", tmp_path / "empty", "--resume") == 0
    assert "no checkpoint yet" in capsys.readouterr().out
    assert read_state(tmp_path / "empty")["epochs_done"] == 1
    assert train("dcgan", vae_run, "--resume", "--epochs", "2") == cli.EXIT_USAGE
    assert "holds a vae run" in capsys.readouterr().err
    assert train("vae", vae_run, "--resume") == cli.EXIT_USAGE
    assert "pass a larger --epochs" in capsys.readouterr().err


# --- sample ---------------------------------------------------------------------------
def test_sample_writes_a_png_grid_of_the_right_size(dcgan_run, tmp_path):
    out = tmp_path / "grid.png"
    assert cli.main(["sample", str(dcgan_run / "model.keras"), "--n", "10", "--out", str(out)]) == 0
    with Image.open(out) as image:
        assert image.size == grid_size(10, 4)
        assert image.mode == "L"


def test_sample_is_reproducible_with_a_seed(vae_run, tmp_path):
    paths = [tmp_path / f"{i}.png" for i in range(2)]
    for path in paths:
        cli.main(
            ["sample", str(vae_run / "model.keras"), "--n", "4", "--seed", "3", "--out", str(path)]
        )
    assert np.array_equal(np.asarray(Image.open(paths[0])), np.asarray(Image.open(paths[1])))


def test_sample_temperature_scales_the_latent_points(vae_run, tmp_path):
    from keras_gen.callbacks import sample_grid
    from keras_gen.models.capabilities import fixed_latent_points

    out = tmp_path / "cool.png"
    command = ["sample", str(vae_run / "model.keras"), "--n", "4", "--seed", "3", "--out", str(out)]
    assert cli.main([*command, "--temperature", "0"]) == 0
    model = keras.saving.load_model(vae_run / "model.keras")
    # Temperature 0 decodes the prior's modes: with the default VampPrior, grid cell i
    # decodes component i's mean, whatever the seed (N(0, I) would give the origin, repeated).
    means = keras.ops.convert_to_numpy(model._vamp_components()[0])
    modes = model.generate(latent_points=means[np.arange(4) % len(means)])
    expected = sample_grid(model, n=4, seed=3, temperature=0.0)
    assert np.array_equal(np.asarray(Image.open(out)), expected.squeeze())
    np.testing.assert_allclose(model.grid_samples(4, seed=3, temperature=0.0)[0], modes, atol=1e-5)
    np.testing.assert_allclose(model.grid_samples(4, seed=7, temperature=0.0)[0], modes, atol=1e-5)
    warm = model.grid_samples(4, seed=3, temperature=0.5)[0]
    points = fixed_latent_points(4, model.latent_dim, 3) * 0.5
    np.testing.assert_allclose(
        warm, model.generate(latent_points=keras.ops.convert_to_numpy(model.prior_points(points))), atol=1e-5
    )


def _text_file_named_keras(tmp_path):
    path = tmp_path / "notes.keras"
    path.write_text("not a model\n")
    return path


def _plain_sequential(tmp_path):
    path = tmp_path / "classifier.keras"
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save(path)
    return path


def _truncated_archive(tmp_path):
    whole = _plain_sequential(tmp_path)
    path = tmp_path / "truncated.keras"
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a copy or download cut short
    return path


@pytest.mark.parametrize("command", ["sample", "evaluate", "complete", "interpolate"])
@pytest.mark.parametrize(
    "make_file, expected",
    [
        (_text_file_named_keras, "not a Keras model archive"),
        (_truncated_archive, "not a Keras model archive"),
        (_plain_sequential, "holds a Sequential, which is not a keras_gen generative model"),
        (lambda tmp_path: tmp_path / "missing.keras", "no such file"),
    ],
)
def test_foreign_model_files_are_clear_errors(command, make_file, expected, tmp_path, capsys):
    path = make_file(tmp_path)
    assert cli.main([command, str(path)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"keras-gen: error: {path}: ")
    assert expected in err
    assert "saved with model.save()" in err
    assert "Traceback" not in err


# --- evaluate -------------------------------------------------------------------------
@pytest.fixture
def fast_feature_network(monkeypatch, tmp_path_factory):
    """The digits feature network trained for one epoch (seconds), cached for the session."""
    from keras_gen.evaluation import ClassifierRecipe, report
    from keras_gen.evaluation import domain_classifier as real_domain_classifier

    cache_dir = str(tmp_path_factory.getbasetemp() / "feature_networks")

    def one_epoch_classifier(dataset, data_dir=None, **kwargs):
        return real_domain_classifier(
            dataset,
            cache_dir=cache_dir,
            recipe=ClassifierRecipe(epochs=1),
            data_dir=data_dir,
            verbose=0,
        )

    monkeypatch.setattr(report, "domain_classifier", one_epoch_classifier)


def test_train_with_evaluate_then_evaluate_command(tmp_path, fast_feature_network, capsys):
    out = tmp_path / "run"
    code = cli.main(
        ["train", "dcgan", "--data", "digits", "--out", str(out), "--verbose", "0", *TINY]
        + ["--evaluate", "--num-samples", "64"]
    )
    assert code == 0
    report = json.loads((out / "evaluation.json").read_text())
    assert report["data"] == "digits" and report["num_samples"] == 64
    assert {"fid", "kid", "precision", "recall"} <= set(report["results"])
    capsys.readouterr()

    scores = tmp_path / "scores" / "digits.json"
    argv = ["evaluate", str(out / "model.keras"), "--data", "digits", "--num-samples", "64"]
    assert cli.main(argv + ["--metrics", "precision,recall", "--json", str(scores)]) == 0
    printed = capsys.readouterr().out
    assert "precision" in printed and "better" in printed and "fid" not in printed
    # What it will compute on how many images comes first, then each stage with its progress.
    plan = "Evaluating against 'digits' (test): precision, recall on 64 generated and 64 real images."
    assert printed.index(plan) < printed.index("sampling: 64 images") < printed.index("sampling: 64/64 images in")
    assert "feature extraction (real and generated): 128/128 images in" in printed
    results = json.loads(scores.read_text())["results"]
    assert set(results) == {"precision", "recall"}
    assert all(0.0 <= value <= 1.0 for value in results.values())


def test_evaluate_a_likelihood_of_a_gan_fails_before_any_work_naming_its_capabilities(dcgan_run, monkeypatch,
                                                                                      capsys):
    def no_work(*args, **kwargs):
        raise AssertionError("evaluate started work")

    monkeypatch.setattr(keras_gen.evaluation, "evaluate", no_work)
    monkeypatch.setattr(keras_gen.data, "load_numpy", no_work)
    model = str(dcgan_run / "model.keras")
    assert cli.main(["evaluate", model, "--metrics", "fid,nll"]) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.err.startswith(f"keras-gen: error: --metrics nll: {model} holds a DCGAN, which can generate new "
                                   "images; nll needs a model that can give a likelihood log p(x).")
    assert "Metrics it supports: fid, kid, precision, recall" in captured.err
    assert captured.out == ""


def test_evaluate_unknown_metric_is_a_clear_error(dcgan_run, capsys):
    argv = ["evaluate", str(dcgan_run / "model.keras"), "--metrics", "sharpness"]
    assert cli.main(argv) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("keras-gen: error: ") and "sharpness" in err


# --- tune -----------------------------------------------------------------------------
@pytest.mark.parametrize("family", [family.name for family in families.families() if family.hypermodel])
def test_tune_batch_size_defaults_to_the_familys_as_train_does(family, monkeypatch):
    import keras_gen.tuning

    calls = []
    monkeypatch.setattr(keras_gen.tuning, "run_search", lambda *args, **kwargs: calls.append(kwargs))
    assert cli.main(["tune", family, "--data", DATA, "--verbose", "0"]) == 0
    assert calls[-1]["batch_size"] == families.get(family).batch_size
    assert cli.main(["tune", family, "--data", DATA, "--batch-size", "7", "--verbose", "0"]) == 0
    assert calls[-1]["batch_size"] == 7
    parser = cli.build_parser()
    assert parser.parse_args(["tune", family]).batch_size is None  # filled in from the registry
    assert parser.parse_args(["train", family]).batch_size is None


# --- slow: the full data set ----------------------------------------------------------
@pytest.mark.slow
@pytest.mark.skipif(DATA != "fashion_mnist", reason="needs the Fashion-MNIST files")
def test_vae_learns_fashion_mnist_in_one_epoch(tmp_path):
    """One epoch on all 60,000 images (about 1.5 minutes on 2 CPU cores)."""
    assert (
        cli.main(["train", "vae", "--epochs", "1", "--out", str(tmp_path), "--verbose", "0"]) == 0
    )
    history = read_history(tmp_path)
    # An untrained Bernoulli decoder costs about 28 * 28 * log(2) = 543 nats per image.
    assert float(history[0]["loss"]) < 320  # measured: 285
    vae = keras.saving.load_model(tmp_path / "model.keras")
    test_images, _ = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(0, 1), limit=256)
    error = np.abs(vae.reconstruct(test_images) - test_images).mean()
    assert error < 0.12  # measured: 0.075


def test_gan_options_as_flags(tmp_path, capsys):
    out = tmp_path / "hinge"
    argv = ["train", "dcgan", "--data", "digits", "--limit", "64", "--batch-size", "32", "--epochs", "1",
            "--width", "4", "--latent-dim", "4", "--out", str(out), "--verbose", "0",
            "--loss", "hinge", "--ema", "0.9", "--diffaugment"]
    assert cli.main(argv) == 0
    model = cli.load_generative_model(str(out / cli.MODEL_FILE))
    assert model.loss_name == "hinge" and model.ema == 0.9 and model.augment == "color,translation,cutout"
    assert cli.main(["train", "vae", "--data", "digits", "--loss", "hinge", "--out", str(tmp_path / "v")]) == 2
    assert "no --loss" in capsys.readouterr().err


def test_train_vae_two_stage_refits_its_prior_once_training_ends(tmp_path, monkeypatch):
    """`keras-gen train vae --option prior=two_stage` runs `fit_prior` after `fit` (Dai & Wipf's order)."""
    calls, fit_prior = [], keras_gen.models.VAE.fit_prior

    def recording(model, data, *args, **kwargs):
        calls.append((model.prior, model.optimizer.iterations.numpy()))
        return fit_prior(model, data, *args, **kwargs)

    monkeypatch.setattr(keras_gen.models.VAE, "fit_prior", recording)
    argv = ["train", "vae", "--data", "digits", "--limit", "64", "--batch-size", "32", "--epochs", "1",
            "--width", "4", "--latent-dim", "2", "--out", str(tmp_path), "--verbose", "0"]
    assert cli.main([*argv, "--option", "prior=two_stage"]) == 0
    assert calls == [("two_stage", 2)]  # once, after the epoch's two steps
    assert cli.load_generative_model(str(tmp_path / cli.MODEL_FILE)).prior == "two_stage"


def test_semi_supervised_training_keeps_few_labels(tmp_path, capsys):
    argv = ["train", "ssgan", "--data", "digits", "--limit", "128", "--batch-size", "32", "--width", "4",
            "--latent-dim", "4", "--epochs", "1", "--verbose", "0", "--labelled", "20", "--labelled-share", "0.5"]
    assert cli.main([*argv, "--out", str(tmp_path / "ssgan")]) == 0
    assert cli.main(["train", "vae", "--data", "digits", "--labelled", "20", "--out", str(tmp_path / "vae")]) \
        == cli.EXIT_USAGE
    assert "semi-supervised families" in capsys.readouterr().err
    assert cli.main([*argv[:-4], "--labelled", "3", "--out", str(tmp_path / "few")]) == cli.EXIT_USAGE
    assert "at least one label per class" in capsys.readouterr().err

