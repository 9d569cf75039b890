"""`keras-gen complete` and `keras-gen evaluate` on small saved autoregressive models."""

import json

import numpy as np
import pytest
from PIL import Image

import keras_gen
from keras_gen import cli

TINY = ["--data", "digits", "--epochs", "1", "--limit", "64", "--batch-size", "32", "--verbose", "0",
        "--option", "filters=4", "--option", "num_layers=1"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = {}
    for name, extra in (("gated_pixelcnn", []), ("conditional", ["--option", "num_classes=10"]), ("vae", None)):
        folder = tmp_path_factory.mktemp(name)
        if extra is None:  # a model that does not complete
            argv = ["train", "vae", "--data", "digits", "--epochs", "1", "--limit", "64", "--width", "4",
                    "--latent-dim", "2", "--verbose", "0"]
        else:
            argv = ["train", "gated_pixelcnn", *TINY, *extra]
        assert cli.main([*argv, "--out", str(folder)]) == 0
        out[name] = str(folder / cli.MODEL_FILE)
    return out


def test_complete_writes_known_half_completions_and_originals(runs, tmp_path, capsys):
    out, npy = tmp_path / "done.png", tmp_path / "done.npy"
    argv = ["complete", runs["gated_pixelcnn"], "--data", "digits", "--n", "3", "--num-samples", "2",
            "--known-rows", "5", "--out", str(out), "--npy", str(npy)]
    assert cli.main(argv) == 0
    assert "3 images x 2 completions (top 5 rows kept)" in capsys.readouterr().out
    grid = np.asarray(Image.open(out))
    assert grid.shape == (3 * 8 + 2 * 2, 4 * 8 + 3 * 2)  # a row per image: known, 2 completions, original
    completed = np.load(npy)
    originals, _ = keras_gen.data.load_numpy("digits", "test", scale=(0, 1), limit=3)
    assert completed.shape == (3, 2, 8, 8, 1)
    np.testing.assert_array_equal(completed[:, :, :5], np.repeat(originals[:, None, :5], 2, axis=1))
    again = tmp_path / "again.npy"
    assert cli.main([*argv[:-2], "--npy", str(again)]) == 0
    np.testing.assert_array_equal(np.load(again), completed)  # --seed 0 by default


def test_conditional_model_completes_with_the_images_labels_or_given_ones(runs, tmp_path):
    out = tmp_path / "c.png"
    assert cli.main(["complete", runs["conditional"], "--data", "digits", "--n", "2", "--out", str(out)]) == 0
    assert cli.main(["complete", runs["conditional"], "--data", "digits", "--n", "2", "--labels", "3,4",
                     "--out", str(out)]) == 0


def test_complete_errors_name_the_problem(runs, tmp_path, capsys):
    out = str(tmp_path / "x.png")
    cases = [
        (["complete", runs["vae"], "--data", "digits", "--out", out], "does not complete images"),
        (["complete", runs["gated_pixelcnn"], "--data", "digits", "--known-rows", "9", "--out", out],
         "--known-rows must lie in [0, 8]"),
        (["complete", runs["gated_pixelcnn"], "--data", "digits", "--out", str(tmp_path / "x.gif")], "must be a .png"),
        (["complete", runs["gated_pixelcnn"], "--data", "digits", "--labels", "1,2", "--out", out],
         "not class-conditional"),
        (["complete", runs["conditional"], "--data", "digits", "--n", "2", "--labels", "1", "--out", out],
         "one per image"),
    ]
    for argv, message in cases:
        assert cli.main(argv) == cli.EXIT_USAGE, argv
        assert message in capsys.readouterr().err
    blurred = tmp_path / "blurred.npy"
    np.save(blurred, np.full((2, 8, 8), 0.5001, "float32"))
    assert cli.main(["complete", runs["gated_pixelcnn"], "--images", str(blurred), "--out", out]) == cli.EXIT_USAGE
    assert "not on the grid of 256 values" in capsys.readouterr().err


def test_evaluate_reports_exact_nll_without_sampling_thousands(runs, tmp_path):
    out = tmp_path / "evaluation.json"
    assert cli.main(["evaluate", runs["gated_pixelcnn"], "--data", "digits", "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    metrics = results["results"]
    assert set(metrics) >= {"nll", "nll_bits_per_dim"} and "fid" not in metrics
    np.testing.assert_allclose(metrics["nll_bits_per_dim"], metrics["nll"] / (64 * np.log(2)), rtol=1e-6)
