"""run_search: a whole tiny search writes its results, table, best model and sample grid."""

import keras_tuner
import pytest

from keras_gen import families
from keras_gen.evaluation import ClassifierRecipe, FeatureExtractor, build_classifier
from keras_gen.models import DCGAN
from keras_gen.tuning import run_search
from tests.tuning.conftest import DATA, EVAL_IMAGES, TRAIN_IMAGES, check_search_outputs

# keras-tuner 1.4 still calls threading.currentThread().
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:keras_tuner")


def tiny_search_options():
    """A tiny, untrained feature network and 4-unit networks: the search's plumbing is under test."""
    recipe = ClassifierRecipe(filters=(8, 16), feature_dim=16)
    extractor = FeatureExtractor(build_classifier((8, 8, 1), 10, recipe), name="tiny")
    hp = keras_tuner.HyperParameters()
    for name in ("width", "hidden_units"):
        hp.Fixed(name, 4)
    return {"limit": TRAIN_IMAGES, "num_eval_samples": EVAL_IMAGES, "hyperparameters": hp,
            "metrics_options": {"feature_extractor": extractor, "kid_subset_size": 64}}


def test_dcgan_search(tmp_path, capsys):
    out = str(tmp_path / "dcgan")
    summary = run_search("dcgan", DATA, max_trials=2, epochs=1, out=out, verbose=1, **tiny_search_options())
    assert summary["objective"] == "val_kid" and summary["direction"] == "min"
    rows, model = check_search_outputs(summary, out, DCGAN)
    assert model.latent_dim == summary["best_hyperparameters"]["latent_dim"]
    assert {"width", "batch_norm", "d_learning_rate"} <= set(rows[0]) and rows[0]["width"] == "4"
    printed = capsys.readouterr().out
    assert "Trial 2 Complete" in printed and "Best trial" in printed and "val_kid" in printed


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"family": "no_such_family"}, "Unknown model family"),
        ({"family": "pixelcnn"}, "no keras-tuner HyperModel yet"),
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


# DCGAN's search is test_dcgan_search's (two trials, the printed table); the VAE's is `keras-gen tune vae`'s
# (tests/tuning/test_cli_tune.py: the same run_search, two trials).
@pytest.mark.parametrize("family", [f.name for f in families.families()
                                    if f.hypermodel and f.name not in ("dcgan", "vae")])
def test_every_family_with_a_hypermodel_runs_a_search(family, tmp_path):
    """Registry-wide: a family's HyperModel joins `run_search` and `keras-gen tune` by its entry."""
    summary = run_search(family, DATA, max_trials=1, epochs=1, out=str(tmp_path), verbose=0, **tiny_search_options())
    check_search_outputs(summary, str(tmp_path), families.get(family).model_class())
