"""Latent tools for conditions beyond classes: the joint (z, c) search, condition edits, condition walks.

- `invert(model, images, infer_conditions=True)` searches the conditions too
  (Karacan, Akata, Erdem & Erdem, "Learning to Generate Images of Outdoor
  Scenes from Attributes and Semantic Layouts", 2016: a real image is
  projected to the (z, c) that regenerates it, and then edited through c).
  The search relaxes c: attributes move freely and are clipped to their range
  after every step; multi-hot bits and layout cells are logits whose
  sigmoid / softmax the generator reads. `Relaxation` holds them.
- `edit_conditions` regenerates images from their own z with changed conditions.
- `interpolate_conditions` keeps z and walks linearly between two conditions'
  embeddings (`model.embed_conditions`), as Reed et al. (2016) walk between
  two captions.

Example:
>>> captions = keras_gen.data.Condition.tokens(["a", "small", "large", "dark", "light", "sandal"], max_length=6)
>>> gan = keras_gen.models.GANCLS.for_images((8, 8, 1), captions, latent_dim=4, width=4, embedding_dim=4, seed=0)
>>> walk = interpolate_conditions(gan, "a small dark sandal", "a large light sandal", steps=8)  # fit gan first
>>> walk.shape
(8, 8, 8, 1)
"""

from __future__ import annotations

from collections.abc import Mapping

import keras
import numpy as np
from keras import ops

from keras_gen.latent.space import _check_latent_points, _latent_dim, decode_points
from keras_gen.models.capabilities import Encodes, SamplesFromPrior, fixed_latent_points
from keras_gen.models.input_checks import condition_parts

# What the joint search can relax, and what a start without conditions is (`neutral_start`).
RELAXED_KINDS = ("attributes", "multi_hot", "layout")
# The logit a given 0/1 bit (or region) starts from: sigmoid(2) = 0.88, so the search can still move it.
START_LOGIT = 2.0


def _parts(model) -> dict:
    """`{part: Condition}` of a conditional model; a ValueError for an unconditional one."""
    if model.condition is None:
        raise ValueError(f"{type(model).__name__} is not conditional: it has no conditions to infer or change.")
    return condition_parts(model.condition)


def whole_conditions(values: dict):
    """`{part: values}` back to the model's own form: one array for a condition of one part."""
    return values.get(None, values)


def _by_part(values) -> dict:
    return dict(values) if isinstance(values, Mapping) else {None: values}


def relaxable_parts(model) -> dict:
    """`{part: Condition}` after checking that the joint search can relax every part; a ValueError naming
    the fix otherwise (captions and class ids are discrete)."""
    parts = _parts(model)
    for part, condition in parts.items():
        if condition.kind not in RELAXED_KINDS:
            where = "" if part is None else f" (part {part!r})"
            fix = ("captions are word ids, which have no continuous relaxation: pass the images' captions "
                   "with conditions= (only z is then searched)" if condition.kind == "tokens" else
                   "class ids are discrete: pass conditions= (or labels=) and invert once per class if unknown")
            raise ValueError(f"infer_conditions cannot search {condition.describe()}{where}: {fix}.")
    return parts


def start_parameters(parts: dict, conditions, count: int) -> dict:
    """The search's variables at its start, `{part: array}`: given conditions (checked) or neutral ones.

    Attributes start at their values, or mid-range; multi-hot bits and layout
    cells at logits of +-`START_LOGIT` for given values, or 0 (probability
    1/2, a uniform layout).
    """
    given = _by_part(conditions) if conditions is not None else {}
    start = {}
    for part, condition in parts.items():
        values = given.get(part)
        if condition.kind == "attributes":
            middle = (condition.low + condition.high) / 2
            start[part] = np.full((count, *condition.shape), middle, "float32") if values is None else values
        elif condition.kind == "multi_hot":
            start[part] = (np.zeros((count, *condition.shape), "float32") if values is None
                           else START_LOGIT * (2.0 * values - 1.0)).astype("float32")
        else:
            shape = (count, *condition.shape, condition.num_regions)
            start[part] = (np.zeros(shape, "float32") if values is None else
                           START_LOGIT * np.eye(condition.num_regions, dtype="float32")[values])
    return start


