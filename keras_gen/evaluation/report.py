"""Evaluating a generative model end to end: generate, extract features, score, tabulate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_gen.data.conditions import condition_rows
from keras_gen.evaluation import metrics as M
from keras_gen.evaluation.classifiers import domain_classifier
from keras_gen.evaluation.features import FeatureExtractor
from keras_gen.evaluation.likelihood import likelihood_metrics
from keras_gen.evaluation.volume_report import (
    CLIP_METRICS,
    DEFAULT_NUM_PREDICTIONS,
    DEFAULT_NUM_SAMPLES,
    PREDICTION_METRICS,
    VOLUME_METRIC_DIRECTIONS,
    VOXEL_METRICS,
    evaluate_volumes,
    evaluation_kind,
    supported_volume_metrics,
    volume_metric_table,
)
from keras_gen.models.base import GenerativeModel
from keras_gen.models.capabilities import Encodes, Generates, HasLikelihood
from keras_gen.models.input_checks import condition_parts

# For objects that are not keras_gen models (a user's own sampler), the methods
# that stand for each capability.
_DUCK_TYPES = {
    Generates: ("generate",),
    HasLikelihood: ("encode", "log_px_given_z"),
    Encodes: ("reconstruct",),
}


def _has(model: Any, capability: type) -> bool:
    """Whether `model` has a capability: by class for keras_gen models, by methods otherwise."""
    if isinstance(model, GenerativeModel):
        return isinstance(model, capability)
    return isinstance(model, capability) or all(
        callable(getattr(model, method, None)) for method in _DUCK_TYPES[capability]
    )

# Metric name -> the keys it adds to the results, in display order.
SAMPLE_METRICS: dict[str, tuple[str, ...]] = {
    "fid": ("fid",),
    "kid": ("kid", "kid_std"),
    "precision": ("precision",),
    "recall": ("recall",),
    "density": ("density",),
    "coverage": ("coverage",),
    "classifier_score": ("classifier_score",),
    "class_coverage": ("class_coverage", "label_entropy", "normalized_label_entropy"),
}
LIKELIHOOD_METRICS: dict[str, tuple[str, ...]] = {
    "elbo": ("elbo", "elbo_bits_per_dim"),
    "iwae": ("iwae_nll", "iwae_bits_per_dim"),
    "nll": ("nll", "nll_bits_per_dim"),
}
# Real and generated images `evaluate` compares when num_samples is not given.
IMAGE_NUM_SAMPLES = 10000
RECONSTRUCTION_METRICS: dict[str, tuple[str, ...]] = {
    "reconstruction": ("reconstruction_mse", "reconstruction_psnr"),
}
DEFAULT_METRICS: tuple[str, ...] = (*SAMPLE_METRICS, *LIKELIHOOD_METRICS, *RECONSTRUCTION_METRICS)
# Metrics of models of clips and voxel grids (keras_gen.evaluation.volume_report), chosen by data_kind.
VOLUME_METRICS: tuple[str, ...] = tuple(dict.fromkeys((*CLIP_METRICS, *PREDICTION_METRICS, *VOXEL_METRICS)))
# Every metric name `evaluate` knows, for any kind of model.
ALL_METRICS: tuple[str, ...] = (*DEFAULT_METRICS, *VOLUME_METRICS)

# Whether a larger ("max") or smaller ("min") value is better, e.g. for EarlyStopping's mode.
METRIC_DIRECTIONS: dict[str, str] = {
    "fid": "min",
    "kid": "min",
    "kid_std": "min",
    "precision": "max",
    "recall": "max",
    "density": "max",
    "coverage": "max",
    "classifier_score": "max",
    "class_coverage": "max",
    "label_entropy": "max",
    "normalized_label_entropy": "max",
    "elbo": "max",
    "elbo_bits_per_dim": "min",
    "iwae_nll": "min",
    "iwae_bits_per_dim": "min",
    "nll": "min",
    "nll_bits_per_dim": "min",
    "reconstruction_mse": "min",
    "reconstruction_psnr": "max",
    **VOLUME_METRIC_DIRECTIONS,
}


def metric_direction(name: str) -> str:
    """ "min" or "max": which way a result key improves; accepts prefixes like "val_".

    Use it for `EarlyStopping(mode=...)`, `ModelCheckpoint(mode=...)` or a
    keras-tuner `Objective`, which cannot infer the direction of custom metrics.

    Example:
    >>> metric_direction("val_fid")
    'min'
    """
    # Longest first, so "val_class_coverage" matches "class_coverage", not "coverage".
    for key in sorted(METRIC_DIRECTIONS, key=len, reverse=True):
        if name.endswith(key):
            return METRIC_DIRECTIONS[key]
    raise ValueError(
        f"Unknown metric {name!r}; known metrics are {sorted(METRIC_DIRECTIONS)} "
        "(optionally with a prefix such as 'val_')."
    )


def check_metric_names(metrics: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    """Validates requested metric names against `allowed`; returns them as a tuple."""
    if isinstance(metrics, str):
        metrics = (metrics,)
    unknown = [m for m in metrics if m not in allowed]
    if unknown:
        raise ValueError(f"Unknown metrics {unknown}; choose from {list(allowed)}.")
    if not metrics:
        raise ValueError(f"No metrics requested; choose from {list(allowed)}.")
    return tuple(dict.fromkeys(metrics))


def compute_sample_metrics(
    real_features: np.ndarray,
    fake_features: np.ndarray,
    fake_probabilities: np.ndarray | None = None,
    metrics: Sequence[str] = tuple(SAMPLE_METRICS),
    *,
    kid_subset_size: int = 1000,
    kid_num_subsets: int = 100,
    precision_recall_k: int = 3,
    density_coverage_k: int = 5,
    class_min_share: float = 0.1,
    seed: int = 0,
) -> dict[str, float]:
    """Computes the requested sample metrics from precomputed features.

    Args:
        real_features: `(N, D)` features of real images.
        fake_features: `(M, D)` features of generated images.
        fake_probabilities: `(M, C)` class probabilities of the generated
            images; needed for "classifier_score" and "class_coverage".
        metrics: names from `SAMPLE_METRICS`.
        kid_subset_size, kid_num_subsets: see `metrics.kid`.
        precision_recall_k: k of `metrics.precision_recall` (paper: 3).
        density_coverage_k: k of `metrics.density_coverage` (paper: 5).
        class_min_share: see `metrics.class_coverage`.
        seed: seed of KID's subset sampling.

    Returns:
        A dict from result key (see `SAMPLE_METRICS`) to float.
    """
    metrics = check_metric_names(metrics, tuple(SAMPLE_METRICS))
    results: dict[str, float] = {}
    if "fid" in metrics:
        results["fid"] = M.fid(real_features, fake_features)
    if "kid" in metrics:
        results["kid"], results["kid_std"] = M.kid(
            real_features, fake_features, kid_subset_size, kid_num_subsets, seed
        )
    if {"precision", "recall"} & set(metrics):
        precision, recall = M.precision_recall(real_features, fake_features, precision_recall_k)
        results.update(
            {k: v for k, v in (("precision", precision), ("recall", recall)) if k in metrics}
        )
    if {"density", "coverage"} & set(metrics):
        density, coverage = M.density_coverage(real_features, fake_features, density_coverage_k)
        results.update(
            {k: v for k, v in (("density", density), ("coverage", coverage)) if k in metrics}
        )
    if {"classifier_score", "class_coverage"} & set(metrics):
        if fake_probabilities is None:
            raise ValueError(
                "classifier_score and class_coverage need class probabilities, but the "
                "feature extractor has no classifier head. Use domain_classifier(<dataset>) "
                "or drop these metrics."
            )
        if "classifier_score" in metrics:
            results["classifier_score"] = M.classifier_score(fake_probabilities)
        if "class_coverage" in metrics:
            coverage = M.class_coverage(fake_probabilities, class_min_share)
            results["class_coverage"] = coverage.coverage
            results["label_entropy"] = coverage.entropy
            results["normalized_label_entropy"] = coverage.normalized_entropy
    return {key: float(value) for key, value in results.items()}


def default_metrics(model: Any) -> tuple[str, ...]:
    """What `evaluate` measures for `model` when no metrics are named, by its capabilities.

    Sample metrics for models that generate new images (unless sampling
    thousands of images is slow for the family, as pixel-by-pixel sampling is:
    `sample_metrics_by_default = False`; name the metrics to get them), the
    model's `likelihood_report` (ELBO and IWAE for a VAE, `nll` otherwise) for
    models with a likelihood, reconstruction error for models that encode.
    """
    metrics: tuple[str, ...] = ()
    if _of_volumes(model):
        metrics += tuple(volume_metric_table(model))
    elif _has(model, Generates) and getattr(model, "sample_metrics_by_default", True):
        metrics += tuple(SAMPLE_METRICS)
    if _has(model, HasLikelihood):
        metrics += tuple(_likelihood_report(model))
    if _has(model, Encodes):
        metrics += tuple(RECONSTRUCTION_METRICS)
    return metrics


def _of_volumes(model: Any) -> bool:
    """Whether `model` is a model of clips or voxel grids (its `data_kind`), whose sample metrics differ."""
    return getattr(model, "data_kind", "images") != "images"


def _conditioned(model: Any) -> bool:
    """Whether the model is conditioned on more than a class (captions, attributes, layouts)."""
    condition = getattr(model, "condition", None)
    return condition is not None and getattr(condition, "kind", None) != "classes"


def matching_conditions(model: Any, data: str):
    """The name (or names, for a condition of several parts) of `data`'s conditions that are `model.condition`."""
    from keras_gen import data as data_module

    declared = data_module.info(data).conditions
    parts = condition_parts(model.condition)
    names = []
    for part, wanted in parts.items():
        if part is not None and declared.get(part) == wanted:
            names.append(part)
            continue
        found = [name for name, declared_condition in declared.items() if declared_condition == wanted]
        if not found:
            raise ValueError(
                f"{type(model).__name__} is conditioned on {wanted.describe()}, which '{data}' does not have; "
                f"its conditions: {sorted(declared) or 'none'}. Evaluate against the data set it trained on."
            )
        names.append(found[0])
    return names[0] if None in parts else names


