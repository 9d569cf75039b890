"""Multi-scale GANs: a Laplacian pyramid of GANs (LAPGAN) and networks that grow while they train (Progressive GAN)."""

from keras_gen.models.multiscale.lapgan import LAPGAN
from keras_gen.models.multiscale.progressive import ProgressiveGAN

__all__ = ["LAPGAN", "ProgressiveGAN"]
