"""What every keras_gen model shares: data scale, seeds, players, saving, input checks.

`GenerativeModel` assumes nothing about *how* a family generates: whether it
samples from a prior, encodes, translates or has a likelihood is a capability
(`keras_gen.models.capabilities`) that a family mixes in. The base owns:

- `data_shape` and `data_kind` (one example: an image, a clip or a voxel
  grid), `image_shape`, `data_scale`, `seed` and the model's `seed_generator`;
- `batch_kind` and `unpack_batch`: what a training batch holds (images; images
  and labels; input/target pairs; two unpaired domains), kept whole;
- the players: `optimizer_names` name one optimizer per set of networks that
  learns on its own; `compile` takes one optimizer per name (each family's
  paper settings by default), creates their state at once and saves it;
- input checks that name the problem and the fix, before any weight changes
  (`InputChecks`, in `keras_gen.models.input_checks`);
- saving: sub-networks in the config (`network_names`), seed states beside the
  weights so a resumed run continues the same random stream.
"""

import keras
import numpy as np
from keras import ops

from keras_gen.data.conditions import Condition
from keras_gen.families import BATCH_KINDS, DATA_KINDS
from keras_gen.models.input_checks import InputChecks
from keras_gen.training import (
    BackendTrainer,
    DataError,
    checked_equal_counts,
    checked_finite,
    data_errors_as_value_errors,
    prepare_fit,
)


class _BatchPosition(keras.callbacks.Callback):
    """Remembers which batch `fit` is on, so a data error can say where it happened."""

    def __init__(self):
        super().__init__()
        self.epoch, self.batch, self.phase = 0, 0, "training"

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.phase = epoch, "training"

    def on_train_batch_begin(self, batch, logs=None):
        self.batch = batch

    def on_test_begin(self, logs=None):
        self.phase = "validation"

    def on_test_batch_begin(self, batch, logs=None):
        self.batch = batch

    def describe(self):
        return f"{self.phase} data, epoch {self.epoch + 1}, batch {self.batch + 1}"


def primary_input_shape(network):
    """The shape of a network's (first) input without the batch axis.

    Conditional networks take `[primary, condition]` (latent points and labels,
    or an image and its mask); the primary input is the first.
    """
    shape = network.input_shape
    if isinstance(shape, list):
        shape = shape[0]
    return tuple(shape)[1:]


def serialize_networks(owner, names):
    """`{name: serialized network}` for the sub-networks `names` of `owner`."""
    return {name: keras.saving.serialize_keras_object(getattr(owner, name)) for name in names}


def deserialize_networks(config, names):
    """A copy of `config` with the sub-networks `names` deserialized."""
    config = dict(config)
    for name in names:
        config[name] = keras.saving.deserialize_keras_object(config[name])
    return config


def loss_scaled(optimizer):
    """Wraps an optimizer for loss scaling under the mixed_float16 policy, as Keras does."""
    policy = keras.config.dtype_policy().name
    if policy == "mixed_float16" and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