def _likelihood_report(model: Any) -> tuple[str, ...]:
    if hasattr(model, "likelihood_report"):
        return tuple(model.likelihood_report)
    return ("elbo", "iwae")  # a VAE-like object with encode and log_px_given_z


def supported_metrics(model: Any) -> tuple[str, ...]:
    """Every metric name `evaluate` accepts for `model`, by its capabilities (not only its defaults).

    Sample metrics for models that generate new images; `nll` (through
    `log_prob`) and the model's `likelihood_report` (ELBO and IWAE for a VAE)
    for models with a likelihood; reconstruction error for models that encode.

    Example:
    >>> supported_metrics(keras_gen.models.VAE.for_images((28, 28, 1)))[-4:]
    ('elbo', 'iwae', 'nll', 'reconstruction')
    """
    metrics: tuple[str, ...] = ()
    if _of_volumes(model):
        metrics += tuple(supported_volume_metrics(model))
    elif _has(model, Generates):
        metrics += tuple(SAMPLE_METRICS)
    if _has(model, HasLikelihood):
        report = _likelihood_report(model)
        metrics += report + (() if "nll" in report else ("nll",))
    if _has(model, Encodes):
        metrics += tuple(RECONSTRUCTION_METRICS)
    return metrics


def metric_needs(metric: str) -> str:
    """What a model must be able to do to give `metric`, in words that follow "a model that can".

    Example:
    >>> metric_needs("nll")
    'give a likelihood log p(x)'
    """
    if metric in SAMPLE_METRICS:
        return "generate new images"
    if metric in CLIP_METRICS:
        return "generate new clips"
    if metric in PREDICTION_METRICS:
        return "predict the next frames of clips"
    if metric in VOXEL_METRICS:
        return "generate new voxel grids"
    if metric in ("elbo", "iwae"):
        return "bound its likelihood through an encoder q(z|x) (a VAE)"
    if metric in LIKELIHOOD_METRICS:
        return "give a likelihood log p(x)"
    return "encode and reconstruct images"


