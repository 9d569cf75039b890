"""What `evaluate` measures for models of clips and of voxel grids, by the model's `data_kind`.

`keras_gen.evaluation.evaluate` hands these metrics here; image models never
reach this module. Each group is a pure function of numpy arrays and a
`FeatureExtractor`, so benchmarks can call them on samples they already have:

- `clip_sample_metrics`: for models that generate clips (VideoGAN): frame FID
  against held-out clips, class consistency of samples and of the real clips,
  motion statistics of both and the 1-D Wasserstein distance between their
  per-clip speeds (`scipy.stats.wasserstein_distance`).
- `prediction_metrics`: for models that predict frames (`PredictsFrames`,
  CrossConvCVAE): from held-out first frames, `k` sampled next frames each:
  the share that move the sprite 1-3 px (+-0.5), the entropy of their
  directions over 8 sectors (normalized by log 8), how often the judge
  labels a prediction as the clip's class against how often it so labels the
  real next frame, and the best-of-k mean squared error.
- `voxel_sample_metrics`: for models that generate voxel grids (VoxelGAN):
  voxel FID, the share of connected shapes, the judge's agreement with the
  labels asked for (conditional models) or the class entropy of the samples
  (unconditional ones), and the median nearest-train IoU with the share of
  near-copies (IoU >= 0.98), beside the test shapes' own figures.

Example:
>>> results = keras_gen.evaluation.evaluate(video_gan, "moving_fashion_mnist", num_samples=2000)
>>> results["frame_fid"], results["still_share"], results["speed_wasserstein"]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from keras_gen.evaluation import metrics as M
from keras_gen.evaluation.features import FeatureExtractor
from keras_gen.evaluation.video_voxel_metrics import (
    STILL_SPEED,
    class_consistency,
    connected_share,
    direction_entropy,
    foreground_centroids,
    frame_fid,
    motion_statistics,
    nearest_iou,
)

# Metric name -> the keys it adds to the results, in display order ("real_" and "test_" keys are the
# held-out data's own figures, the reference for the model's).
CLIP_METRICS: dict[str, tuple[str, ...]] = {
    "frame_fid": ("frame_fid",),
    "class_consistency": ("class_consistency", "real_class_consistency"),
    "motion": (
        "speed", "acceleration", "still_share", "mass_change",
        "real_speed", "real_acceleration", "real_still_share", "real_mass_change", "speed_wasserstein",
    ),
}
PREDICTION_METRICS: dict[str, tuple[str, ...]] = {
    "displacement": ("moving_share", "mean_displacement", "direction_entropy", "real_moving_share"),
    "prediction_class_agreement": ("prediction_class_agreement", "real_next_class_agreement"),
    "best_of_k_mse": ("best_of_k_mse",),
}
VOXEL_METRICS: dict[str, tuple[str, ...]] = {
    "voxel_fid": ("voxel_fid",),
    "connected_share": ("connected_share", "real_connected_share"),
    # judge_agreement for class-conditional models, label entropy for unconditional ones.
    "voxel_classes": ("judge_agreement", "real_judge_agreement", "label_entropy", "normalized_label_entropy"),
    "nearest_train_iou": (
        "nearest_train_iou_median", "near_copy_share", "test_nearest_train_iou_median", "test_near_copy_share",
    ),
}
VOLUME_METRIC_DIRECTIONS: dict[str, str] = {
    "frame_fid": "min",
    "class_consistency": "max",
    "still_share": "min",
    "speed_wasserstein": "min",
    "moving_share": "max",
    "direction_entropy": "max",
    "prediction_class_agreement": "max",
    "best_of_k_mse": "min",
    "voxel_fid": "min",
    "connected_share": "max",
    "judge_agreement": "max",
    "near_copy_share": "min",
}
# The protocol of issue 34's benchmark: how many examples each kind of model is judged on by default.
DEFAULT_NUM_SAMPLES = {"videos": 2000, "predictions": 1000, "voxels": 3000}
# Predictions per first frame (best-of-k MSE and the displacement shares count all of them).
DEFAULT_NUM_PREDICTIONS = 10
# A sampled next frame "moves the sprite" when its centroid moves this far (the data's 1-3 px/frame, +-0.5).
MOVING_RANGE = (0.5, 3.5)
# The metrics that need the feature network, and those that need a judge (a classifier).
FEATURE_METRICS = frozenset({"frame_fid", "voxel_fid"})
JUDGE_METRICS = frozenset({"class_consistency", "prediction_class_agreement", "voxel_classes"})
# A sample is a near-copy of a training shape from this IoU on.
NEAR_COPY_IOU = 0.98


def clip_sample_metrics(
    clips: np.ndarray,
    real_clips: np.ndarray,
    metrics: Sequence[str] = tuple(CLIP_METRICS),
    feature_network: FeatureExtractor | None = None,
    judge: FeatureExtractor | None = None,
    data_scale: Sequence[float] = (-1.0, 1.0),
    batch_size: int = 256,
) -> dict[str, float]:
    """Frame FID, class consistency and motion of generated clips, beside the real clips' own figures.

    Args:
        clips: generated `(n, T, H, W, C)` in `data_scale`.
        real_clips: held-out `(m, T, H, W, C)` in `data_scale`.
        metrics: names from `CLIP_METRICS`.
        feature_network: the single-frame `FeatureExtractor` of `frame_fid`.
        judge: the single-frame classifier of `class_consistency` (default: `feature_network`).
        data_scale: the range of both.
        batch_size: frames per forward pass.

    Example:
    >>> clip_sample_metrics(video_gan.generate(500), test_clips[:500], ("motion",))["speed_wasserstein"]
    """
    results: dict[str, float] = {}
    judge = judge or feature_network
    if "frame_fid" in metrics:
        results["frame_fid"] = frame_fid(clips, real_clips, data_scale, feature_network, batch_size)
    if "class_consistency" in metrics:
        results["class_consistency"] = class_consistency(clips, judge, data_scale, batch_size)
        results["real_class_consistency"] = class_consistency(real_clips, judge, data_scale, batch_size)
    if "motion" in metrics:
        fake = motion_statistics(clips, data_scale, per_clip=True)
        real = motion_statistics(real_clips, data_scale, per_clip=True)
        for prefix, values in (("", fake), ("real_", real)):
            results.update({prefix + name: _mean(value) for name, value in values.items()})
        results["speed_wasserstein"] = float(stats.wasserstein_distance(fake["speed"], real["speed"]))
    return results


def prediction_metrics(
    first_frames: np.ndarray,
    next_frames: np.ndarray,
    predictions: np.ndarray,
    labels: np.ndarray | None = None,
    metrics: Sequence[str] = tuple(PREDICTION_METRICS),
    judge: FeatureExtractor | None = None,
    data_scale: Sequence[float] = (-1.0, 1.0),
    batch_size: int = 256,
) -> dict[str, float]:
    """How sampled next frames move, keep their class and come close to the real next frame.

    The sprite's displacement is the step of `foreground_centroids` (the
    centroid `motion_statistics` follows) from a first frame to each of its
    predictions:

    - `moving_share`: the share of predictions whose displacement is 1-3 px
      (+-0.5), the data's speeds; `real_moving_share` is the real next
      frames' share;
    - `mean_displacement`: the mean displacement, px;
    - `direction_entropy`: `direction_entropy` of the displacements of at
      least 0.5 px over 8 sectors, normalized by log 8 (1: all directions);
    - `prediction_class_agreement`: the share of predictions the judge
      labels as their clip's class, beside `real_next_class_agreement`, its
      share for the real next frames (the ceiling);
    - `best_of_k_mse`: per first frame, the smallest mean squared error (in
      `data_scale` units) of its k predictions against the real next frame,
      averaged.

    Args:
        first_frames: `(n, H, W, C)` in `data_scale`.
        next_frames: the real next frames, `(n, H, W, C)`.
        predictions: `(n, k, H, W, C)`, e.g. `model.predict_next(first_frames, num_samples=k)`.
        labels: `(n,)` the clips' classes; needed for "prediction_class_agreement".
        metrics: names from `PREDICTION_METRICS`.
        judge: a single-frame `FeatureExtractor` with a classifier head.
        data_scale: the range of the frames.
        batch_size: frames per forward pass.

    Example:
    >>> k = model.predict_next(clips[:, 0], num_samples=10)
    >>> prediction_metrics(clips[:, 0], clips[:, 1], k, labels)["moving_share"]
    """
    first_frames, next_frames = np.asarray(first_frames, np.float32), np.asarray(next_frames, np.float32)
    predictions = np.asarray(predictions, np.float32)
    if predictions.ndim != first_frames.ndim + 1 or predictions.shape[0] != len(first_frames) or (
        predictions.shape[2:] != first_frames.shape[1:] or next_frames.shape != first_frames.shape
    ):
        raise ValueError(
            f"predictions must be (n, k, H, W, C) for first frames (n, H, W, C) {first_frames.shape} and next "
            f"frames of the same shape; got predictions {predictions.shape}, next frames {next_frames.shape}."
        )
    k = predictions.shape[1]
    results: dict[str, float] = {}
    if "displacement" in metrics:
        moved = _displacements(np.repeat(first_frames, k, axis=0), predictions.reshape(-1, *first_frames.shape[1:]),
                               data_scale)
        lengths = np.linalg.norm(moved, axis=1)
        real_lengths = np.linalg.norm(_displacements(first_frames, next_frames, data_scale), axis=1)
        results["moving_share"] = _share_moving(lengths)
        results["mean_displacement"] = _mean(lengths)
        results["direction_entropy"] = direction_entropy(moved, min_length=STILL_SPEED)
        results["real_moving_share"] = _share_moving(real_lengths)
    if "prediction_class_agreement" in metrics:
        if labels is None or judge is None:
            raise ValueError("prediction_class_agreement needs the clips' labels and a judge (a frame classifier).")
        labels = np.asarray(labels).reshape(-1)
        predicted = judge.predict_proba(predictions.reshape(-1, *first_frames.shape[1:]), data_scale, batch_size)
        real = judge.predict_proba(next_frames, data_scale, batch_size)
        results["prediction_class_agreement"] = float(np.mean(predicted.argmax(1) == np.repeat(labels, k)))
        results["real_next_class_agreement"] = float(np.mean(real.argmax(1) == labels))
    if "best_of_k_mse" in metrics:
        errors = np.mean((predictions - next_frames[:, None]) ** 2, axis=tuple(range(2, predictions.ndim)))
        results["best_of_k_mse"] = float(errors.min(axis=1).mean())
    return results


def voxel_sample_metrics(
    samples: np.ndarray,
    test_shapes: np.ndarray,
    train_shapes: np.ndarray | None = None,
    metrics: Sequence[str] = tuple(VOXEL_METRICS),
    asked_labels: np.ndarray | None = None,
    test_labels: np.ndarray | None = None,
    feature_network: FeatureExtractor | None = None,
    judge: FeatureExtractor | None = None,
    batch_size: int = 256,
) -> dict[str, float]:
    """Voxel FID, connectivity, the judge's view of the classes and novelty of generated shapes.

    Args:
        samples: generated `(n, D, H, W, 1)` occupancies in [0, 1].
        test_shapes: held-out `(m, D, H, W, 1)` shapes in [0, 1].
        train_shapes: the training shapes, the references of "nearest_train_iou".
        metrics: names from `VOXEL_METRICS`.
        asked_labels: `(n,)` the classes the samples were drawn for (a
            conditional model): "voxel_classes" gives `judge_agreement`, the
            share the judge labels as asked, and `real_judge_agreement` (its
            accuracy on `test_shapes` with `test_labels`). None (an
            unconditional model): the entropy of the judge's labels,
            `label_entropy` and `normalized_label_entropy` (divided by
            log(classes)).
        test_labels: `(m,)` the test shapes' classes.
        feature_network: the voxel `FeatureExtractor` of "voxel_fid".
        judge: the voxel classifier of "voxel_classes" (default: `feature_network`).
        batch_size: grids per forward pass.

    Example:
    >>> voxel_sample_metrics(gan.generate(300, labels=labels), test, train, asked_labels=labels)
    """
    results: dict[str, float] = {}
    judge = judge or feature_network
    scale = (0.0, 1.0)
    if "voxel_fid" in metrics:
        results["voxel_fid"] = float(M.fid(feature_network.features(test_shapes, scale, batch_size),
                                           feature_network.features(samples, scale, batch_size)))
    if "connected_share" in metrics:
        results["connected_share"] = connected_share(samples)
        results["real_connected_share"] = connected_share(test_shapes)
    if "voxel_classes" in metrics:
        probabilities = judge.predict_proba(samples, scale, batch_size)
        if asked_labels is not None:
            results["judge_agreement"] = float(np.mean(probabilities.argmax(1) == np.asarray(asked_labels)))
            if test_labels is not None:
                real = judge.predict_proba(test_shapes, scale, batch_size).argmax(1)
                results["real_judge_agreement"] = float(np.mean(real == np.asarray(test_labels)))
        else:
            coverage = M.class_coverage(probabilities)
            results["label_entropy"] = float(coverage.entropy)
            results["normalized_label_entropy"] = float(coverage.normalized_entropy)
    if "nearest_train_iou" in metrics:
        if train_shapes is None:
            raise ValueError("nearest_train_iou needs train_shapes, the references.")
        for prefix, shapes in (("", samples), ("test_", test_shapes)):
            iou = nearest_iou(shapes, train_shapes)
            results[prefix + "nearest_train_iou_median"] = float(np.median(iou))
            results[prefix + "near_copy_share"] = float(np.mean(iou >= NEAR_COPY_IOU))
    return results


def _displacements(frames: np.ndarray, next_frames: np.ndarray, data_scale) -> np.ndarray:
    """The foreground centroid's step from each frame to its next frame, `(n, 2)` px (NaN without foreground)."""
    centroids = foreground_centroids(np.stack([frames, next_frames], axis=1), data_scale)
    return centroids[:, 1] - centroids[:, 0]


