"""Autoregressive image models: PixelCNN, Gated PixelCNN and PixelRNN (Row LSTM)."""

from keras_gen.models.autoregressive.pixelcnn import GatedPixelCNN, PixelCNN
from keras_gen.models.autoregressive.pixelrnn import PixelRNN

__all__ = ["GatedPixelCNN", "PixelCNN", "PixelRNN"]
