"""`keras-gen tune`: the command runs a tiny search and writes what it promises."""

import json
import os

import pytest

from keras_gen.cli import main
from keras_gen.models import VAE
from tests.tuning.conftest import DATA, EVAL_IMAGES, TRAIN_IMAGES, check_search_outputs

# keras-tuner 1.4 still calls threading.currentThread().
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras_tuner")


def test_tune_vae_on_a_subset(tmp_path, capsys):
    out = str(tmp_path / "tune-vae")
    code = main(
        [
            "tune", "vae",
            "--data", DATA,
            "--max-trials", "2",
            "--epochs", "1",
            "--limit", str(TRAIN_IMAGES),
            "--num-eval-samples", str(EVAL_IMAGES),
            "--batch-size", "64",
            "--out", out,
            "--verbose", "2",
        ]
    )  # fmt: skip
    assert code == 0
    with open(os.path.join(out, "summary.json"), encoding="utf-8") as file:
        summary = json.load(file)
    assert summary["objective"] == "val_negative_elbo" and summary["tuner"] == "random"
    check_search_outputs(summary, out, VAE)
    printed = capsys.readouterr().out
    assert "Trial 2 Complete" in printed and "val_negative_elbo" in printed
    assert "best_model.keras" in printed


def test_tune_rejects_an_unknown_family(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["tune", "pixelcnn", "--data", DATA])
    assert stop.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
