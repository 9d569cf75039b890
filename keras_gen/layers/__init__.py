"""Reusable layers."""

from keras_gen.layers.autoregressive import GatedPixelCNNBlock, RowLSTM
from keras_gen.layers.diffaugment import DiffAugment
from keras_gen.layers.image_to_image import ImagePool, SubPixelUpsampling, depth_to_space
from keras_gen.layers.masked_conv import MaskedConv2D, causal_mask
from keras_gen.layers.reconstruction_error import ReconstructionError
from keras_gen.layers.sampling import Sampling, reparameterize

__all__ = [
    "DiffAugment",
    "GatedPixelCNNBlock",
    "ImagePool",
    "MaskedConv2D",
    "ReconstructionError",
    "RowLSTM",
    "Sampling",
    "SubPixelUpsampling",
    "causal_mask",
    "depth_to_space",
    "reparameterize",
]
