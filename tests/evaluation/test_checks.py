"""The memorization and anomaly checks against independent computations, and their errors."""

import keras
import numpy as np
import pytest
import scipy.spatial
from PIL import Image

from keras_gen import data, evaluation
from keras_gen.evaluation import FeatureExtractor, checks

IMAGE_SHAPE = (3, 3, 1)


def gaussian_images(rng, count, shape=IMAGE_SHAPE):
    return rng.normal(size=(count, *shape)).astype("float32")


def brute_force_nearest(queries, references):
    """Distances from every query to every reference (scipy's cdist): `(min distances, argmin)`."""
    queries = np.asarray(queries, np.float64).reshape(len(queries), -1)
    references = np.asarray(references, np.float64).reshape(len(references), -1)
    distances = scipy.spatial.distance.cdist(queries, references)
    return distances.min(axis=1), distances.argmin(axis=1)


def pairwise_auroc(inlier_scores, outlier_scores):
    """P(outlier > inlier) + P(tie) / 2 by a loop over every pair."""
    total = 0.0
    for outlier in outlier_scores:
        for inlier in inlier_scores:
            total += 1.0 if outlier > inlier else 0.5 if outlier == inlier else 0.0
    return total / (len(inlier_scores) * len(outlier_scores))


def tiny_extractor(image_shape=IMAGE_SHAPE):
    """A fixed random network with a 4-d feature layer; inputs in [-1, 1]."""
    inputs = keras.Input(image_shape)
    flat = keras.layers.Flatten()(inputs)
    features = keras.layers.Dense(4, activation="tanh", name="features")(flat)
    outputs = keras.layers.Dense(2, activation="softmax")(features)
    return FeatureExtractor(keras.Model(inputs, outputs), name="tiny")


# --- nearest neighbours ---------------------------------------------------------------
class TestNearestNeighbours:
    def test_matches_a_full_distance_matrix(self, rng):
        queries, references = rng.normal(size=(40, 6)), rng.normal(size=(70, 6))
        distances, indices = checks.nearest_neighbours(queries, references, k=3)
        full = np.linalg.norm(queries[:, None] - references[None], axis=-1)
        expected = np.argsort(full, axis=1)[:, :3]
        np.testing.assert_array_equal(indices, expected)
        np.testing.assert_allclose(distances, np.take_along_axis(full, expected, axis=1), rtol=1e-12)

    def test_blocks_of_one_row_give_the_same_answer(self, rng, monkeypatch):
        queries, references = rng.normal(size=(30, 5)), rng.normal(size=(50, 5))
        whole = checks.nearest_neighbours(queries, references, k=2)
        monkeypatch.setattr(checks, "_BLOCK_ENTRIES", 1)
        blocked = checks.nearest_neighbours(queries, references, k=2)
        np.testing.assert_array_equal(blocked[1], whole[1])
        np.testing.assert_array_equal(blocked[0], whole[0])

    def test_copies_are_at_distance_zero(self, rng):
        references = rng.normal(size=(20, 8)).astype("float32") * 100
        distances, indices = checks.nearest_neighbours(references[[3, 7]], references)
        assert distances[:, 0].tolist() == [0.0, 0.0] and indices[:, 0].tolist() == [3, 7]

    @pytest.mark.parametrize(
        ("queries", "references", "k", "match"),
        [
            (np.zeros((2, 3)), np.zeros((4, 2)), 1, "different dimensions"),
            (np.zeros((0, 3)), np.zeros((4, 3)), 1, "non-empty 2-D"),
            (np.zeros((2, 3)), np.zeros((4, 3)), 5, r"k must be a whole number in \[1, 4\]"),
            (np.full((2, 3), np.nan), np.zeros((4, 3)), 1, "NaN"),
        ],
    )
    def test_bad_input(self, queries, references, k, match):
        with pytest.raises(ValueError, match=match):
            checks.nearest_neighbours(queries, references, k=k)


