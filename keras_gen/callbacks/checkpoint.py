"""`RunCheckpoint`: crash-safe checkpoints of a training run, and `recover`, which reads them back.

A run folder holds three files that always agree: `checkpoint.keras` (the
model with its optimizers' state), `checkpoint.json` (how far the run got:
epochs done, steps into the current epoch, optimizer steps, the logs of every
epoch) and `history.csv` (those logs, one row per epoch). A kill at any moment
(SIGKILL, power loss) leaves the previous checkpoint intact:

1. the model is saved to `checkpoint.tmp.keras` and the state to
   `checkpoint.json.tmp`, each flushed to disk (fsync);
2. `checkpoint.tmp.keras` is renamed over `checkpoint.keras`, then
   `checkpoint.json.tmp` over `checkpoint.json` (renames are atomic);
3. `history.csv` is rewritten from the state.

`recover(folder)` finishes or undoes an interrupted commit: a state file
left alone after step 2's first rename belongs to the new model and is
renamed into place; any other leftover temporary file is deleted.
"""

from __future__ import annotations

import csv
import io
import json
import os

import keras

from keras_gen.run_files import (
    CHECKPOINT_FILE,
    HISTORY_FILE,
    fsync_directory,
    fsync_file,
    remove_file,
    save_atomically,
    write_json,
)
from keras_gen.run_files import CHECKPOINT_STATE_FILE as STATE_FILE

_MODEL_TMP = "checkpoint.tmp.keras"  # Keras saves only to names ending in .keras
_STATE_TMP = STATE_FILE + ".tmp"


class CheckpointError(OSError):
    """A checkpoint could not be written (full disk, no permission); the previous one is intact."""


def history_csv(rows: list[dict]) -> str:
    """The logs of each epoch as CSV text (as `keras.callbacks.CSVLogger` writes them)."""
    columns = ["epoch"] + sorted({key for row in rows for key in row} - {"epoch"})
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, restval="NA", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()


def write_history(rows: list[dict], path: str) -> None:
    """Writes `history_csv(rows)` to `path` atomically, unless the file already holds exactly that."""
    content = history_csv(rows)
    try:
        with open(path) as file:
            if file.read() == content:
                return
    except OSError:
        pass

    def write(temporary):
        with open(temporary, "w", newline="") as file:
            file.write(content)

    save_atomically(write, path)


def recover(directory: str) -> dict | None:
    """Finishes or undoes an interrupted checkpoint commit in `directory`; returns the intact state.

    Returns:
        The state of `checkpoint.keras` (`checkpoint.json` as a dict), or None
        when the folder holds no complete checkpoint (a run killed before its
        first one).
    """
    model_tmp, state_tmp = (os.path.join(directory, name) for name in (_MODEL_TMP, _STATE_TMP))
    checkpoint, state_path = (os.path.join(directory, name) for name in (CHECKPOINT_FILE, STATE_FILE))
    if os.path.exists(state_tmp) and not os.path.exists(model_tmp) and os.path.exists(checkpoint):
        os.replace(state_tmp, state_path)  # the model was renamed into place: its state follows it
    remove_file(model_tmp)
    remove_file(state_tmp)
    if not (os.path.exists(checkpoint) and os.path.exists(state_path)):
        return None
    with open(state_path) as file:
        state = json.load(file)
    try:  # history.csv follows the state; a kill between the two leaves it one commit behind
        write_history(state.get("history", []), os.path.join(directory, HISTORY_FILE))
    except OSError as err:
        raise CheckpointError(
            f"Could not update {HISTORY_FILE} in {directory} ({err.strerror or err}); the checkpoint there is "
            "intact. Free disk space or make the folder writable, then resume."
        ) from err
    return state


def optimizer_steps(model) -> dict:
    """Update counts of a compiled model's optimizers, e.g. `{"d_optimizer": 938, "g_optimizer": 938}`."""
    players = model.players() if hasattr(model, "players") else {"optimizer": model.optimizer}
    return {name: int(keras.ops.convert_to_numpy(optimizer.iterations)) for name, optimizer in players.items()}


