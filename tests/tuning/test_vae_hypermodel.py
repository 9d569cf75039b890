"""VAEHyperModel: a tiny RandomSearch, narrowing, extension, copied callbacks, BayesianOptimization."""

import inspect

import keras
import keras_tuner
import pytest

from keras_gen.models import VAE, ConditionalVAE
from keras_gen.tuning import ConditionalVAEHyperModel, VAEHyperModel, make_tuner
from tests.tuning.conftest import (
    RecordingCallback,
    check_best_model_reloads,
    check_objective_reached_oracle,
)
from tests.tuning.hypermodel_case import HyperModelTestCase

# keras-tuner 1.4 still calls threading.currentThread().
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras_tuner")


def tiny_space(**overrides):
    """Fixes the sizes to tiny values: narrowing with keras-tuner's own mechanism."""
    hp = keras_tuner.HyperParameters()
    hp.Fixed("width", 4)
    hp.Fixed("hidden_units", 16)
    hp.Choice("latent_dim", [2, 4])  # a narrower choice than the default space's
    for name, value in overrides.items():
        hp.Fixed(name, value)
    return hp


class TestVAEHyperModel(HyperModelTestCase):
    hypermodel_class = VAEHyperModel

    def tiny_space(self):
        return tiny_space()


@pytest.fixture(scope="module")
def vae_search(digits_unit, shared_search):
    """One 2-trial RandomSearch, shared by the checks below (run once per test run, reloaded per worker)."""
    train, held_out = digits_unit
    hypermodel = VAEHyperModel(train.shape[1:], seed=0)

    def search(tuner):
        RecordingCallback.uses = []
        user_callback = RecordingCallback()
        tuner.search(
            train, validation_data=held_out, epochs=1, batch_size=64, callbacks=[user_callback], verbose=0
        )
        # This search's uses: another module's search in the same worker may reset the shared list later.
        return {"uses": [list(use) for use in RecordingCallback.uses], "user_callback": id(user_callback),
                "user_callback_model_is_none": user_callback.model is None}

    return shared_search("vae_search", hypermodel, search, hyperparameters=tiny_space(), project_name="vae", seed=3)


def test_objective_reaches_the_oracle(vae_search):
    tuner, _, _ = vae_search
    best = check_objective_reached_oracle(tuner, num_trials=2)
    assert tuner.oracle.objective.name == "val_negative_elbo"
    assert tuner.oracle.objective.direction == "min"
    # The objective is the negative ELBO itself, whatever beta the trial trained with.
    metrics = best.metrics
    assert metrics.get_best_value("val_negative_elbo") == pytest.approx(
        metrics.get_best_value("val_reconstruction_loss") + metrics.get_best_value("val_kl_loss"), rel=1e-5
    )


def test_best_model_reloads_and_generates_identically(vae_search):
    tuner, _, directory = vae_search
    restored = check_best_model_reloads(tuner, directory)
    assert isinstance(restored, VAE)
    assert restored.latent_dim == tuner.get_best_hyperparameters(1)[0].get("latent_dim")


def test_fixed_hyperparameters_narrow_the_space(vae_search):
    tuner, _, _ = vae_search
    for trial in tuner.oracle.trials.values():
        values = trial.hyperparameters.values
        assert values["width"] == 4 and values["hidden_units"] == 16
        assert values["latent_dim"] in (2, 4)
    model = tuner.get_best_models(1)[0]
    assert model.encoder.get_layer(index=1).filters == 4


def test_callbacks_are_deep_copied_per_trial(vae_search):
    _, facts, _ = vae_search
    uses = facts["uses"]
    copies = {callback_id for callback_id, _ in uses}
    models = {model_id for _, model_id in uses}
    assert len(uses) == 2 and len(copies) == 2 and len(models) == 2
    assert facts["user_callback"] not in copies
    assert facts["user_callback_model_is_none"]


def test_search_space_without_building_a_model():
    hp = keras_tuner.HyperParameters()
    VAEHyperModel((28, 28, 1)).declare_hyperparameters(hp)
    assert [p.name for p in hp.space] == [
        "latent_dim", "width", "hidden_units", "layers_per_stage", "beta", "prior", "posterior",
        "residual_blocks", "learning_rate", "beta_1",
    ]
    assert hp.get("latent_dim") == 32 and hp.get("beta") == 1.0 and hp.get("learning_rate") == 1e-3
    assert (hp.get("prior"), hp.get("posterior"), hp.get("residual_blocks")) == ("vamp", "gaussian", 0)


def test_first_trial_is_the_default_vae():
    """The first trial's model (every hyperparameter at its default) is what `VAE.for_images` builds."""
    model = VAEHyperModel((8, 8, 1), seed=0).build(keras_tuner.HyperParameters())
    default = VAE.for_images((8, 8, 1), seed=0)
    assert (model.prior, model.posterior, model.latent_layers) == (default.prior, default.posterior, 1) == (
        "vamp", "gaussian", 1)
    assert model.latent_dim == default.latent_dim == 32
    assert model.count_params() == default.count_params()


