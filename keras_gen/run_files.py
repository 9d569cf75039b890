"""The names of the files a training run writes into its directory, and how files are written safely.

Shared by `keras-gen train`, `keras_gen.callbacks.RunCheckpoint` and the
feature-network cache of `keras_gen.evaluation`; this module imports only the
standard library, so the command line can use it without TensorFlow.
`save_atomically` is the one way keras_gen replaces a file that a reader (or a
resumed run) may look at: a kill at any moment leaves the old file or the new
one, never half of one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

MODEL_FILE = "model.keras"
CHECKPOINT_FILE = "checkpoint.keras"
CHECKPOINT_STATE_FILE = "checkpoint.json"
HISTORY_FILE = "history.csv"
LOSS_PLOT_FILE = "losses.png"
SAMPLES_FILE = "samples.png"
# Caption families' sample grids have a row per caption; this file lists the captions, one line per row.
SAMPLES_CAPTIONS_FILE = "samples_captions.txt"
# Models of clips write their samples as an animated grid; models of voxel grids
# a slice montage (SAMPLES_FILE) and a 3-D plot.
SAMPLES_CLIPS_FILE = "samples.gif"
SAMPLES_3D_FILE = "samples_3d.png"
# Models that continue clips: real clips beside continuations of their first frames.
PREDICTIONS_FILE = "predictions.gif"
RECONSTRUCTIONS_FILE = "reconstructions.png"
COMPLETIONS_FILE = "completions.png"
TRANSLATIONS_FILE = "translations.png"
SNAPSHOT_DIR = "snapshots"
RUN_CONFIG_FILE = "run.json"
EVALUATION_FILE = "evaluation.json"


def save_atomically(write: Callable[[str], Any], path: str, temporary: str | None = None) -> str:
    """Calls `write(temporary)`, flushes it to disk and renames it to `path`; `path` is never half-written.

    The rename is atomic, so a reader sees the old file or the new one; the
    fsyncs make the new one survive a power loss. When writing fails, the
    temporary file is removed and `path` is untouched.

    Args:
        write: a function that writes the whole file to the path it is given
            (e.g. `model.save`).
        path: the file to replace.
        temporary: where `write` writes first, in the same folder as `path`
            (default `path + ".tmp"`). Keras saves only to names ending in
            `.keras`; processes that may write the same file at once need one
            temporary name each.

    Returns:
        `path`.

    Example:
    >>> save_atomically(model.save, "runs/x/model.keras", "runs/x/model.tmp.keras")
    'runs/x/model.keras'
    """
    temporary = temporary or path + ".tmp"
    try:
        write(temporary)
        fsync_file(temporary)
        os.replace(temporary, path)
    except OSError:
        remove_file(temporary)
        raise
    fsync_directory(os.path.dirname(os.path.abspath(path)))
    return path


def write_json(value: Any, path: str) -> None:
    """Writes `value` as indented JSON and flushes it to disk (a `save_atomically` writer).

    Example:
    >>> save_atomically(lambda temporary: write_json({"epochs_done": 3}, temporary), "runs/x/state.json")
    'runs/x/state.json'
    """
    with open(path, "w", encoding="utf-8") as file:
        json.dump(value, file, indent=2)
        file.flush()
        os.fsync(file.fileno())


def fsync_file(path: str) -> None:
    """Flushes a written file's data to disk, so a rename after it cannot expose an empty file.

    Example:
    >>> fsync_file("runs/x/checkpoint.tmp.keras")
    """
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_directory(directory: str) -> None:
    """Flushes a folder's entries (renames) to disk, where the file system allows it.

    Example:
    >>> fsync_directory("runs/x")
    """
    try:
        fsync_file(directory)
    except OSError:  # some file systems cannot fsync a directory; the renames stay atomic
        pass


def remove_file(path: str) -> None:
    """Removes a file if it is there (a leftover temporary file); errors are ignored.

    Example:
    >>> remove_file("runs/x/checkpoint.tmp.keras")
    """
    try:
        os.remove(path)
    except OSError:
        pass