# --- memorization ---------------------------------------------------------------------
class TestMemorization:
    def test_copies_of_training_images_score_one_with_their_own_index(self, rng):
        train, test = gaussian_images(rng, 300), gaussian_images(rng, 200)
        copied = rng.permutation(300)[:50]
        result = evaluation.memorization(train[copied], train, test, feature_extractor="pixels")
        assert isinstance(result, evaluation.Memorization)
        assert result.share == 1.0 and result.threshold > 0
        np.testing.assert_array_equal(result.nearest, copied)
        np.testing.assert_array_equal(result.distances, np.zeros(50))

    def test_held_out_images_score_about_percentile_over_100(self, rng):
        train, test, samples = (gaussian_images(rng, n) for n in (2000, 1000, 2000))
        result = evaluation.memorization(samples, train, test, feature_extractor="pixels", percentile=10)
        # Independently: brute-force distances, numpy's percentile, the share below it.
        test_distances, _ = brute_force_nearest(test, train)
        sample_distances, sample_nearest = brute_force_nearest(samples, train)
        threshold = np.percentile(test_distances, 10)
        assert result.threshold == pytest.approx(threshold, rel=1e-9)
        assert result.share == pytest.approx(np.mean(sample_distances < threshold), abs=1e-12)
        np.testing.assert_allclose(result.distances, sample_distances, rtol=1e-9)
        np.testing.assert_array_equal(result.nearest, sample_nearest)
        # Standard error about 0.01 (samples) plus the threshold's: 0.04 is four of both.
        assert result.share == pytest.approx(0.10, abs=0.04)

    def test_distances_are_measured_in_the_feature_space(self, rng):
        extractor = tiny_extractor()
        train, test, samples = (rng.uniform(0, 1, (n, *IMAGE_SHAPE)).astype("float32") for n in (60, 100, 20))
        result = evaluation.memorization(samples, train, test, feature_extractor=extractor, data_scale=(0, 1))
        features = [extractor.features(x, data_scale=(0, 1)) for x in (samples, train, test)]
        expected_distances, expected_nearest = brute_force_nearest(features[0], features[1])
        np.testing.assert_allclose(result.distances, expected_distances, rtol=1e-6, atol=1e-9)
        np.testing.assert_array_equal(result.nearest, expected_nearest)
        assert result.threshold == pytest.approx(np.percentile(brute_force_nearest(features[2], features[1])[0], 1))

    def test_a_data_set_name_stands_for_its_domain_classifier(self, rng, monkeypatch):
        extractor, asked = tiny_extractor(), []
        monkeypatch.setattr(checks, "domain_classifier", lambda name: asked.append(name) or extractor)
        train, test = gaussian_images(rng, 50), gaussian_images(rng, 100)
        result = evaluation.memorization(train[:5], train, test, feature_extractor="digits")
        assert asked == ["digits"]
        np.testing.assert_array_equal(result.nearest, np.arange(5))

    def test_the_grid_shows_the_closest_samples_then_their_nearest_training_images(self, rng, tmp_path):
        train, test = rng.uniform(-1, 1, (40, *IMAGE_SHAPE)), rng.uniform(-1, 1, (100, *IMAGE_SHAPE))
        copies = train[[5, 9, 11]]
        samples = np.concatenate([rng.uniform(-1, 1, (10, *IMAGE_SHAPE)), copies]).astype("float32")
        path = str(tmp_path / "grid.png")
        evaluation.memorization(samples, train, test, feature_extractor="pixels", grid_path=path)
        grid = np.asarray(Image.open(path))
        # 8 rows of a sample and its 5 nearest training images, 3x3 tiles 2 pixels apart.
        assert grid.shape == (8 * 5 - 2, 6 * 5 - 2)
        tiles = [[grid[5 * r : 5 * r + 3, 5 * c : 5 * c + 3] for c in range(6)] for r in range(8)]
        pixels = data.unscale_images(np.asarray(train, "float32"), from_range=(-1, 1))[..., 0]
        # The three copies come first (distance 0), each followed by itself.
        for row in range(3):
            assert any(np.array_equal(tiles[row][0], pixels[i]) for i in (5, 9, 11))
            np.testing.assert_array_equal(tiles[row][0], tiles[row][1])
        # Every row's neighbours are the sample's 5 nearest training images, nearest first.
        sample_pixels = data.unscale_images(samples, from_range=(-1, 1))[..., 0]
        for row in range(8):
            sample = next(i for i in range(len(samples)) if np.array_equal(sample_pixels[i], tiles[row][0]))
            order = np.argsort(np.linalg.norm((train - samples[sample]).reshape(40, -1), axis=1))[:5]
            for column, index in enumerate(order, start=1):
                np.testing.assert_array_equal(tiles[row][column], pixels[index])

    @pytest.mark.parametrize(
        ("sizes", "options", "match"),
        [
            ({"test": (50, 3, 3, 1)}, {}, "percentile=1 needs at least 100 test images"),
            ({"test": (15, 3, 3, 1)}, {"percentile": 5}, "percentile=5 needs at least 20 test images"),
            ({"samples": (4, 3, 2, 1)}, {}, r"one shape, got samples \(3, 2, 1\), train_images \(3, 3, 1\)"),
            ({"train": (0, 3, 3, 1)}, {}, "train_images is empty"),
            ({"samples": (4, 9)}, {}, r"samples must be images shaped \(count, height, width, channels\)"),
            ({}, {"percentile": 0}, r"percentile must lie in \(0, 100\]"),
            ({}, {"percentile": 101}, r"percentile must lie in \(0, 100\]"),
            ({}, {"percentile": "1"}, "percentile must be a number"),
            ({}, {"feature_extractor": 3}, "feature_extractor must be a FeatureExtractor"),
        ],
    )
    def test_bad_input(self, rng, sizes, options, match):
        shapes = {"samples": (4, 3, 3, 1), "train": (30, 3, 3, 1), "test": (100, 3, 3, 1), **sizes}
        arrays = {name: rng.normal(size=shape).astype("float32") for name, shape in shapes.items()}
        with pytest.raises(ValueError, match=match):
            evaluation.memorization(
                arrays["samples"], arrays["train"], arrays["test"], **{"feature_extractor": "pixels", **options}
            )

    def test_nan_samples_are_a_clear_error(self, rng):
        train, test = gaussian_images(rng, 30), gaussian_images(rng, 100)
        with pytest.raises(ValueError, match="samples contain NaN"):
            evaluation.memorization(np.full((2, *IMAGE_SHAPE), np.nan), train, test, feature_extractor="pixels")


