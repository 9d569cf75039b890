"""GANs that use labels, codes or captions: conditional GAN, AC-GAN, InfoGAN, semi-supervised GAN, GAN-CLS, StackGAN."""

from keras_gen.models.conditional.conditional_gan import ACGAN, ConditionalGAN
from keras_gen.models.conditional.gan_cls import GANCLS
from keras_gen.models.conditional.infogan import InfoGAN
from keras_gen.models.conditional.ssgan import SemiSupervisedGAN
from keras_gen.models.conditional.stackgan import StackGAN

__all__ = ["ACGAN", "GANCLS", "ConditionalGAN", "InfoGAN", "SemiSupervisedGAN", "StackGAN"]
