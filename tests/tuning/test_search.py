"""run_search: a whole tiny search writes its results, table, best model and sample grid."""

import csv
import json
import math
import os

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gen.evaluation import ClassifierRecipe, FeatureExtractor, build_classifier
from keras_gen.models import DCGAN
from keras_gen.tuning import run_search
from tests.tuning.conftest import DATA, EVAL_IMAGES, TRAIN_IMAGES


def check_search_outputs(summary, out, model_class):
    """The files `keras-gen tune` promises, consistent with the returned summary."""
    files = summary["files"]
    for key in ("tuner", "trials", "best_model", "best_samples", "summary"):
        assert os.path.exists(files[key]), key
    assert os.path.isfile(os.path.join(out, "tuner", "oracle.json"))
    with open(files["trials"], newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    objective = summary["objective"]
    scores = [float(row[objective]) for row in rows]
    assert len(rows) == summary["num_trials"] == summary["num_completed"]
    assert scores == sorted(scores) and all(math.isfinite(s) for s in scores)
    assert rows[0]["trial_id"] == summary["best_trial_id"] and rows[0]["rank"] == "1"
    assert scores[0] == pytest.approx(summary["best_score"])
    with open(files["summary"], encoding="utf-8") as file:
        assert json.load(file)["best_score"] == summary["best_score"]
    model = keras.models.load_model(files["best_model"])
    assert isinstance(model, model_class)
    latent_points = np.random.default_rng(0).standard_normal((3, model.latent_dim)).astype("float32")
    again = keras.models.load_model(files["best_model"])
    np.testing.assert_array_equal(
        model.generate(latent_points=latent_points), again.generate(latent_points=latent_points)
    )
    with Image.open(files["best_samples"]) as grid:
        assert grid.size[0] > model.image_shape[1] * 4
    return rows, model


def test_dcgan_search(tmp_path, capsys):
    recipe = ClassifierRecipe(filters=(8, 16), feature_dim=16)
    extractor = FeatureExtractor(build_classifier((8, 8, 1), 10, recipe), name="tiny")
    out = str(tmp_path / "dcgan")
    summary = run_search(
        "dcgan",
        DATA,
        max_trials=2,
        epochs=1,
        out=out,
        limit=TRAIN_IMAGES,
        num_eval_samples=EVAL_IMAGES,
        verbose=1,
        metrics_options={"feature_extractor": extractor, "kid_subset_size": 64},
    )
    assert summary["objective"] == "val_kid" and summary["direction"] == "min"
    rows, model = check_search_outputs(summary, out, DCGAN)
    assert model.latent_dim == summary["best_hyperparameters"]["latent_dim"]
    assert {"width", "batch_norm", "d_learning_rate"} <= set(rows[0])
    printed = capsys.readouterr().out
    assert "Trial 2 Complete" in printed and "Best trial" in printed and "val_kid" in printed


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"family": "pixelcnn"}, "Unknown model family"),
        ({"tuner": "grid"}, "Unknown tuner"),
        ({"max_trials": 0}, "max_trials"),
        ({"limit": 0}, "limit"),
        ({"data": "no_such_data"}, "Unknown data set"),
    ],
)
def test_bad_arguments_fail_before_any_work(tmp_path, arguments, message):
    kwargs = {"family": "vae", "data": DATA, "max_trials": 1, "epochs": 1, "out": str(tmp_path)}
    with pytest.raises(ValueError, match=message):
        run_search(**{**kwargs, **arguments})
