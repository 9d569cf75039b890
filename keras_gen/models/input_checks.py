"""The input checks of `GenerativeModel`: wrong data fails with a message that names the fix.

Every check runs before any weight changes: on numpy arrays and data set specs
when `fit`/`evaluate` start (`_check_fit_data`, `_check_second_part`), on the
static shapes of a batch when a step is traced (`check_image_batch`,
`check_label_batch`), and on the arguments of public methods (`check_labels`,
`check_images`, `checked_user_images`). Families add their own checks by
overriding these methods (the VAE's and PixelCNN's pixel grid, the context
encoder's masks).
"""

from collections.abc import Mapping

import keras
import numpy as np
from keras import ops

from keras_gen.data.conditions import Condition
from keras_gen.families import DATA_KINDS
from keras_gen.training import checked_equal_counts, checked_finite, checked_labels, checked_values


def condition_parts(condition):
    """`{part: Condition}` of a model's condition: a dict of parts as it is, one `Condition` under None."""
    return dict(condition) if isinstance(condition, Mapping) else {None: condition}


def _is_classes(condition):
    return isinstance(condition, Condition) and condition.kind == "classes"


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



class InputChecks:
    """Mixin of `GenerativeModel` with its checks of images and labels.

    Reads the model's `data_shape`, `data_kind`, `input_image_shape`, `data_scale`,
    `batch_kind`, `num_classes`, `label_conditional` and `accepts_unlabelled`.

    Example:
    >>> model = keras_gen.models.Autoencoder.for_images((28, 28, 1), latent_dim=8, seed=0)
    >>> model.check_images(np.zeros((2, 28, 28, 1))).dtype
    dtype('float32')
    """

    def check_labels(self, labels, count, *, required=False):
        """Integer class labels for `count` images, checked; a ValueError naming the fix otherwise.

        Unconditional families (`num_classes` None) take no labels. Conditional
        ones need one integer in `[0, num_classes)` per image; when `labels` is
        None they get the classes in turn, or an error if `required`.
        """
        name = type(self).__name__
        condition = self.condition
        if condition is not None and not _is_classes(condition):
            # Families conditioned on more than a class take their conditions where labels go.
            return self.check_conditions(labels, count, required=required)
        if not self.label_conditional:
            if labels is not None:
                raise ValueError(f"{name} is not conditional: it takes no labels. Drop labels=.")
            return None
        return self._checked_label_array(labels, count, required)

    def check_conditions(self, conditions, count, *, required=False):
        """The conditions of `count` images, checked against `model.condition`; a ValueError naming the fix.

        Class-conditional models take labels here as `check_labels` does (None:
        the classes in turn, unless `required`). Models conditioned on anything
        else require them: an array of their `Condition`, or a dict with an
        array per part for a condition of several parts. Token conditions also
        take a list of strings.
        """
        condition, name = self.condition, type(self).__name__
        if condition is None:
            if conditions is not None:
                raise ValueError(f"{name} is not conditional: it takes no conditions. Drop conditions= (or labels=).")
            return None
        if _is_classes(condition):
            return self._checked_label_array(conditions, count, required)
        parts = condition_parts(condition)
        if conditions is None:
            wanted = "; ".join(f"{part!r}: {c.describe()}" if part else c.describe() for part, c in parts.items())
            raise ValueError(f"{name} is conditioned on {wanted}: pass conditions= with one per image.")
        if None in parts:
            return condition.check(conditions, count)
        if not isinstance(conditions, Mapping) or set(conditions) != set(parts):
            given = sorted(conditions) if isinstance(conditions, Mapping) else type(conditions).__name__
            raise ValueError(f"{name} is conditioned on the parts {sorted(parts)}: pass conditions= a dict with "
                             f"those keys, got {given}.")
        checked = {}
        for part, part_condition in parts.items():
            try:
                checked[part] = part_condition.check(conditions[part], count)
            except ValueError as error:
                raise ValueError(f"conditions[{part!r}]: {error}") from None
        return checked

    def check_condition_batch(self, conditions, images):
        """Checks a traced batch's conditions: static shape and dtype when traced, values before any update."""
        condition, name = self.condition, type(self).__name__
        if condition is None or _is_classes(condition):
            return self.check_label_batch(conditions, images)
        parts = condition_parts(condition)
        if None not in parts and (not isinstance(conditions, Mapping) or set(conditions) != set(parts)):
            given = sorted(conditions) if isinstance(conditions, Mapping) else "one array"
            raise ValueError(f"{name} trains on (images, conditions) batches whose conditions are a dict with the "
                             f"keys {sorted(parts)}; got {given}.")
        checked = {}
        for part, part_condition in parts.items():
            values = conditions if part is None else conditions[part]
            what = "conditions" if part is None else f"conditions {part!r}"
            shape, dtype = tuple(values.shape), keras.backend.standardize_dtype(values.dtype)
            if shape[1:] != part_condition.shape:
                raise ValueError(f"{name} takes {what} of shape (batch, {', '.join(map(str, part_condition.shape))})"
                                 f" ({part_condition.describe()}), got {shape}.")
            values = checked_equal_counts(values, images, f"images and {what}")
            if part_condition.num_ids is not None:
                if "int" not in dtype:
                    raise ValueError(f"{name} takes integer {what}, got dtype {dtype}; cast them to int32 in the "
                                     "data pipeline.")
                checked[part] = checked_values(ops.cast(values, "int32"), 0, part_condition.num_ids - 1, what)
            elif part_condition.kind == "multi_hot":
                checked[part] = checked_values(ops.cast(values, "float32"), 0, 1, what, binary=True)
            else:
                checked[part] = checked_values(ops.cast(values, "float32"), part_condition.low, part_condition.high,
                                               what)
        return checked[None] if None in parts else checked

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

    def _example_kind(self, expected):
        """The `DataKind` of examples of shape `expected`: images for `(H, W, C)`, else the model's own kind."""
        if len(expected) == 3 or self.data_kind == "images":
            return DATA_KINDS["images"]
        return DATA_KINDS[self.data_kind]

    def check_image_batch(self, images, expected_shape=None, what=None):
        """Checks a batch's static shape and dtype; raises a clear error otherwise.

        Runs when a train/test step is traced, so a wrong data set fails before
        any weights change. Image batches are `(batch, H, W, C)`; clips and
        voxel grids (`data_kind` "videos" or "voxels") are rank 5.

        Args:
            images: a tensor, `KerasTensor` or array.
            expected_shape: the shape of one example they must have (default
                `data_shape`).
            what: what they are, for the messages ("input images", ...; default:
                "images", "clips" or "voxel grids").
        """
        expected = tuple(self.data_shape if expected_shape is None else expected_shape)
        kind = self._example_kind(expected)
        what = kind.noun if what is None else what
        shape = tuple(images.shape)
        dtype = keras.backend.standardize_dtype(images.dtype)
        sentence_start = what[0].upper() + what[1:]
        if len(shape) != len(expected) + 1:
            raise ValueError(self._rank_message(kind, expected, shape, what))
        if "int" in dtype or dtype == "bool":
            raise ValueError(
                f"{sentence_start} have integer dtype {dtype}; {type(self).__name__} needs float "
                f"{kind.noun} scaled to {self.data_scale}. Scale them first, e.g. "
                "keras_gen.data.scale_images(x, to_range="
                f"{self.data_scale}) or load with keras_gen.data.load(..., scale="
                f"{self.data_scale})."
            )
        if shape[-1] is not None and shape[-1] != expected[-1]:
            raise ValueError(
                f"Channel mismatch: {type(self).__name__} was built for {what} with "
                f"{expected[-1]} channel(s) (shape {expected}), got {shape[-1]}."
            )
        if kind.name == "images":
            sides = ((shape[1:3], expected[:2]),)
        elif kind.name == "videos":
            sides = ((shape[1:2], expected[:1]), (shape[2:4], expected[1:3]))
        else:
            sides = ((shape[1:4], expected[:3]),)
        for got, want in sides:
            if any(side is not None and side != wanted for side, wanted in zip(got, want)):
                raise ValueError(self._size_message(kind, expected, got, want, what))

    def _rank_message(self, kind, expected, shape, what):
        name = type(self).__name__
        message = (f"{name} expects {what} in batches of shape (batch, {', '.join(map(str, expected))}), got "
                   f"rank-{len(shape)} input of shape {shape}.")
        if kind.name == "images":
            return message + (" Add a channel axis, e.g. x[..., None]." if len(shape) == 3 else "")
        described = (f"{name} is a model of {kind.noun}: it takes batches of shape (batch, {', '.join(kind.axes)}) "
                     f"= (batch, {', '.join(map(str, expected))})")
        if tuple(shape[1:]) == tuple(expected[:-1]):
            return f"{described}; got shape {shape}: add the channel axis, e.g. x[..., None]."
        if len(shape) == 4 and kind.name == "videos":
            return (f"{described}; got images, shape {shape}. Load a video data set (e.g. keras_gen.data.load("
                    f"'moving_fashion_mnist')) or stack each clip's frames on axis 1: np.stack(frames, axis=1).")
        if len(shape) == 4:
            return (f"{described}; got images, shape {shape}. Load a voxel data set (e.g. keras_gen.data.load("
                    "'voxel_shapes', scale=(0, 1))) or build an image family for images.")
        return f"{described}; got rank-{len(shape)} input of shape {shape}."

    def _size_message(self, kind, expected, got, want, what):
        name = type(self).__name__
        got_text, want_text = "x".join(map(str, got)), "x".join(map(str, want))
        if kind.name == "images":
            return (f"Image size mismatch: {name} was built for {what} of {want_text}, got {got_text}. Resize the "
                    "data or build the model for this size.")
        if kind.name == "videos" and len(want) == 1:
            return (f"Frame count mismatch: {name} was built for {what} of {want[0]} frames, shape "
                    f"{kind.describe(expected)}, got {got[0]} frames. Take {want[0]} frames per clip "
                    f"(e.g. clips[:, :{want[0]}]) or build the model for {got[0]} frames.")
        if kind.name == "videos":
            return (f"Frame size mismatch: {name} was built for {what} of {want_text} frames, shape "
                    f"{kind.describe(expected)}, got {got_text}. Resize the frames or build the model for "
                    "this size.")
        return (f"Grid size mismatch: {name} was built for {what} of {want_text} voxels, shape "
                f"{kind.describe(expected)}, got {got_text}. Resample the grids (e.g. "
                f"keras_gen.data.voxel_shapes(n, size={want[0]})) or build the model for this size.")

    def checked_example_batch(self, examples):
        """A traced batch of examples, checked in the step before any update, cast to the variables' dtype.

        NaN and infinities stop every family. Clips and voxel grids
        (`data_kind` "videos" or "voxels") are also checked against
        `data_scale` (with the tolerance of `fit`'s eager check), since a
        tf.data pipeline is not checked before the step.
        """
        if self.data_kind == "images":
            return ops.cast(checked_finite(examples), self.variable_dtype)
        what = f"training {DATA_KINDS[self.data_kind].noun}"
        low, high = self.data_scale
        tolerance = 1e-3 * (high - low)
        fix = (f"the model works in data_scale={self.data_scale}: rescale them, e.g. keras_gen.data.scale_images("
               f"x, from_range=(0, 255), to_range={self.data_scale}), or load with scale={self.data_scale}")
        examples = checked_values(checked_finite(examples, what), low - tolerance, high + tolerance, what, fix=fix)
        return ops.cast(examples, self.variable_dtype)

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
        noun = self._example_kind(tuple(self.data_shape if expected_shape is None else expected_shape)).noun
        if data.ndim == 0 or data.shape[0] == 0:
            raise ValueError(f"The {role} data is empty (0 {noun}).")
        self.check_image_batch(data, expected_shape, role if role.endswith(noun) else f"{role} {noun}")
        bad = int(np.size(data) - np.count_nonzero(np.isfinite(data)))
        if bad:
            raise ValueError(
                f"The {role} {noun} contain {bad} NaN or infinite values; clean "
                f"or drop those {noun} before training."
            )
        low, high = float(data.min()), float(data.max())
        tolerance = 1e-3 * (self.data_scale[1] - self.data_scale[0])
        if low < self.data_scale[0] - tolerance or high > self.data_scale[1] + tolerance:
            raise ValueError(
                f"The {role} {noun} lie in [{low:.3g}, {high:.3g}], but this model "
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
            noun = self._example_kind(tuple(self.data_shape if expected_shape is None else expected_shape)).noun
            self.check_image_batch(keras.KerasTensor(shape, dtype=dtype), expected_shape, f"{role} {noun}")

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
        if self.batch_kind == "images_conditions" and isinstance(x, np.ndarray):
            if y is None:
                raise ValueError(f"{type(self).__name__} trains on batches of (images, conditions), but got images "
                                 "alone. Pass fit(images, conditions) with one condition per image.")
            self.check_conditions(y, len(x), required=True)
        if self.batch_kind == "images_labels" and isinstance(x, np.ndarray):
            if y is None:
                raise ValueError(
                    f"{type(self).__name__} trains on batches of (images, labels), but got images alone. "
                    f"Pass fit(images, labels) with one integer label in [0, {self.num_classes}) per image."
                )
            self.check_training_labels(y, len(x))
