"""Families of video clips."""

from keras_gen.models.video.cross_conv import CrossConvCVAE

__all__ = ["CrossConvCVAE"]
