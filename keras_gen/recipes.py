"""Recipes: a registered family's model and data, built as `keras-gen train` builds them.

The command line, the benchmarks and user scripts share one way to turn a
family name and a data set into a compiled model and its training batches:

- `build_model(family_name, example_shape, **overrides)`: the family's
  `for_images` with its registry defaults, the overrides, the data set's number
  of classes for families that train on labels, and a content network for
  families with a perceptual loss (SRGAN); then `compile()`;
- `data_options(model)`: how to make the model's batches from a data set (the
  paired task and its options, or the two domains), and `load_training_data`,
  `load_translation_examples`, `load_held_out_images`, `snapshot_examples`,
  which load them through `keras_gen.data.load_batches`.

Nothing here names a family: what differs between families is read from the
registry (`keras_gen.families`) and the model (`batch_kind`, `data_options()`,
its capabilities). TensorFlow is imported on first use, not with this module.

Example:
>>> from keras_gen import recipes
>>> model = recipes.build_model("dcgan", (28, 28, 1), seed=0, latent_dim=64)
>>> ds = recipes.load_training_data(model, "fashion_mnist", batch_size=64)
>>> model.fit(ds, epochs=1)
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from keras_gen import families

# Held-out images shown beside their reconstructions (or translations) in snapshot grids.
RECONSTRUCTION_IMAGES = 16
# Held-out images completed from their top half in the grids of autoregressive models.
COMPLETION_IMAGES = 8
# Held-out clips whose first frames a snapshot's prediction grid continues.
PREDICTION_CLIPS = 4


# --- building a model -----------------------------------------------------------------
def parse_option(text: str) -> tuple[str, Any]:
    """Parses a builder option `KEY=VALUE`; VALUE is a Python literal, or else a string.

    Example:
    >>> parse_option("hole=(4, 4)"), parse_option("noise=masking")
    (('hole', (4, 4)), ('noise', 'masking'))
    """
    key, sep, value = text.partition("=")
    if not sep or not key.isidentifier():
        raise ValueError(f"expected KEY=VALUE with KEY an argument name, got {text!r}")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def accepted_arguments(model_class: type, builder: str = "for_images") -> set[str]:
    """Names that the classmethod `builder` of `model_class` passes on: its own and every constructor's in the MRO.

    Example:
    >>> "content_network" in accepted_arguments(keras_gen.models.SRGAN)
    True
    """
    names = set(inspect.signature(getattr(model_class, builder)).parameters)
    for cls in model_class.__mro__:
        if "__init__" in vars(cls):
            names |= set(inspect.signature(cls.__init__).parameters)
    return names - {"self", "args", "kwargs"}


def unaccepted_arguments(family_name: str, names: Iterable[str]) -> list[str]:
    """The `names` that the family's builder takes neither as a default nor as an argument.

    Example:
    >>> unaccepted_arguments("gan", ["latent_dim", "width"])  # the dense GAN has `units`
    ['width']
    """
    family = families.get(family_name)
    unknown = [name for name in names if name not in family.builder_defaults]
    if not unknown:
        return []
    accepted = accepted_arguments(family.model_class(), family.builder)
    return [name for name in unknown if name not in accepted]


def builder_arguments(
    family_name: str, overrides: Mapping[str, Any] | None = None, options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """`for_images` arguments of a family: its `builder_defaults`, then `overrides`, then `options`.

    `overrides` must be arguments the family's builder takes (a ValueError
    names the first that is not); `options` are passed on as given, for the
    builder to accept or reject.

    Example:
    >>> builder_arguments("dcgan", {"latent_dim": 8})
    {'latent_dim': 8, 'width': 32}
    """
    family = families.get(family_name)
    overrides = dict(overrides or {})
    unknown = unaccepted_arguments(family_name, overrides)
    if unknown:
        raise ValueError(
            f"The '{family_name}' family takes no {unknown[0]!r}; its builder takes {sorted(family.builder_defaults)} "
            f"and the other arguments of {family.model_class().__name__}.{family.builder}."
        )
    return {**family.builder_defaults, **overrides, **dict(options or {})}


def set_optimizer_options(model, lr: float | None = None, beta_1: float | None = None) -> None:
    """Sets the learning rate and Adam's `beta_1` of every optimizer of a compiled model.

    Example:
    >>> set_optimizer_options(model, lr=1e-4)
    """
    for name, optimizer in model.players().items():
        inner = getattr(optimizer, "inner_optimizer", optimizer)
        if lr is not None:
            inner.learning_rate = lr
        if beta_1 is not None:
            if not hasattr(inner, "beta_1"):
                raise ValueError(f"beta_1: {name} is {type(inner).__name__}, which has no beta_1.")
            inner.beta_1 = beta_1


def content_network_for(
    family: families.Family, builder: Mapping[str, Any], data: str | None, data_scale, data_dir: str | None = None
):
    """The content network a family with a perceptual loss (SRGAN) gets: the data set's feature network.

    None when the family takes none, when `builder` sets `content_network=None`
    (the pixel loss), or when the data set has no labels to train one on.

    Example:
    >>> network = content_network_for(families.get("srgan"), {}, "digits", (-1.0, 1.0))
    """
    if "content_network" in builder or data is None:
        return builder.get("content_network")
    if "content_network" not in accepted_arguments(family.model_class(), family.builder):
        return None
    from keras_gen import data as gen_data
    from keras_gen import evaluation

    if not gen_data.info(data).num_classes:
        print(f"'{data}' has no labels to train a feature network on; the content loss is the pixel MSE", flush=True)
        return None
    return evaluation.content_network(data, data_scale, data_dir=data_dir)


def _data_classes(family_name: str, data: str | None) -> int:
    """The number of classes of `data`, for a family that trains on labels."""
    from keras_gen import data as gen_data

    num_classes = gen_data.info(data).num_classes if data is not None else None
    if not num_classes:
        raise ValueError(
            f"'{family_name}' is class-conditional, but the data set has no class labels; train it on a "
            "labelled data set such as fashion_mnist (or pass num_classes=)."
        )
    return num_classes


def data_condition(family, data: str | None, names=None):
    """The `condition` a family conditioned on a data set's conditions gets: `family.conditions` of `data`, or
    the data set's conditions `names` (a `Condition` for one name, a dict of them for a list of names)."""
    from keras_gen import data as gen_data

    data = data or family.data
    chosen = family.conditions if names is None else names
    listed = [chosen] if isinstance(chosen, str) else list(chosen or ())
    declared = gen_data.info(data).conditions if data is not None else {}
    missing = [name for name in listed if name not in declared]
    if data is None or not listed or missing:
        raise ValueError(
            f"'{family.name}' is conditioned on the data set's {listed or 'conditions'}; '{data}' has "
            f"{sorted(declared) or 'none'}. Train it on a data set with them (its default: {family.data!r}), "
            "or pass condition=."
        )
    return declared[listed[0]] if isinstance(chosen, str) else {name: declared[name] for name in listed}