def _share_moving(lengths: np.ndarray) -> float:
    low, high = MOVING_RANGE
    return float(np.mean((lengths >= low) & (lengths <= high)))  # NaN (no foreground) is not moving


def _mean(values: np.ndarray) -> float:
    """The mean of the known values (NaN when none is known)."""
    values = np.asarray(values, np.float64)
    known = values[~np.isnan(values)]
    return float(known.mean()) if known.size else float("nan")


# --- evaluate's side: load the held-out data, draw the samples -----------------------------
def evaluation_kind(model: Any) -> str:
    """"images", "videos", "predictions" (a model of clips that predicts frames) or "voxels"."""
    from keras_gen.models.capabilities import Generates, PredictsFrames

    kind = getattr(model, "data_kind", "images")
    if kind == "videos" and isinstance(model, PredictsFrames) and not isinstance(model, Generates):
        return "predictions"
    return kind


def volume_metric_table(model: Any) -> dict[str, tuple[str, ...]]:
    """The metric table of `model`'s kind that `evaluate` fills here (empty for image models)."""
    from keras_gen.models.capabilities import Generates, PredictsFrames

    kind = getattr(model, "data_kind", "images")
    table: dict[str, tuple[str, ...]] = {}
    if kind == "videos" and isinstance(model, Generates) and getattr(model, "sample_metrics_by_default", True):
        table.update(CLIP_METRICS)
    if kind == "videos" and isinstance(model, PredictsFrames):
        table.update(PREDICTION_METRICS)
    if kind == "voxels" and isinstance(model, Generates):
        table.update(VOXEL_METRICS)
    return table


