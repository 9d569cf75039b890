"""Helpers the model tests share: weight snapshots, label-plane checks, and the plumbing of a family's test class.

What every family must do (saving, resuming, seeds, bad batches, one step per
player) is checked once for all of them, by the family contract in
`tests/test_families.py`; a family's own test file checks only what is its own.
"""

import keras
import numpy as np


def weights_of(model_or_layer):
    """Copies of the current values of every weight, for later comparison."""
    return [np.array(keras.ops.convert_to_numpy(w)) for w in model_or_layer.weights]


def variables_of(model_or_layer):
    """Copies of the current values of every variable: the weights and the seed generators' states."""
    return [np.array(keras.ops.convert_to_numpy(v)) for v in model_or_layer.variables]


def changed(before, after):
    """How many weight tensors differ between two `weights_of` snapshots."""
    return sum(not np.array_equal(a, b) for a, b in zip(before, after))


def label_plane_layers(network):
    """`{name: Embedding}` of the label feature maps `keras_gen.networks.join_label_planes` added to a network."""
    return {layer.name: layer for layer in network.layers if layer.name.startswith("label_planes_")}


def assert_planes_shape_only_their_class(planes, render, changed_class):
    """Shifting one class's maps in `planes` changes that class's image and leaves the other's.

    `render()` returns two images: the first of another class, the second of
    `changed_class`.
    """
    before = keras.ops.convert_to_numpy(render())
    values = planes.embeddings.numpy()
    values[changed_class] += 1.0
    planes.embeddings.assign(values)
    after = keras.ops.convert_to_numpy(render())
    np.testing.assert_allclose(after[0], before[0], atol=1e-6)
    assert np.abs(after[1] - before[1]).max() > 1e-3


def assert_planes_learn(planes, train):
    """Every label-plane table in `planes` (a `label_plane_layers` dict) changes when `train()` runs."""
    before = [layer.embeddings.numpy().copy() for layer in planes.values()]
    train()
    assert all(not np.allclose(w, layer.embeddings.numpy()) for w, layer in zip(before, planes.values()))


class GenerativeModelTestCase:
    """How a family's own test class builds, compiles and feeds its small model.

    Subclasses implement `make_model`, `compile_model` and `training_data` (and
    `extra_fit_arguments` for labels or targets) and use them in the checks of
    what is the family's own. The checks every family must pass (saving,
    resuming, seeds, bad batches, one step per player) are the family contract
    of `tests/test_families.py`, which runs them on every registry entry.
    """

    def make_model(self, seed=0):
        raise NotImplementedError

    def compile_model(self, model):
        raise NotImplementedError

    def training_data(self):
        raise NotImplementedError

    def extra_fit_arguments(self, count):
        """What `fit` takes beside `count` images: `()`, or `(labels,)` for a conditional family."""
        return ()

    def fit_arguments(self):
        data = self.training_data()
        return (data, *self.extra_fit_arguments(len(data)))
