"""Sanity of the metrics on real Fashion-MNIST test images with the trained feature network.

Real vs real (two disjoint halves) must score near perfect, uniform noise far
off, and blurred real images in between; FID must be symmetric.
"""

import numpy as np
import pytest
import scipy.ndimage

from keras_gen.evaluation import compute_sample_metrics, fid

NUM_IMAGES = 1000


@pytest.fixture(scope="module")
def scores(fashion_extractor, fashion_test_images):
    images = fashion_test_images[0]
    reference, other_half = images[:NUM_IMAGES], images[3000 : 3000 + NUM_IMAGES]
    candidates = {
        "real": other_half,
        "blurred": scipy.ndimage.gaussian_filter(other_half, sigma=(0, 1.0, 1.0, 0)),
        "noise": np.random.default_rng(0).uniform(-1, 1, other_half.shape).astype("float32"),
    }
    reference_features = fashion_extractor.features(reference)
    results = {}
    for name, candidate in candidates.items():
        features, probabilities = fashion_extractor.features_and_probabilities(candidate)
        results[name] = compute_sample_metrics(
            reference_features, features, probabilities, kid_subset_size=500, kid_num_subsets=20
        )
        results[name]["features"] = features
    results["reference_features"] = reference_features
    return results


def test_fid_orders_real_blurred_noise(scores):
    real, blurred, noise = (scores[n]["fid"] for n in ("real", "blurred", "noise"))
    assert real < 0.3 * blurred
    assert blurred < 0.3 * noise


def test_kid_is_near_zero_for_real_data(scores):
    real, blurred, noise = (scores[n] for n in ("real", "blurred", "noise"))
    assert abs(real["kid"]) < 2 * real["kid_std"] + 0.1 * blurred["kid"]
    assert blurred["kid"] > 3 * blurred["kid_std"]
    assert noise["kid"] > 2 * blurred["kid"]


def test_recall_coverage_and_classifier_score_order(scores):
    real, blurred, noise = (scores[n] for n in ("real", "blurred", "noise"))
    for key in ("recall", "coverage", "classifier_score"):
        assert real[key] > blurred[key] > noise[key], key
    assert real["recall"] > 0.7 and real["coverage"] > 0.9
    assert noise["recall"] < 0.05 and noise["coverage"] < 0.1


def test_density_of_real_data_is_about_one(scores):
    assert 0.8 < scores["real"]["density"] < 1.25
    assert scores["noise"]["density"] < 0.5


def test_noise_collapses_to_few_classes(scores):
    assert scores["real"]["class_coverage"] == 1.0
    assert scores["real"]["normalized_label_entropy"] > 0.95
    assert scores["noise"]["normalized_label_entropy"] < 0.6


def test_fid_is_symmetric(scores):
    reference, blurred = scores["reference_features"], scores["blurred"]["features"]
    assert fid(reference, blurred) == pytest.approx(fid(blurred, reference), rel=1e-6)