class RunCheckpoint(keras.callbacks.Callback):
    """Writes crash-safe checkpoints of a run: after every epoch and every `every_steps` steps.

    Each checkpoint commits `checkpoint.keras`, `checkpoint.json` and
    `history.csv` in `directory` together (see the module docstring): a
    process killed at any moment leaves the previous checkpoint whole, and
    `recover(directory)` returns its state for a resumed run. `history.csv`
    holds each completed epoch exactly once, also across resumed runs. A write
    that fails (full disk, read-only folder) stops training with a
    `CheckpointError` that says so; the previous checkpoint stays intact.

    Args:
        directory: the run folder.
        every_steps: also checkpoint every N training steps within an epoch
            (None: only at the end of each epoch).
        state: the state of the checkpoint a run resumes from (`recover`'s
            result), or None for a new run.
        metadata: extra JSON-serializable entries kept in the state (e.g. the
            family's name).

    Example:
    >>> state = recover("runs/dcgan")
    >>> model.fit(ds, epochs=10, initial_epoch=state["epochs_done"] if state else 0,
    ...           callbacks=[RunCheckpoint("runs/dcgan", every_steps=500, state=state)])
    """

    def __init__(self, directory: str, every_steps: int | None = None, state: dict | None = None,
                 metadata: dict | None = None):
        super().__init__()
        if every_steps is not None and int(every_steps) < 1:
            raise ValueError(f"every_steps must be a positive number of steps or None, got {every_steps}.")
        self.directory = directory
        self.every_steps = None if every_steps is None else int(every_steps)
        state = dict(state or {})
        self.history = list(state.get("history", []))
        self.metadata = {**{k: v for k, v in state.items() if k not in _STATE_KEYS}, **(metadata or {})}
        self.epoch = int(state.get("epochs_done", 0))
        # A run resumed from a mid-epoch checkpoint starts with those steps of its first epoch done.
        self.steps_in_epoch = int(state.get("steps_in_epoch", 0))
        self.commits = 0

    def on_epoch_begin(self, epoch, logs=None):
        if epoch != self.epoch:
            self.epoch, self.steps_in_epoch = epoch, 0

    def on_train_batch_end(self, batch, logs=None):
        self.steps_in_epoch += 1
        if self.every_steps and self.steps_in_epoch % self.every_steps == 0:
            self.commit(epochs_done=self.epoch, steps_in_epoch=self.steps_in_epoch)

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch, **{key: float(value) for key, value in (logs or {}).items()}}
        self.history = [r for r in self.history if r["epoch"] != epoch] + [row]
        self.commit(epochs_done=epoch + 1, steps_in_epoch=0, logs=row)
        self.epoch, self.steps_in_epoch = epoch + 1, 0

    def commit(self, epochs_done: int, steps_in_epoch: int, logs: dict | None = None) -> None:
        """Writes the model and its state as the folder's checkpoint, atomically."""
        state = {
            **self.metadata,
            "epochs_done": epochs_done,
            "steps_in_epoch": steps_in_epoch,
            "optimizer_iterations": optimizer_steps(self.model),
            "logs": {k: v for k, v in (logs or {}).items() if k != "epoch"},
            "history": self.history,
        }
        model_tmp, state_tmp = (os.path.join(self.directory, name) for name in (_MODEL_TMP, _STATE_TMP))
        try:
            os.makedirs(self.directory, exist_ok=True)
            self.model.save(model_tmp)
            fsync_file(model_tmp)
            write_json(state, state_tmp)
            os.replace(model_tmp, os.path.join(self.directory, CHECKPOINT_FILE))
            os.replace(state_tmp, os.path.join(self.directory, STATE_FILE))
            fsync_directory(self.directory)
            write_history(self.history, os.path.join(self.directory, HISTORY_FILE))
        except OSError as err:
            remove_file(model_tmp)
            remove_file(state_tmp)
            raise CheckpointError(
                f"Could not write the checkpoint in {self.directory} ({err.strerror or err}); the previous "
                "checkpoint there is intact. Free disk space or make the folder writable, then resume."
            ) from err
        self.commits += 1


_STATE_KEYS = ("epochs_done", "steps_in_epoch", "optimizer_iterations", "logs", "history")
