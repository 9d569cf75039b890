"""What every keras_gen model shares: data scale, seeds, players, saving, input checks.

`GenerativeModel` assumes nothing about *how* a family generates: whether it
samples from a prior, encodes, translates or has a likelihood is a capability
(`keras_gen.models.capabilities`) that a family mixes in. The base owns:

- `image_shape`, `data_scale`, `seed` and the model's `seed_generator`;
- `batch_kind` and `unpack_batch`: what a training batch holds (images; images
  and labels; input/target pairs; two unpaired domains), kept whole;
- the players: `optimizer_names` name one optimizer per set of networks that
  learns on its own; `compile` takes one optimizer per name (each family's
  paper settings by default), creates their state at once and saves it;
- input checks that name the problem and the fix, before any weight changes;
- saving: sub-networks in the config (`network_names`), seed states beside the
  weights so a resumed run continues the same random stream.
"""

import keras
import numpy as np
from keras import ops

from keras_gen.training import (
    DataError,
    checked_equal_counts,
    checked_finite,
    checked_labels,
    data_errors_as_value_errors,
)

BATCH_KINDS = ("images", "images_labels", "pairs", "unpaired")


def _describe_data(data):
    """Returns `(shape, dtype)` of the images in a numpy array or tf.data element spec."""
    if isinstance(data, np.ndarray):
        return data.shape, data.dtype
    spec = getattr(data, "element_spec", None)
    if spec is None:
        return None, None
    while isinstance(spec, (tuple, list)):  # (x, y): x; ((images, masks), y): images
        spec = spec[0]
    if isinstance(spec, dict):
        return None, None
    return tuple(spec.shape), spec.dtype


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


