"""Shared fixtures of the evaluation tests: one fast feature network per test run.

The published feature networks train for a minute; tests use `TEST_RECIPE` (a
subset of Fashion-MNIST, two epochs, a few seconds), trained once per test run
and shared by its workers (`shared_domain_classifier` in tests/conftest.py).
"""

import numpy as np
import pytest

from keras_gen import data
from keras_gen.evaluation import ClassifierRecipe

TEST_RECIPE = ClassifierRecipe(epochs=2, train_limit=10000)


@pytest.fixture(scope="session")
def feature_cache_dir(run_cache_dir):
    """The cache directory of `fashion_extractor`, shared by every worker of the test run."""
    return str(run_cache_dir / TEST_RECIPE.cache_stem("fashion_mnist"))


@pytest.fixture(scope="session")
def fashion_extractor(shared_domain_classifier):
    """The Fashion-MNIST domain classifier of the fast test recipe, trained once per test run."""
    return shared_domain_classifier("fashion_mnist", TEST_RECIPE)


@pytest.fixture(scope="session")
def fashion_test_images():
    """The first 6,000 Fashion-MNIST test images in [-1, 1] and their labels."""
    return data.load_numpy("fashion_mnist", split="test", scale=(-1, 1), limit=6000)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
