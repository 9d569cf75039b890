"""Sample-quality metrics as pure numpy functions on feature arrays.

Every function here takes plain arrays (features of real and generated images,
or class probabilities) and returns floats, so each can be checked against an
independent computation and reused outside Keras. Where the features come
from is `keras_gen.evaluation.features`' business.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
from scipy import special

# Rows per block when computing pairwise distances, so 10,000 x 10,000 problems
# never hold more than a few tens of MB at once.
_DISTANCE_BLOCK_ROWS = 512


class KIDResult(NamedTuple):
    """Kernel Inception Distance over random subsets: mean and standard deviation."""

    mean: float
    std: float


class PrecisionRecall(NamedTuple):
    """Improved precision (fidelity) and recall (diversity), both in [0, 1]."""

    precision: float
    recall: float


class DensityCoverage(NamedTuple):
    """Density (fidelity, unbounded, about 1 for matching distributions) and coverage in [0, 1]."""

    density: float
    coverage: float


class ClassCoverage(NamedTuple):
    """How evenly predicted classes are used: covered fraction and label-histogram entropy."""

    coverage: float
    entropy: float
    normalized_entropy: float


# --- input checks ---------------------------------------------------------------------
def _as_features(features: np.ndarray, name: str, min_rows: int = 2) -> np.ndarray:
    array = np.asarray(features, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (num_samples, feature_dim), got shape "
            f"{array.shape}. Compute features first, e.g. with "
            "keras_gen.evaluation.domain_classifier(...).features(images)."
        )
    if array.shape[0] < min_rows:
        raise ValueError(
            f"{name} needs at least {min_rows} samples, got {array.shape[0]}. Pass more images."
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"{name} contains NaN or infinite values; the generator or feature "
            "network produced non-finite outputs."
        )
    return array


def _check_same_dim(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"Real and generated features have different dimensions ({a.shape[1]} vs "
            f"{b.shape[1]}). Compute both with the same feature extractor."
        )


def _as_probabilities(probabilities: np.ndarray) -> np.ndarray:
    probs = np.asarray(probabilities, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[0] < 1 or probs.shape[1] < 2:
        raise ValueError(
            "probabilities must be a 2-D array (num_samples, num_classes) with at least "
            f"2 classes, got shape {probs.shape}. Use FeatureExtractor.predict_proba(images)."
        )
    if np.any(probs < 0) or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            "Each row of probabilities must be a distribution (non-negative, summing "
            "to 1); got logits or unnormalized scores? Apply a softmax first."
        )
    return probs / probs.sum(axis=1, keepdims=True)


# --- Fréchet distance (FID) ----------------------------------------------------------
def gaussian_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased covariance of features, `(D,)` and `(D, D)`, in float64.

    Example:
    >>> mean, cov = gaussian_statistics(np.random.randn(100, 4))
    """
    features = _as_features(features, "features")
    return features.mean(axis=0), np.cov(features, rowvar=False).reshape(
        features.shape[1], features.shape[1]
    )


def psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """Symmetric square root of a symmetric positive semi-definite matrix.

    Uses the eigen-decomposition `A = V diag(w) V^T` and returns
    `V diag(sqrt(max(w, 0))) V^T`. Tiny negative eigenvalues from round-off
    (common for rank-deficient covariances) are clipped to 0, so the result is
    always real, unlike a general `scipy.linalg.sqrtm`.

    Example:
    >>> psd_sqrt(np.diag([4.0, 9.0]))
    array([[2., 0.],
           [0., 3.]])
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    symmetric = 0.5 * (matrix + matrix.T)
    eigenvalues, eigenvectors = np.linalg.eigh(symmetric)
    roots = np.sqrt(np.clip(eigenvalues, 0.0, None))
    return (eigenvectors * roots) @ eigenvectors.T


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """`tr((sigma1 sigma2)^(1/2))` for covariance matrices, computed robustly.

    `sigma1 sigma2` is not symmetric, but it is similar to the symmetric PSD
    matrix `M = sigma1^(1/2) sigma2 sigma1^(1/2)` (they share eigenvalues), so
    `tr((sigma1 sigma2)^(1/2)) = sum_i sqrt(lambda_i(M))`. Using `eigvalsh` on `M`
    avoids the complex round-off of a general matrix square root.
    """
    root1 = psd_sqrt(sigma1)
    middle = root1 @ np.asarray(sigma2, dtype=np.float64) @ root1
    eigenvalues = np.linalg.eigvalsh(0.5 * (middle + middle.T))
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def frechet_distance(
    mean1: np.ndarray, sigma1: np.ndarray, mean2: np.ndarray, sigma2: np.ndarray
) -> float:
    """Fréchet (2-Wasserstein) distance between two Gaussians N(mean1, sigma1), N(mean2, sigma2).

    Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge to a
    Local Nash Equilibrium" (NeurIPS 2017), Eq. 6 (the FID):

        d^2 = ||mean1 - mean2||^2 + tr(sigma1) + tr(sigma2) - 2 tr((sigma1 sigma2)^(1/2))

    The trace of the matrix square root uses `trace_sqrt_product` (an
    eigen-decomposition) so singular covariances give a real, finite answer.
    The result is clipped at 0 against round-off.

    Example:
    >>> frechet_distance(np.zeros(2), np.eye(2), np.ones(2), np.eye(2))
    2.0
    """
    mean1, mean2 = np.asarray(mean1, np.float64), np.asarray(mean2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    if mean1.shape != mean2.shape or sigma1.shape != sigma2.shape:
        raise ValueError(
            f"The two Gaussians have different dimensions: means {mean1.shape} and "
            f"{mean2.shape}, covariances {sigma1.shape} and {sigma2.shape}."
        )
    mean_term = float(np.sum((mean1 - mean2) ** 2))
    covariance_term = float(np.trace(sigma1) + np.trace(sigma2)) - 2.0 * trace_sqrt_product(
        sigma1, sigma2
    )
    return max(mean_term + covariance_term, 0.0)


def fid(real_features: np.ndarray, fake_features: np.ndarray) -> float:
    """Fréchet Inception Distance between two sets of features (lower is better).

    Heusel et al. (NeurIPS 2017): fit a Gaussian to each set and return their
    `frechet_distance`. FID is biased upwards for small samples; compare only
    values computed with the same sample sizes and feature network. With fewer
    samples than feature dimensions the covariance is singular and a
    `UserWarning` is raised.

    Example:
    >>> rng = np.random.default_rng(0)
    >>> fid(rng.normal(size=(500, 8)), rng.normal(size=(500, 8)))  # small, near 0
    """
    real = _as_features(real_features, "real_features")
    fake = _as_features(fake_features, "fake_features")
    _check_same_dim(real, fake)
    for name, features in (("real", real), ("generated", fake)):
        if features.shape[0] < features.shape[1]:
            warnings.warn(
                f"FID with {features.shape[0]} {name} samples but {features.shape[1]} "
                "feature dimensions: the covariance is singular and FID is strongly "
                "biased. Use at least as many samples as dimensions (thousands for "
                "reportable numbers).",
                UserWarning,
                stacklevel=2,
            )
    return frechet_distance(*gaussian_statistics(real), *gaussian_statistics(fake))


# --- Kernel Inception Distance (KID) --------------------------------------------------
def polynomial_kernel(
    x: np.ndarray, y: np.ndarray, degree: int = 3, coef0: float = 1.0
) -> np.ndarray:
    """The KID kernel `k(x, y) = (x . y / d + coef0) ** degree`, as an `(n, m)` matrix.

    Bińkowski et al., "Demystifying MMD GANs" (ICLR 2018), Sec. 4 with d the
    feature dimension, degree 3, coef0 1.
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    base = x @ y.T
    base /= x.shape[1]
    base += coef0
    if degree == 3:  # the KID case; repeated products are much faster than `**`
        return base * base * base
    return base**degree


