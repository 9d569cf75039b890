"""Evaluating a generative model end to end: generate, extract features, score, tabulate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from keras_gen.evaluation import metrics as M
from keras_gen.evaluation.features import FeatureExtractor, domain_classifier
from keras_gen.evaluation.likelihood import likelihood_metrics

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
}
DEFAULT_METRICS: tuple[str, ...] = (*SAMPLE_METRICS, *LIKELIHOOD_METRICS)

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


def _is_vae(model: Any) -> bool:
    return hasattr(model, "encode") and hasattr(model, "log_px_given_z")


def evaluate(
    model: Any,
    data: str | np.ndarray = "fashion_mnist",
    split: str = "test",
    num_samples: int = 10000,
    metrics: Sequence[str] | None = None,
    batch_size: int = 256,
    feature_extractor: FeatureExtractor | None = None,
    *,
    data_scale: Sequence[float] | None = None,
    data_dir: str | None = None,
    num_importance_samples: int = 64,
    likelihood_images: int | None = None,
    kid_subset_size: int = 1000,
    kid_num_subsets: int = 100,
    seed: int = 0,
) -> dict[str, float]:
    """Scores a generative model against real data; returns `{metric: value}`.

    Generates `num_samples` images with `model.generate`, loads as many real
    images of `data`'s `split`, embeds both with the feature network and
    computes the sample metrics. For VAEs (models with `encode` and
    `log_px_given_z`) it also estimates the ELBO and the IWAE log-likelihood
    of the real images.

    Args:
        model: anything with `generate(num_images, batch_size=...)` returning
            `(N, H, W, C)` images in its `data_scale`.
        data: a data set name for `keras_gen.data.load_numpy`, or real images
            (already in `data_scale`).
        split: which split of a named data set to compare with ("test").
        num_samples: real images to load and images to generate; both are capped
            at the number of real images available (e.g. 360 for "digits"), so
            the two sets always have the same size.
        metrics: names from `DEFAULT_METRICS`; `None` means all sample metrics,
            plus "elbo" and "iwae" for VAEs.
        batch_size: images per generator / feature-network call.
        feature_extractor: defaults to `domain_classifier(data)` (cached).
        data_scale: pixel range of the model's images; defaults to
            `model.data_scale`, else (-1, 1).
        data_dir: passed to `keras_gen.data.load_numpy`.
        num_importance_samples: K of the IWAE estimate.
        likelihood_images: real images used for ELBO/IWAE (default: all loaded).
        kid_subset_size, kid_num_subsets: see `metrics.kid`.
        seed: seed of KID subsets and of the IWAE latent draws.

    Returns:
        A dict of floats, e.g. `{"fid": 12.3, "kid": 0.004, ...}`; see
        `METRIC_DIRECTIONS` for which way each improves.

    Example:
    >>> results = keras_gen.evaluation.evaluate(vae, "fashion_mnist", num_samples=5000)
    >>> print(keras_gen.evaluation.format_table(results))
    """
    vae = _is_vae(model)
    if metrics is None:
        metrics = tuple(SAMPLE_METRICS) + (tuple(LIKELIHOOD_METRICS) if vae else ())
    metrics = check_metric_names(metrics, DEFAULT_METRICS)
    wanted_likelihood = [m for m in metrics if m in LIKELIHOOD_METRICS]
    wanted_samples = [m for m in metrics if m in SAMPLE_METRICS]
    if wanted_likelihood and not vae:
        raise ValueError(
            f"{wanted_likelihood} need a VAE (a model with encode and log_px_given_z); "
            f"{type(model).__name__} has neither. Drop them from metrics."
        )
    if num_samples < 2:
        raise ValueError(f"num_samples must be at least 2, got {num_samples}.")
    if data_scale is None:
        data_scale = tuple(getattr(model, "data_scale", (-1.0, 1.0)))

    if isinstance(data, str):
        from keras_gen import data as data_module

        real_images, _ = data_module.load_numpy(
            data, split=split, scale=data_scale, limit=num_samples, data_dir=data_dir
        )
    else:
        real_images = np.asarray(data, np.float32)[:num_samples]

    results: dict[str, float] = {}
    if wanted_samples:
        if feature_extractor is None:
            if not isinstance(data, str):
                raise ValueError(
                    "With real images given as an array, pass feature_extractor too, e.g. "
                    "feature_extractor=keras_gen.evaluation.domain_classifier('fashion_mnist')."
                )
            feature_extractor = domain_classifier(data, data_dir=data_dir)
        fake_images = np.asarray(model.generate(len(real_images), batch_size=batch_size))
        if fake_images.shape[1:] != real_images.shape[1:]:
            raise ValueError(
                f"The model generates images shaped {fake_images.shape[1:]} but the real "
                f"images are {real_images.shape[1:]}. Evaluate against the data set the "
                "model was trained on."
            )
        real_features = feature_extractor.features(real_images, data_scale, batch_size)
        fake_features, fake_probabilities = feature_extractor.features_and_probabilities(
            fake_images, data_scale, batch_size
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
    if wanted_likelihood:
        likelihood = likelihood_metrics(
            model,
            real_images[:likelihood_images],
            num_importance_samples,
            batch_size,
            seed,
        )
        for name in wanted_likelihood:
            results.update({key: likelihood[key] for key in LIKELIHOOD_METRICS[name]})
    return results


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
