"""Hyperparameter search with keras-tuner: one HyperModel per model family.

Example:
>>> hypermodel = keras_gen.tuning.VAEHyperModel((28, 28, 1))
>>> tuner = keras_gen.tuning.make_tuner(hypermodel, "bayesian", max_trials=20, directory="runs")
>>> tuner.search(train_ds, validation_data=val_ds, epochs=10)
>>> summary = keras_gen.tuning.run_search("dcgan", "fashion_mnist", 10, 5, "runs/dcgan")
"""

from keras_gen.tuning.base import GenerativeHyperModel
from keras_gen.tuning.gan import DCGANHyperModel, GANHyperModel
from keras_gen.tuning.search import TUNERS, hypermodel_class, make_tuner, run_search, trial_rows
from keras_gen.tuning.vae import ConditionalVAEHyperModel, VAEHyperModel

__all__ = [
    "TUNERS",
    "ConditionalVAEHyperModel",
    "DCGANHyperModel",
    "GANHyperModel",
    "GenerativeHyperModel",
    "VAEHyperModel",
    "hypermodel_class",
    "make_tuner",
    "run_search",
    "trial_rows",
]