# --- anomaly detection ----------------------------------------------------------------
class LikelihoodModel:
    """A stand-in with a known log p(x): minus the sum of the pixels, so the score is the sum."""

    def log_prob(self, images):
        return -np.asarray(images, np.float64).reshape(len(images), -1).sum(axis=1)


class ReconstructingModel:
    """A stand-in that reconstructs every image as zeros: the error is the sum of squared pixels."""

    def reconstruct(self, images):
        return np.zeros_like(images)


class BothModel(LikelihoodModel, ReconstructingModel):
    pass


class TestAUROC:
    def test_equals_the_loop_over_pairs_with_ties_as_half(self, rng):
        inliers, outliers = rng.integers(0, 5, 40).astype(float), rng.integers(1, 6, 30).astype(float)
        assert evaluation.auroc(inliers, outliers) == pytest.approx(pairwise_auroc(inliers, outliers), abs=1e-12)

    def test_swapping_the_sets_gives_one_minus_it(self, rng):
        inliers, outliers = rng.normal(size=25), rng.normal(0.5, 1, size=35)
        forward = evaluation.auroc(inliers, outliers)
        assert evaluation.auroc(outliers, inliers) == pytest.approx(1 - forward, abs=1e-12)
        assert 0.5 < forward < 1

    def test_perfect_chance_and_reversed(self):
        assert evaluation.auroc([0.0, 1.0], [2.0, 3.0]) == 1.0
        assert evaluation.auroc([1.0, 1.0], [1.0, 1.0]) == 0.5
        assert evaluation.auroc([2.0, 3.0], [0.0, 1.0]) == 0.0

    def test_anomaly_auroc_of_a_model_with_a_known_likelihood(self, rng):
        inliers = rng.normal(0, 1, (30, *IMAGE_SHAPE)).astype("float32")
        outliers = rng.normal(0.3, 1, (20, *IMAGE_SHAPE)).astype("float32")
        sums = [x.reshape(len(x), -1).sum(axis=1) for x in (inliers, outliers)]
        expected = pairwise_auroc(*sums)
        assert evaluation.anomaly_auroc(LikelihoodModel(), inliers, outliers) == pytest.approx(expected, abs=1e-12)
        swapped = evaluation.anomaly_auroc(LikelihoodModel(), outliers, inliers)
        assert swapped == pytest.approx(1 - expected, abs=1e-12)

    def test_a_function_as_the_score(self, rng):
        inliers, outliers = gaussian_images(rng, 10), gaussian_images(rng, 12)

        def brightest_pixel(images):
            return images.reshape(len(images), -1).max(axis=1)

        value = evaluation.anomaly_auroc(object(), inliers, outliers, score=brightest_pixel)
        assert value == pytest.approx(pairwise_auroc(brightest_pixel(inliers), brightest_pixel(outliers)))


