"""The metric functions against independent reference computations."""

import math
import warnings

import numpy as np
import pytest
import scipy.linalg

from keras_gen.evaluation import metrics as M


def reference_fid(real, fake):
    """The classic FID code path: scipy's general matrix square root of sigma1 @ sigma2."""
    mu1, mu2 = real.mean(0), fake.mean(0)
    s1, s2 = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def correlated_gaussian(rng, n, d, scale=1.0, shift=0.0):
    mixing = rng.normal(size=(d, d)) * scale
    return rng.normal(size=(n, d)) @ mixing + shift


class TestFID:
    def test_matches_scipy_sqrtm_reference(self, rng):
        real = correlated_gaussian(rng, 600, 12)
        fake = correlated_gaussian(rng, 500, 12, scale=0.7, shift=0.3)
        assert M.fid(real, fake) == pytest.approx(reference_fid(real, fake), rel=1e-6)

    def test_known_gaussians(self):
        # Two isotropic Gaussians: ||mu1 - mu2||^2 + d (s1 - s2)^2 for standard deviations s.
        value = M.frechet_distance(np.zeros(3), np.eye(3), np.full(3, 2.0), 4 * np.eye(3))
        assert value == pytest.approx(3 * 4 + 3 * (1 - 2) ** 2)

    def test_symmetric_and_zero_on_identical_sets(self, rng):
        a = correlated_gaussian(rng, 300, 8)
        b = correlated_gaussian(rng, 300, 8, shift=1.0)
        assert M.fid(a, b) == pytest.approx(M.fid(b, a), rel=1e-9)
        assert M.fid(a, a) == pytest.approx(0.0, abs=1e-8)

    def test_fewer_samples_than_dimensions_warns_and_stays_real(self, rng):
        a, b = rng.normal(size=(20, 64)), rng.normal(size=(20, 64)) + 0.5
        with pytest.warns(UserWarning, match="20 real samples but 64 feature dimensions"):
            value = M.fid(a, b)
        assert np.isfinite(value) and value > 0

    def test_no_warning_with_enough_samples(self, rng):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            M.fid(rng.normal(size=(100, 8)), rng.normal(size=(100, 8)))

    def test_psd_sqrt_of_singular_matrix(self, rng):
        v = rng.normal(size=(5, 2))
        singular = v @ v.T  # rank 2
        root = M.psd_sqrt(singular)
        np.testing.assert_allclose(root @ root, singular, atol=1e-10)
        assert np.isrealobj(root)

    def test_rejects_mismatched_dimensions(self, rng):
        with pytest.raises(ValueError, match="different dimensions"):
            M.fid(rng.normal(size=(10, 3)), rng.normal(size=(10, 4)))

    def test_rejects_non_finite_features(self):
        bad = np.ones((10, 2))
        bad[3, 1] = np.nan
        with pytest.raises(ValueError, match="NaN or infinite"):
            M.fid(bad, np.ones((10, 2)))


def mmd2_double_loop(x, y):
    """Unbiased MMD^2 written out term by term (Gretton et al. 2012, Eq. 3)."""
    d = x.shape[1]

    def k(a, b):
        return (float(np.dot(a, b)) / d + 1.0) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


class TestKID:
    def test_mmd2_matches_double_loop(self, rng):
        x, y = rng.normal(size=(25, 6)), rng.normal(size=(30, 6)) + 0.2
        assert M.mmd2_unbiased(x, y) == pytest.approx(mmd2_double_loop(x, y), rel=1e-9)

    def test_one_full_subset_equals_mmd2_of_whole_sets(self, rng):
        x, y = rng.normal(size=(40, 5)), rng.normal(size=(40, 5)) * 1.5
        result = M.kid(x, y, subset_size=40, num_subsets=3)
        assert result.mean == pytest.approx(M.mmd2_unbiased(x, y), rel=1e-9)
        assert result.std == pytest.approx(0.0, abs=1e-12)

    def test_unbiased_for_identical_distributions(self, rng):
        # Many independent pairs from one Gaussian: the mean estimate is 0 within its
        # standard error, while the biased (V-statistic) estimate is clearly positive.
        d, m, trials = 8, 40, 300
        unbiased, biased = [], []
        for _ in range(trials):
            x, y = rng.normal(size=(m, d)), rng.normal(size=(m, d))
            unbiased.append(M.mmd2_unbiased(x, y))
            kxx, kyy = M.polynomial_kernel(x, x), M.polynomial_kernel(y, y)
            biased.append(kxx.mean() + kyy.mean() - 2 * M.polynomial_kernel(x, y).mean())
        standard_error = np.std(unbiased) / math.sqrt(trials)
        assert abs(np.mean(unbiased)) < 3 * standard_error
        assert np.mean(biased) > 10 * np.std(biased) / math.sqrt(trials)

    def test_separates_different_distributions(self, rng):
        x, y = rng.normal(size=(200, 8)), rng.normal(size=(200, 8)) + 1.0
        result = M.kid(x, y, subset_size=100, num_subsets=20)
        assert result.mean > 5 * result.std

    def test_seeded_and_clips_subset_size(self, rng):
        x, y = rng.normal(size=(50, 4)), rng.normal(size=(60, 4))
        assert M.kid(x, y, subset_size=1000, num_subsets=5, seed=3) == M.kid(
            x, y, subset_size=50, num_subsets=5, seed=3
        )

    def test_rejects_bad_settings(self, rng):
        with pytest.raises(ValueError, match="subset_size >= 2"):
            M.kid(rng.normal(size=(10, 2)), rng.normal(size=(10, 2)), subset_size=1)


