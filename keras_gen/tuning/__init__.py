"""Hyperparameter search with keras-tuner: one HyperModel per model family."""

from keras_gen.tuning.base import GenerativeHyperModel
from keras_gen.tuning.compat import tolerate_missing_tensorboard
from keras_gen.tuning.search import make_tuner, run_search, trial_rows
from keras_gen.tuning.vae import VAEHyperModel

tolerate_missing_tensorboard()

__all__ = ["GenerativeHyperModel", "VAEHyperModel", "make_tuner", "run_search", "trial_rows"]