class TestAnomalyScores:
    def test_the_default_follows_the_capability(self, rng):
        images = gaussian_images(rng, 6)
        sums = images.reshape(6, -1).sum(axis=1)
        squares = (images.astype(np.float64) ** 2).reshape(6, -1).sum(axis=1)
        # A likelihood wins over reconstructions; without one, the reconstruction error.
        np.testing.assert_allclose(evaluation.anomaly_scores(BothModel(), images), sums, rtol=1e-6)
        np.testing.assert_allclose(evaluation.anomaly_scores(ReconstructingModel(), images), squares, rtol=1e-6)
        np.testing.assert_allclose(
            evaluation.anomaly_scores(BothModel(), images, score="reconstruction"), squares, rtol=1e-6
        )

    def test_keras_gen_models_by_their_capabilities(self, rng):
        from keras_gen.models import VAE, Autoencoder

        autoencoder = Autoencoder.for_images((8, 8, 1), latent_dim=2, width=4, hidden_units=8, seed=0)
        vae = VAE.for_images((8, 8, 1), latent_dim=2, width=4, hidden_units=8, seed=0)
        assert evaluation.default_anomaly_score(autoencoder) == "reconstruction"
        assert evaluation.default_anomaly_score(vae) == "log_prob"
        inliers = rng.uniform(0, 1, (12, 8, 8, 1)).astype("float32")
        outliers = rng.uniform(0, 1, (10, 8, 8, 1)).astype("float32") ** 3
        errors = [((autoencoder.reconstruct(x) - x) ** 2).reshape(len(x), -1).sum(axis=1) for x in (inliers, outliers)]
        assert evaluation.anomaly_auroc(autoencoder, inliers, outliers) == pytest.approx(pairwise_auroc(*errors))
        with pytest.raises(ValueError, match="score='log_prob' needs a model with a likelihood .* a Autoencoder"):
            evaluation.anomaly_scores(autoencoder, inliers, score="log_prob")

    @pytest.mark.parametrize(
        ("model", "score", "match"),
        [
            (LikelihoodModel(), "entropy", "Unknown anomaly score 'entropy'"),
            (LikelihoodModel(), 3, "Unknown anomaly score 3"),
            (ReconstructingModel(), "log_prob", "score='log_prob' needs a model with a likelihood"),
            (LikelihoodModel(), "reconstruction", "score='reconstruction' needs a model that encodes"),
            (object(), None, "has neither a likelihood .* nor reconstructions"),
            (object(), lambda images: np.zeros(2), r"gave shape \(2,\) for 4 images"),
            (object(), lambda images: np.full(4, np.nan), "contain NaN"),
        ],
    )
    def test_bad_scores(self, rng, model, score, match):
        with pytest.raises(ValueError, match=match):
            evaluation.anomaly_scores(model, gaussian_images(rng, 4), score=score)

    @pytest.mark.parametrize(
        ("inliers", "outliers", "match"),
        [
            ((4, 3, 3, 1), (4, 4, 4, 1), r"one shape, got inliers \(3, 3, 1\), outliers \(4, 4, 1\)"),
            ((4, 3, 3, 1), (0, 3, 3, 1), "outliers is empty"),
            ((0, 3, 3, 1), (4, 3, 3, 1), "inliers is empty"),
        ],
    )
    def test_bad_image_sets(self, inliers, outliers, match):
        with pytest.raises(ValueError, match=match):
            evaluation.anomaly_auroc(LikelihoodModel(), np.zeros(inliers), np.zeros(outliers))