def brute_force_radii(points, k):
    radii = []
    for i, p in enumerate(points):
        distances = sorted(np.linalg.norm(p - q) for j, q in enumerate(points) if j != i)
        radii.append(distances[k - 1])
    return np.array(radii)


def in_some_ball(point, centers, radii):
    return any(np.linalg.norm(point - c) <= r for c, r in zip(centers, radii))


class TestManifoldMetrics:
    def test_knn_radii_match_brute_force(self, rng):
        points = rng.normal(size=(30, 4))
        np.testing.assert_allclose(M.knn_radii(points, 3), brute_force_radii(points, 3), rtol=1e-9)

    def test_precision_recall_match_brute_force(self, rng):
        real = rng.normal(size=(40, 5))
        fake = rng.normal(size=(35, 5)) * 1.3 + 0.4
        real_radii, fake_radii = brute_force_radii(real, 3), brute_force_radii(fake, 3)
        precision = np.mean([in_some_ball(f, real, real_radii) for f in fake])
        recall = np.mean([in_some_ball(r, fake, fake_radii) for r in real])
        result = M.precision_recall(real, fake, k=3)
        assert result == (pytest.approx(precision), pytest.approx(recall))

    def test_density_coverage_match_brute_force(self, rng):
        real = rng.normal(size=(40, 5))
        fake = rng.normal(size=(30, 5)) * 0.8 + 0.3
        radii = brute_force_radii(real, 5)
        inside = np.array(
            [[np.linalg.norm(f - r) <= radius for r, radius in zip(real, radii)] for f in fake]
        )
        density = inside.sum() / (5 * len(fake))
        coverage = inside.any(axis=0).mean()
        result = M.density_coverage(real, fake, k=5)
        assert result.density == pytest.approx(density)
        assert result.coverage == pytest.approx(coverage)

    def test_blockwise_distances_agree_with_one_block(self, rng, monkeypatch):
        real, fake = rng.normal(size=(70, 3)), rng.normal(size=(50, 3))
        whole = M.precision_recall(real, fake), M.density_coverage(real, fake)
        monkeypatch.setattr(M, "_DISTANCE_BLOCK_ROWS", 7)
        assert (M.precision_recall(real, fake), M.density_coverage(real, fake)) == whole

    def test_identical_sets_are_perfect(self, rng):
        points = rng.normal(size=(50, 4))
        assert M.precision_recall(points, points) == (1.0, 1.0)
        assert M.density_coverage(points, points).coverage == 1.0

    def test_needs_more_samples_than_k(self, rng):
        with pytest.raises(ValueError, match="at least 4 samples"):
            M.precision_recall(rng.normal(size=(3, 2)), rng.normal(size=(10, 2)), k=3)


class TestClassifierMetrics:
    def test_classifier_score_matches_direct_formula(self, rng):
        logits = rng.normal(size=(50, 4)) * 2
        probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        marginal = probs.mean(axis=0)
        kl = [sum(p[c] * (math.log(p[c]) - math.log(marginal[c])) for c in range(4)) for p in probs]
        assert M.classifier_score(probs) == pytest.approx(math.exp(np.mean(kl)), rel=1e-9)

    def test_classifier_score_extremes(self):
        assert M.classifier_score(np.eye(10)) == pytest.approx(10.0)
        assert M.classifier_score(np.tile(np.eye(10)[3], (20, 1))) == pytest.approx(1.0)
        assert M.classifier_score(np.full((20, 10), 0.1)) == pytest.approx(1.0)

    def test_class_coverage_of_collapsed_and_balanced_samples(self):
        balanced = np.eye(10)[np.arange(100) % 10]
        result = M.class_coverage(balanced)
        assert result.coverage == 1.0
        assert result.entropy == pytest.approx(math.log(10))
        assert result.normalized_entropy == pytest.approx(1.0)

        labels = np.array([0] * 95 + [1] * 4 + [2])
        collapsed = M.class_coverage(np.eye(10)[labels])
        # By default a class needs max(1, 0.1 * 100 / 10) = 1 sample: three are covered.
        assert collapsed.coverage == pytest.approx(0.3)
        shares = np.array([0.95, 0.04, 0.01])
        assert collapsed.entropy == pytest.approx(-np.sum(shares * np.log(shares)))
        # With min_share=0.3 a class needs 3 samples, so class 2 no longer counts.
        assert M.class_coverage(np.eye(10)[labels], min_share=0.3).coverage == pytest.approx(0.2)

    def test_rejects_logits(self, rng):
        with pytest.raises(ValueError, match="Apply a softmax"):
            M.classifier_score(rng.normal(size=(5, 3)))


def test_bits_per_dim_and_log_mean_exp():
    assert M.bits_per_dim(784 * math.log(2), 784) == pytest.approx(1.0)
    values = np.array([[1000.0, 1000.0], [0.0, math.log(3.0)]])
    np.testing.assert_allclose(M.log_mean_exp(values, axis=1), [1000.0, math.log(2.0)])
