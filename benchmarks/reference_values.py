"""Reference values on real data: what the metrics give without any model, and what the classifiers get right.

No generative model is trained. With the cached Fashion-MNIST feature network
(`fashion_mnist-v1`; trained, once, if the cache lacks it) this scores:

- `perfect_model`: `evaluate` on a "model" that draws 10,000 *training* images,
  against the 10,000 test images (what a perfect model gets), and its time;
- `real_data`: the first 5,000 test images as "real" against the other 5,000
  (a perfect model), the same blurred (Gaussian, sigma = 1 px), uniform noise,
  and only the T-shirts among them (a collapsed model), default settings;
- `callback_cost`: what one `GenerativeMetrics` evaluation of 2,000 samples
  costs besides generating them (its default metrics and settings);
- `classifiers`: the test accuracy of each classifier, per class too, on the
  full test set, with the training time and date its cache file recorded.
  `--accurate` adds `ClassifierRecipe.accurate()` (about 7 minutes of training
  on two CPU cores when not cached).

    python benchmarks/reference_values.py --json benchmarks/results/reference_values.json
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np
import provenance
import scipy.ndimage

from keras_gen import data
from keras_gen.callbacks import GenerativeMetrics
from keras_gen.evaluation import (
    ClassifierRecipe,
    compute_sample_metrics,
    domain_classifier,
    evaluate,
)

TEST_IMAGES = 10000
HALF = 5000
CALLBACK_SAMPLES = 2000


class RealImages:
    """A "model" whose samples are real images: what a perfect model would draw."""

    data_scale = (-1.0, 1.0)

    def __init__(self, images: np.ndarray):
        self.images = images

    def generate(self, num_images: int, batch_size: int = 256) -> np.ndarray:
        return self.images[:num_images]


def perfect_model(extractor) -> dict:
    """`evaluate` on 10,000 training images against the 10,000 test images, timed."""
    train, _ = data.load_numpy("fashion_mnist", split="train", scale=(-1, 1), limit=TEST_IMAGES)
    start = time.perf_counter()
    scores = evaluate(RealImages(train), "fashion_mnist", num_samples=TEST_IMAGES, feature_extractor=extractor)
    return {"scores": scores, "seconds": time.perf_counter() - start}


def real_data(extractor, images: np.ndarray, labels: np.ndarray) -> dict:
    """One half of the test set against the other half, blurred, as noise, and as one class."""
    reference, other = images[:HALF], images[HALF:]
    candidates = {
        "real, other half": other,
        "blurred": scipy.ndimage.gaussian_filter(other, sigma=(0, 1.0, 1.0, 0)),
        "uniform noise": np.random.default_rng(0).uniform(-1, 1, other.shape).astype("float32"),
        "one class only": other[labels[HALF:] == 0],
    }
    reference_features = extractor.features(reference)
    results = {}
    for name, candidate in candidates.items():
        features, probabilities = extractor.features_and_probabilities(candidate)
        results[name] = {"images": len(candidate),
                         **compute_sample_metrics(reference_features, features, probabilities)}
    return results


def callback_cost(extractor, images: np.ndarray) -> dict:
    """Seconds of one `GenerativeMetrics` evaluation of 2,000 samples, generation aside.

    The callback's own `compute` with its default metrics and settings, on a "model" whose
    samples are real test images (so generating them costs nothing): embedding plus scoring.
    """
    callback = GenerativeMetrics("fashion_mnist", num_samples=CALLBACK_SAMPLES, feature_extractor=extractor)
    callback.set_model(RealImages(images[HALF:]))
    callback.on_train_begin()  # embeds the real reference images once, as at the start of `fit`
    start = time.perf_counter()
    callback.compute()
    return {"samples": CALLBACK_SAMPLES, "metrics": list(callback.metrics),
            "kid_num_subsets": callback.kid_num_subsets, "seconds": time.perf_counter() - start}


def classifier_accuracy(extractor, dataset: str) -> dict:
    """Test accuracy, overall and per class, and what the cache file recorded about its training."""
    images, labels = data.load_numpy(dataset, split="test", scale=(-1, 1))
    predicted = extractor.predict_proba(images).argmax(axis=1)
    metadata = extractor.metadata
    return {
        "cache_file": extractor.name,
        "test_images": len(labels),
        "test_accuracy": float(np.mean(predicted == labels)),
        "test_accuracy_per_class": {str(k): float(np.mean(predicted[labels == k] == k))
                                    for k in range(int(labels.max()) + 1)},
        "class_names": metadata.get("class_names"),
        "recorded_at_training": {key: metadata.get(key) for key in
                                 ("test_accuracy", "train_seconds", "epochs", "created", "keras_version")},
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accurate", action="store_true",
                        help="also ClassifierRecipe.accurate() (trains it, about 7 minutes, if not cached)")
    parser.add_argument("--json", default=None, help="write the results here, with provenance")
    args = parser.parse_args(argv)
    run = provenance.start()

    extractor = domain_classifier("fashion_mnist")
    images, labels = data.load_numpy("fashion_mnist", split="test", scale=(-1, 1), limit=TEST_IMAGES)
    results = {
        "feature_network": extractor.name,
        "perfect_model": perfect_model(extractor),
        "real_data": real_data(extractor, images, labels),
        "callback_cost": callback_cost(extractor, images),
        "classifiers": {
            "fashion_mnist feature network": classifier_accuracy(extractor, "fashion_mnist"),
            "digits feature network": classifier_accuracy(domain_classifier("digits"), "digits"),
        },
    }
    if args.accurate:
        judge = domain_classifier("fashion_mnist", recipe=ClassifierRecipe.accurate())
        results["classifiers"]["fashion_mnist accurate"] = classifier_accuracy(judge, "fashion_mnist")

    for name, scores in results["real_data"].items():
        print(f"{name:18s} " + " ".join(f"{k}={v:.4g}" for k, v in scores.items()))
    for name, found in results["classifiers"].items():
        print(f"{name}: test accuracy {found['test_accuracy']:.4f}")
    if args.json:
        provenance.write_json(args.json, results, run)
        print(f"Wrote {args.json}.")
    return results


if __name__ == "__main__":
    main()
