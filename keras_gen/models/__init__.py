"""Generative models: `keras.Model` subclasses with their own train steps.

Each family is listed in `keras_gen.families` (the registry that `keras-gen`
reads); its class is here.
"""

from keras_gen.models.autoencoder import Autoencoder, DenoisingAutoencoder
from keras_gen.models.autoregressive import GatedPixelCNN, PixelCNN, PixelRNN
from keras_gen.models.base import GenerativeModel
from keras_gen.models.began import BEGAN
from keras_gen.models.bigan import BiGAN
from keras_gen.models.capabilities import (
    Completes,
    Encodes,
    Generates,
    HasLikelihood,
    SamplesFromPrior,
    Translates,
    capabilities,
)
from keras_gen.models.conditional_gan import ACGAN, ConditionalGAN
from keras_gen.models.cvae import ConditionalVAE
from keras_gen.models.cyclegan import CycleGAN
from keras_gen.models.gan import DCGAN, GAN, AdversarialChain
from keras_gen.models.image_to_image import (
    SRGAN,
    ContextEncoder,
    PairedTranslator,
    Pix2Pix,
    SRResNet,
)
from keras_gen.models.infogan import InfoGAN
from keras_gen.models.ssgan import SemiSupervisedGAN
from keras_gen.models.vae import VAE
from keras_gen.models.wgan import WGAN, WGANGP

__all__ = [
    "ACGAN",
    "BEGAN",
    "DCGAN",
    "GAN",
    "SRGAN",
    "VAE",
    "WGAN",
    "WGANGP",
    "AdversarialChain",
    "Autoencoder",
    "BiGAN",
    "Completes",
    "ConditionalGAN",
    "ConditionalVAE",
    "ContextEncoder",
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
    "SRResNet",
    "SamplesFromPrior",
    "SemiSupervisedGAN",
    "Translates",
    "capabilities",
]
