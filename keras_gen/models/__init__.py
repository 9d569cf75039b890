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
from keras_gen.models.gan import DCGAN, GAN, AdversarialChain
from keras_gen.models.infogan import InfoGAN
from keras_gen.models.ssgan import SemiSupervisedGAN
from keras_gen.models.vae import VAE
from keras_gen.models.wgan import WGAN, WGANGP

__all__ = [
    "ACGAN",
    "BEGAN",
    "DCGAN",
    "GAN",
    "VAE",
    "WGAN",
    "WGANGP",
    "AdversarialChain",
    "Autoencoder",
    "BiGAN",
    "Completes",
    "ConditionalGAN",
    "ConditionalVAE",
    "DenoisingAutoencoder",
    "Encodes",
    "GatedPixelCNN",
    "Generates",
    "GenerativeModel",
    "HasLikelihood",
    "InfoGAN",
    "PixelCNN",
    "PixelRNN",
    "SamplesFromPrior",
    "SemiSupervisedGAN",
    "Translates",
    "capabilities",
]
