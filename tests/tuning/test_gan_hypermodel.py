"""DCGANHyperModel: KID objective from GenerativeMetrics, RandomSearch, Hyperband, reloading."""

import math

import keras
import keras_tuner
import numpy as np
import pytest

from keras_gen.callbacks.generative_metrics import GenerativeMetrics
from keras_gen.evaluation import ClassifierRecipe, FeatureExtractor, build_classifier
from keras_gen.models import DCGAN
from keras_gen.tuning import DCGANHyperModel, GANHyperModel, GenerativeHyperModel, make_tuner
from keras_gen.tuning.base import EpochLogs
from tests.tuning.conftest import (
    RecordingCallback,
    check_best_model_reloads,
    check_objective_reached_oracle,
)
from tests.tuning.hypermodel_case import HyperModelTestCase

# keras-tuner 1.4 still calls threading.currentThread().
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras_tuner")

NUM_SAMPLES = 128


@pytest.fixture(scope="module")
def feature_extractor():
    """A small untrained, seeded feature network: the plumbing, not the metric, is under test."""
    recipe = ClassifierRecipe(filters=(8, 16), feature_dim=16)
    return FeatureExtractor(build_classifier((8, 8, 1), 10, recipe), name="tiny")


def metrics_options(feature_extractor):
    return {"feature_extractor": feature_extractor, "kid_subset_size": 64, "kid_num_subsets": 10}


def tiny_space():
    hp = keras_tuner.HyperParameters()
    hp.Fixed("width", 8)
    hp.Choice("latent_dim", [4, 8])
    return hp


class TestDCGANHyperModel(HyperModelTestCase):
    hypermodel_class = DCGANHyperModel

    def tiny_space(self):
        hp = tiny_space()
        hp.Fixed("latent_dim", 4)
        return hp


@pytest.fixture(scope="module")
def gan_search(digits_tanh, feature_extractor, shared_search):
    """A 2-trial RandomSearch whose objective callback the HyperModel adds itself (run once per test run)."""
    train, held_out = digits_tanh
    hypermodel = DCGANHyperModel(
        train.shape[1:],
        real_images=held_out,
        num_samples=NUM_SAMPLES,
        metrics_options=metrics_options(feature_extractor),
        seed=0,
    )

    def search(tuner):
        RecordingCallback.uses = []
        tuner.search(train, epochs=2, batch_size=64, callbacks=[RecordingCallback()], verbose=0)
        # This search's uses, kept with it: a worker that reloads the search never ran the callback.
        return {"uses": [list(use) for use in RecordingCallback.uses]}

    return shared_search("gan_search", hypermodel, search, hyperparameters=tiny_space(), project_name="dcgan",
                         seed=5)


def test_kid_objective_reaches_the_oracle(gan_search):
    tuner, facts, _ = gan_search
    assert tuner.oracle.objective.name == "val_kid"
    assert tuner.oracle.objective.direction == "min"
    best = check_objective_reached_oracle(tuner, num_trials=2)
    assert best.metrics.exists("val_kid_std") and best.best_step in (0, 1)
    assert len(facts["uses"]) == 2
    assert len({callback_id for callback_id, _ in facts["uses"]}) == 2


def test_best_dcgan_reloads_and_generates_identically(gan_search):
    tuner, _, directory = gan_search
    restored = check_best_model_reloads(tuner, directory)
    assert isinstance(restored, DCGAN)
    for trial in tuner.oracle.trials.values():
        assert trial.hyperparameters.get("width") == 8
        assert trial.hyperparameters.get("latent_dim") in (4, 8)


def test_checkpoints_restore_both_optimizers(digits_tanh, tmp_path):
    """What Hyperband and get_best_models do: build from the hyperparameters, load weights."""
    train, _ = digits_tanh
    hypermodel = DCGANHyperModel(train.shape[1:], real_images=train, seed=0)
    hp = tiny_space()
    model = hypermodel.build(hp)
    model.fit(train[:128], batch_size=64, epochs=1, verbose=0)
    path = str(tmp_path / "checkpoint.weights.h5")
    model.save_weights(path)
    reloaded = hypermodel.build(hp)
    reloaded.load_weights(path)
    for name in ("d_optimizer", "g_optimizer"):
        assert int(getattr(reloaded, name).iterations.numpy()) == 2
    for a, b in zip(model.weights, reloaded.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))