def unsupported_metrics(model: Any, metrics: Sequence[str]) -> tuple[list[str], str]:
    """`(unsupported, needs)`: the metrics `model` cannot give, and what each group of them needs.

    `needs` reads "nll needs a model that can give a likelihood log p(x)"
    (groups joined by "; "); both are empty when every metric is supported.
    The library's `evaluate` and the `keras-gen evaluate` command word their
    errors with it.
    """
    supported = supported_metrics(model)
    unsupported = [metric for metric in metrics if metric not in supported]
    by_need: dict[str, list[str]] = {}
    for metric in unsupported:
        by_need.setdefault(metric_needs(metric), []).append(metric)
    needs = "; ".join(f"{', '.join(names)} need{'s' if len(names) == 1 else ''} a model that can {need}"
                      for need, names in by_need.items())
    return unsupported, needs


def _check_capabilities(model: Any, metrics: Sequence[str]) -> None:
    unsupported, needs = unsupported_metrics(model, metrics)
    if unsupported:
        raise ValueError(
            f"{needs}; {type(model).__name__} cannot. Drop them from metrics (this model supports: "
            f"{list(supported_metrics(model))})."
        )


def reconstruction_metrics(model: Any, images: np.ndarray, batch_size: int = 256, conditions=None) -> dict[str, float]:
    """Mean squared error and PSNR (dB) of `model.reconstruct(images)` against the images.

    PSNR uses the peak-to-peak range of the model's `data_scale`:
    10 log10(range^2 / MSE), averaged over images. A model conditioned on more
    than a class reconstructs each image with its `conditions`.
    """
    extra = {} if conditions is None else {"labels": conditions}
    reconstructions = model.reconstruct(images, batch_size=batch_size, **extra)
    errors = np.mean((reconstructions - images) ** 2, axis=tuple(range(1, images.ndim)))
    peak = float(model.data_scale[1] - model.data_scale[0])
    psnr = 10.0 * np.log10(peak**2 / np.maximum(errors, 1e-12))
    return {"reconstruction_mse": float(errors.mean()), "reconstruction_psnr": float(psnr.mean())}


