"""`keras-gen evaluate --memorization / --anomaly`: the checks on tiny saved models of 8x8 digits."""

import json
import os

import keras
import pytest
from PIL import Image

from keras_gen import cli, evaluation, recipes
from keras_gen.models import VAE, Autoencoder

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    """Untrained tiny models for 8x8 digits, saved: the checks, not training, are under test."""
    folder = tmp_path_factory.mktemp("checks")
    paths = {}
    for name, model in (
        ("vae", VAE.for_images((8, 8, 1), latent_dim=2, width=4, hidden_units=8, seed=0)),
        ("autoencoder", Autoencoder.for_images((8, 8, 1), latent_dim=2, width=4, hidden_units=8, seed=0)),
    ):
        (folder / name).mkdir()
        paths[name] = str(folder / name / "model.keras")
        model.save(paths[name])
    return paths


def test_memorization_writes_its_grid_beside_the_model_and_only_the_checks_run(saved_models, tmp_path, capsys):
    scores = tmp_path / "scores.json"
    argv = ["evaluate", saved_models["vae"], "--data", "digits", "--memorization", "--memorization-features",
            "pixels", "--anomaly", "noise", "--json", str(scores)]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "memorization: 360 samples against 1437 training images of 'digits'" in printed
    assert "of the samples lie nearer to a training image than the closest 1% of the held-out images" in printed
    assert "anomaly: AUROC" in printed and "1000 noise images against 360 images of 'digits' (test)" in printed
    results = json.loads(scores.read_text())["results"]
    assert set(results) == {"memorization_share", "memorization_threshold", "anomaly_auroc_noise"}
    assert 0 <= results["memorization_share"] <= 1 and results["memorization_threshold"] > 0
    assert 0 <= results["anomaly_auroc_noise"] <= 1
    # 8 rows of a sample and its 5 nearest training images, 8x8 tiles 2 pixels apart.
    grid = Image.open(saved_models["vae"].replace("model.keras", "memorization.png"))
    assert grid.size == (6 * 10 - 2, 8 * 10 - 2)


def test_memorization_uses_the_data_sets_feature_network_by_default(saved_models, tmp_path, monkeypatch, capsys):
    inputs = keras.Input((8, 8, 1))
    features = keras.layers.Flatten(name="features")(inputs)
    extractor = evaluation.FeatureExtractor(keras.Model(inputs, keras.layers.Dense(2, "softmax")(features)))
    asked = []

    def domain_classifier(name, data_dir=None):
        asked.append(name)
        return extractor

    monkeypatch.setattr(evaluation, "domain_classifier", domain_classifier)
    grid = tmp_path / "grids" / "copies.png"
    argv = ["evaluate", saved_models["vae"], "--data", "digits", "--memorization", "--memorization-grid", str(grid)]
    assert cli.main(argv) == 0
    assert asked == ["digits"] and grid.exists()
    assert "memorization_share" in capsys.readouterr().out


def test_anomaly_auroc_matches_the_library(saved_models, tmp_path, capsys):
    scores = tmp_path / "scores.json"
    argv = ["evaluate", saved_models["autoencoder"], "--data", "digits", "--anomaly", "noise", "--seed", "3",
            "--num-samples", "200", "--json", str(scores)]
    assert cli.main(argv) == 0
    assert "scored by reconstruction error" in capsys.readouterr().out
    model = cli.load_generative_model(saved_models["autoencoder"])
    inliers, _ = recipes.load_held_out_images(model, "digits", count=200)
    outliers = evaluation.outlier_images("noise", (8, 8, 1), model.data_scale, seed=3)
    expected = evaluation.anomaly_auroc(model, inliers, outliers)
    assert json.loads(scores.read_text())["results"]["anomaly_auroc_noise"] == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("model", "flags", "message"),
    [
        ("autoencoder", ["--memorization"],
         "which can encode and reconstruct images; the check needs a model that can generate new images"),
        ("vae", ["--anomaly", "digits"], "--anomaly digits: the outliers are the model's own data set"),
        ("vae", ["--memorization-grid", "grid.png"], "set up --memorization; add it"),
        ("vae", ["--memorization", "--split", "train"], "must be held out: use --split test"),
        ("vae", ["--memorization", "--num-samples", "50"], "at least 100 held-out images, but 'digits' (test) gave 50"),
    ],
)
def test_checks_the_model_cannot_take_are_clear_errors(saved_models, model, flags, message, monkeypatch, capsys):
    def no_work(*args, **kwargs):
        raise AssertionError("the check started work")

    monkeypatch.setattr(evaluation, "memorization", no_work)
    monkeypatch.setattr(evaluation, "anomaly_auroc", no_work)
    assert cli.main(["evaluate", saved_models[model], "--data", "digits", *flags]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("keras-gen: error: ") and message in err, err


def test_the_flags_have_rows_in_docs_cli():
    with open(os.path.join(REPO_ROOT, "docs", "cli.md"), encoding="utf-8") as file:
        text = file.read()
    for flag in ("--memorization", "--memorization-grid", "--memorization-features", "--anomaly"):
        assert f"| `{flag}` |" in text, flag