def mmd2_unbiased(x: np.ndarray, y: np.ndarray, degree: int = 3, coef0: float = 1.0) -> float:
    """Unbiased estimate of the squared MMD between samples x `(m, d)` and y `(n, d)`.

    Gretton et al., "A Kernel Two-Sample Test" (JMLR 2012), Eq. 3, with the
    `polynomial_kernel` of Bińkowski et al. (2018):

        MMD^2_u = 1/(m(m-1)) sum_{i != j} k(x_i, x_j) + 1/(n(n-1)) sum_{i != j} k(y_i, y_j)
                  - 2/(mn) sum_{i, j} k(x_i, y_j)

    Its expectation is exactly 0 when x and y come from the same distribution,
    so individual estimates can be negative.
    """
    x, y = _as_features(x, "x"), _as_features(y, "y")
    _check_same_dim(x, y)
    m, n = x.shape[0], y.shape[0]
    k_xx = polynomial_kernel(x, x, degree, coef0)
    k_yy = polynomial_kernel(y, y, degree, coef0)
    k_xy = polynomial_kernel(x, y, degree, coef0)
    sum_xx = k_xx.sum() - np.trace(k_xx)
    sum_yy = k_yy.sum() - np.trace(k_yy)
    return float(sum_xx / (m * (m - 1)) + sum_yy / (n * (n - 1)) - 2.0 * k_xy.sum() / (m * n))


def kid(
    real_features: np.ndarray,
    fake_features: np.ndarray,
    subset_size: int = 1000,
    num_subsets: int = 100,
    seed: int = 0,
) -> KIDResult:
    """Kernel Inception Distance: unbiased MMD^2 with a cubic kernel, averaged over subsets.

    Bińkowski et al., "Demystifying MMD GANs" (ICLR 2018), Sec. 4: draw
    `num_subsets` random subsets of `subset_size` real and generated features
    (without replacement within a subset), compute `mmd2_unbiased` on each, and
    report mean and standard deviation. Unlike FID, KID is unbiased, so real vs
    real gives about 0 (and may be slightly negative) at any sample size.

    Args:
        real_features: `(N, D)` features of real images.
        fake_features: `(M, D)` features of generated images.
        subset_size: images per subset; clipped to `min(N, M)`.
        num_subsets: number of random subsets.
        seed: seed of the subset sampling, so repeated calls agree.

    Example:
    >>> mean, std = kid(real, fake, subset_size=500, num_subsets=50)
    """
    real = _as_features(real_features, "real_features")
    fake = _as_features(fake_features, "fake_features")
    _check_same_dim(real, fake)
    if subset_size < 2 or num_subsets < 1:
        raise ValueError(
            f"kid needs subset_size >= 2 and num_subsets >= 1, got subset_size="
            f"{subset_size}, num_subsets={num_subsets}."
        )
    size = min(subset_size, real.shape[0], fake.shape[0])
    rng = np.random.default_rng(seed)
    estimates = np.array(
        [
            mmd2_unbiased(
                real[rng.choice(real.shape[0], size, replace=False)],
                fake[rng.choice(fake.shape[0], size, replace=False)],
            )
            for _ in range(num_subsets)
        ]
    )
    return KIDResult(float(estimates.mean()), float(estimates.std()))


