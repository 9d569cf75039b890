"""GANs on one adversarial step: GAN, DCGAN, WGAN, WGAN-GP, BEGAN and BiGAN.

`update` holds the discriminator update, the objective and the default optimizer
that these families, the paired translators and CycleGAN all share.
"""

from keras_gen.models.adversarial.began import BEGAN
from keras_gen.models.adversarial.bigan import BiGAN
from keras_gen.models.adversarial.gan import DCGAN, GAN
from keras_gen.models.adversarial.update import Adversarial, AdversarialChain, Judgement
from keras_gen.models.adversarial.wgan import WGAN, WGANGP

__all__ = ["BEGAN", "DCGAN", "GAN", "WGAN", "WGANGP", "Adversarial", "AdversarialChain", "BiGAN", "Judgement"]