def condition_names(text: str | None):
    """`--conditions multi_hot` -> `"multi_hot"`; `attributes,layout` -> `["attributes", "layout"]`; None stays."""
    if text is None:
        return None
    names = [part.strip() for part in str(text).split(",") if part.strip()]
    if not names:
        raise ValueError("conditions: name one of the data set's conditions, e.g. multi_hot or attributes,layout.")
    return names[0] if len(names) == 1 else names


def build_model(
    family_name: str,
    example_shape: Sequence[int],
    *,
    seed: int | None = None,
    data: str | None = None,
    data_dir: str | None = None,
    lr: float | None = None,
    beta_1: float | None = None,
    conditions=None,
    **overrides: Any,
):
    """A new, compiled model of a registered family for a data set of `example_shape` examples.

    The family's builder (`for_images`, `for_videos` or `for_voxels`: `Family.builder`)
    gets its registry `builder_defaults` replaced by
    `overrides`. With `data`, a family that trains on labels gets the data
    set's number of classes (unless `num_classes` is given), and a family with
    a perceptual content loss (SRGAN) gets a feature network trained on the
    data set's labels (unless `content_network` is given; None chooses the
    pixel loss). This is how `keras-gen train` builds its models.

    Args:
        family_name: a registered family (`keras_gen.families.names()`).
        example_shape: the data set's `example_shape` (`keras_gen.data.info(name).example_shape`):
            `(height, width, channels)` of its images, `(frames, height, width, channels)` of its clips
            or `(depth, height, width, channels)` of its voxel grids.
        seed: the model's seed.
        data: the data set the model will train on (a `keras_gen.data` name).
        data_dir: where that data set's files are.
        lr: the learning rate of every optimizer (default: the family's).
        beta_1: Adam's `beta_1` of every optimizer (default: the family's).
        conditions: the name (or list of names) of `data`'s conditions to condition the model on, instead
            of the family's (`keras-gen train cgan --data fashion_captions --conditions multi_hot`): the
            builder gets them as `condition=` (a class-conditional family then takes no `num_classes`).
        **overrides: builder arguments, e.g. `latent_dim=64`, `loss="hinge"`.

    Returns:
        The compiled model.

    Example:
    >>> model = keras_gen.recipes.build_model("cgan", (28, 28, 1), seed=0, data="fashion_mnist")
    >>> model.num_classes
    10
    """
    family = families.get(family_name)
    builder = {**family.builder_defaults, **overrides}
    if conditions is not None:
        if "condition" not in accepted_arguments(family.model_class(), family.builder):
            able = [f.name for f in families.families()
                    if "condition" in accepted_arguments(f.model_class(), f.builder)]
            raise ValueError(f"conditions={conditions!r}: the '{family_name}' family is not conditioned on a data "
                             f"set's conditions; families that can be: {', '.join(able)}.")
        builder["condition"] = data_condition(family, data, conditions)
    elif family.batch_kind == "images_labels" and builder.get("num_classes") is None:
        builder["num_classes"] = _data_classes(family_name, data)
    if family.batch_kind == "images_conditions" and builder.get("condition") is None:
        builder["condition"] = data_condition(family, data)
    content = content_network_for(family, builder, data, builder.get("data_scale", (-1.0, 1.0)), data_dir)
    if content is not None:
        builder["content_network"] = content
    try:
        model = family.build(example_shape, seed=seed, **builder)
    except (TypeError, ValueError) as err:
        if "keyword argument" not in str(err):
            raise
        # An argument that neither the builder nor the model's constructor takes.
        raise ValueError(
            f"{err}. See help({family.model_class().__name__}.{family.builder}) for the arguments of the "
            f"'{family_name}' family."
        ) from err
    set_optimizer_options(model, lr, beta_1)
    return model