def evaluate(
    model: Any,
    data: str | np.ndarray = "fashion_mnist",
    split: str = "test",
    num_samples: int | None = None,
    metrics: Sequence[str] | None = None,
    batch_size: int = 256,
    feature_extractor: FeatureExtractor | None = None,
    *,
    judge: FeatureExtractor | None = None,
    num_predictions: int = DEFAULT_NUM_PREDICTIONS,
    data_scale: Sequence[float] | None = None,
    data_dir: str | None = None,
    num_importance_samples: int = 64,
    likelihood_images: int | None = None,
    kid_subset_size: int = 1000,
    kid_num_subsets: int = 100,
    seed: int = 0,
    verbose: int = 0,
) -> dict[str, float]:
    """Scores a generative model against real data; returns `{metric: value}`.

    Generates `num_samples` images with `model.generate`, loads as many real
    images of `data`'s `split`, embeds both with the feature network and
    computes the sample metrics. What else is measured follows the model's
    capabilities (`default_metrics`): likelihoods (ELBO and IWAE bounds for a
    VAE, `nll` from `log_prob` otherwise) and reconstruction error for models
    that encode.

    Models of clips and of voxel grids (`data_kind` "videos" or "voxels")
    get their own metrics (`keras_gen.evaluation.volume_report`), against a
    named data set of their kind:

    - clips that a model generates (VideoGAN): `frame_fid`,
      `class_consistency` and `motion` (speed, still clips, ... of samples
      and real clips, and `speed_wasserstein`, the 1-D Wasserstein distance
      of their per-clip speeds);
    - models that predict frames (`PredictsFrames`, CrossConvCVAE), from
      `num_samples` held-out first frames with `num_predictions` next frames
      each: `displacement` (`moving_share`: predictions that move the sprite
      1-3 px, `direction_entropy` over 8 sectors), `prediction_class_agreement`
      (beside the real next frames') and `best_of_k_mse`;
    - voxel grids: `voxel_fid`, `connected_share`, `voxel_classes` (the
      judge's agreement with the labels asked for, or the class entropy of an
      unconditional model's samples) and `nearest_train_iou` (median and
      near-copies, beside the test shapes' own figures).

    Args:
        model: anything with `generate(num_images, batch_size=...)` returning
            `(N, H, W, C)` images in its `data_scale` (or a keras_gen model of
            clips or voxel grids).
        data: a data set name for `keras_gen.data.load_numpy`, or real images
            (already in `data_scale`).
        split: which split of a named data set to compare with ("test").
        num_samples: real images to load and images to generate; both are capped
            at the number of real images available (e.g. 360 for "digits"), so
            the two sets always have the same size. None: 10,000 images, 2,000
            clips, 1,000 first frames or 3,000 voxel grids (`DEFAULT_NUM_SAMPLES`).
        metrics: names from `DEFAULT_METRICS`; `None` means every metric the
            model's capabilities allow (`default_metrics(model)`).
        batch_size: images per generator / feature-network call.
        feature_extractor: defaults to `domain_classifier(data)` (cached); for
            clips, a network of single frames.
        judge: the classifier of the class metrics of clips and voxel grids
            (`class_consistency`, `prediction_class_agreement`,
            `voxel_classes`), e.g. `domain_classifier(data,
            recipe=ClassifierRecipe.accurate())`; default: `feature_extractor`.
        num_predictions: next frames sampled per first frame (best-of-k MSE's k).
        data_scale: pixel range of the model's images; defaults to
            `model.data_scale`, else (-1, 1).
        data_dir: passed to `keras_gen.data.load_numpy`.
        num_importance_samples: K of the IWAE estimate.
        likelihood_images: real images used for ELBO/IWAE (default: all loaded).
        kid_subset_size, kid_num_subsets: see `metrics.kid`.
        seed: seed of KID subsets and of the IWAE latent draws.
        verbose: 1 says what will be computed on how many images before it
            starts, then shows each long stage (sampling, feature extraction,
            likelihoods) with the time left (`keras_gen.callbacks.Progress`: a
            progress bar in a terminal, plain lines in a log). The stages then
            run batch by batch; `generate` is called once per batch.

    Returns:
        A dict of floats, e.g. `{"fid": 12.3, "kid": 0.004, ...}`; see
        `METRIC_DIRECTIONS` for which way each improves.

    Example:
    >>> results = keras_gen.evaluation.evaluate(vae, "fashion_mnist", num_samples=5000)
    >>> print(keras_gen.evaluation.format_table(results))
    """
    if metrics is None:
        metrics = default_metrics(model)
    metrics = check_metric_names(metrics, ALL_METRICS)
    _check_capabilities(model, metrics)
    wanted_likelihood = [m for m in metrics if m in LIKELIHOOD_METRICS]
    wanted_samples = [m for m in metrics if m in SAMPLE_METRICS]
    wanted_volumes = [m for m in metrics if m in VOLUME_METRICS]
    if num_samples is None:
        num_samples = DEFAULT_NUM_SAMPLES.get(evaluation_kind(model), IMAGE_NUM_SAMPLES)
    if num_samples < 2:
        raise ValueError(f"num_samples must be at least 2, got {num_samples}.")
    if num_predictions < 1:
        raise ValueError(f"num_predictions must be at least 1 (next frames sampled per first frame), "
                         f"got {num_predictions}.")
    if data_scale is None:
        data_scale = tuple(getattr(model, "data_scale", (-1.0, 1.0)))

    conditioned, conditions = _conditioned(model), None
    if conditioned and not isinstance(data, str):
        raise ValueError(
            f"{type(model).__name__} is conditioned on more than a class: "
            "evaluate it against a named data set with those conditions (the real images' conditions are used)."
        )
    if conditioned and "nll" in metrics:
        raise ValueError(f"nll is not measured for {type(model).__name__}: use elbo and iwae, bounds on log p(x | y).")
    results: dict[str, float] = {}
    if wanted_volumes:
        results.update(evaluate_volumes(model, data, split, num_samples, wanted_volumes, batch_size,
                                        feature_extractor, judge, data_dir, num_predictions, verbose,
                                        data_scale=data_scale))
        if len(wanted_volumes) == len(metrics):
            return results
    if isinstance(data, str):
        from keras_gen import data as data_module

        real_images, values = data_module.load_numpy(
            data, split=split, scale=data_scale, limit=num_samples, data_dir=data_dir,
            binarize=getattr(model, "binary_pixels", False),
            conditions=matching_conditions(model, data) if conditioned else None,
        )
        conditions = values if conditioned else None  # the labels otherwise, which evaluate does not use
    else:
        real_images = np.asarray(data, np.float32)[:num_samples]
    likelihood_count = len(real_images[:likelihood_images])
    if verbose:
        source = f"'{data}' ({split})" if isinstance(data, str) else "the given images"
        print(_plan(metrics, len(real_images), likelihood_count, num_importance_samples, source), flush=True)

    if wanted_samples:
        if feature_extractor is None:
            if not isinstance(data, str):
                raise ValueError(
                    "With real images given as an array, pass feature_extractor too, e.g. "
                    "feature_extractor=keras_gen.evaluation.domain_classifier('fashion_mnist')."
                )
            feature_extractor = domain_classifier(data, data_dir=data_dir)
        fake_images = _generate(model, len(real_images), batch_size, verbose, conditions)
        if fake_images.shape[1:] != real_images.shape[1:]:
            raise ValueError(
                f"The model generates images shaped {fake_images.shape[1:]} but the real "
                f"images are {real_images.shape[1:]}. Evaluate against the data set the "
                "model was trained on."
            )
        progress = _progress(verbose, len(real_images) + len(fake_images), "feature extraction (real and generated)")
        real_features = _in_batches(
            lambda x: feature_extractor.features(x, data_scale, batch_size), real_images, batch_size, progress
        )
        fake_features, fake_probabilities = _in_batches(
            lambda x: feature_extractor.features_and_probabilities(x, data_scale, batch_size),
            fake_images,
            batch_size,
            progress,
        )
        results.update(
            compute_sample_metrics(
                real_features,
                fake_features,
                fake_probabilities,
                wanted_samples,
                kid_subset_size=kid_subset_size,
                kid_num_subsets=kid_num_subsets,
                seed=seed,
            )
        )
    bounds = [m for m in wanted_likelihood if m in ("elbo", "iwae")]
    if bounds:
        what = f"likelihood bounds ({num_importance_samples} importance samples per image)"
        progress = _progress(verbose, likelihood_count, what)
        likelihood = likelihood_metrics(
            model,
            real_images[:likelihood_images],
            num_importance_samples,
            batch_size,
            seed,
            progress=None if progress is None else progress.add,
            conditions=condition_rows(conditions, 0, likelihood_count),
        )
        for name in bounds:
            results.update({key: likelihood[key] for key in LIKELIHOOD_METRICS[name]})
    if "nll" in wanted_likelihood:
        progress = _progress(verbose, likelihood_count, "likelihood (log p(x))")
        log_prob = _in_batches(model.log_prob, real_images[:likelihood_images], batch_size, progress)
        num_dims = int(np.prod(real_images.shape[1:]))
        results["nll"] = float(-log_prob.mean())
        results["nll_bits_per_dim"] = float(M.bits_per_dim(results["nll"], num_dims))
    if "reconstruction" in metrics:
        results.update(reconstruction_metrics(model, real_images, batch_size, conditions=conditions))
    return results



