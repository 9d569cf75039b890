"""Callbacks: image snapshots and generative metrics during training."""

from keras_gen.callbacks.generative_metrics import GenerativeMetrics
from keras_gen.callbacks.image_snapshot import ImageSnapshot, image_grid

__all__ = ["GenerativeMetrics", "ImageSnapshot", "image_grid"]