class GenerativeModel(keras.Model):
    """Base class of keras_gen's models: the same names mean the same thing everywhere.

    A family subclasses it together with the capabilities it has
    (`SamplesFromPrior`, `Encodes`, `Translates`, `HasLikelihood`) and sets:

    - `network_names`: its sub-networks (constructor arguments), serialized by
      `get_config` / `from_config`;
    - `batch_kind`: what its training data holds, one of `BATCH_KINDS`;
    - `optimizer_names` and `optimizer_variables(name)`: its players; with
      `default_optimizer(name)` for `compile()` without arguments.

    Args:
        image_shape: `(height, width, channels)` of the images the model makes.
        data_scale: the `(low, high)` pixel range of its images.
        seed: seed of the model's `keras.random.SeedGenerator`.

    Example:
    >>> model = keras_gen.models.Autoencoder.for_images((28, 28, 1), latent_dim=8, seed=0)
    >>> isinstance(model, keras_gen.models.GenerativeModel)
    True
    """

    network_names: tuple[str, ...] = ()
    batch_kind: str = "images"
    optimizer_names: tuple[str, ...] = ("optimizer",)
    # Families that train on labels set the number of classes the labels index.
    num_classes: int | None = None
    # Training labels may be -1 for "no label" (the semi-supervised GAN).
    accepts_unlabelled = False

    @property
    def input_image_shape(self) -> tuple[int, int, int]:
        """`(height, width, channels)` of the images the model takes: `image_shape`, except for
        families that map one kind of image to another (super-resolution takes smaller ones)."""
        return self.image_shape

    @property
    def label_conditional(self) -> bool:
        """Whether labels are an input of generation and encoding (`generate(n, labels=...)`)."""
        return self.num_classes is not None

    def __init__(self, image_shape, data_scale=(-1.0, 1.0), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(side) for side in image_shape)
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
        `pairs`: `(inputs, targets)`. `unpaired`: `(images_a, images_b)`.

        Returns:
            A dict: `{"images"}`, `{"images", "labels"}`, `{"inputs", "targets"}`
            or `{"images_a", "images_b"}`.
        """
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if self.batch_kind == "images":
            self.check_image_batch(x)
            return {"images": ops.cast(checked_finite(x), self.compute_dtype)}
        if y is None:
            expected = {
                "images_labels": "(images, labels)",
                "pairs": "(input images, target images)",
                "unpaired": "(images of domain A, images of domain B)",
            }[self.batch_kind]
            raise ValueError(
                f"{type(self).__name__} trains on batches of {expected}, but got images alone. "
                "Pass fit(x, y) or a data set of such tuples."
            )
        if self.batch_kind == "images_labels":
            self.check_image_batch(x)
            return {
                "images": ops.cast(checked_finite(x), self.compute_dtype),
                "labels": self.check_label_batch(y, x),
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
            first: ops.cast(checked_finite(x, f"{first} images"), self.compute_dtype),
            second: ops.cast(checked_finite(y, f"{second} images"), self.compute_dtype),
        }

    # --- input checks ---------------------------------------------------------------
    def check_labels(self, labels, count, *, required=False):
        """Integer class labels for `count` images, checked; a ValueError naming the fix otherwise.

        Unconditional families (`num_classes` None) take no labels. Conditional
        ones need one integer in `[0, num_classes)` per image; when `labels` is
        None they get the classes in turn, or an error if `required`.
        """
        name = type(self).__name__
        if not self.label_conditional:
            if labels is not None:
                raise ValueError(f"{name} is not conditional: it takes no labels. Drop labels=.")
            return None
        return self._checked_label_array(labels, count, required)

    def _checked_label_array(self, labels, count, required, lowest=0):
        name = type(self).__name__
        if labels is None:
            if required:
                raise ValueError(
                    f"{name} is class-conditional: pass one integer label in [0, {self.num_classes}) "
                    "per image, e.g. labels=y."
                )
            return np.arange(count, dtype="int32") % self.num_classes
        labels = np.asarray(labels)
        if labels.ndim != 1 or len(labels) != count:
            hint = " Labels must be integers, not one-hot rows: pass y.argmax(-1)." if labels.ndim == 2 else ""
            raise ValueError(
                f"Pass one label per image: {count} labels of shape ({count},), got shape {labels.shape}.{hint}"
            )
        if labels.dtype.kind not in "iu":
            raise ValueError(
                f"Labels must be integers in [0, {self.num_classes}), got dtype {labels.dtype}; "
                "convert them with labels.astype('int32') if they are whole numbers."
            )
        if labels.size and (labels.min() < lowest or labels.max() >= self.num_classes):
            unlabelled = " (or -1 for an unlabelled image)" if lowest < 0 else ""
            raise ValueError(
                f"Labels must lie in [0, {self.num_classes}){unlabelled} for num_classes={self.num_classes}, "
                f"got values from {labels.min()} to {labels.max()}."
            )
        return labels.astype("int32")

    def check_training_labels(self, labels, count):
        """The labels of `fit(images, labels)`, checked: one integer per image, in range (or -1 where allowed)."""
        return self._checked_label_array(labels, count, required=True, lowest=-1 if self.accepts_unlabelled else 0)

    def check_label_batch(self, labels, images):
        """Checks a traced batch's labels: rank 1, integer, in range, one per image.

        The dtype and rank are checked when the step is traced (a ValueError);
        the range and count are checked on the values before any update (an
        error that names them), since a one-hot or embedding lookup would
        otherwise silently take an out-of-range label.
        """
        name = type(self).__name__
        shape = tuple(labels.shape)
        dtype = keras.backend.standardize_dtype(labels.dtype)
        if len(shape) != 1:
            raise ValueError(
                f"{name} takes one integer label per image, shape (batch,), got labels of shape {shape}. "
                "Pass integer class indices, not one-hot rows."
            )
        if "int" not in dtype:
            raise ValueError(
                f"{name} takes integer labels in [0, {self.num_classes}), got dtype {dtype}; "
                "cast them to int32 in the data pipeline."
            )
        if self.num_classes is None:
            return labels
        lowest = -1 if self.accepts_unlabelled else 0
        return checked_labels(labels, ops.shape(images)[0], self.num_classes, lowest)

    def check_image_batch(self, images, expected_shape=None, what="images"):
        """Checks a batch's static shape and dtype; raises a clear error otherwise.

        Runs when a train/test step is traced, so a wrong data set fails before
        any weights change.

        Args:
            images: a tensor, `KerasTensor` or array.
            expected_shape: `(H, W, C)` they must have (default `image_shape`).
            what: what they are, for the messages ("input images", ...).
        """
        expected = tuple(self.image_shape if expected_shape is None else expected_shape)
        shape = tuple(images.shape)
        dtype = keras.backend.standardize_dtype(images.dtype)
        sentence_start = what[0].upper() + what[1:]
        if len(shape) != 4:
            hint = " Add a channel axis, e.g. x[..., None]." if len(shape) == 3 else ""
            raise ValueError(
                f"{type(self).__name__} expects {what} in batches of shape (batch, "
                f"{', '.join(map(str, expected))}), got rank-{len(shape)} "
                f"input of shape {shape}.{hint}"
            )
        if "int" in dtype or dtype == "bool":
            raise ValueError(
                f"{sentence_start} have integer dtype {dtype}; {type(self).__name__} needs float "
                f"images scaled to {self.data_scale}. Scale them first, e.g. "
                "keras_gen.data.scale_images(x, to_range="
                f"{self.data_scale}) or load with keras_gen.data.load(..., scale="
                f"{self.data_scale})."
            )
        if shape[-1] is not None and shape[-1] != expected[-1]:
            raise ValueError(
                f"Channel mismatch: {type(self).__name__} was built for {what} with "
                f"{expected[-1]} channel(s) (shape {expected}), got {shape[-1]}."
            )
        if any(got is not None and got != want for got, want in zip(shape[1:3], expected[:2])):
            raise ValueError(
                f"Image size mismatch: {type(self).__name__} was built for {what} of "
                f"{expected[0]}x{expected[1]}, got {shape[1]}x{shape[2]}. Resize the data or build the "
                "model for this size."
            )

    def check_images(self, images, role="input", expected_shape=None):
        """Converts user images to float32 after the checks of `fit` (shape, NaN, range)."""
        images = np.asarray(images)
        self._check_image_array(images, role, expected_shape)
        return images.astype("float32")

    def checked_user_images(self, images):
        """Arrays from users checked as `fit` checks them (shape, dtype, NaN, range); tensors pass as given.

        Public methods such as `encode` take numpy arrays from users and
        tensors from the model's own traced steps; only the former need checks.
        """
        if isinstance(images, (np.ndarray, list, tuple)):
            return self.check_images(images)
        return images

    def _check_image_array(self, data, role, expected_shape=None):
        if data.ndim == 0 or data.shape[0] == 0:
            raise ValueError(f"The {role} data is empty (0 images).")
        self.check_image_batch(data, expected_shape, role if role.endswith("images") else f"{role} images")
        bad = int(np.size(data) - np.count_nonzero(np.isfinite(data)))
        if bad:
            raise ValueError(
                f"The {role} images contain {bad} NaN or infinite values; clean "
                "or drop those images before training."
            )
        low, high = float(data.min()), float(data.max())
        tolerance = 1e-3 * (self.data_scale[1] - self.data_scale[0])
        if low < self.data_scale[0] - tolerance or high > self.data_scale[1] + tolerance:
            raise ValueError(
                f"The {role} images lie in [{low:.3g}, {high:.3g}], but this model "
                f"works in data_scale={self.data_scale}. Rescale them, e.g. with "
                f"keras_gen.data.scale_images(x, from_range=(0, 255), "
                f"to_range={self.data_scale})."
            )

    def _check_fit_data(self, data, role, expected_shape=None):
        """Eager checks of `fit` data that cannot happen inside a traced step."""
        if data is None:
            return
        if expected_shape is None and self.batch_kind == "pairs":
            expected_shape = self.input_image_shape
        shape, dtype = _describe_data(data)
        if isinstance(data, np.ndarray):
            self._check_image_array(data, role, expected_shape)
            return
        cardinality = getattr(data, "cardinality", None)
        if cardinality is not None and int(cardinality()) == 0:
            raise ValueError(
                f"The {role} data set is empty: it yields no batches. Check the "
                "source, `limit` or `take` arguments, and that batch_size is not "
                "larger than the data set when drop_remainder=True."
            )
        if shape is not None:
            self.check_image_batch(keras.KerasTensor(shape, dtype=dtype), expected_shape, f"{role} images")

    def _check_second_part(self, x, y, role):
        """Checks `y` of `fit(x, y)` as the family's batch kind needs it."""
        if self.batch_kind in ("pairs", "unpaired") and isinstance(y, np.ndarray):
            self._check_fit_data(y, f"{role} target" if self.batch_kind == "pairs" else role, self.image_shape)
            first = x[0] if isinstance(x, (tuple, list)) else x
            if isinstance(first, np.ndarray) and len(first) != len(y):
                raise ValueError(
                    f"fit(x, y) got {len(first)} input images and {len(y)} "
                    f"{'targets' if self.batch_kind == 'pairs' else 'images of domain B'}; "
                    + ("pass one target per input." if self.batch_kind == "pairs"
                       else "pass as many images of each domain (or a tf.data set of (images_a, images_b)).")
                )
        if self.batch_kind == "images_labels" and isinstance(x, np.ndarray):
            if y is None:
                raise ValueError(
                    f"{type(self).__name__} trains on batches of (images, labels), but got images alone. "
                    f"Pass fit(images, labels) with one integer label in [0, {self.num_classes}) per image."
                )
            self.check_training_labels(y, len(x))

    def fit(self, x=None, y=None, *args, validation_data=None, **kwargs):
        self._check_fit_data(x, "training")
        self._check_second_part(x, y, "training")
        if isinstance(validation_data, (tuple, list)):
            self._check_fit_data(validation_data[0], "validation")
        else:
            self._check_fit_data(validation_data, "validation")
        position = _BatchPosition()
        if isinstance(kwargs.get("callbacks"), (list, tuple, type(None))):
            kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), position]
        try:
            with data_errors_as_value_errors():
                return super().fit(x, y, *args, validation_data=validation_data, **kwargs)
        except DataError as err:
            raise DataError(f"{str(err).rstrip('.')} ({position.describe()}).") from None

    def evaluate(self, x=None, y=None, *args, **kwargs):
        self._check_fit_data(x, "evaluation")
        self._check_second_part(x, y, "evaluation")
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
