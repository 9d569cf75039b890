"""Callbacks: image snapshots (and the grids of clips and voxels), a learning-rate schedule, generative metrics, crash-safe checkpoints, a mode-collapse
monitor, a NaN guard, progress with the time left."""

from keras_gen.callbacks.checkpoint import CheckpointError, RunCheckpoint, recover
from keras_gen.callbacks.generative_metrics import GenerativeMetrics
from keras_gen.callbacks.image_snapshot import (
    ImageSnapshot,
    caption_grid,
    sample_grid,
    save_caption_samples,
    save_completions,
    save_predictions,
    save_reconstructions,
    save_samples,
    save_translations,
    save_volumes,
)
from keras_gen.callbacks.learning_rate import LinearLearningRateDecay
from keras_gen.callbacks.mode_collapse import ModeCollapseMonitor, ModeCollapseWarning
from keras_gen.callbacks.progress import Progress, TrainingProgress, format_duration
from keras_gen.callbacks.terminate_on_nan import TerminateOnNaNLoss, TrainingDiverged
from keras_gen.callbacks.video_voxel_grids import save_video_grid, save_voxel_plot, voxel_montage
from keras_gen.visualization import image_grid, row_grid, save_grid

__all__ = [
    "CheckpointError",
    "GenerativeMetrics",
    "ImageSnapshot",
    "LinearLearningRateDecay",
    "ModeCollapseMonitor",
    "ModeCollapseWarning",
    "Progress",
    "RunCheckpoint",
    "TerminateOnNaNLoss",
    "TrainingDiverged",
    "TrainingProgress",
    "caption_grid",
    "format_duration",
    "image_grid",
    "recover",
    "row_grid",
    "sample_grid",
    "save_caption_samples",
    "save_completions",
    "save_grid",
    "save_predictions",
    "save_reconstructions",
    "save_samples",
    "save_translations",
    "save_video_grid",
    "save_volumes",
    "save_voxel_plot",
    "voxel_montage",
]
