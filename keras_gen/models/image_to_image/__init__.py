"""Image-to-image models: pix2pix, SRResNet and SRGAN, the context encoder, CycleGAN."""

from keras_gen.models.image_to_image.context_encoder import ContextEncoder
from keras_gen.models.image_to_image.cyclegan import CycleGAN
from keras_gen.models.image_to_image.pix2pix import Pix2Pix
from keras_gen.models.image_to_image.srgan import SRGAN, SRResNet
from keras_gen.models.image_to_image.translator import PairedTranslator

__all__ = ["SRGAN", "ContextEncoder", "CycleGAN", "PairedTranslator", "Pix2Pix", "SRResNet"]
