"""Reusable layers."""

from keras_gen.layers.autoregressive import GatedPixelCNNBlock, RowLSTM
from keras_gen.layers.diffaugment import DiffAugment
from keras_gen.layers.image_to_image import ImagePool, SubPixelUpsampling, depth_to_space
from keras_gen.layers.masked_conv import MaskedConv2D, causal_mask
from keras_gen.layers.normalization import FusedBatchNormalization
from keras_gen.layers.progressive import (
    EqualizedConv2D,
    EqualizedDense,
    MinibatchStdDev,
    PixelNormalization,
)
from keras_gen.layers.reconstruction_error import ReconstructionError
from keras_gen.layers.sampling import Sampling, reparameterize

__all__ = [
    "DiffAugment",
    "EqualizedConv2D",
    "EqualizedDense",
    "FusedBatchNormalization",
    "GatedPixelCNNBlock",
    "ImagePool",
    "MaskedConv2D",
    "MinibatchStdDev",
    "PixelNormalization",
    "ReconstructionError",
    "RowLSTM",
    "Sampling",
    "SubPixelUpsampling",
    "causal_mask",
    "depth_to_space",
    "reparameterize",
]