def build_from_settings(
    family_name: str,
    example_shape: Sequence[int],
    settings: Mapping[str, Any],
    seed: int | None,
    num_classes: int | None = None,
    data: str | None = None,
    data_dir: str | None = None,
):
    """`build_model` from a `keras-gen train` settings dict (`builder`, `lr`, `beta_1`).

    A family that trains on labels gets `num_classes` unless the builder names
    one; other families ignore it (PixelCNN becomes conditional only with a
    `num_classes` builder argument).

    Example:
    >>> model = build_from_settings("cvae", (28, 28, 1), {"builder": {"latent_dim": 8}}, seed=0, num_classes=10)
    """
    family = families.get(family_name)
    builder = dict(settings["builder"])
    conditions = settings.get("conditions")
    if num_classes and family.batch_kind == "images_labels" and builder.get("num_classes") is None and not conditions:
        builder["num_classes"] = num_classes
    return build_model(family_name, example_shape, seed=seed, data=data, data_dir=data_dir,
                       lr=settings.get("lr"), beta_1=settings.get("beta_1"), conditions=conditions, **builder)


# --- feeding it data ------------------------------------------------------------------
def held_out_split(data: str) -> str:
    """The split held-out examples come from: `"test"`, or `"train"` for a data set without one."""
    from keras_gen import data as gen_data

    return "test" if "test" in gen_data.info(data).splits else "train"


