"""Reusable layers."""

from keras_gen.layers.diffaugment import DiffAugment
from keras_gen.layers.reconstruction_error import ReconstructionError
from keras_gen.layers.sampling import Sampling, reparameterize

__all__ = ["DiffAugment", "ReconstructionError", "Sampling", "reparameterize"]
