"""Reusable layers."""

from keras_gen.layers.autoregressive import GatedPixelCNNBlock, RowLSTM
from keras_gen.layers.composition import AlphaComposite, ProbabilityLogits, SliceLastAxis
from keras_gen.layers.cross_convolution import CrossConvolution, cross_convolve
from keras_gen.layers.diffaugment import DiffAugment
from keras_gen.layers.draw_attention import (
    attention_window,
    gaussian_filterbank,
    read_glimpse,
    write_patch,
)
from keras_gen.layers.image_to_image import ImagePool, SubPixelUpsampling, depth_to_space
from keras_gen.layers.layout import LayoutMaps
from keras_gen.layers.made import MADENetwork
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
    "AlphaComposite",
    "CrossConvolution",
    "DiffAugment",
    "EqualizedConv2D",
    "EqualizedDense",
    "FusedBatchNormalization",
    "GatedPixelCNNBlock",
    "ImagePool",
    "LayoutMaps",
    "MADENetwork",
    "MaskedConv2D",
    "MinibatchStdDev",
    "PixelNormalization",
    "ProbabilityLogits",
    "ReconstructionError",
    "RowLSTM",
    "Sampling",
    "SliceLastAxis",
    "SubPixelUpsampling",
    "attention_window",
    "causal_mask",
    "cross_convolve",
    "depth_to_space",
    "gaussian_filterbank",
    "read_glimpse",
    "reparameterize",
    "write_patch",
]