def relax(condition, parameters):
    """What the generator reads of one part's search variables: attributes as they are, multi-hot bits as
    sigmoid probabilities, layouts as softmax probabilities `(n, h, w, num_regions)`."""
    if condition.kind == "multi_hot":
        return ops.sigmoid(parameters)
    if condition.kind == "layout":
        return ops.softmax(parameters, axis=-1)
    return parameters


def valid_conditions(condition, parameters) -> np.ndarray:
    """One part's search variables in the condition's own valid form: attributes clipped to their range,
    multi-hot bits rounded to 0/1, layout cells the most probable region."""
    parameters = np.asarray(parameters, "float32")
    if condition.kind == "attributes":
        return np.clip(parameters, condition.low, condition.high).astype("float32")
    if condition.kind == "multi_hot":
        return (parameters >= 0).astype("float32")  # sigmoid >= 1/2
    return parameters.argmax(axis=-1).astype("int32")


class Relaxation:
    """The conditions of one batch of the joint search, as variables the optimizer moves beside z.

    Args:
        parts: `{part: Condition}` (`relaxable_parts(model)`).
        start: `{part: array}` (`start_parameters`).
    """

    def __init__(self, parts: dict, start: dict):
        self.parts = parts
        self.by_part = {part: keras.Variable(start[part], name=f"conditions_{part or 'all'}") for part in parts}
        self.variables = list(self.by_part.values())

    def relaxed(self):
        """The relaxed conditions the generator reads (tensors, in the model's form)."""
        return whole_conditions({part: relax(self.parts[part], variable) for part, variable in self.by_part.items()})

    def project(self) -> None:
        """Clips attributes back into their range after a step (projected gradient descent)."""
        for part, variable in self.by_part.items():
            condition = self.parts[part]
            if condition.kind == "attributes":
                variable.assign(ops.clip(variable, condition.low, condition.high))

    def valid(self) -> dict:
        """`{part: array}` in each condition's valid form (`valid_conditions`)."""
        return {part: valid_conditions(self.parts[part], ops.convert_to_numpy(variable))
                for part, variable in self.by_part.items()}


def relaxed_generator(model, parts: dict):
    """`generate(latent_points, relaxed_conditions)` for the joint search.

    A family whose generator reads soft layouts (probabilities over regions)
    implements `_generate_relaxed_batch(latent_points, conditions)`; attributes
    and multi-hot probabilities go through the family's own `_generate_batch`,
    which reads them as floats.
    """
    if not isinstance(model, SamplesFromPrior):
        raise TypeError(f"{type(model).__name__} has no generator to invert (it does not sample from a prior).")
    custom = getattr(model, "_generate_relaxed_batch", None)
    if custom is not None:
        return custom
    hard = sorted(str(part) for part, condition in parts.items() if condition.kind not in ("attributes", "multi_hot"))
    if hard:
        raise ValueError(f"{type(model).__name__} reads layouts as region ids, so the joint search cannot feed it "
                         f"probabilities (parts {hard}); pass conditions= to search z alone, or give the family a "
                         "_generate_relaxed_batch(latent_points, conditions) that reads (n, h, w, num_regions) "
                         "probabilities.")
    return model._generate_batch


