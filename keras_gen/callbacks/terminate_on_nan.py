"""`TerminateOnNaNLoss`: stop at the first non-finite loss of any name."""

import keras
import numpy as np


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite during training."""


class TerminateOnNaNLoss(keras.callbacks.Callback):
    """Raises `TrainingDiverged` as soon as any `*loss` log is NaN or infinite.

    `keras.callbacks.TerminateOnNaN` watches only a log called `loss`; GANs
    report `d_loss` and `g_loss`. Raising (instead of setting `stop_training`)
    ends `fit` before `on_epoch_end`, so a `ModelCheckpoint` keeps the model of
    the last complete epoch instead of overwriting it with NaN weights.

    Example:
    >>> callbacks = [keras.callbacks.ModelCheckpoint("ckpt.keras"), TerminateOnNaNLoss()]
    >>> gan.fit(ds, epochs=5, callbacks=callbacks)  # raises TrainingDiverged on NaN
    """

    def __init__(self):
        super().__init__()
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        for name, value in (logs or {}).items():
            if name.endswith("loss") and not np.isfinite(value):
                raise TrainingDiverged(
                    f"{name} became {float(value)} at epoch {self.epoch + 1}, batch {batch + 1}"
                )