def data_options(
    model, family_name: str | None = None, *, task: str | None = None, domain_a=None, domain_b=None,
    conditions=None,
) -> dict[str, Any]:
    """How to make the model's batches from a data set: `keras_gen.data.load_batches` options.

    For a model that trains on pairs, the paired task (the family's, or
    `task`) and the task options the model needs (its `data_options()`: a
    factor, a hole); for one that trains on two domains, the family's domains
    or `domain_a` / `domain_b`; for the others, none.

    Args:
        model: a built model.
        family_name: its registered family (default: `families.family_of(model)`).
        task: a paired task that replaces the family's.
        domain_a, domain_b: classes (names or indices) that replace the family's domains.
        conditions: the data set's condition names the model is conditioned on, when not the family's.

    Example:
    >>> data_options(srgan)
    {'task': 'superres', 'factor': 4}
    """
    family = families.get(family_name) if family_name else families.family_of(model)
    name = family.name if family is not None else type(model).__name__
    kind = model.batch_kind
    if task is not None and kind != "pairs":
        raise ValueError(f"task={task!r}: '{name}' does not train on (input, target) pairs; drop the task.")
    domains = {key: value for key, value in (("domain_a", domain_a), ("domain_b", domain_b)) if value is not None}
    if domains and kind != "unpaired":
        raise ValueError(f"{' and '.join(domains)}: '{name}' does not train on two domains.")
    if kind == "images_conditions":
        if conditions is None:
            conditions = family.conditions if family is not None else None
        if conditions is None:
            raise ValueError(f"'{name}' trains on (images, conditions) batches, but no registered family says which "
                             "conditions: pass conditions= (the data set's condition names) yourself.")
        return {"conditions": conditions if isinstance(conditions, str) else list(conditions)}
    if kind not in ("pairs", "unpaired"):
        # Models of binary pixels (NADE, MADE) train and are scored on binarized images.
        return {"binarize": True} if getattr(model, "binary_pixels", False) else {}
    options = dict(family.data_options) if family is not None else {}
    if kind == "unpaired":
        return {**options, **domains}
    return {**options, **({"task": task} if task is not None else {}), **model.data_options()}


def task_options(model, task: str | None = None) -> dict[str, Any]:
    """The paired task and its options for a model that trains on pairs; `{}` for any other model.

    Example:
    >>> task_options(context_encoder)
    {'task': 'inpaint', 'hole': (14, 14), 'masks': 'centre'}
    """
    if model.batch_kind != "pairs" and task is None:
        return {}
    return data_options(model, task=task)


def load_training_data(
    model,
    data: str,
    *,
    batch_size: int,
    seed: int | None = 0,
    limit: int | None = None,
    data_dir: str | None = None,
    labelled: int | None = None,
    labelled_share: float | None = None,
    **options: Any,
):
    """The training split of `data` as shuffled batches of the model's batch kind, in its scale.

    Args:
        model: a built model (its `batch_kind` and `data_scale` decide the batches).
        data: a data set name.
        batch_size, seed, limit, data_dir: as for `keras_gen.data.load`.
        labelled, labelled_share: for semi-supervised models (those that accept
            unlabelled images): keep `labelled` labels, mixed at `labelled_share`.
        **options: `data_options(model)` (the default when none are given).

    Example:
    >>> ds = load_training_data(model, "fashion_mnist", batch_size=64, limit=1024)
    """
    from keras_gen import data as gen_data

    if (labelled is not None or labelled_share is not None) and not model.accepts_unlabelled:
        raise ValueError(
            f"labelled/labelled_share are for semi-supervised families (models that accept unlabelled images); "
            f"a {type(model).__name__} trains on fully labelled data or on no labels at all."
        )
    options = options or data_options(model)
    extra = tuple(getattr(model, "auxiliary_conditions", ()))
    if extra and model.batch_kind == "images_conditions":
        # Training targets that are not the model's condition (Attribute2Image's true mask) ride in the batches.
        named = options["conditions"]
        names = [named] if isinstance(named, str) else list(named)
        options = {**options, "conditions": [*names, *(name for name in extra if name not in names)]}
    return gen_data.load_batches(
        data, model.batch_kind, "train", batch_size=batch_size, scale=model.data_scale, seed=seed, limit=limit,
        data_dir=data_dir, labelled=labelled, labelled_share=labelled_share, **options,
    )


