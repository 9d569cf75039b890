"""Evaluation: feature networks, sample-quality metrics (FID, KID, precision/recall,
density/coverage, classifier score), VAE likelihoods (ELBO, IWAE), and checks for
copied training images and for outliers (memorization, anomaly AUROC), and
metrics of clips and voxel grids.

Modules: `features` (`FeatureExtractor`, InceptionV3), `classifiers` (the
cached domain classifier and its recipes), `metrics`, `likelihood`,
`report` (`evaluate`, which picks metrics by the model's capabilities and
`data_kind`), `volume_report` (the metrics `evaluate` gives models of clips
and voxel grids), `checks`
(`memorization`, `anomaly_auroc`, `outlier_images`) and `video_voxel_metrics`
(`frame_fid`, `class_consistency`, `motion_statistics`,
`foreground_centroids`, `direction_entropy`, `voxel_iou`, `nearest_iou`,
`connected_share`).

Example:
>>> import keras_gen
>>> results = keras_gen.evaluation.evaluate(model, "fashion_mnist", num_samples=5000)
>>> print(keras_gen.evaluation.format_table(results))
"""

from keras_gen.evaluation.checks import (
    Memorization,
    anomaly_auroc,
    anomaly_scores,
    auroc,
    default_anomaly_score,
    memorization,
    nearest_neighbours,
    outlier_images,
    save_memorization_grid,
)
from keras_gen.evaluation.classifiers import (
    ClassifierRecipe,
    build_classifier,
    classifier_examples,
    content_network,
    default_cache_dir,
    domain_classifier,
    train_domain_classifier,
)
from keras_gen.evaluation.features import FeatureExtractor, inception_features
from keras_gen.evaluation.likelihood import (
    LikelihoodBounds,
    iwae_bound,
    likelihood_bounds,
    likelihood_metrics,
)
from keras_gen.evaluation.metrics import (
    ClassCoverage,
    DensityCoverage,
    KIDResult,
    PrecisionRecall,
    bits_per_dim,
    class_coverage,
    classifier_score,
    density_coverage,
    fid,
    frechet_distance,
    gaussian_statistics,
    kid,
    mmd2_unbiased,
    polynomial_kernel,
    precision_recall,
)
from keras_gen.evaluation.report import (
    ALL_METRICS,
    DEFAULT_METRICS,
    LIKELIHOOD_METRICS,
    METRIC_DIRECTIONS,
    RECONSTRUCTION_METRICS,
    SAMPLE_METRICS,
    VOLUME_METRICS,
    compute_sample_metrics,
    default_metrics,
    evaluate,
    format_table,
    metric_direction,
    metric_needs,
    reconstruction_metrics,
    supported_metrics,
    unsupported_metrics,
)
from keras_gen.evaluation.video_voxel_metrics import (
    class_consistency,
    connected_share,
    direction_entropy,
    foreground_centroids,
    frame_fid,
    motion_statistics,
    nearest_iou,
    voxel_iou,
)
from keras_gen.evaluation.volume_report import (
    CLIP_METRICS,
    PREDICTION_METRICS,
    VOXEL_METRICS,
    clip_sample_metrics,
    prediction_metrics,
    voxel_sample_metrics,
)

__all__ = [
    "ALL_METRICS",
    "CLIP_METRICS",
    "DEFAULT_METRICS",
    "LIKELIHOOD_METRICS",
    "METRIC_DIRECTIONS",
    "PREDICTION_METRICS",
    "RECONSTRUCTION_METRICS",
    "SAMPLE_METRICS",
    "VOLUME_METRICS",
    "VOXEL_METRICS",
    "ClassCoverage",
    "ClassifierRecipe",
    "DensityCoverage",
    "FeatureExtractor",
    "KIDResult",
    "LikelihoodBounds",
    "Memorization",
    "PrecisionRecall",
    "anomaly_auroc",
    "anomaly_scores",
    "auroc",
    "bits_per_dim",
    "build_classifier",
    "class_consistency",
    "class_coverage",
    "classifier_examples",
    "classifier_score",
    "clip_sample_metrics",
    "compute_sample_metrics",
    "connected_share",
    "content_network",
    "default_anomaly_score",
    "default_cache_dir",
    "default_metrics",
    "density_coverage",
    "direction_entropy",
    "domain_classifier",
    "evaluate",
    "fid",
    "foreground_centroids",
    "format_table",
    "frame_fid",
    "frechet_distance",
    "gaussian_statistics",
    "inception_features",
    "iwae_bound",
    "kid",
    "likelihood_bounds",
    "likelihood_metrics",
    "memorization",
    "metric_direction",
    "metric_needs",
    "mmd2_unbiased",
    "motion_statistics",
    "nearest_iou",
    "nearest_neighbours",
    "outlier_images",
    "polynomial_kernel",
    "precision_recall",
    "prediction_metrics",
    "reconstruction_metrics",
    "save_memorization_grid",
    "supported_metrics",
    "train_domain_classifier",
    "unsupported_metrics",
    "voxel_iou",
    "voxel_sample_metrics",
]
