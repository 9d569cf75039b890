"""GANs on one adversarial step: GAN, DCGAN, WGAN, WGAN-GP, BEGAN and BiGAN."""

from keras_gen.models.adversarial.began import BEGAN
from keras_gen.models.adversarial.bigan import BiGAN
from keras_gen.models.adversarial.gan import DCGAN, GAN, AdversarialChain
from keras_gen.models.adversarial.wgan import WGAN, WGANGP

__all__ = ["BEGAN", "DCGAN", "GAN", "WGAN", "WGANGP", "AdversarialChain", "BiGAN"]
