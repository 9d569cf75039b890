"""`GenerativeHyperModel`: the keras-tuner HyperModel that every model family follows.

A family's HyperModel says three things and inherits the rest:

- `model_class`: the `GenerativeModel` subclass it builds with `for_images`;
- `model_kwargs(hp)`: declares the model's hyperparameters, returns `for_images`
  arguments;
- `compile_kwargs(hp)`: declares the optimizers' hyperparameters, returns
  `compile` arguments;

plus, where the objective is not a plain Keras log, `trial_callbacks` to add
the callback that writes it into the epoch logs.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import keras_tuner

from keras_gen.networks.stages import check_image_shape


class EpochLogs(keras.callbacks.Callback):
    """Keeps every epoch's full logs, so epochs without the objective stay aligned.

    `keras.callbacks.History` stores one list per metric; a metric that is only
    computed on some epochs (a generative metric with `every > 1`) would then be
    matched with the wrong epochs.
    """

    def __init__(self):
        super().__init__()
        self.epochs: list[tuple[int, dict[str, float]]] = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append((epoch, {key: float(value) for key, value in (logs or {}).items()}))


class GenerativeHyperModel(keras_tuner.HyperModel):
    """Base class of keras_gen's HyperModels: a search space over one model family.

    `build(hp)` calls `model_class.for_images(image_shape, seed=seed,
    **model_kwargs(hp))` and compiles the model with `compile_kwargs(hp)`.
    `fit(hp, model, ...)` is keras-tuner's per-trial hook: it adds the
    callbacks the objective needs (`trial_callbacks`) in front of the tuner's
    own, trains, and reports the objective of the best epoch on which it was
    computed. `objective` is a `keras_tuner.Objective`: pass it to any tuner.

    Narrow the space with keras-tuner's own mechanism: give the tuner a
    `keras_tuner.HyperParameters` in which some names are already declared
    (`hp.Fixed("latent_dim", 16)`, or a smaller `hp.Choice`); those replace the
    defaults here. Extend it by subclassing and overriding `model_kwargs` or
    `compile_kwargs` (call `super()` and add entries).

    Args:
        image_shape: `(height, width, channels)` of the training images.
        seed: seed of each model's `keras.random.SeedGenerator`.
        name: optional name of the HyperModel.
        tunable: keras-tuner's flag: when False, hyperparameters not declared in
            advance keep their default values.

    Example:
    >>> hypermodel = keras_gen.tuning.VAEHyperModel((28, 28, 1))
    >>> tuner = keras_tuner.RandomSearch(hypermodel, objective=hypermodel.objective,
    ...                                  max_trials=10, directory="runs")
    >>> tuner.search(train_ds, validation_data=val_ds, epochs=5)
    """

    model_class: type | None = None
    objective_name: str = "val_loss"
    objective_direction: str = "min"
    # The `(low, high)` pixel range the models train on; load data in it.
    data_scale: tuple[float, float] = (-1.0, 1.0)

    def __init__(
        self,
        image_shape: tuple[int, int, int],
        *,
        seed: int | None = None,
        name: str | None = None,
        tunable: bool = True,
    ):
        super().__init__(name=name, tunable=tunable)
        self.image_shape = check_image_shape(image_shape)
        self.seed = seed

    @property
    def objective(self) -> keras_tuner.Objective:
        """The value the tuner optimizes, as a `keras_tuner.Objective`."""
        return keras_tuner.Objective(self.objective_name, direction=self.objective_direction)

    # --- how `run_search` sets it up -------------------------------------------------
    @classmethod
    def for_search(cls, image_shape, *, dataset=None, num_samples=1000, metrics_options=None, seed=None):
        """The HyperModel `run_search` uses for `dataset` (extra options are for families that score samples)."""
        return cls(image_shape, seed=seed)

    def search_kwargs(self, held_out) -> dict[str, Any]:
        """`tuner.search` arguments given held-out images: by default, validation data."""
        return {"validation_data": held_out}

    # --- the search space -----------------------------------------------------------
    def model_kwargs(self, hp: keras_tuner.HyperParameters) -> dict[str, Any]:
        """Declares the model's hyperparameters; returns `model_class.for_images` kwargs."""
        raise NotImplementedError(f"{type(self).__name__} must implement model_kwargs(hp).")

    def compile_kwargs(self, hp: keras_tuner.HyperParameters) -> dict[str, Any]:
        """Declares the optimizers' hyperparameters; returns `model.compile` kwargs."""
        raise NotImplementedError(f"{type(self).__name__} must implement compile_kwargs(hp).")

    def declare_hyperparameters(self, hp: keras_tuner.HyperParameters) -> None:
        self.model_kwargs(hp)
        self.compile_kwargs(hp)

    def build(self, hp: keras_tuner.HyperParameters) -> keras.Model:
        if self.model_class is None:
            raise NotImplementedError(f"{type(self).__name__} must set model_class.")
        model = self.model_class.for_images(self.image_shape, seed=self.seed, **self.model_kwargs(hp))
        model.compile(**self.compile_kwargs(hp))  # also creates the optimizers' variables
        return model

    # --- one trial ------------------------------------------------------------------
    def trial_callbacks(
        self, hp: keras_tuner.HyperParameters, callbacks: list, fit_kwargs: dict[str, Any]
    ) -> list:
        """The callbacks of one trial: `callbacks` plus what the objective needs.

        `callbacks` are the user's (already deep-copied by the tuner) followed by
        the tuner's own checkpointing callback. A callback that writes the
        objective into the logs must come before the tuner's, so put it first.
        """
        return callbacks

    def fit(self, hp: keras_tuner.HyperParameters, model: keras.Model, *args, **kwargs):
        """Trains one trial's model and returns its objective for the oracle.

        Returns the `History` when every epoch logged a finite objective,
        otherwise a dict with the logs of the best epoch that did.
        """
        callbacks = self.trial_callbacks(hp, list(kwargs.pop("callbacks", None) or []), kwargs)
        recorder = EpochLogs()
        history = model.fit(*args, callbacks=[*callbacks, recorder], **kwargs)
        return self._trial_result(history, recorder.epochs)

    def _trial_result(self, history, epochs):
        name = self.objective_name
        scored = [logs for _, logs in epochs if name in logs]
        if not scored:
            logged = sorted(epochs[-1][1]) if epochs else []
            raise keras_tuner.errors.FatalValueError(
                f"{type(self).__name__}'s objective '{name}' was not in any epoch's logs "
                f"(logged: {logged}). {self.objective_hint()}"
            )
        finite = [logs for logs in scored if math.isfinite(logs[name])]
        if not finite:
            raise keras_tuner.errors.FailedTrialError(
                f"The objective '{name}' was not finite in any epoch "
                f"({[logs[name] for logs in scored]}): the training diverged."
            )
        if len(finite) == len(epochs):
            return history
        best = min if self.objective_direction == "min" else max
        return best(finite, key=lambda logs: logs[name])

    def objective_hint(self) -> str:
        """How to make the objective appear in the logs (used in error messages)."""
        return "Pass the data and callbacks that compute it to tuner.search()."