def load_held_out_images(
    model, data: str, count: int | None = RECONSTRUCTION_IMAGES, data_dir: str | None = None, split: str | None = None
):
    """`(images, labels)`: the first `count` (None: all) held-out images of `data` in the model's scale.

    `split` defaults to `held_out_split(data)`.

    Example:
    >>> images, labels = load_held_out_images(vae, "digits", count=8)
    """
    from keras_gen import data as gen_data

    split = split or held_out_split(data)
    return gen_data.load_numpy(data, split, scale=model.data_scale, limit=count, data_dir=data_dir,
                               binarize=getattr(model, "binary_pixels", False))


def load_translation_examples(
    model,
    data: str,
    *,
    count: int = RECONSTRUCTION_IMAGES,
    split: str | None = None,
    seed: int = 0,
    data_dir: str | None = None,
    **options: Any,
):
    """`(inputs, targets)` for a translating model's grids: a paired task's, or images of domains A and B.

    Args:
        model: a built model that trains on pairs or on two domains.
        data: a data set name.
        count: examples (of each domain).
        split: default the held-out split (`held_out_split(data)`).
        seed: seed of a task's random masks.
        data_dir: where the data set's files are.
        **options: `data_options(model)` (the default when none are given).

    Example:
    >>> inputs, targets = load_translation_examples(pix2pix, "digits", count=8)
    """
    from keras_gen import data as gen_data

    options = options or data_options(model)
    extra = tuple(getattr(model, "auxiliary_conditions", ()))
    if extra and model.batch_kind == "images_conditions":
        # Training targets that are not the model's condition (Attribute2Image's true mask) ride in the batches.
        named = options["conditions"]
        names = [named] if isinstance(named, str) else list(named)
        options = {**options, "conditions": [*names, *(name for name in extra if name not in names)]}
    return gen_data.load_batches(
        data, model.batch_kind, split or held_out_split(data), scale=model.data_scale, seed=seed, limit=count,
        data_dir=data_dir, as_numpy=True, **options,
    )


def load_translation_inputs(
    model, data: str, *, task: str | None = None, count: int = 16, seed: int = 0, data_dir: str | None = None
):
    """`(inputs, targets)` made from the test images of `data` for `model.translate` (`keras-gen translate`).

    A model that trains on pairs gets its task's inputs (the family's task, or
    `task`) and the images as targets; a model of two domains gets the images
    themselves and no targets.

    Example:
    >>> edges, images = load_translation_inputs(pix2pix, "digits", count=4)
    """
    from keras_gen import data as gen_data

    if model.batch_kind == "unpaired":
        (images,) = gen_data.load_batches(data, "images", "test", scale=model.data_scale, limit=count,
                                          data_dir=data_dir, as_numpy=True)
        return images, None
    return load_translation_examples(model, data, count=count, split="test", seed=seed, data_dir=data_dir,
                                     **task_options(model, task))


def translation_options(model) -> set[str]:
    """The options `model.translate` takes besides the images: `{"direction"}`, `{"stochastic"}`, `{"masks"}`, ...

    Example:
    >>> translation_options(cyclegan)
    {'direction'}
    """
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    parameters = inspect.signature(model.translate).parameters.values()
    return {p.name for p in parameters if p.kind in named} - {"images", "batch_size"}


# The rows of a caption family's snapshot grid: captions of these splits, as many of each.
SNAPSHOT_CAPTIONS = {"test": 8, "heldout": 2}
CAPTION_POOL = 256  # examples read per split to choose them from


