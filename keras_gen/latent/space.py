"""The latent space as the tools see it: checks of models, labels and points, and the way out.

Shared by `keras_gen.latent.walks` and `keras_gen.latent.inversion`: every
tool first asks the model for its latent space (`SamplesFromPrior` or
`Encodes`), checks labels and points the same way, and turns latent points
into images with `decode_points`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from keras import ops

from keras_gen.models.capabilities import Encodes, SamplesFromPrior, check_latent_points
from keras_gen.models.input_checks import condition_parts


def _latent_dim(model) -> int:
    if not isinstance(model, (SamplesFromPrior, Encodes)):
        raise TypeError(
            f"{type(model).__name__} has no latent space (it neither samples from a prior nor "
            "encodes); latent tools work on autoencoders, VAEs and GANs."
        )
    return int(model.latent_dim)


def _labels_for(model, labels, count, what="images"):
    """One checked label per item for a conditional model; None for an unconditional one."""
    if labels is not None and not isinstance(labels, (dict, str)) and np.ndim(labels) == 0:
        labels = np.full(count, labels)
    if model.label_conditional and labels is None:
        raise ValueError(
            f"{type(model).__name__} is class-conditional: pass the class of the {what} "
            f"(label=k for one class, labels=[...] for one per image), an integer in [0, {model.num_classes})."
        )
    return model.check_labels(labels, count, required=True)


def repeated_condition(model, label, count: int):
    """One example's condition, `label`, as the conditions of `count` items (None stays None).

    `label` is what one image is conditioned on, in the model's own form: a
    class, a caption (a string or its ids), an attribute or multi-hot vector,
    a layout, or a dict of those for a condition of several parts.
    """
    if label is None or model.condition is None:
        return label  # an unconditional model given a label: the checks downstream name the problem
    parts = condition_parts(model.condition)
    if None in parts:
        return _repeated_part(parts[None], label, count, "label")
    if not isinstance(label, Mapping) or set(label) != set(parts):
        given = sorted(label) if isinstance(label, Mapping) else type(label).__name__
        raise ValueError(f"{type(model).__name__} is conditioned on the parts {sorted(parts)}: pass label= a dict "
                         f"with exactly those keys, one example's value each; got {given}.")
    return {part: _repeated_part(condition, label[part], count, f"label[{part!r}]") for part, condition in
            parts.items()}


def _repeated_part(condition, value, count, what):
    if isinstance(value, str):
        return [value] * count
    array = np.asarray(value)
    if array.ndim != len(condition.shape):
        raise ValueError(f"{what} is one example's condition, one item of {condition.describe()}: shape "
                         f"{tuple(condition.shape)}, without the batch axis; got shape {array.shape}.")
    return np.repeat(array[None], count, axis=0)


def repeat_each(conditions, times: int):
    """Checked conditions (an array, or a dict of arrays) with each example repeated `times` times in a row."""
    if conditions is None:
        return None
    if isinstance(conditions, Mapping):
        return {part: np.repeat(np.asarray(values), times, axis=0) for part, values in conditions.items()}
    return np.repeat(np.asarray(conditions), times, axis=0)


def _prior_points(model, noise, labels=None) -> np.ndarray:
    """Standard-normal points mapped to the model's prior (p(z | y) with labels); unchanged for N(0, I)."""
    noise = np.asarray(noise, "float32")
    # Only class-conditional families have a prior per condition (the conditional VAE's p(z | y)).
    if labels is None or not hasattr(model, "prior_points") or not getattr(model, "label_conditional", False):
        return noise
    return ops.convert_to_numpy(model.prior_points(noise, np.asarray(labels, "int32"))).astype("float32")


def _check_latent_points(model, points, what="latent points"):
    return ops.convert_to_numpy(check_latent_points(np.asarray(points), _latent_dim(model), what))


def _check_vector(model, vector):
    return _check_latent_points(model, np.asarray(vector, "float32").reshape(1, -1), "vector")[0]


def decode_points(model, latent_points, labels=None, batch_size=256) -> np.ndarray:
    """Images `(n, height, width, channels)` of latent points: `generate` or, without a prior, `decode`."""
    points = _check_latent_points(model, latent_points)
    labels = _labels_for(model, labels, len(points), "latent points")
    if isinstance(model, SamplesFromPrior):
        return model.generate(latent_points=points, labels=labels, batch_size=batch_size)
    parts = []
    for start in range(0, len(points), batch_size):
        part_labels = None if labels is None else labels[start : start + batch_size]
        decoded = model.decode(points[start : start + batch_size], part_labels)
        parts.append(ops.convert_to_numpy(decoded))
    return np.concatenate(parts).astype("float32")


def _generator(model):
    if not isinstance(model, SamplesFromPrior):
        raise TypeError(f"{type(model).__name__} has no generator to invert (it does not sample from a prior).")
    return model._generate_batch
