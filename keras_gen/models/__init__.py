"""Generative models: `keras.Model` subclasses with their own train steps."""

from keras_gen.models.base import GenerativeModel
from keras_gen.models.gan import DCGAN, GAN, AdversarialChain
from keras_gen.models.vae import VAE

__all__ = ["DCGAN", "GAN", "VAE", "AdversarialChain", "GenerativeModel"]
