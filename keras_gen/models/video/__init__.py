"""Families of clips `(frames, height, width, channels)`."""

from keras_gen.models.video.cross_conv import CrossConvCVAE
from keras_gen.models.video.video_gan import VideoGAN

__all__ = ["CrossConvCVAE", "VideoGAN"]
