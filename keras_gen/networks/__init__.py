"""Builders of generators, discriminators, encoders and decoders."""

from keras_gen.networks.autoencoder import conv_decoder, conv_encoder
from keras_gen.networks.dcgan import (
    dcgan_discriminator,
    dcgan_generator,
    keras_book_discriminator,
    keras_book_generator,
    upsampling_plan,
)

__all__ = [
    "conv_decoder",
    "conv_encoder",
    "dcgan_discriminator",
    "dcgan_generator",
    "keras_book_discriminator",
    "keras_book_generator",
    "upsampling_plan",
]
