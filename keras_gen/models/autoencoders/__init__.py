"""Autoencoders: the plain and denoising autoencoder, the VAE and the conditional VAE."""

from keras_gen.models.autoencoders.autoencoder import Autoencoder, DenoisingAutoencoder
from keras_gen.models.autoencoders.cvae import ConditionalVAE
from keras_gen.models.autoencoders.draw import DRAW
from keras_gen.models.autoencoders.vae import VAE

__all__ = ["DRAW", "VAE", "Autoencoder", "ConditionalVAE", "DenoisingAutoencoder"]
