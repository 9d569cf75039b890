"""Reusable layers."""

from keras_gen.layers.autoregressive import GatedPixelCNNBlock, RowLSTM
from keras_gen.layers.diffaugment import DiffAugment
from keras_gen.layers.masked_conv import MaskedConv2D, causal_mask
from keras_gen.layers.reconstruction_error import ReconstructionError
from keras_gen.layers.sampling import Sampling, reparameterize

__all__ = [
    "DiffAugment",
    "GatedPixelCNNBlock",
    "MaskedConv2D",
    "ReconstructionError",
    "RowLSTM",
    "Sampling",
    "causal_mask",
    "reparameterize",
]
