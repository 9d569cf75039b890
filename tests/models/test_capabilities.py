"""The capabilities and batch kinds the later families build on, shown with small test families.

A translating model (pairs of images) and a class-conditional GAN are written here
in a few lines each, on `GenerativeModel` and `GAN` alone: proof that the base
supports them without changes.
"""

import os

import keras
import numpy as np
import pytest
from keras import layers, ops

from keras_gen.callbacks import ImageSnapshot, sample_grid
from keras_gen.models import GAN, GenerativeModel, Translates, capabilities
from keras_gen.training import minimize
from tests.test_case import changed, weights_of


class PairTranslator(Translates, GenerativeModel):
    """A 1x1-convolution translator trained with L1 on (input, target) pairs."""

    batch_kind = "pairs"
    network_names = ("network",)

    def __init__(self, network, **kwargs):
        super().__init__(tuple(network.input_shape)[1:], **kwargs)
        self.network = network
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def _translate_batch(self, images):
        return self.network(images, training=False)

    def train_step(self, data):
        batch = self.unpack_batch(data)

        def loss_fn():
            outputs = self.network(batch["inputs"], training=True)
            return ops.mean(ops.abs(outputs - batch["targets"])), None

        loss, _ = minimize(loss_fn, self.network.trainable_variables, self.optimizer)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    @property
    def metrics(self):
        return [self.loss_tracker]


def _translator():
    inputs = keras.Input((8, 8, 1))
    outputs = layers.Conv2D(1, 1, activation="tanh")(inputs)
    return PairTranslator(keras.Model(inputs, outputs), seed=0)


def test_pairs_train_translate_and_snapshot(tmp_path):
    model = _translator()
    model.compile(optimizer=keras.optimizers.Adam(0.05))
    rng = np.random.default_rng(0)
    inputs = rng.uniform(-1, 1, (64, 8, 8, 1)).astype("float32")
    targets = -inputs * 0.5
    before = weights_of(model)
    snapshot = ImageSnapshot(str(tmp_path), translation_images=(inputs[:4], targets[:4]))
    # By the sixth epoch the loss was at 8-20 % of the first epoch's in each of 5 runs tried.
    history = model.fit(inputs, targets, batch_size=16, epochs=6, verbose=0, callbacks=[snapshot])
    assert changed(before, weights_of(model)) > 0
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    assert capabilities(model) == ["translates"]
    assert model.translate(inputs[:3]).shape == (3, 8, 8, 1)
    assert sorted(os.listdir(tmp_path)) == [f"translations_epoch_{epoch:04d}.png" for epoch in range(1, 7)]


def test_pairs_need_both_parts_and_matching_shapes():
    model = _translator()
    model.compile()
    x = np.zeros((8, 8, 8, 1), "float32")
    with pytest.raises(ValueError, match=r"\(input images, target images\)"):
        model.fit(x, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="size mismatch"):
        model.fit(x, np.zeros((8, 4, 4, 1), "float32"), batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="NaN"):
        model.fit(x, np.full((8, 8, 8, 1), np.nan, "float32"), batch_size=8, verbose=0)


class LabelConditionalGAN(GAN):
    """A class-conditional GAN in a few lines: labels in the batch, fed to both networks."""

    batch_kind = "images_labels"

    def __init__(self, generator, discriminator, num_classes, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.num_classes = int(num_classes)

    def conditions_of(self, batch):
        return ops.cast(batch["labels"], "int32")

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


def _conditional_networks(num_classes=3, latent_dim=4):
    z, label = keras.Input((latent_dim,)), keras.Input((), dtype="int32")
    h = layers.Concatenate()([z, layers.Embedding(num_classes, 4)(label)])
    image = layers.Reshape((4, 4, 1))(layers.Dense(16, activation="tanh")(h))
    generator = keras.Model([z, label], image)
    x, label = keras.Input((4, 4, 1)), keras.Input((), dtype="int32")
    h = layers.Concatenate()([layers.Flatten()(x), layers.Embedding(num_classes, 4)(label)])
    discriminator = keras.Model([x, label], layers.Dense(1)(h))
    return generator, discriminator


def test_conditional_gan_trains_on_labels_and_generates_by_class():
    model = LabelConditionalGAN(*_conditional_networks(), num_classes=3, seed=0)
    model.compile()
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (16, 4, 4, 1)).astype("float32")
    labels = rng.integers(0, 3, 16)
    d0, g0 = weights_of(model.discriminator), weights_of(model.generator)
    model.fit(images, labels, batch_size=8, epochs=1, verbose=0)
    assert changed(d0, weights_of(model.discriminator)) > 0 and changed(g0, weights_of(model.generator)) > 0
    z = rng.standard_normal((3, 4)).astype("float32")
    by_class = model.generate(latent_points=z, labels=[0, 1, 2])
    again = model.generate(latent_points=z, labels=[0, 1, 2])
    np.testing.assert_array_equal(by_class, again)  # latent points and labels fix the output
    assert not np.array_equal(by_class, model.generate(latent_points=z, labels=[2, 2, 2]))
    assert model.generate(5).shape == (5, 4, 4, 1)  # labels default to the classes in turn
    grid = sample_grid(model, n=6)  # one row per class, 2 columns
    assert grid.shape == (3 * 4 + 2 * 2, 2 * 4 + 1 * 2, 1)


def test_conditional_labels_are_checked():
    model = LabelConditionalGAN(*_conditional_networks(), num_classes=3, seed=0)
    model.compile()
    with pytest.raises(ValueError, match=r"lie in \[0, 3\)"):
        model.generate(2, labels=[0, 3])
    with pytest.raises(ValueError, match="one label per image"):
        model.generate(2, labels=[0])
    with pytest.raises(ValueError, match="integers"):
        model.generate(2, labels=[0.5, 1.0])
    with pytest.raises(ValueError, match=r"\(images, labels\)"):
        model.fit(np.zeros((8, 4, 4, 1), "float32"), batch_size=8, verbose=0)
    unconditional = GAN.for_images((8, 8, 1), latent_dim=4, units=4, seed=0)
    with pytest.raises(ValueError, match="not conditional"):
        unconditional.generate(2, labels=[0, 1])


def test_image_counts_use_the_networks_count_check():
    import importlib

    from keras_gen.networks import stages

    # `keras_gen.models.capabilities` is also the name of a function, hence importlib.
    capability_module = importlib.import_module("keras_gen.models.capabilities")
    assert capability_module.check_count is stages.check_count  # one check of counts, in the lower layer
    model = GAN.for_images((8, 8, 1), latent_dim=4, units=4, seed=0)
    assert model.generate(2.0).shape == model.generate(np.int64(2)).shape == (2, 8, 8, 1)
    for bad in (0, 2.5, "2", True, float("nan")):
        with pytest.raises(ValueError, match=r"num_images must be a whole number >= 1"):
            model.generate(bad)


def test_batch_kinds_have_one_home_readable_without_tensorflow():
    import subprocess
    import sys

    from keras_gen import families
    from keras_gen.models import base

    assert base.BATCH_KINDS is families.BATCH_KINDS
    code = "import sys, keras_gen.families as f; print(sorted(f.BATCH_KINDS), 'tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split()[-1] == "False" and "images_labels" in out