def _plan(metrics: Sequence[str], num_real: int, num_likelihood: int, num_importance_samples: int, source) -> str:
    """What `evaluate` will compute on how many images, in one line."""
    clauses = []
    samples = [m for m in metrics if m in SAMPLE_METRICS]
    if samples:
        clauses.append(f"{', '.join(samples)} on {num_real} generated and {num_real} real images")
    bounds = [m for m in metrics if m in ("elbo", "iwae")]
    if bounds:
        clauses.append(
            f"{', '.join(bounds)} on {num_likelihood} real images ({num_importance_samples} importance samples each)"
        )
    if "nll" in metrics:
        clauses.append(f"nll on {num_likelihood} real images")
    if "reconstruction" in metrics:
        clauses.append(f"reconstruction on {num_real} real images")
    return f"Evaluating against {source}: {'; '.join(clauses)}."


def _progress(verbose: int, total: int, what: str):
    """A `Progress` for one stage when `verbose`, else None."""
    if not verbose:
        return None
    # Imported here: keras_gen.callbacks imports this module.
    from keras_gen.callbacks.progress import Progress

    return Progress(total, what)


def _in_batches(function, images: np.ndarray, batch_size: int, progress):
    """`function(images)`; with a `progress`, `function` of each batch, joined, counting each batch done.

    `function` returns an array, or a tuple of arrays (or None) joined one by one.
    """
    if progress is None:
        return function(images)
    parts = []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size]
        parts.append(function(batch))
        progress.add(len(batch))
    if isinstance(parts[0], tuple):
        return tuple(None if part[0] is None else np.concatenate(part) for part in zip(*parts))
    return np.concatenate([np.asarray(part) for part in parts])


