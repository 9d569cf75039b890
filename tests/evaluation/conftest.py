"""Shared fixtures of the evaluation tests: one fast feature network per test session.

The published feature networks train for a minute; tests use `TEST_RECIPE` (a
subset of Fashion-MNIST, two epochs, a few seconds) cached in a temporary
directory that lives for the whole session.
"""

import numpy as np
import pytest

from keras_gen import data
from keras_gen.evaluation import ClassifierRecipe, domain_classifier

TEST_RECIPE = ClassifierRecipe(epochs=2, train_limit=10000)


@pytest.fixture(scope="session")
def feature_cache_dir(tmp_path_factory):
    """A session-wide cache directory, so each recipe trains once per test run."""
    return str(tmp_path_factory.mktemp("feature_networks"))


@pytest.fixture(scope="session")
def fashion_extractor(feature_cache_dir):
    """The Fashion-MNIST domain classifier trained with the fast test recipe."""
    return domain_classifier(
        "fashion_mnist", cache_dir=feature_cache_dir, recipe=TEST_RECIPE, verbose=0
    )


@pytest.fixture(scope="session")
def fashion_test_images():
    """The first 6,000 Fashion-MNIST test images in [-1, 1] and their labels."""
    return data.load_numpy("fashion_mnist", split="test", scale=(-1, 1), limit=6000)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
