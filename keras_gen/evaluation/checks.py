"""Checks beyond sample quality: does a model copy its training images, does it know outliers?

Two questions that FID and likelihoods leave open:

- `memorization`: are the samples new, or copies of training images? Each
  sample's distance to its nearest training image is compared with the same
  distance for held-out images (the nearest-neighbour figure of Goodfellow et
  al., 2014, made into a number).
- `anomaly_auroc`: does the model tell its own kind of image from others?
  Held-out images (inliers) and images of another kind (outliers,
  `outlier_images`) are scored by `-log p(x)` or by reconstruction error, and
  the AUROC says how well the scores separate them (Nalisnick et al., 2019,
  found that likelihood models often rank them the wrong way round).

Both take numpy images in the model's `data_scale`; the distances and the
AUROC are pure numpy functions (`nearest_neighbours`, `auroc`).

Example:
>>> result = memorization(model.generate(1000), train_images, test_images)
>>> result.share  # about 0.01 for new samples, 1.0 for copies of training images
>>> anomaly_auroc(model, test_images, outlier_images("digits", (28, 28, 1), (-1, 1)))
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import keras
import numpy as np
from scipy import stats

from keras_gen.data import binarize_images, load_numpy, scale_images
from keras_gen.evaluation.classifiers import domain_classifier
from keras_gen.evaluation.features import FeatureExtractor
from keras_gen.models.base import GenerativeModel
from keras_gen.models.capabilities import Encodes, HasLikelihood
from keras_gen.visualization import save_image_grid

# Entries of one block of the query-by-reference distance matrix (float32: 64 MB), so
# that 10,000 samples against 60,000 training images never hold the whole matrix.
_BLOCK_ENTRIES = 1 << 24
# The memorization grid: this many samples (those closest to a training image), each
# followed by this many of its nearest training images.
GRID_SAMPLES = 8
GRID_NEIGHBOURS = 5
# Outliers when `count` is None: all of scikit-learn's 1,797 digits; this many noise images.
DEFAULT_NOISE_IMAGES = 1000
OUTLIER_KINDS = ("digits", "noise")
ANOMALY_SCORES = ("log_prob", "reconstruction")

Score = str | Callable[[np.ndarray], np.ndarray] | None


class Memorization(NamedTuple):
    """How many samples lie closer to a training image than held-out images do.

    `share`: the fraction of samples nearer to their nearest training image
    than `threshold`, the `percentile`-th percentile of the same distance for
    held-out images (about `percentile / 100` for new samples, 1 for copies).
    `distances` and `nearest`: per sample, the distance to its nearest training
    image and that image's index in the training images.
    """

    share: float
    threshold: float
    distances: np.ndarray
    nearest: np.ndarray


# --- nearest neighbours ---------------------------------------------------------------
def nearest_neighbours(
    queries: np.ndarray, references: np.ndarray, k: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distances and indices of each query's `k` nearest references, nearest first.

    Brute force in blocks of query rows, with `||a - b||^2 = ||a||^2 + ||b||^2
    - 2 a.b` as matrix products, so 10,000 queries against 60,000 references
    fit in memory. The products run in float32; the distances returned are
    computed again in float64 from the vectors found, so an exact copy lies at
    distance 0.

    Args:
        queries: `(n, d)` vectors.
        references: `(m, d)` vectors.
        k: neighbours per query, at most `m`.

    Returns:
        `(distances, indices)`: float64 `(n, k)` and int64 `(n, k)`.

    Example:
    >>> references = np.array([[0.0], [1.0], [3.0]])
    >>> distances, indices = nearest_neighbours(np.array([[0.0], [2.9]]), references)
    >>> indices[:, 0], distances[:, 0].round(6)
    (array([0, 2]), array([0. , 0.1]))
    """
    queries = _as_vectors(queries, "queries")
    references = _as_vectors(references, "references")
    if queries.shape[1] != references.shape[1]:
        raise ValueError(
            f"queries and references have different dimensions ({queries.shape[1]} vs "
            f"{references.shape[1]}). Compute both with the same feature extractor."
        )
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= len(references):
        raise ValueError(
            f"k must be a whole number in [1, {len(references)}] (the number of references), "
            f"got {k!r}."
        )
    references32 = references.astype(np.float32, copy=False)
    reference_norms = np.sum(references32 * references32, axis=1)
    indices = np.empty((len(queries), k), dtype=np.int64)
    rows = max(1, _BLOCK_ENTRIES // len(references))
    for start in range(0, len(queries), rows):
        block = queries[start : start + rows].astype(np.float32)
        # ||a||^2 is the same along a row, so it does not change the order: left out.
        squared = block @ references32.T
        squared *= -2.0
        squared += reference_norms[None, :]
        if k == 1:
            indices[start : start + len(block), 0] = np.argmin(squared, axis=1)
        else:
            candidates = np.argpartition(squared, k - 1, axis=1)[:, :k]
            order = np.argsort(np.take_along_axis(squared, candidates, axis=1), axis=1)
            indices[start : start + len(block)] = np.take_along_axis(candidates, order, axis=1)
    distances = np.empty((len(queries), k))
    rows = max(1, _BLOCK_ENTRIES // (k * queries.shape[1]))
    for start in range(0, len(queries), rows):
        block = queries[start : start + rows, None, :].astype(np.float64)
        differences = block - references[indices[start : start + rows]]
        distances[start : start + rows] = np.sqrt(np.sum(differences * differences, axis=-1))
    # Sorted again by the exact distances: float32 round-off may swap near ties.
    order = np.argsort(distances, axis=1, kind="stable")
    return np.take_along_axis(distances, order, axis=1), np.take_along_axis(indices, order, axis=1)


# --- memorization ---------------------------------------------------------------------
def memorization(
    samples: np.ndarray,
    train_images: np.ndarray,
    test_images: np.ndarray,
    *,
    feature_extractor: str | FeatureExtractor = "fashion_mnist",
    data_scale: Sequence[float] = (-1.0, 1.0),
    percentile: float = 1.0,
    grid_path: str | None = None,
) -> Memorization:
    """Whether samples lie closer to training images than new images do: a copying check.

    For each sample, the Euclidean distance to its nearest training image in
    the space of `feature_extractor`. The same distance for held-out
    `test_images` calibrates it: `threshold` is its `percentile`-th percentile,
    and `share` is the fraction of samples nearer than that. A model whose
    samples are as new as held-out images scores about `percentile / 100`;
    copies of training images score 1. This makes a number of the
    nearest-neighbour figure of Goodfellow et al., "Generative Adversarial
    Nets" (NeurIPS 2014), Fig. 2.

    What it does not show (Theis, van den Oord & Bethge, "A note on the
    evaluation of generative models", ICLR 2016): distances react to small
    changes that do not make an image new (a copy shifted by one pixel lies
    far from its original in pixel space), so a low share does not prove that
    a model generalizes; a high share does flag copying.

    Args:
        samples: `(n, H, W, C)` generated images in `data_scale`.
        train_images: `(m, H, W, C)` the images the model was trained on.
        test_images: `(t, H, W, C)` held-out images of the same data set; at
            least `100 / percentile` of them.
        feature_extractor: the space of the distances: a `FeatureExtractor`,
            the name of a data set (its `domain_classifier`, trained once and
            cached), or `"pixels"` for plain pixel distance.
        data_scale: the `(lo, hi)` pixel range of all three sets.
        percentile: in (0, 100]: which percentile of the held-out distances
            is the threshold.
        grid_path: also write a PNG grid there: the 8 samples closest to a
            training image, each followed by its 5 nearest training images
            (`save_memorization_grid`).

    Returns:
        A `Memorization(share, threshold, distances, nearest)`.

    Example:
    >>> train, _ = keras_gen.data.load_numpy("fashion_mnist", "train")
    >>> test, _ = keras_gen.data.load_numpy("fashion_mnist", "test")
    >>> result = memorization(train[:500], train, test, feature_extractor="pixels")
    >>> result.share, bool((result.nearest == np.arange(500)).all())  # copies
    (1.0, True)
    """
    if isinstance(percentile, bool) or not isinstance(percentile, (int, float, np.number)):
        # A ValueError like every other bad argument here, so callers catch one type.
        raise ValueError(f"percentile must be a number in (0, 100], got {percentile!r}.")  # noqa: TRY004
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must lie in (0, 100] (1 is usual), got {percentile}.")
    samples = _as_images(samples, "samples")
    train_images = _as_images(train_images, "train_images")
    test_images = _as_images(test_images, "test_images")
    _check_same_shape(
        ("samples", samples), ("train_images", train_images), ("test_images", test_images)
    )
    needed = math.ceil(100.0 / percentile - 1e-9)
    if len(test_images) < needed:
        raise ValueError(
            f"percentile={percentile:g} needs at least {needed} test images (100 / percentile), "
            f"got {len(test_images)}. Pass more held-out images or a larger percentile."
        )
    features = _feature_function(feature_extractor, data_scale)
    train_features = features(train_images)
    sample_features = features(samples)
    test_distances = nearest_neighbours(features(test_images), train_features)[0][:, 0]
    threshold = float(np.percentile(test_distances, percentile))
    if threshold == 0:
        warnings.warn(
            f"At least {percentile:g}% of the test images are copies of training images, so the "
            "threshold is 0 and no sample can count as a copy. Remove the duplicates from the "
            "held-out images.",
            UserWarning,
            stacklevel=2,
        )
    distances, nearest = nearest_neighbours(sample_features, train_features)
    distances, nearest = distances[:, 0], nearest[:, 0]
    if grid_path is not None:
        save_memorization_grid(
            samples, train_images, sample_features, train_features, grid_path, data_scale,
            distances=distances,
        )
    return Memorization(float(np.mean(distances < threshold)), threshold, distances, nearest)


def save_memorization_grid(
    samples: np.ndarray,
    train_images: np.ndarray,
    sample_features: np.ndarray,
    train_features: np.ndarray,
    path: str,
    data_scale: Sequence[float] = (-1.0, 1.0),
    num_samples: int = GRID_SAMPLES,
    num_neighbours: int = GRID_NEIGHBOURS,
    distances: np.ndarray | None = None,
) -> str:
    """Writes the samples closest to a training image, each followed by its nearest training images.

    One grid row per sample, for the `num_samples` samples with the smallest
    distance to a training image, closest first: the sample, then its
    `num_neighbours` nearest training images in the feature space, nearest
    first. The figure of Goodfellow et al. (2014), Fig. 2, shown for the
    samples most likely to be copies: if even these differ from their
    neighbours, no sample is a copy (in this feature space).

    Args:
        samples, train_images: `(n, H, W, C)` and `(m, H, W, C)` images in `data_scale`.
        sample_features, train_features: their feature vectors, `(n, d)` and `(m, d)`.
        path: the PNG file to write.
        data_scale: the pixel range of the images.
        num_samples: grid rows (at most the number of samples).
        num_neighbours: training images per row (at most their number).
        distances: each sample's distance to its nearest training image, when
            already known (saves a search).

    Returns:
        `path`.

    Example:
    >>> save_memorization_grid(samples, train, samples.reshape(len(samples), -1),
    ...                        train.reshape(len(train), -1), "memorization.png")
    'memorization.png'
    """
    if distances is None:
        distances = nearest_neighbours(sample_features, train_features)[0][:, 0]
    shown = np.argsort(distances, kind="stable")[: min(num_samples, len(samples))]
    count = min(num_neighbours, len(train_images))
    _, neighbours = nearest_neighbours(np.asarray(sample_features)[shown], train_features, k=count)
    rows = np.concatenate(
        [np.asarray(samples)[shown][:, None], np.asarray(train_images)[neighbours]], axis=1
    )
    return save_image_grid(rows, path, data_scale)


def _feature_function(
    feature_extractor: str | FeatureExtractor, data_scale: Sequence[float]
) -> Callable[[np.ndarray], np.ndarray]:
    """Images -> `(n, d)` vectors: flattened pixels, or a feature network's features."""
    if isinstance(feature_extractor, FeatureExtractor):
        extractor = feature_extractor
    elif feature_extractor == "pixels":
        return lambda images: np.asarray(images, np.float32).reshape(len(images), -1)
    elif isinstance(feature_extractor, str):
        # As `evaluate` does: a data set's name stands for its cached domain classifier.
        extractor = domain_classifier(feature_extractor)
    else:
        raise ValueError(
            "feature_extractor must be a FeatureExtractor, a data set name (its domain "
            f"classifier) or 'pixels', got {feature_extractor!r}."
        )
    return lambda images: extractor.features(images, data_scale)


# --- anomaly detection ----------------------------------------------------------------
def auroc(inlier_scores: np.ndarray, outlier_scores: np.ndarray) -> float:
    """The probability that a random outlier scores higher than a random inlier, ties counted half.

    The area under the ROC curve of anomaly scores, computed as the
    Mann-Whitney U statistic of the outliers divided by the number of pairs
    (ranks with ties averaged, `scipy.stats.rankdata`). 1 separates the sets
    perfectly, 0.5 is chance, below 0.5 ranks them the wrong way round;
    swapping the two sets gives `1 - auroc`.

    Example:
    >>> auroc(np.array([0.0, 1.0]), np.array([1.0, 2.0]))  # 3 wins and a tie in 4 pairs
    0.875
    """
    inlier_scores = _as_scores(inlier_scores, "inlier_scores")
    outlier_scores = _as_scores(outlier_scores, "outlier_scores")
    ranks = stats.rankdata(np.concatenate([inlier_scores, outlier_scores]))
    num_in, num_out = len(inlier_scores), len(outlier_scores)
    u_statistic = ranks[num_in:].sum() - num_out * (num_out + 1) / 2.0
    return float(u_statistic / (num_in * num_out))


def anomaly_scores(model: Any, images: np.ndarray, score: Score = None) -> np.ndarray:
    """How anomalous each image looks to `model`: float64 `(n,)`, higher is more anomalous.

    Args:
        model: the model that judges.
        images: `(n, H, W, C)` images in the model's `data_scale`.
        score: `"log_prob"`: `-model.log_prob(images)` (nats per image), the
            default for models with a likelihood (`HasLikelihood`);
            `"reconstruction"`: the squared error of `model.reconstruct(images)`
            summed over pixels, the default for models that only encode
            (`Encodes`); or a function from images to `(n,)` scores.

    Example:
    >>> scores = anomaly_scores(pixelcnn, test_images)  # -log p(x) per image
    """
    images = _as_images(images, "images")
    score = _resolve_score(model, score)
    if score == "log_prob":
        values = -np.asarray(model.log_prob(images), np.float64)
    elif score == "reconstruction":
        errors = np.asarray(model.reconstruct(images), np.float64) - images
        values = np.sum(errors.reshape(len(images), -1) ** 2, axis=1)
    else:
        values = np.asarray(score(images), np.float64)
    if values.shape != (len(images),):
        raise ValueError(
            f"The anomaly score gave shape {values.shape} for {len(images)} images; it must give "
            f"one number per image, shape ({len(images)},)."
        )
    return _as_scores(values, "The anomaly scores")


def anomaly_auroc(
    model: Any, inliers: np.ndarray, outliers: np.ndarray, score: Score = None
) -> float:
    """How well the model's anomaly scores tell outliers from inliers: the AUROC, 0.5 is chance.

    Scores both sets with `anomaly_scores` and returns their `auroc`: the
    probability that a random outlier scores as more anomalous than a random
    inlier (ties count half). 1 is perfect and 0.5 is chance; below 0.5 the
    model finds the outliers *more* typical than its own data. Nalisnick et
    al., "Do Deep Generative Models Know What They Don't Know?" (ICLR 2019),
    found just that for likelihood models of Fashion-MNIST shown MNIST
    digits: an AUROC below 0.5 is a finding, not a bug.

    Args:
        model: the model that judges.
        inliers: `(n, H, W, C)` held-out images of the data the model learned.
        outliers: `(m, H, W, C)` images of another kind (`outlier_images`).
        score: as for `anomaly_scores`: `"log_prob"`, `"reconstruction"`, a
            function, or None for the model's default.

    Example:
    >>> outliers = outlier_images("digits", vae.image_shape, vae.data_scale)
    >>> anomaly_auroc(vae, test_images, outliers)
    """
    inliers = _as_images(inliers, "inliers")
    outliers = _as_images(outliers, "outliers")
    _check_same_shape(("inliers", inliers), ("outliers", outliers))
    score = _resolve_score(model, score)
    return auroc(anomaly_scores(model, inliers, score), anomaly_scores(model, outliers, score))


def default_anomaly_score(model: Any) -> str | None:
    """The anomaly score a model gives by default: `"log_prob"`, `"reconstruction"` or None.

    `"log_prob"` for a model with a likelihood, else `"reconstruction"` for one
    that encodes, else None (pass a function as the score).

    Example:
    >>> default_anomaly_score(keras_gen.models.Autoencoder.for_images((8, 8, 1)))
    'reconstruction'
    """
    if _has(model, HasLikelihood, "log_prob"):
        return "log_prob"
    if _has(model, Encodes, "reconstruct"):
        return "reconstruction"
    return None


def _has(model: Any, capability: type, method: str) -> bool:
    """A keras_gen model has a capability by its class; another object by having the method."""
    if isinstance(model, GenerativeModel):
        return isinstance(model, capability)
    return callable(getattr(model, method, None))


def _resolve_score(model: Any, score: Any) -> str | Callable[[np.ndarray], np.ndarray]:
    """The score to use: the model's default for None, after checking the model can give it."""
    name = type(model).__name__
    if score is None:
        score = default_anomaly_score(model)
        if score is None:
            raise ValueError(
                f"A {name} has neither a likelihood (log_prob) nor reconstructions (reconstruct), "
                "so it has no default anomaly score. Pass score=<a function from images to (n,) "
                "scores>."
            )
        return score
    if callable(score):
        return score
    if not isinstance(score, str) or score not in ANOMALY_SCORES:
        raise ValueError(
            f"Unknown anomaly score {score!r}; use one of {list(ANOMALY_SCORES)} or a function "
            "from images to (n,) scores."
        )
    if score == "log_prob" and not _has(model, HasLikelihood, "log_prob"):
        raise ValueError(
            f"score='log_prob' needs a model with a likelihood (log_prob); a {name} has none. Use "
            "score='reconstruction' for a model that encodes, or a function."
        )
    if score == "reconstruction" and not _has(model, Encodes, "reconstruct"):
        raise ValueError(
            f"score='reconstruction' needs a model that encodes and reconstructs (reconstruct); a "
            f"{name} does not. Use score='log_prob' for a model with a likelihood, or a function."
        )
    return score


def outlier_images(
    kind: str,
    image_shape: Sequence[int],
    data_scale: Sequence[float] = (-1.0, 1.0),
    count: int | None = None,
    binarize: bool = False,
    seed: int = 0,
) -> np.ndarray:
    """Images of another kind, shaped like a model's, to try its anomaly scores on.

    - `"digits"`: scikit-learn's bundled 8x8 handwritten digits (all 1,797 of
      both splits), enlarged bilinearly to the model's size, rounded to the
      8-bit grid and repeated to its channels: an offline stand-in for MNIST,
      the outliers Nalisnick et al. (2019) showed Fashion-MNIST models.
    - `"noise"`: uniform noise on the 8-bit grid.

    Args:
        kind: `"digits"` or `"noise"`.
        image_shape: the model's `(height, width, channels)`.
        data_scale: the model's pixel range.
        count: how many (default: all 1,797 digits, 1,000 noise images); at
            most 1,797 digits.
        binarize: threshold the pixels at the middle of `data_scale`
            (`keras_gen.data.binarize_images`), for models of binary pixels
            (`model.binary_pixels`).
        seed: the noise, and the order of the digits.

    Returns:
        float32 `(count, height, width, channels)` images in `data_scale`.

    Example:
    >>> outlier_images("digits", (28, 28, 1), (-1, 1), count=4).shape
    (4, 28, 28, 1)
    """
    if kind not in OUTLIER_KINDS:
        raise ValueError(f"Unknown outlier kind {kind!r}; choose from {list(OUTLIER_KINDS)}.")
    try:
        height, width, channels = (int(side) for side in image_shape)
    except (TypeError, ValueError):
        raise ValueError(
            f"image_shape must be (height, width, channels), got {image_shape!r}."
        ) from None
    if min(height, width, channels) < 1:
        raise ValueError(
            f"image_shape must be positive (height, width, channels), got {image_shape!r}."
        )
    whole = isinstance(count, (int, np.integer)) and not isinstance(count, bool)
    if count is not None and not (whole and count >= 1):
        raise ValueError(f"count must be a whole number >= 1 or None (all), got {count!r}.")
    rng = np.random.default_rng(seed)
    if kind == "noise":
        shape = (count or DEFAULT_NOISE_IMAGES, height, width, channels)
        pixels = rng.integers(0, 256, size=shape)
    else:
        pixels = _digit_pixels((height, width), channels, count, rng)
    images = scale_images(pixels, from_range=(0, 255), to_range=data_scale)
    return binarize_images(images, data_scale) if binarize else images


def _digit_pixels(size: tuple[int, int], channels: int, count: int | None, rng) -> np.ndarray:
    """scikit-learn's digits as 0-255 values, shuffled by `rng`, resized to `size`."""
    splits = ("train", "test")
    digits = np.concatenate([load_numpy("digits", split, scale=(0, 255))[0] for split in splits])
    if count is not None and count > len(digits):
        raise ValueError(
            f"There are {len(digits)} digits; count={count} asks for more. Pass count <= "
            f"{len(digits)}."
        )
    digits = digits[rng.permutation(len(digits))[:count]]
    if digits.shape[1:3] != size:
        resized = keras.ops.image.resize(digits, size, interpolation="bilinear")
        digits = keras.ops.convert_to_numpy(resized)
    return np.repeat(np.clip(np.round(digits), 0, 255), channels, axis=-1)


# --- input checks ---------------------------------------------------------------------
def _as_vectors(vectors: np.ndarray, name: str) -> np.ndarray:
    """Float vectors; float32 stays float32 (60,000 training images need no float64 copy)."""
    array = np.asarray(vectors)
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    if array.ndim != 2 or len(array) == 0:
        raise ValueError(
            f"{name} must be a non-empty 2-D array (count, dimensions), got shape {array.shape}."
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contain NaN or infinite values.")
    return array


def _as_images(images: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(images, dtype=np.float32)
    if array.ndim != 4:
        raise ValueError(
            f"{name} must be images shaped (count, height, width, channels), got shape "
            f"{array.shape}."
        )
    if len(array) == 0:
        raise ValueError(f"{name} is empty; pass at least one image.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contain NaN or infinite values (a diverged model?).")
    return array


def _check_same_shape(*named: tuple[str, np.ndarray]) -> None:
    shapes = {name: array.shape[1:] for name, array in named}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ValueError(
            f"The images must all have one shape, got {listed}. Compare images of one data set, "
            "in the model's image shape."
        )


def _as_scores(scores: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(scores, dtype=np.float64)
    if array.ndim != 1 or len(array) == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D array (one score per image), got shape {array.shape}."
        )
    if np.any(np.isnan(array)):
        raise ValueError(f"{name} contain NaN: the model gave no score for some images.")
    return array
