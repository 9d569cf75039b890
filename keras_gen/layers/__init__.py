"""Reusable layers."""

from keras_gen.layers.sampling import Sampling, reparameterize

__all__ = ["Sampling", "reparameterize"]