def best_starts(generate, images, conditions, candidates: int, latent_dim: int, seed: int = 0,
                batch_size: int = 256) -> np.ndarray:
    """For each image, the best of `candidates` standard-normal points, each decoded with the image's own
    conditions (an array or dict of arrays, relaxed ones too): `(n, latent_dim)`."""
    points = np.random.default_rng(seed).standard_normal((candidates, latent_dim)).astype("float32")
    per_chunk = max(1, batch_size // candidates)
    best = []
    for start in range(0, len(images), per_chunk):
        chunk = images[start : start + per_chunk]
        stop = start + len(chunk)
        repeated = keras.tree.map_structure(
            lambda values, start=start, stop=stop: ops.convert_to_tensor(
                np.repeat(np.asarray(values[start:stop]), candidates, axis=0)), conditions)
        generated = ops.convert_to_numpy(generate(ops.convert_to_tensor(np.tile(points, (len(chunk), 1))), repeated))
        errors = np.mean((generated.reshape(len(chunk), candidates, -1) - chunk.reshape(len(chunk), 1, -1)) ** 2, -1)
        best.append(points[errors.argmin(axis=1)])
    return np.concatenate(best).astype("float32")


# --- edits and walks --------------------------------------------------------------------
def _one_image_batch(model, images):
    images = np.asarray(images, "float32")
    single = images.ndim == len(model.data_shape)
    return (images[None] if single else images), single


def _one_example(condition, value):
    """One example's condition as a batch of one (a string, a vector, a layout, a class id, or a batch of 1)."""
    if isinstance(value, str):
        return [value]
    array = np.asarray(value)
    return array[None] if array.ndim == len(condition.shape) else value


def _change_plan(model, changes, count: int) -> list:
    """`changes` checked before any search: `[(part, attribute index or None, values)]`; a ValueError for
    unknown names and out-of-range values."""
    if not isinstance(changes, Mapping) or not changes:
        raise ValueError("changes is a dict {attribute name: value} or {part: values}, e.g. {'brightness': 0.9}.")
    parts = _parts(model)
    named = {name: (part, index) for part, condition in parts.items()
             if condition.kind in ("attributes", "multi_hot") for index, name in enumerate(condition.names)}
    plan = []
    for key, value in changes.items():
        part = None if key == "conditions" else key
        if part in parts:
            condition = parts[part]
            single = isinstance(value, str) or np.ndim(value) == len(condition.shape)
            values = [value] * count if isinstance(value, str) else (
                np.repeat(np.asarray(value)[None], count, 0) if single else value)
            try:
                plan.append((part, None, condition.check(values, count)))
            except ValueError as error:
                raise ValueError(f"changes[{key!r}]: {error}") from None
        elif key in named:
            part, index = named[key]
            plan.append((part, index, _checked_value(parts[part], key, value, count)))
        else:
            choices = sorted(named) + sorted(str(p) for p in parts if p is not None) + (
                ["conditions"] if None in parts else [])
            raise ValueError(f"changes: unknown name {key!r}; {type(model).__name__}'s conditions have "
                             f"{', '.join(choices)}.")
    return plan


def _changed(conditions: dict, plan: list) -> dict:
    """`{part: values}` with the checked changes of `_change_plan` applied, on a copy."""
    changed = {part: np.array(values) for part, values in conditions.items()}
    for part, index, values in plan:
        if index is None:
            changed[part] = values
        else:
            changed[part][:, index] = values
    return changed


def _checked_value(condition, name, value, count):
    values = np.broadcast_to(np.asarray(value, "float64"), (count,)) if np.ndim(value) <= 1 else None
    if values is None or not np.all(np.isfinite(values)):
        raise ValueError(f"changes[{name!r}] must be a finite number or one per image, got {value!r}.")
    if condition.kind == "multi_hot" and not np.all((values == 0) | (values == 1)):
        raise ValueError(f"changes[{name!r}]: {name!r} is a multi-hot bit, 0 or 1; got {value!r}.")
    if condition.kind == "attributes" and (values.min() < condition.low or values.max() > condition.high):
        raise ValueError(f"changes[{name!r}] must lie in [{condition.low:g}, {condition.high:g}], "
                         f"the attribute's range; got {value!r}.")
    return values


def edit_conditions(model, images, changes, conditions=None, **invert_options) -> np.ndarray:
    """Images regenerated from their own latent points with changed conditions: what if this shoe were lighter?

    A GAN is inverted first: jointly for z and c (`invert(...,
    infer_conditions=True)`, Karacan et al., 2016) when `conditions` is None,
    else for z with the given conditions. A model that encodes (Attribute2Image)
    takes the posterior mean of q(z | x, c), so it needs `conditions`. The
    conditions found (or given) then change as `changes` says, and the images
    are regenerated from the same z.

    Args:
        model: a conditional model that samples from a prior or encodes.
        images: `(n, H, W, C)` (or one image `(H, W, C)`) in `data_scale`.
        changes: `{attribute or multi-hot name: value}` (a number, or one per
            image), and/or `{part: values}` for a condition of several parts
            (`{"conditions": values}` replaces a one-part condition, captions
            as strings too). Values are checked against the condition's range.
        conditions: the images' conditions, or None (GANs: inferred).
        **invert_options: `invert`'s options (`steps`, `learning_rate`, ...) for GANs.

    Returns:
        The edited images, with the input's shape.

    Example:
    >>> condition = keras_gen.data.Condition.attributes(["brightness", "size"])
    >>> model = keras_gen.models.Attribute2Image.for_images((8, 8, 1), condition, latent_dim=4, width=4, seed=0)
    >>> images, attributes = np.full((2, 8, 8, 1), 0.5, "float32"), np.array([[0.2, 0.5], [0.4, 0.9]])
    >>> edit_conditions(model, images, {"brightness": 0.9}, conditions=attributes).shape  # fit model first
    (2, 8, 8, 1)
    """
    from keras_gen.latent.inversion import invert

    _latent_dim(model)
    batch, single = _one_image_batch(model, images)
    batch = model.check_images(batch)
    if conditions is not None and single:
        conditions = _condition_batch(model, conditions)
    plan = _change_plan(model, changes, len(batch))
    if isinstance(model, Encodes):
        if invert_options:
            raise ValueError(f"{type(model).__name__} encodes images itself; the inversion options "
                             f"{sorted(invert_options)} apply to models without an encoder (GANs).")
        if conditions is None:
            raise ValueError(f"{type(model).__name__} encodes images with their conditions: pass conditions=, "
                             "one per image.")
        checked = model.check_conditions(conditions, len(batch), required=True)
        points = model.latent_codes(batch, checked)
    else:
        found = invert(model, batch, conditions=conditions, infer_conditions=conditions is None, **invert_options)
        points, checked = found.latent_points, found.conditions
    edited = decode_points(model, points, whole_conditions(_changed(_by_part(checked), plan)))
    return edited[0] if single else edited


def _condition_batch(model, value):
    parts = _parts(model)
    if None in parts:
        return _one_example(parts[None], value)
    if not isinstance(value, Mapping):
        raise ValueError(f"{type(model).__name__} is conditioned on the parts {sorted(parts)}: pass each end as a "  # noqa: TRY004
                         "dict with those keys.")
    return {part: _one_example(condition, value.get(part)) for part, condition in parts.items()}


def interpolate_conditions(model, start, end, steps: int = 8, latent_point=None, seed: int = 0) -> np.ndarray:
    """Images along the line between two conditions' embeddings, z fixed: `(steps, H, W, C)`.

    Reed et al. (2016) walk between two captions' text embeddings with the
    noise fixed: the style stays, the content moves. The embeddings are
    `model.embed_conditions` (GANCLS: phi(t); Attribute2Image: the attribute
    vector itself); the endpoints equal `generate` of `start` and `end`.

    Args:
        model: a family with condition embeddings (`model.embeds_conditions`).
        start, end: one condition each: a caption (string or ids), an attribute
            vector, or a dict of parts.
        steps: images in the walk, both endpoints included (>= 2).
        latent_point: z, `(latent_dim,)`; None: `fixed_latent_points(1, latent_dim, seed)`.
        seed: seed of z when `latent_point` is None.

    Example:
    >>> condition = keras_gen.data.Condition.attributes(["brightness", "size"])
    >>> gan = keras_gen.models.GANCLS.for_images((8, 8, 1), condition, latent_dim=4, width=4, seed=0)
    >>> interpolate_conditions(gan, [0.1, 0.5], [0.9, 0.5], steps=5).shape  # fit gan first
    (5, 8, 8, 1)
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 2:
        raise ValueError(f"steps must be an integer >= 2 (both endpoints are included), got {steps!r}.")
    latent_dim = _latent_dim(model)
    if not isinstance(model, SamplesFromPrior):
        raise TypeError(f"{type(model).__name__} does not generate from latent points and conditions.")
    ends = [model.embed_conditions(_condition_batch(model, value))[0] for value in (start, end)]
    z = fixed_latent_points(1, latent_dim, seed) if latent_point is None else _check_latent_points(
        model, np.asarray(latent_point, "float32").reshape(1, -1), "latent point")
    fractions = np.linspace(0.0, 1.0, int(steps), dtype="float32").reshape(-1, *[1] * ends[0].ndim)
    path = (1.0 - fractions) * ends[0] + fractions * ends[1]
    path[0], path[-1] = ends  # exact endpoints
    return model.generate(latent_points=np.repeat(z, steps, axis=0), embeddings=path)
