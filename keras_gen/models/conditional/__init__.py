"""GANs that use labels or codes: conditional GAN, AC-GAN, InfoGAN, semi-supervised GAN."""

from keras_gen.models.conditional.conditional_gan import ACGAN, ConditionalGAN
from keras_gen.models.conditional.infogan import InfoGAN
from keras_gen.models.conditional.ssgan import SemiSupervisedGAN

__all__ = ["ACGAN", "ConditionalGAN", "InfoGAN", "SemiSupervisedGAN"]
