"""Generative models: `keras.Model` subclasses with their own train steps.

Each family is listed in `keras_gen.families` (the registry that `keras-gen`
reads). The classes live in one subpackage per kind (`autoencoders`,
`adversarial`, `conditional`, `image_to_image`, `autoregressive`,
`multiscale`, `video`, `voxels`) and are all
importable from here.
"""

from keras_gen.models.adversarial import BEGAN, DCGAN, GAN, WGAN, WGANGP, AdversarialChain, BiGAN
from keras_gen.models.autoencoders import (
    DRAW,
    VAE,
    Attribute2Image,
    Autoencoder,
    ConditionalVAE,
    DenoisingAutoencoder,
)
from keras_gen.models.autoregressive import (
    MADE,
    NADE,
    GatedPixelCNN,
    PixelCNN,
    PixelRNN,
    VideoPixelCNN,
)
from keras_gen.models.base import GenerativeModel
from keras_gen.models.capabilities import (
    Completes,
    Encodes,
    Generates,
    HasLikelihood,
    PredictsFrames,
    SamplesFromPrior,
    Translates,
    capabilities,
)
from keras_gen.models.conditional import (
    ACGAN,
    GANCLS,
    ConditionalGAN,
    InfoGAN,
    SemiSupervisedGAN,
    StackGAN,
)
from keras_gen.models.image_to_image import (
    SRGAN,
    ContextEncoder,
    CycleGAN,
    PairedTranslator,
    Pix2Pix,
    SRResNet,
)
from keras_gen.models.multiscale import LAPGAN, ProgressiveGAN
from keras_gen.models.precision import with_precision
from keras_gen.models.video import CrossConvCVAE, VideoGAN
from keras_gen.models.voxels import VoxelGAN

__all__ = [
    "ACGAN",
    "BEGAN",
    "DCGAN",
    "DRAW",
    "GAN",
    "GANCLS",
    "LAPGAN",
    "MADE",
    "NADE",
    "SRGAN",
    "VAE",
    "WGAN",
    "WGANGP",
    "AdversarialChain",
    "Attribute2Image",
    "Autoencoder",
    "BiGAN",
    "Completes",
    "ConditionalGAN",
    "ConditionalVAE",
    "ContextEncoder",
    "CrossConvCVAE",
    "CycleGAN",
    "DenoisingAutoencoder",
    "Encodes",
    "GatedPixelCNN",
    "Generates",
    "GenerativeModel",
    "HasLikelihood",
    "InfoGAN",
    "PairedTranslator",
    "Pix2Pix",
    "PixelCNN",
    "PixelRNN",
    "PredictsFrames",
    "ProgressiveGAN",
    "SRResNet",
    "SamplesFromPrior",
    "SemiSupervisedGAN",
    "StackGAN",
    "Translates",
    "VideoGAN",
    "VideoPixelCNN",
    "VoxelGAN",
    "capabilities",
    "with_precision",
]
