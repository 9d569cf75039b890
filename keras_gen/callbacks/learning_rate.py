"""`LinearLearningRateDecay`: constant learning rates, then a linear decay to zero (CycleGAN's schedule)."""

import keras


class LinearLearningRateDecay(keras.callbacks.Callback):
    """Sets every optimizer of a model to a constant rate, then decays it linearly to 0.

    Zhu et al. (2017), section 4: "the same learning rate for the first 100
    epochs and linearly decay the rate to zero over the next 100 epochs".
    At the start of epoch e (0-based) each optimizer's rate is
    `learning_rate * min(1, (epochs - e) / (epochs - decay_start))` for
    e >= `decay_start`, `learning_rate` before. The rate depends only on the
    epoch, so a resumed run (`fit(..., initial_epoch=e)`) continues the schedule.
    Works with any keras_gen model (`model.players()`) or a plain Keras model.

    Args:
        epochs: the epoch at which the rate reaches 0 (the run's total).
        decay_start: the first epoch of the decay (default: half of `epochs`).
        learning_rate: the constant rate (the paper's 2e-4).

    Example:
    >>> model.fit(ds, epochs=200, callbacks=[LinearLearningRateDecay(epochs=200, decay_start=100)])
    """

    def __init__(self, epochs, decay_start=None, learning_rate=2e-4):
        super().__init__()
        decay_start = epochs // 2 if decay_start is None else decay_start
        if int(epochs) != epochs or epochs < 1 or int(decay_start) != decay_start or not 0 <= decay_start < epochs:
            raise ValueError(
                f"Need whole numbers 0 <= decay_start < epochs, got epochs={epochs!r}, decay_start={decay_start!r}."
            )
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}.")
        self.epochs, self.decay_start, self.learning_rate = int(epochs), int(decay_start), float(learning_rate)

    def rate(self, epoch: int) -> float:
        """The learning rate of (0-based) epoch `epoch`."""
        if epoch < self.decay_start:
            return self.learning_rate
        return self.learning_rate * max(0.0, (self.epochs - epoch) / (self.epochs - self.decay_start))

    def on_epoch_begin(self, epoch, logs=None):
        players = self.model.players() if hasattr(self.model, "players") else {"optimizer": self.model.optimizer}
        for optimizer in players.values():
            getattr(optimizer, "inner_optimizer", optimizer).learning_rate = self.rate(epoch)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = self.rate(epoch)