def test_the_conditional_vae_first_trial_keeps_its_own_latent_size():
    """The VAE's latent size moved to 32; the conditional VAE's first trial keeps its builder's 16."""
    hp = keras_tuner.HyperParameters()
    ConditionalVAEHyperModel((8, 8, 1), num_classes=3, seed=0).declare_hyperparameters(hp)
    default = inspect.signature(ConditionalVAE.for_images).parameters["latent_dim"].default
    assert hp.get("latent_dim") == default == 16


def test_extend_by_subclassing():
    """New names are added by overriding model_kwargs / compile_kwargs and calling super()."""

    class GaussianVAEHyperModel(VAEHyperModel):
        def model_kwargs(self, hp):
            kwargs = super().model_kwargs(hp)
            kwargs["decoder_std"] = hp.Float("decoder_std", 0.1, 1.0, sampling="log", default=0.5)
            return kwargs

        def compile_kwargs(self, hp):
            rate = hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
            return {"optimizer": keras.optimizers.RMSprop(rate)}

    hypermodel = GaussianVAEHyperModel((8, 8, 1), reconstruction="gaussian", seed=0)
    hp = keras_tuner.HyperParameters()
    hp.Fixed("width", 4)
    hp.Choice("hidden_units", [1024, 2048])  # replaces the default range
    model = hypermodel.build(hp)
    assert model.decoder_std == 0.5 and model.data_scale == (-1.0, 1.0)
    assert model.encoder.get_layer(index=4).units == 1024
    assert "decoder_std" in [p.name for p in hp.space]
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    assert model.optimizer.built  # so tuner checkpoints restore its state


def test_missing_validation_data_is_a_clear_error(digits_unit, tmp_path):
    train, _ = digits_unit
    hypermodel = VAEHyperModel(train.shape[1:], seed=0)
    tuner = make_tuner(hypermodel, max_trials=1, directory=str(tmp_path), hyperparameters=tiny_space())
    with pytest.raises(keras_tuner.errors.FatalValueError, match="validation_data="):
        tuner.search(train, epochs=1, verbose=0)


def bayesian_tuner(train, tmp_path):
    return make_tuner(
        VAEHyperModel(train.shape[1:], seed=0),
        "bayesian",
        max_trials=2,
        directory=str(tmp_path),
        hyperparameters=tiny_space(beta=1.0, beta_1=0.9),
        num_initial_points=1,
    )


def test_make_tuner_builds_bayesian_optimization(digits_unit, tmp_path):
    tuner = bayesian_tuner(digits_unit[0], tmp_path)
    assert isinstance(tuner, keras_tuner.BayesianOptimization)
    assert tuner.oracle.objective.name == "val_negative_elbo" and tuner.oracle.max_trials == 2


# The searches below are keras-tuner's machinery on our HyperModel; the default run keeps the
# RandomSearch fixture above, the GAN Hyperband continuing a trial with both optimizers
# (test_gan_hypermodel.py) and the example's BayesianOptimization search (tests/test_examples.py).
@pytest.mark.slow
def test_bayesian_optimization(digits_unit, tmp_path):
    """The second trial is proposed by the Gaussian process, from the first one's score."""
    train, held_out = digits_unit
    tuner = bayesian_tuner(train, tmp_path)
    tuner.search(train, validation_data=held_out, epochs=1, batch_size=64, verbose=0)
    check_objective_reached_oracle(tuner, num_trials=2)


@pytest.mark.slow
def test_hyperband_continues_trials_from_their_checkpoints(digits_unit, tmp_path):
    """Hyperband's second round rebuilds a model and loads the first round's weights."""
    train, held_out = digits_unit
    hypermodel = VAEHyperModel(train.shape[1:], seed=0)
    tuner = make_tuner(
        hypermodel,
        "hyperband",
        max_trials=3,
        max_epochs=2,
        factor=2,
        directory=str(tmp_path),
        hyperparameters=tiny_space(),
    )
    tuner.search(train, validation_data=held_out, batch_size=64, verbose=0)
    check_objective_reached_oracle(tuner, num_trials=3)
    continued = [t for t in tuner.oracle.trials.values() if "tuner/trial_id" in t.hyperparameters.values]
    assert len(continued) == 1
    assert continued[0].hyperparameters.values["tuner/initial_epoch"] == 1
    # One epoch of 4 steps in round one, one more in round two: the optimizer
    # state came back with the weights.
    model = tuner.load_model(continued[0])
    assert int(model.optimizer.iterations.numpy()) == 2 * len(train) // 64
