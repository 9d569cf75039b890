"""Autoencoders: the plain and denoising autoencoder, the VAE, the conditional VAE and Attribute2Image."""

from keras_gen.models.autoencoders.attribute2image import Attribute2Image
from keras_gen.models.autoencoders.autoencoder import Autoencoder, DenoisingAutoencoder
from keras_gen.models.autoencoders.cvae import ConditionalVAE
from keras_gen.models.autoencoders.draw import DRAW
from keras_gen.models.autoencoders.vae import VAE

__all__ = ["DRAW", "VAE", "Attribute2Image", "Autoencoder", "ConditionalVAE", "DenoisingAutoencoder"]
