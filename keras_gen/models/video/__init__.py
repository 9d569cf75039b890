"""Families of clips `(frames, height, width, channels)`."""

from keras_gen.models.video.video_gan import VideoGAN

__all__ = ["VideoGAN"]