# --- outliers -------------------------------------------------------------------------
def on_the_8_bit_grid(images, scale):
    pixels = (np.asarray(images, np.float64) - scale[0]) / (scale[1] - scale[0]) * 255
    return np.allclose(pixels, np.round(pixels), atol=1e-3) and pixels.min() >= -1e-3 and pixels.max() <= 255.001


def sorted_rows(images):
    flat = np.asarray(images).reshape(len(images), -1)
    return flat[np.lexsort(flat.T[::-1])]


class TestOutlierImages:
    def test_digits_at_their_own_size_are_all_of_scikit_learns_digits(self):
        images = evaluation.outlier_images("digits", (8, 8, 1), (-1, 1))
        expected = np.concatenate([data.load_numpy("digits", split, scale=(-1, 1))[0] for split in ("train", "test")])
        assert images.shape == (1797, 8, 8, 1) and images.dtype == np.float32
        np.testing.assert_allclose(sorted_rows(images), sorted_rows(expected), atol=1e-6)

    def test_digits_enlarged_to_the_models_size_and_channels(self):
        small = evaluation.outlier_images("digits", (8, 8, 1), (0, 1), count=20, seed=3)
        large = evaluation.outlier_images("digits", (16, 16, 3), (0, 1), count=20, seed=3)
        assert large.shape == (20, 16, 16, 3) and on_the_8_bit_grid(large, (0, 1))
        np.testing.assert_array_equal(large[..., 0], large[..., 2])
        # The same digits, enlarged: close to each pixel repeated 2x2.
        blocky = np.repeat(np.repeat(small[..., 0], 2, axis=1), 2, axis=2)
        correlation = np.corrcoef(blocky.ravel(), large[..., 0].ravel())[0, 1]
        assert correlation > 0.9

    def test_noise_is_uniform_on_the_8_bit_grid_and_seeded(self):
        noise = evaluation.outlier_images("noise", (8, 8, 1), (-1, 1), count=200, seed=1)
        assert noise.shape == (200, 8, 8, 1) and on_the_8_bit_grid(noise, (-1, 1))
        assert noise.mean() == pytest.approx(0.0, abs=0.02) and noise.std() == pytest.approx(1 / np.sqrt(3), abs=0.02)
        np.testing.assert_array_equal(noise, evaluation.outlier_images("noise", (8, 8, 1), (-1, 1), count=200, seed=1))
        assert not np.array_equal(noise, evaluation.outlier_images("noise", (8, 8, 1), (-1, 1), count=200, seed=2))
        assert len(evaluation.outlier_images("noise", (4, 4, 1))) == checks.DEFAULT_NOISE_IMAGES

    def test_binarized_for_models_of_binary_pixels(self):
        for kind in ("digits", "noise"):
            images = evaluation.outlier_images(kind, (8, 8, 1), (0, 1), count=50, binarize=True)
            assert set(np.unique(images)) <= {0.0, 1.0} and 0 < images.mean() < 1

    @pytest.mark.parametrize(
        ("kind", "image_shape", "count", "match"),
        [
            ("mnist", (8, 8, 1), None, "Unknown outlier kind 'mnist'; choose from"),
            ("digits", (8, 8, 1), 2000, "There are 1797 digits; count=2000"),
            ("noise", (8, 8, 1), 0, "count must be a whole number >= 1"),
            ("noise", (8, 8, 1), 2.5, "count must be a whole number >= 1"),
            ("noise", (8, 8), None, r"image_shape must be \(height, width, channels\)"),
            ("noise", (8, 0, 1), None, "image_shape must be positive"),
        ],
    )
    def test_bad_arguments(self, kind, image_shape, count, match):
        with pytest.raises(ValueError, match=match):
            evaluation.outlier_images(kind, image_shape, count=count)
