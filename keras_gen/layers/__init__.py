"""Reusable layers."""

from keras_gen.layers.diffaugment import DiffAugment
from keras_gen.layers.masked_conv import MaskedConv2D, causal_mask
from keras_gen.layers.reconstruction_error import ReconstructionError
from keras_gen.layers.sampling import Sampling, reparameterize

__all__ = ["DiffAugment", "MaskedConv2D", "ReconstructionError", "Sampling", "causal_mask", "reparameterize"]
