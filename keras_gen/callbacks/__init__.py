"""Callbacks: image snapshots, generative metrics and a NaN guard during training."""

from keras_gen.callbacks.generative_metrics import GenerativeMetrics
from keras_gen.callbacks.image_snapshot import (
    ImageSnapshot,
    image_grid,
    row_grid,
    sample_grid,
    save_grid,
    save_reconstructions,
    save_samples,
)
from keras_gen.callbacks.terminate_on_nan import TerminateOnNaNLoss, TrainingDiverged

__all__ = [
    "GenerativeMetrics",
    "ImageSnapshot",
    "TerminateOnNaNLoss",
    "TrainingDiverged",
    "image_grid",
    "row_grid",
    "sample_grid",
    "save_grid",
    "save_reconstructions",
    "save_samples",
]
