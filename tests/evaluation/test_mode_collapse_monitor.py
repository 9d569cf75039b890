"""`ModeCollapseMonitor` inside `fit`: classes covered and recall logged, a warning when coverage drops."""

import math

import keras
import numpy as np
import pytest

from keras_gen.callbacks import ModeCollapseMonitor, ModeCollapseWarning


class CollapsingModel(keras.Model):
    """Draws real test images of every class, then, from epoch `collapse_at` on, of one class only."""

    def __init__(self, images, labels, collapse_at, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(1)
        self.images, self.labels = images, labels
        self.collapse_at = collapse_at
        self.data_scale = (-1.0, 1.0)
        self.calls = 0

    def call(self, inputs):
        return self.dense(inputs)

    def generate(self, num_images, batch_size=256):
        pool = self.images if self.calls < self.collapse_at else self.images[self.labels == 3]
        self.calls += 1
        rng = np.random.default_rng(self.calls)
        return pool[rng.choice(len(pool), num_images)]


def _fit(model, callback, epochs):
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((8, 1), "float32")
    return model.fit(x, x, epochs=epochs, batch_size=8, callbacks=[callback], verbose=0)


def test_logs_coverage_and_warns_on_collapse(fashion_extractor, fashion_test_images):
    images, labels = fashion_test_images
    monitor = ModeCollapseMonitor(images[:1000], num_samples=300, feature_extractor=fashion_extractor,
                                  dataset="fashion_mnist", min_classes=8)
    with pytest.warns(ModeCollapseWarning, match=r"epoch 3: the samples cover \d of 10 classes"):
        history = _fit(CollapsingModel(images[1000:3000], labels[1000:3000], collapse_at=2), monitor, epochs=3)
    covered = history.history["classes_covered"]
    # One class of real images; the (fast, test-recipe) classifier spreads some of them over a few.
    assert covered[0] >= 8 and covered[1] >= 8 and covered[2] <= covered[0] - 4
    recall = history.history["recall"]
    assert recall[2] < 0.5 * recall[0]  # one class reaches few of the real images
    assert len(monitor.warnings) == 1


def test_stops_training_when_asked_and_skips_epochs(fashion_extractor, fashion_test_images):
    images, labels = fashion_test_images
    monitor = ModeCollapseMonitor(images[:1000], num_samples=300, feature_extractor=fashion_extractor,
                                  dataset="fashion_mnist", min_classes=8, stop_training=True, every=2)
    with pytest.warns(ModeCollapseWarning):
        history = _fit(CollapsingModel(images[1000:3000], labels[1000:3000], collapse_at=1), monitor, epochs=6)
    covered = history.history["classes_covered"]
    # Epoch 1 is evaluated, epoch 2 (every=2) collapses and stops the run.
    assert len(covered) == 2 and covered[1] <= covered[0] - 4
    assert not math.isnan(covered[0])


def test_bad_arguments():
    with pytest.raises(ValueError, match="tolerance"):
        ModeCollapseMonitor("fashion_mnist", tolerance=0)
    with pytest.raises(ValueError, match="min_classes"):
        ModeCollapseMonitor("fashion_mnist", min_classes=0)