def supported_volume_metrics(model: Any) -> dict[str, tuple[str, ...]]:
    """Every clip, prediction or voxel metric `model` can give (not only its defaults)."""
    from keras_gen.models.capabilities import Generates, PredictsFrames

    kind = getattr(model, "data_kind", "images")
    table: dict[str, tuple[str, ...]] = {}
    if kind == "videos" and isinstance(model, Generates):
        table.update(CLIP_METRICS)
    if kind == "videos" and isinstance(model, PredictsFrames):
        table.update(PREDICTION_METRICS)
    if kind == "voxels" and isinstance(model, Generates):
        table.update(VOXEL_METRICS)
    return table


def evaluate_volumes(
    model: Any,
    data: str,
    split: str,
    num_samples: int,
    metrics: Sequence[str],
    batch_size: int,
    feature_extractor: FeatureExtractor | None,
    judge: FeatureExtractor | None,
    data_dir: str | None,
    num_predictions: int,
    verbose: int,
    data_scale: Sequence[float] | None = None,
) -> dict[str, float]:
    """The clip, prediction and voxel metrics of `evaluate` on `data`'s held-out split."""
    from keras_gen import data as data_module
    from keras_gen.evaluation.classifiers import domain_classifier

    if not isinstance(data, str):
        # A ValueError as evaluate's other errors about `data`, so callers catch one type.
        raise ValueError(  # noqa: TRY004
            f"{type(model).__name__} is a model of {model.data_kind}: evaluate it against a named data set "
            "(its labels and train split are part of the metrics), e.g. data='moving_fashion_mnist' or "
            "'voxel_shapes'."
        )
    kind = data_module.info(data).kind
    if kind != model.data_kind:
        raise ValueError(
            f"{type(model).__name__} is a model of {model.data_kind}, but '{data}' holds {kind}. "
            "Evaluate against the data set it trained on."
        )
    data_scale = tuple(model.data_scale if data_scale is None else data_scale)
    real, labels = data_module.load_numpy(data, split=split, scale=data_scale, limit=num_samples, data_dir=data_dir)
    if real.shape[1:] != tuple(model.data_shape):
        raise ValueError(
            f"{type(model).__name__} models examples shaped {tuple(model.data_shape)} but '{data}' holds "
            f"{real.shape[1:]}. Evaluate against the data set the model was trained on."
        )
    # The data set's cached classifier only when a metric looks through it.
    if feature_extractor is None and (FEATURE_METRICS & set(metrics) or (judge is None and JUDGE_METRICS & set(metrics))):
        feature_extractor = domain_classifier(data, data_dir=data_dir)
    judge = judge or feature_extractor
    count = len(real)
    results: dict[str, float] = {}
    clip_metrics = [m for m in metrics if m in CLIP_METRICS]
    if clip_metrics:
        _say(verbose, f"Evaluating against '{data}' ({split}): {', '.join(clip_metrics)} on {count} generated and "
                      f"{count} real clips")
        clips = np.asarray(model.generate(count, batch_size=batch_size), np.float32)
        results.update(clip_sample_metrics(clips, real, clip_metrics, feature_extractor, judge, data_scale, batch_size))
    predicted = [m for m in metrics if m in PREDICTION_METRICS]
    if predicted:
        _say(verbose, f"Evaluating against '{data}' ({split}): {', '.join(predicted)} from {count} first frames, "
                      f"{num_predictions} predicted next frames each")
        predictions = model.predict_next(real[:, 0], num_samples=num_predictions, batch_size=batch_size)
        results.update(prediction_metrics(real[:, 0], real[:, 1], predictions, labels, predicted, judge, data_scale,
                                          batch_size))
    voxel_metrics = [m for m in metrics if m in VOXEL_METRICS]
    if voxel_metrics:
        num_classes = getattr(model, "num_classes", None)
        asked = np.arange(count) % num_classes if isinstance(num_classes, int) else None
        train = None
        if "nearest_train_iou" in voxel_metrics:
            train, _ = data_module.load_numpy(data, split="train", scale=data_scale, data_dir=data_dir)
        _say(verbose, f"Evaluating against '{data}' ({split}): {', '.join(voxel_metrics)} on {count} generated and "
                      f"{count} real shapes" + ("" if train is None else f", {len(train)} training shapes"))
        extra = {} if asked is None else {"labels": asked}
        samples = np.asarray(model.generate(count, batch_size=batch_size, **extra), np.float32)
        results.update(voxel_sample_metrics(samples, real, train, voxel_metrics, asked, labels, feature_extractor,
                                            judge, batch_size))
    return results


def _say(verbose: int, line: str) -> None:
    if verbose:
        print(line + ".", flush=True)