# --- k-NN manifold metrics ------------------------------------------------------------
def _squared_distance_blocks(a: np.ndarray, b: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """Yields `(start_row, squared euclidean distances of a[start:start+rows] to all of b)`.

    Squared distances order points like distances, so the k-NN metrics compare
    them with squared radii and never take a square root of the big matrices.
    """
    b_squared = np.sum(b * b, axis=1)
    for start in range(0, a.shape[0], _DISTANCE_BLOCK_ROWS):
        block = a[start : start + _DISTANCE_BLOCK_ROWS]
        squared = block @ b.T
        squared *= -2.0
        squared += np.sum(block * block, axis=1)[:, None]
        squared += b_squared[None, :]
        yield start, np.maximum(squared, 0.0, out=squared)


def knn_radii(features: np.ndarray, k: int) -> np.ndarray:
    """Distance from each row to its k-th nearest other row (the k-NN ball radius).

    Example:
    >>> knn_radii(np.array([[0.0], [1.0], [3.0]]), k=1)
    array([1., 1., 2.])
    """
    features = _as_features(features, "features")
    if not 1 <= k < features.shape[0]:
        raise ValueError(
            f"k-NN radii need 1 <= k < number of samples; got k={k} with "
            f"{features.shape[0]} samples. Use a smaller k or more samples."
        )
    squared_radii = np.empty(features.shape[0])
    for start, squared in _squared_distance_blocks(features, features):
        # Index 0 of the sorted row is the point itself (distance 0), so the k-th
        # neighbour sits at index k.
        squared_radii[start : start + squared.shape[0]] = np.partition(squared, k, axis=1)[:, k]
    return np.sqrt(squared_radii)


def _ball_counts(points: np.ndarray, centers: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """For each point, how many of the balls B(centers_j, radii_j) contain it."""
    counts = np.empty(points.shape[0], dtype=np.int64)
    squared_radii = (radii * radii)[None, :]
    for start, squared in _squared_distance_blocks(points, centers):
        counts[start : start + squared.shape[0]] = np.sum(squared <= squared_radii, axis=1)
    return counts


def precision_recall(
    real_features: np.ndarray, fake_features: np.ndarray, k: int = 3
) -> PrecisionRecall:
    """Improved precision and recall with k-NN manifold estimates.

    Kynkäänniemi et al., "Improved Precision and Recall Metric for Assessing
    Generative Models" (NeurIPS 2019). The real manifold is the union of balls
    around each real feature `r_j` with radius `NND_k(r_j)`, its distance to the
    k-th nearest other real feature (likewise for the generated manifold):

        precision = 1/M sum_i 1[exists j: ||f_i - r_j|| <= NND_k(r_j)]
        recall    = 1/N sum_j 1[exists i: ||r_j - f_i|| <= NND_k(f_i)]

    Precision measures fidelity (generated samples look real), recall measures
    diversity (the real data is covered). The paper uses k=3.

    Example:
    >>> precision, recall = precision_recall(real_features, fake_features)
    """
    real = _as_features(real_features, "real_features", min_rows=k + 1)
    fake = _as_features(fake_features, "fake_features", min_rows=k + 1)
    _check_same_dim(real, fake)
    precision = np.mean(_ball_counts(fake, real, knn_radii(real, k)) > 0)
    recall = np.mean(_ball_counts(real, fake, knn_radii(fake, k)) > 0)
    return PrecisionRecall(float(precision), float(recall))


def density_coverage(
    real_features: np.ndarray, fake_features: np.ndarray, k: int = 5
) -> DensityCoverage:
    """Density and coverage, the outlier-robust successors of precision and recall.

    Naeem et al., "Reliable Fidelity and Diversity Metrics for Generative
    Models" (ICML 2020), Eqs. 3 and 4, with balls only around real features:

        density  = 1/(k M) sum_i sum_j 1[||f_i - r_j|| <= NND_k(r_j)]
        coverage = 1/N sum_j 1[exists i: ||f_i - r_j|| <= NND_k(r_j)]

    Density is about 1 when generated and real distributions match (above 1
    when samples crowd dense real regions); coverage is in [0, 1]. The paper
    recommends k=5 and equally many real and generated samples.

    Example:
    >>> density, coverage = density_coverage(real_features, fake_features)
    """
    real = _as_features(real_features, "real_features", min_rows=k + 1)
    fake = _as_features(fake_features, "fake_features")
    _check_same_dim(real, fake)
    radii = knn_radii(real, k)
    density = _ball_counts(fake, real, radii).sum() / (k * fake.shape[0])
    nearest_fake = np.empty(real.shape[0])
    for start, squared in _squared_distance_blocks(real, fake):
        nearest_fake[start : start + squared.shape[0]] = squared.min(axis=1)
    coverage = np.mean(nearest_fake <= radii * radii)
    return DensityCoverage(float(density), float(coverage))


# --- classifier-based metrics ---------------------------------------------------------
def classifier_score(probabilities: np.ndarray) -> float:
    """The Inception Score computed with any classifier: `exp(E_x KL(p(y|x) || p(y)))`.

    Salimans et al., "Improved Techniques for Training GANs" (NeurIPS 2016),
    Sec. 4, with `p(y) = E_x p(y|x)` estimated by the mean prediction. It is
    high (up to the number of classes) when each sample is confidently one
    class and all classes are used; 1 for a collapsed or unrecognizable model.
    Here it is computed with the data set's own classifier rather than
    Inception, so values are comparable only with the same classifier.

    Example:
    >>> round(classifier_score(np.eye(10)), 6)  # ten confident, distinct predictions
    10.0
    """
    probs = _as_probabilities(probabilities)
    marginal = probs.mean(axis=0, keepdims=True)
    kl_per_sample = special.rel_entr(probs, marginal).sum(axis=1)
    return float(np.exp(kl_per_sample.mean()))


def label_histogram(probabilities: np.ndarray) -> np.ndarray:
    """Counts of arg-max predicted classes, `(num_classes,)`."""
    probs = _as_probabilities(probabilities)
    return np.bincount(probs.argmax(axis=1), minlength=probs.shape[1])


def class_coverage(probabilities: np.ndarray, min_share: float = 0.1) -> ClassCoverage:
    """Mode-collapse check: how many classes the generated samples fall into, and how evenly.

    Each sample gets its arg-max predicted class. For `C` classes and `N`
    samples a class is *covered* when it receives at least
    `max(1, min_share * N / C)` samples, i.e. at least `min_share` of a uniform
    share (`min_share=0` counts any class with one sample). Also returns the
    entropy `H = -sum_c q_c log q_c` (nats) of the predicted-label histogram
    `q` and `H / log C`, which is 1 for perfectly balanced classes and 0 for a
    single class. Compare with the same numbers on real data, which need not
    be balanced.

    Example:
    >>> class_coverage(np.eye(10)[[0, 0, 0, 1]])  # 4 samples in 2 of 10 classes
    ClassCoverage(coverage=0.2, entropy=0.562..., normalized_entropy=0.244...)
    """
    if min_share < 0:
        raise ValueError(f"min_share must be >= 0, got {min_share}.")
    counts = label_histogram(probabilities)
    num_samples, num_classes = counts.sum(), counts.shape[0]
    threshold = max(1.0, min_share * num_samples / num_classes)
    shares = counts / num_samples
    entropy = float(-np.sum(special.xlogy(shares, shares)))
    return ClassCoverage(
        coverage=float(np.mean(counts >= threshold)),
        entropy=entropy,
        normalized_entropy=entropy / math.log(num_classes),
    )


# --- likelihoods ----------------------------------------------------------------------
def log_mean_exp(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """`log(mean(exp(values)))` along an axis, without overflow."""
    values = np.asarray(values, dtype=np.float64)
    return special.logsumexp(values, axis=axis) - math.log(values.shape[axis])


def bits_per_dim(negative_log_likelihood: float | np.ndarray, num_dims: int) -> float | np.ndarray:
    """Converts a negative log-likelihood in nats per image to bits per dimension.

    `bits/dim = -log p(x) / (D ln 2)` with D the number of pixel values
    (height x width x channels). For a continuous decoder this is the density
    of the data in its own scale (e.g. [-1, 1]); to compare with discrete
    8-bit numbers from the literature add `log2(256 / (hi - lo))` bits/dim (the
    change of variables to [0, 256)), and remember dequantization.

    Example:
    >>> bits_per_dim(784 * math.log(2), 784)
    1.0
    """
    if num_dims < 1:
        raise ValueError(f"num_dims must be >= 1, got {num_dims}.")
    return negative_log_likelihood / (num_dims * math.log(2))
