"""Autoregressive image models: PixelCNN, Gated PixelCNN and PixelRNN (Row LSTM); VideoPixelCNN; NADE and MADE of binary images."""

from keras_gen.models.autoregressive.made import MADE, fully_visible_sigmoid_belief_network
from keras_gen.models.autoregressive.nade import NADE
from keras_gen.models.autoregressive.pixelcnn import GatedPixelCNN, PixelCNN
from keras_gen.models.autoregressive.pixelrnn import PixelRNN
from keras_gen.models.autoregressive.video_pixelcnn import VideoPixelCNN

__all__ = ["MADE", "NADE", "GatedPixelCNN", "PixelCNN", "PixelRNN", "VideoPixelCNN", "fully_visible_sigmoid_belief_network"]
