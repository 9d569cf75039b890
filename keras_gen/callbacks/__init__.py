"""Callbacks: image snapshots, generative metrics, a mode-collapse monitor and a NaN guard."""

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
from keras_gen.callbacks.mode_collapse import ModeCollapseMonitor, ModeCollapseWarning
from keras_gen.callbacks.terminate_on_nan import TerminateOnNaNLoss, TrainingDiverged

__all__ = [
    "GenerativeMetrics",
    "ImageSnapshot",
    "ModeCollapseMonitor",
    "ModeCollapseWarning",
    "TerminateOnNaNLoss",
    "TrainingDiverged",
    "image_grid",
    "row_grid",
    "sample_grid",
    "save_grid",
    "save_reconstructions",
    "save_samples",
]