def test_hyperband_with_a_user_metrics_callback(digits_tanh, feature_extractor, tmp_path):
    """The user's GenerativeMetrics is deep-copied per trial and used instead of a new one."""
    train, held_out = digits_tanh
    user_metrics = GenerativeMetrics(
        held_out, metrics=("fid",), num_samples=NUM_SAMPLES, **metrics_options(feature_extractor)
    )
    hypermodel = DCGANHyperModel(train.shape[1:], metric="fid", seed=0)
    assert hypermodel.objective.name == "val_fid"
    tuner = make_tuner(
        hypermodel,
        "hyperband",
        max_trials=3,
        max_epochs=2,
        factor=2,
        directory=str(tmp_path),
        hyperparameters=tiny_space(),
    )
    tuner.search(train, batch_size=64, callbacks=[user_metrics], verbose=0)
    check_objective_reached_oracle(tuner, num_trials=3)
    assert user_metrics.model is None and not user_metrics.last_results
    continued = [t for t in tuner.oracle.trials.values() if "tuner/trial_id" in t.hyperparameters.values]
    assert len(continued) == 1
    model = tuner.load_model(continued[0])
    assert int(model.g_optimizer.iterations.numpy()) == 2 * len(train) // 64


def test_missing_real_images_is_a_clear_error(digits_tanh, tmp_path):
    train, _ = digits_tanh
    hypermodel = DCGANHyperModel(train.shape[1:], seed=0)
    tuner = make_tuner(hypermodel, max_trials=1, directory=str(tmp_path), hyperparameters=tiny_space())
    with pytest.raises(keras_tuner.errors.FatalValueError, match="real_images="):
        tuner.search(train, epochs=1, verbose=0)


def test_unknown_metric():
    with pytest.raises(ValueError, match="kid"):
        DCGANHyperModel((28, 28, 1), metric="inception_score")


def test_search_space_without_building_a_model():
    hp = keras_tuner.HyperParameters()
    DCGANHyperModel((28, 28, 1)).declare_hyperparameters(hp)
    assert {p.name for p in hp.space} == {
        "latent_dim", "label_smoothing", "label_noise", "discriminator_steps", "width",
        "batch_norm", "dropout", "layers_per_stage", "d_learning_rate", "g_learning_rate",
        "beta_1", "loss", "r1_weight", "ema", "spectral_norm",
    }
    # The first trial is DCGAN.for_images' defaults: width 32, EMA on.
    assert hp.get("loss") == "non_saturating" and hp.get("ema") is True
    assert hp.get("latent_dim") == 128 and hp.get("width") == 32 and hp.get("beta_1") == 0.5
    assert hp.get("layers_per_stage") == 1
    # ... and compile()'s: DCGAN's Adam rates, not GAN's.
    assert hp.get("d_learning_rate") == DCGAN.default_learning_rate == 4e-4
    assert hp.get("g_learning_rate") == DCGAN.default_generator_learning_rate == 6e-4
    gan_hp = keras_tuner.HyperParameters()
    GANHyperModel((28, 28, 1)).declare_hyperparameters(gan_hp)
    assert gan_hp.get("d_learning_rate") == gan_hp.get("g_learning_rate") == 2e-4


class _Objective(GenerativeHyperModel):
    objective_name = "val_kid"


def test_objective_from_epochs_evaluated_only_sometimes():
    """Epochs a metric callback skipped (NaN) are left out; the best evaluated epoch counts."""
    epochs = [(0, {"val_kid": 0.5}), (1, {"val_kid": math.nan}), (2, {"val_kid": 0.3})]
    result = _Objective((8, 8, 1))._trial_result(history=None, epochs=epochs)
    assert result == {"val_kid": 0.3}
    with pytest.raises(keras_tuner.errors.FailedTrialError, match="diverged"):
        _Objective((8, 8, 1))._trial_result(None, [(0, {"val_kid": math.nan})])
    with pytest.raises(keras_tuner.errors.FatalValueError, match="val_kid"):
        _Objective((8, 8, 1))._trial_result(None, [(0, {"loss": 1.0})])
    assert isinstance(EpochLogs(), keras.callbacks.Callback)