class GenerativeModel(InputChecks, BackendTrainer, keras.Model):
    """Base class of keras_gen's models: the same names mean the same thing everywhere.

    A family subclasses it together with the capabilities it has
    (`SamplesFromPrior`, `Encodes`, `Translates`, `HasLikelihood`) and sets:

    - `network_names`: its sub-networks (constructor arguments), serialized by
      `get_config` / `from_config`;
    - `batch_kind`: what its training data holds, a key of
      `keras_gen.families.BATCH_KINDS`;
    - `optimizer_names` and `optimizer_variables(name)`: its players; with
      `default_optimizer(name)` for `compile()` without arguments;
    - `data_kind`: what one example is, `"images"` (the default), `"videos"`
      or `"voxels"`; the batch checks then take rank-5 batches.

    Args:
        data_shape: the shape of one example the model makes: `(height, width,
            channels)` of an image, `(frames, height, width, channels)` of a
            clip or `(depth, height, width, channels)` of a voxel grid, as
            `data_kind` says.
        data_scale: the `(low, high)` pixel range of its images.
        seed: seed of the model's `keras.random.SeedGenerator`.

    Example:
    >>> model = keras_gen.models.Autoencoder.for_images((28, 28, 1), latent_dim=8, seed=0)
    >>> isinstance(model, keras_gen.models.GenerativeModel)
    True
    """

    network_names: tuple[str, ...] = ()
    batch_kind: str = "images"
    # What one example is, a key of keras_gen.families.DATA_KINDS: "images", "videos" or "voxels".
    data_kind: str = "images"
    optimizer_names: tuple[str, ...] = ("optimizer",)
    # Families that train on labels set the number of classes the labels index.
    num_classes: int | None = None
    # Training labels may be -1 for "no label" (the semi-supervised GAN).
    accepts_unlabelled = False

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """`(height, width, channels)` of one image: the example itself for image families, a frame of a
        clip for videos, a depth slice of a grid for voxels."""
        return self.data_shape[-3:]

    @property
    def input_image_shape(self) -> tuple[int, int, int]:
        """`(height, width, channels)` of the images the model takes: `image_shape`, except for
        families that map one kind of image to another (super-resolution takes smaller ones)."""
        return self.image_shape

    @property
    def condition(self):
        """What generation is conditioned on: a `keras_gen.data.Condition`, a dict of them (a condition of
        several parts), or None. Class-conditional families report `Condition.classes(num_classes)`."""
        if getattr(self, "_condition", None) is not None:
            return self._condition
        return Condition.classes(self.num_classes) if self.label_conditional else None

    @property
    def label_conditional(self) -> bool:
        """Whether labels are an input of generation and encoding (`generate(n, labels=...)`)."""
        return self.num_classes is not None

    def __init__(self, data_shape, data_scale=(-1.0, 1.0), seed=None, **kwargs):
        super().__init__(**kwargs)
        if self.data_kind not in DATA_KINDS:
            raise ValueError(f"{type(self).__name__}.data_kind must be one of {tuple(DATA_KINDS)}, "
                             f"got {self.data_kind!r}.")
        self.data_shape = DATA_KINDS[self.data_kind].check_shape(
            data_shape, f"The data_shape of {type(self).__name__} (a model of {self.data_kind})")
        self.data_scale = tuple(float(v) for v in data_scale)
        if len(self.data_scale) != 2 or self.data_scale[0] >= self.data_scale[1]:
            raise ValueError(
                f"data_scale must be (low, high) with low < high, got {data_scale}; "
                "use (-1, 1) for tanh outputs or (0, 1) for sigmoid/Bernoulli outputs."
            )
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    # --- players and compile --------------------------------------------------------
    def optimizer_variables(self, name):
        """The variables that the optimizer `name` updates."""
        if name == "optimizer":
            return self.trainable_variables
        raise NotImplementedError(f"{type(self).__name__} must say which variables {name} updates.")

    def default_optimizer(self, name):
        """The optimizer `compile()` uses for `name` when none is given: Adam(1e-3)."""
        return keras.optimizers.Adam(1e-3)

    def _compile_players(self, optimizers, kwargs):
        """`keras.Model.compile` plus one built optimizer per player.

        Optimizers are built at once: the networks exist from construction, so
        `load_model`, `BackupAndRestore` and keras-tuner's checkpoints find their
        state to restore.
        """
        for key in ("loss", "metrics", *(("optimizer",) if "optimizer" not in self.optimizer_names else ())):
            if kwargs.get(key) is not None:
                raise ValueError(
                    f"{type(self).__name__}.compile() takes {' and '.join(self.optimizer_names)}; "
                    f"'{key}' is not used: the losses are part of the model."
                )
            kwargs.pop(key, None)
        built = {}
        for name in self.optimizer_names:
            optimizer = optimizers.get(name)
            optimizer = self.default_optimizer(name) if optimizer is None else keras.optimizers.get(optimizer)
            built[name] = loss_scaled(optimizer)
        # Keras' own `optimizer` is used only by single-player models; otherwise
        # passing None keeps Keras from creating (and saving) an unused RMSprop.
        super().compile(optimizer=built.get("optimizer"), **kwargs)
        for name, optimizer in built.items():
            if name == "optimizer":
                optimizer = self.optimizer  # Keras may have wrapped it
            else:
                setattr(self, name, optimizer)
            optimizer.build(self.optimizer_variables(name))
        self._player_compile_options = kwargs

    def compile(self, optimizer=None, **kwargs):
        """Sets the optimizer (default: the family's paper settings) and creates its state.

        Args:
            optimizer: an optimizer instance or name; None for the default.
            **kwargs: other `keras.Model.compile` options (`jit_compile`,
                `steps_per_execution`, `run_eagerly`).
        """
        self._compile_players({"optimizer": optimizer}, kwargs)

    def players(self):
        """`{optimizer name: optimizer}` after `compile`."""
        return {name: getattr(self, name) for name in self.optimizer_names}

    def get_compile_config(self):
        if not getattr(self, "compiled", False) or not hasattr(self, "_player_compile_options"):
            return None
        return {
            **{
                name: keras.saving.serialize_keras_object(optimizer)
                for name, optimizer in self.players().items()
            },
            **self._player_compile_options,
        }

    def compile_from_config(self, config):
        # Keras skips a custom compile() on load unless this is overridden.
        config = dict(config)
        optimizers = {
            name: keras.saving.deserialize_keras_object(config.pop(name))
            for name in self.optimizer_names
            if config.get(name) is not None
        }
        # Files written by keras_gen 0.1 hold Keras' own compile config.
        for key in ("loss", "loss_weights", "metrics", "weighted_metrics"):
            config.pop(key, None)
        self.compile(**optimizers, **config)

    # --- batches --------------------------------------------------------------------
    def unpack_batch(self, data):
        """The parts of a batch this family trains on, with their shapes checked.

        `images`: the images of `x`, `(x,)`, `(x, y)` or `(x, y, w)` (labels are
        ignored). `images_labels`: `(images, labels)`, labels required.
        `images_conditions`: `(images, conditions)`, the conditions an array
        or a dict of them, as `model.condition` says. `pairs`: `(inputs,
        targets)`. `unpaired`: `(images_a, images_b)`.

        Returns:
            A dict: `{"images"}`, `{"images", "labels"}`, `{"images", "conditions"}`,
            `{"inputs", "targets"}` or `{"images_a", "images_b"}`.
        """
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        # Full precision under mixed precision: networks cast their inputs, losses compare in float32.
        if self.batch_kind == "images":
            self.check_image_batch(x)
            return {"images": self.checked_example_batch(x)}
        if y is None:
            raise ValueError(
                f"{type(self).__name__} trains on batches of {BATCH_KINDS[self.batch_kind]}, but got images alone. "
                "Pass fit(x, y) or a data set of such tuples."
            )
        if self.batch_kind == "images_labels":
            self.check_image_batch(x)
            return {
                "images": self.checked_example_batch(x),
                "labels": self.check_label_batch(y, x),
            }
        if self.batch_kind == "images_conditions":
            self.check_image_batch(x)
            return {
                "images": self.checked_example_batch(x),
                "conditions": self.check_condition_batch(y, x),
            }
        if self.batch_kind == "pairs":
            self.check_image_batch(x, self.input_image_shape, "input images")
            self.check_image_batch(y, self.image_shape, "target images")
            x = checked_equal_counts(x, y, "input and target images")
            first, second = "inputs", "targets"
        else:
            self.check_image_batch(x, what="images of domain A")
            self.check_image_batch(y, what="images of domain B")
            first, second = "images_a", "images_b"
        return {
            first: ops.cast(checked_finite(x, f"{first} images"), self.variable_dtype),
            second: ops.cast(checked_finite(y, f"{second} images"), self.variable_dtype),
        }

    def _text_as_ids(self, x, y):
        """`fit(images, captions)` with captions as strings: the captions as token ids, which the step reads
        (checked and tokenized as `generate` does); other conditions unchanged."""
        if self.batch_kind != "images_conditions" or not isinstance(x, np.ndarray):
            return y

        def is_text(values):
            if isinstance(values, np.ndarray):
                return values.dtype.kind in "US"
            return isinstance(values, (list, tuple)) and len(values) > 0 and isinstance(values[0], str)

        parts = y.values() if isinstance(y, dict) else [y]
        return self.check_conditions(y, len(x), required=True) if any(is_text(v) for v in parts) else y

    def fit(self, x=None, y=None, *args, validation_data=None, **kwargs):
        self._check_fit_data(x, "training")
        self._check_second_part(x, y, "training")
        y = self._text_as_ids(x, y)
        if isinstance(validation_data, (tuple, list)):
            self._check_fit_data(validation_data[0], "validation")
        else:
            self._check_fit_data(validation_data, "validation")
        position = _BatchPosition()
        if isinstance(kwargs.get("callbacks"), (list, tuple, type(None))):
            kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), position]
        prepare_fit(self)
        try:
            with data_errors_as_value_errors():
                return super().fit(x, y, *args, validation_data=validation_data, **kwargs)
        except DataError as err:
            raise DataError(f"{str(err).rstrip('.')} ({position.describe()}).") from None

    def evaluate(self, x=None, y=None, *args, **kwargs):
        self._check_fit_data(x, "evaluation")
        self._check_second_part(x, y, "evaluation")
        y = self._text_as_ids(x, y)
        with data_errors_as_value_errors():
            return super().evaluate(x, y, *args, **kwargs)

    # --- saving ---------------------------------------------------------------------
    def _random_states(self):
        """Seed-generator states of the model and its layers (not part of `weights`)."""
        weight_ids = {id(w) for w in self.weights}
        return [v for v in self.variables if id(v) not in weight_ids]

    def save_own_variables(self, store):
        # Keras saves weights only; saving the random states too makes a resumed
        # run continue the same random stream instead of replaying it.
        super().save_own_variables(store)
        for index, state in enumerate(self._random_states()):
            store[f"random_state_{index}"] = state

    def load_own_variables(self, store):
        keys = set(store.keys())
        for index, variable in enumerate(self._trainable_variables + self._non_trainable_variables):
            variable.assign(store[f"{index}"])
        for index, state in enumerate(self._random_states()):
            if f"random_state_{index}" in keys:
                state.assign(store[f"random_state_{index}"])

    def get_config(self):
        # Sizes such as latent_dim and image_shape follow from the networks.
        return {
            **serialize_networks(self, self.network_names),
            "data_scale": self.data_scale,
            "seed": self.seed,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_networks(config, cls.network_names))
