"""`keras-gen train` speaks while it works: epoch lines with estimates, TensorBoard logs, sample metrics.

One small run (3 epochs of one step of a tiny DCGAN) with `--tensorboard`,
`--metrics-every 3` and `--snapshot-every 2` serves most tests here; its output goes to a StringIO, which
is not a terminal, as a log file or a pipe is not. The sample metrics use the
test run's fast feature network (`tests/evaluation/conftest.py`), trained once
for the whole test run.
"""

import contextlib
import io
import os
import re

import pytest
import tensorflow as tf

from keras_gen import cli
from keras_gen.callbacks import generative_metrics
from tests.cli import training_data_name
from tests.evaluation.conftest import TEST_RECIPE

DATA = training_data_name()
EPOCHS = 3
TINY = ["--data", DATA, "--limit", "64", "--batch-size", "64", "--width", "4", "--latent-dim", "4"]

# 32 images make a biased FID (fewer images than feature dimensions); the numbers do not matter here.
pytestmark = pytest.mark.filterwarnings("ignore:FID with:UserWarning")


@pytest.fixture(scope="module")
def monitored_run(tmp_path_factory, shared_domain_classifier):
    """`(run folder, TensorBoard folder, printed text)` of the 3-epoch run with --tensorboard and --metrics-every 3."""
    root = tmp_path_factory.mktemp("monitored")
    out, logs = root / "run", root / "tensorboard"
    extractor = shared_domain_classifier(DATA, TEST_RECIPE)
    argv = ["train", "dcgan", *TINY, "--epochs", str(EPOCHS), "--out", str(out), "--tensorboard", str(logs),
            "--metrics-every", "3", "--num-samples", "32", "--snapshot-every", "2"]
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(io.StringIO()) as printed:
        patch.setattr(generative_metrics, "domain_classifier", lambda *args, **kwargs: extractor)
        assert cli.main(argv) == 0  # no --verbose: the default for output that is not a terminal
    return out, logs, printed.getvalue()


def read_events(folder):
    """`{tag: {step: value or "image"}}` of every event file in `folder`."""
    found = {}
    for name in sorted(os.listdir(folder)):
        for event in tf.compat.v1.train.summary_iterator(os.path.join(folder, name)):
            for value in event.summary.value:
                if value.metadata.plugin_data.plugin_name == "images":
                    found.setdefault(value.tag, {})[event.step] = "image"
                else:
                    found.setdefault(value.tag, {})[event.step] = float(tf.make_ndarray(value.tensor))
    return found


def read_history_keys(out):
    with open(out / cli.HISTORY_FILE) as file:
        header, *rows = file.read().splitlines()
    return header.split(","), [row.split(",") for row in rows]


# --- progress -------------------------------------------------------------------------
def test_one_line_per_epoch_with_elapsed_time_and_whole_run_estimate(monitored_run):
    _, _, printed = monitored_run
    # format_duration's forms: "4.2 s", "42 s", "1 min 05 s" (a busy machine takes over a minute), "2 h 07 min".
    duration = r"(?:[\d.]+ s|\d+ min \d\d s|\d+ h \d\d min)"
    pattern = re.compile(
        rf"^epoch (\d+)/3 - d_loss: \S+ - .* - elapsed {duration}, whole run about {duration} \({duration} left\)$"
    )
    lines = [line for line in printed.splitlines() if line.startswith(("epoch", "Epoch"))]
    assert len(lines) == EPOCHS, printed  # Keras' own "Epoch 1/3" lines are not printed
    assert [int(match.group(1)) if (match := pattern.match(line)) else line for line in lines] == [1, 2, 3]
    assert "ms/step" not in printed


# --- TensorBoard ----------------------------------------------------------------------
def test_tensorboard_has_every_logged_metric_as_a_scalar_per_epoch(monitored_run):
    out, logs, _ = monitored_run
    columns, _ = read_history_keys(out)
    train_tags = read_events(logs / "train")
    validation_tags = read_events(logs / "validation")
    logged = [key for key in columns if key != "epoch"]
    assert {"d_loss", "g_loss", "real_score", "fake_score", "val_fid"} <= set(logged)
    for key in logged:  # Keras' TensorBoard: "epoch_" + the key, val_ keys in the validation run
        if key.startswith("val_"):
            assert f"epoch_{key[4:]}" in validation_tags, (key, sorted(validation_tags))
        else:
            assert set(train_tags[f"epoch_{key}"]) == {0, 1, 2}, key


def test_tensorboard_has_the_snapshot_grids_as_images(monitored_run):
    _, logs, _ = monitored_run
    images = read_events(logs / "images")
    # --snapshot-every 2: epochs 2 and 3 (the last), at the scalars' steps (epochs counted from 0).
    assert images == {"samples": {1: "image", 2: "image"}}


# --- sample metrics -------------------------------------------------------------------
def test_metrics_every_logs_fid_kid_precision_recall_on_the_evaluated_epochs(monitored_run):
    out, logs, _ = monitored_run
    columns, rows = read_history_keys(out)
    metrics = ["val_fid", "val_kid", "val_precision", "val_recall"]
    evaluated = {int(row[0]) for row in rows if row[columns.index("val_fid")] != "NA"}
    assert evaluated == {0, 2}  # the first epoch, every 3rd (the 3rd), the last; not the 2nd
    validation = read_events(logs / "validation")
    for key in metrics:
        assert set(validation[f"epoch_{key[4:]}"]) == {0, 2}, key
    assert 0 <= validation["epoch_precision"][2] <= 1 and validation["epoch_fid"][2] > 0


# --- bad input ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "flags, flag",
    [
        (["--tensorboard", "{file}"], "--tensorboard"),
        (["--tensorboard", "{file}/logs"], "--tensorboard"),
        (["--metrics-every", "0"], "--metrics-every"),
        (["--metrics-every", "-2"], "--metrics-every"),
    ],
)
def test_bad_monitoring_flags_exit_2_naming_the_flag_and_write_nothing(flags, flag, tmp_path, capsys):
    existing = tmp_path / "notes.txt"
    existing.write_text("a file, not a folder\n")
    out = tmp_path / "run"
    argv = ["train", "dcgan", "--out", str(out), *[f.format(file=existing) for f in flags]]
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert f"argument {flag}" in err, err
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]


def test_metrics_every_for_a_family_that_does_not_sample_is_a_clear_error(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["train", "autoencoder", *TINY, "--out", str(out), "--metrics-every", "2"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("keras-gen: error: --metrics-every: the 'autoencoder' family does not generate")
    assert not out.exists()