def pick_captions(texts: Sequence[str], labels: Sequence[int] | None, count: int) -> list[str]:
    """`count` distinct captions of `texts`: the first of each class in turn (with `labels`), then the next
    unused ones, so that a grid shows as many classes as it can.

    Example:
    >>> pick_captions(["a dark boot", "a light boot", "a small bag"], [9, 9, 8], 2)
    ['a dark boot', 'a small bag']
    """
    chosen, classes = [], set()
    if labels is not None:
        for text, label in zip(texts, labels):
            if len(chosen) < count and int(label) not in classes and text not in chosen:
                chosen.append(text)
                classes.add(int(label))
    for text in texts:
        if len(chosen) < count and text not in chosen:
            chosen.append(text)
    return chosen


def snapshot_captions(model, data: str, *, data_dir: str | None = None) -> list[str] | None:
    """The captions of a caption family's snapshot rows: 8 of the held-out split and 2 of `heldout` (the
    combinations left out of training) where the data set has it; None for models not conditioned on a
    caption condition of `data`.

    Example:
    >>> snapshot_captions(gan_cls, "fashion_captions")[:1]
    ['this ankle boot is small and dark']
    """
    from keras_gen import data as gen_data
    from keras_gen.data import Condition

    condition = getattr(model, "condition", None)
    if not (isinstance(condition, Condition) and condition.kind == "tokens"):
        return None
    info = gen_data.info(data)
    names = [name for name, declared in (info.conditions or {}).items() if declared == condition]
    if not names:
        return None
    with_labels = "labels" in info.conditions and names[0] != "labels"
    captions = []
    for split, count in SNAPSHOT_CAPTIONS.items():
        split = held_out_split(data) if split == "test" else split
        if split not in info.splits:
            continue
        _, values = gen_data.load_numpy(data, split, limit=CAPTION_POOL, data_dir=data_dir,
                                        conditions=[names[0], "labels"] if with_labels else [names[0]])
        texts = condition.detokenize(values[names[0]])
        captions += pick_captions(texts, values["labels"] if with_labels else None, count)
    return captions


def snapshot_examples(
    model, data: str, grids: Iterable[str], *, seed: int = 0, data_dir: str | None = None, **options: Any
) -> dict[str, Any]:
    """Held-out examples for the snapshot `grids` a model can show: `ImageSnapshot` arguments.

    `translation_images` (`load_translation_examples`), `reconstruction_images`,
    `completion_images` / `completion_labels` and `prediction_clips` (`load_held_out_images`), for
    the grids named in `grids` (a family's `grids`) that the model's
    capabilities allow; `caption_conditions` (`snapshot_captions`) for a model
    conditioned on captions, whose sample grid then has a row per caption.

    Example:
    >>> snapshot = ImageSnapshot("runs/vae/snapshots", **snapshot_examples(vae, "digits", ["reconstructions"]))
    """
    from keras_gen.models import Completes, Encodes, PredictsFrames, SamplesFromPrior, Translates

    examples = {}
    if "samples" in grids and isinstance(model, SamplesFromPrior):
        captions = snapshot_captions(model, data, data_dir=data_dir)
        if captions:
            examples["caption_conditions"] = captions
    if "translations" in grids and isinstance(model, Translates):
        examples["translation_images"] = load_translation_examples(model, data, seed=seed, data_dir=data_dir,
                                                                   **options)
    if "reconstructions" in grids and isinstance(model, Encodes):
        examples["reconstruction_images"] = load_held_out_images(model, data, data_dir=data_dir)[0]
    if "completions" in grids and isinstance(model, Completes):
        images, labels = load_held_out_images(model, data, COMPLETION_IMAGES, data_dir)
        examples["completion_images"] = images
        examples["completion_labels"] = labels if model.label_conditional else None
    if "predictions" in grids and isinstance(model, PredictsFrames):
        examples["prediction_clips"] = load_held_out_images(model, data, PREDICTION_CLIPS, data_dir)[0]
    return examples