def _generate(model: Any, count: int, batch_size: int, verbose: int, conditions=None) -> np.ndarray:
    """`count` images of `model.generate`; with `verbose`, a batch at a time with a progress bar.

    A model conditioned on more than a class draws one image per condition of
    `conditions` (the real images').
    """
    progress = _progress(verbose, count, "sampling")
    if conditions is not None:
        parts = []
        for start in range(0, count, batch_size):
            chosen = condition_rows(conditions, start, start + batch_size)
            parts.append(np.asarray(model.generate(min(batch_size, count - start), conditions=chosen,
                                                   batch_size=batch_size)))
            if progress is not None:
                progress.add(len(parts[-1]))
        return np.concatenate(parts)
    if progress is None:
        return np.asarray(model.generate(count, batch_size=batch_size))
    # Whole rounds of the classes, so that a conditional model's labels (the classes in
    # turn) are those of a single call.
    num_classes = getattr(model, "num_classes", None)
    step = batch_size
    if isinstance(num_classes, int) and num_classes > 1:
        step = max(num_classes, batch_size // num_classes * num_classes)
    parts = []
    for start in range(0, count, step):
        parts.append(np.asarray(model.generate(min(step, count - start), batch_size=batch_size)))
        progress.add(len(parts[-1]))
    return np.concatenate(parts)


def format_table(results: dict[str, float], title: str | None = None) -> str:
    """Formats results as an aligned plain-text table with a "better" column.

    Example:
    >>> print(format_table({"fid": 12.345, "precision": 0.71}))
    metric      value  better
    ---------  ------  ------
    fid        12.345  lower
    precision    0.71  higher
    """
    rows = []
    for name, value in results.items():
        direction = METRIC_DIRECTIONS.get(name)
        better = {"min": "lower", "max": "higher"}.get(direction or "", "")
        rows.append((name, _format_value(value), better))
    headers = ("metric", "value", "better")
    widths = [max([len(headers[i])] + [len(row[i]) for row in rows]) for i in range(3)]
    lines = [] if title is None else [title]
    lines.append(f"{headers[0]:<{widths[0]}}  {headers[1]:>{widths[1]}}  {headers[2]}".rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for name, value, better in rows:
        lines.append(f"{name:<{widths[0]}}  {value:>{widths[1]}}  {better}".rstrip())
    return "\n".join(lines)


def _format_value(value: Any) -> str:
    if isinstance(value, (int, float, np.floating, np.integer)):
        return f"{float(value):.5g}"
    return str(value)
