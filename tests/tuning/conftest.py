"""Shared helpers of the tuning tests: tiny data and checks every search must pass."""

import csv
import json
import math
import os
import shutil
from typing import ClassVar

import keras
import keras_tuner
import numpy as np
import pytest
from PIL import Image

import keras_gen

# 8x8 digits, two batches of 64 an epoch: every trial takes a few seconds on two CPU cores.
DATA = "digits"
TRAIN_IMAGES = 128
EVAL_IMAGES = 128


@pytest.fixture(scope="session")
def digits_unit():
    """(train, held_out) digits in [0, 1], for VAEs."""
    train, _ = keras_gen.data.load_numpy(DATA, "train", scale=(0, 1), limit=TRAIN_IMAGES)
    held_out, _ = keras_gen.data.load_numpy(DATA, "test", scale=(0, 1), limit=EVAL_IMAGES)
    return train, held_out


@pytest.fixture(scope="session")
def digits_tanh():
    """(train, held_out) digits in [-1, 1], for GANs."""
    train, _ = keras_gen.data.load_numpy(DATA, "train", scale=(-1, 1), limit=TRAIN_IMAGES)
    held_out, _ = keras_gen.data.load_numpy(DATA, "test", scale=(-1, 1), limit=EVAL_IMAGES)
    return train, held_out


@pytest.fixture(scope="session")
def shared_search(train_once, run_cache_dir, tmp_path_factory):
    """`shared_search(key, hypermodel, search, **options)`: a 2-trial RandomSearch run once per test run.

    The tuner is `keras_tuner.RandomSearch(hypermodel, objective=hypermodel.objective,
    max_trials=2, directory=..., **options)`. The first worker to ask runs
    `search(tuner)` in the run's shared folder (`train_once`) and keeps what it
    returns (JSON) beside the trials. Every worker then gets `(tuner, facts,
    directory)`: the tuner built again on a copy of that folder of its own,
    which keras-tuner reloads (oracle, trials, checkpoints) instead of
    searching again. Two workers each ran a module's search before (13-16 s each).
    """

    def get(key, hypermodel, search, **options):
        def make_tuner(directory):
            return keras_tuner.RandomSearch(hypermodel, objective=hypermodel.objective, max_trials=2,
                                            directory=directory, **options)

        def make(folder):
            done = os.path.join(folder, "search_facts.json")
            if not os.path.exists(done):
                facts = search(make_tuner(folder))
                with open(done, "w", encoding="utf-8") as file:
                    json.dump(facts, file)
            with open(done, encoding="utf-8") as file:
                return json.load(file)

        facts = train_once(key, make)
        directory = str(tmp_path_factory.mktemp(key))
        shutil.copytree(run_cache_dir / key, directory, dirs_exist_ok=True)
        return make_tuner(directory), facts, directory

    return get


class RecordingCallback(keras.callbacks.Callback):
    """Remembers, class-wide, which instances trained which model."""

    uses: ClassVar[list[tuple[int, int]]] = []
    # The instances and models seen, kept alive so that a freed copy's id cannot be reused by the next one.
    seen: ClassVar[list] = []

    def on_train_begin(self, logs=None):
        RecordingCallback.seen.append((self, self.model))
        RecordingCallback.uses.append((id(self), id(self.model)))


def check_objective_reached_oracle(tuner, num_trials):
    """Every trial completed and the best one has a finite score for the objective."""
    trials = list(tuner.oracle.trials.values())
    assert len(trials) == num_trials
    assert [t.status for t in trials] == ["COMPLETED"] * num_trials, [t.message for t in trials]
    best = tuner.oracle.get_best_trials(1)[0]
    name = tuner.oracle.objective.name
    assert isinstance(best.score, float) and math.isfinite(best.score)
    assert best.metrics.exists(name)
    assert best.score == best.metrics.get_best_value(name)
    return best


def check_best_model_reloads(tuner, directory):
    """The best model saves as .keras, reloads, and makes the same images from the same points."""
    model = tuner.get_best_models(1)[0]
    path = os.path.join(directory, "best.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    assert type(restored) is type(model)
    latent_points = np.random.default_rng(5).standard_normal((4, model.latent_dim)).astype("float32")
    np.testing.assert_array_equal(
        model.generate(latent_points=latent_points), restored.generate(latent_points=latent_points)
    )
    return restored


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
