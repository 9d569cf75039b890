"""Conditions beyond class labels in the base: `model.condition`, `images_conditions` batches, checks.

A small test family conditioned on attributes and a layout (a dict of two parts) is
written here on `GenerativeModel` and `SamplesFromPrior` alone: what the caption,
attribute and layout families build on.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers, ops

import keras_gen
from keras_gen.data import Condition
from keras_gen.models import GenerativeModel, SamplesFromPrior
from keras_gen.training import minimize
from tests.test_case import changed, weights_of

CONDITION = {"attributes": Condition.attributes(["brightness", "size"]), "layout": Condition.layout((2, 2), 3)}


@keras.saving.register_keras_serializable(package="keras_gen_tests")
class ConditionedDecoder(SamplesFromPrior, GenerativeModel):
    """Decodes (z, attributes, layout) to 4x4 images, trained by squared error on (images, conditions)."""

    batch_kind = "images_conditions"
    network_names = ("network",)

    def __init__(self, network, condition, latent_dim=2, **kwargs):
        super().__init__((4, 4, 1), **kwargs)
        self.network, self._condition, self.latent_dim = network, condition, latent_dim
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.built = True  # the networks are built: JAX's trainer needs no call() to build the model

    @classmethod
    def build_network(cls, latent_dim=2):
        z, attributes, layout = keras.Input((latent_dim,)), keras.Input((2,)), keras.Input((2, 2), dtype="int32")
        regions = layers.Flatten()(ops.one_hot(layout, 3))
        hidden = layers.Dense(16, activation="relu")(layers.Concatenate()([z, attributes, regions]))
        images = layers.Reshape((4, 4, 1))(layers.Dense(16, activation="tanh")(hidden))
        return keras.Model([z, attributes, layout], images)

    def _generate_batch(self, latent_points, conditions):
        return self.network([latent_points, conditions["attributes"], conditions["layout"]], training=False)

    def train_step(self, data):
        batch = self.unpack_batch(data)
        conditions = batch["conditions"]
        zeros = ops.zeros((ops.shape(batch["images"])[0], self.latent_dim))

        def loss_fn():
            images = self.network([zeros, conditions["attributes"], conditions["layout"]], training=True)
            return ops.mean(ops.square(images - batch["images"])), None

        loss, _ = minimize(loss_fn, self.network.trainable_variables, self.optimizer)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    @property
    def metrics(self):
        return [self.loss_tracker]

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim,
                "condition": {part: keras.saving.serialize_keras_object(c) for part, c in self._condition.items()}}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["condition"] = {part: keras.saving.deserialize_keras_object(c)
                               for part, c in config["condition"].items()}
        return super().from_config(config)


def _model():
    keras.utils.set_random_seed(0)
    model = ConditionedDecoder(ConditionedDecoder.build_network(), CONDITION, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(0.03))
    return model


def _data(count=32):
    rng = np.random.default_rng(0)
    attributes = rng.uniform(0, 1, (count, 2)).astype("float32")
    layout = rng.integers(0, 3, (count, 2, 2)).astype("int32")
    # The image is a function of the conditions: its brightness and its top-left region.
    images = np.tanh(attributes[:, :1, None, None] + layout[:, :1, :1, None] - 1.0) * np.ones((1, 4, 4, 1))
    return images.astype("float32"), {"attributes": attributes, "layout": layout}


def test_a_family_trains_on_condition_dicts_and_generates_from_them(tmp_path):
    model = _model()
    images, conditions = _data()
    before = weights_of(model)
    history = model.fit(images, conditions, batch_size=8, epochs=15, verbose=0)
    assert changed(before, weights_of(model)) > 0
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    points = np.zeros((4, 2), "float32")
    first = {part: values[:4] for part, values in conditions.items()}
    generated = model.generate(latent_points=points, conditions=first)
    np.testing.assert_allclose(generated, model.generate(latent_points=points, conditions=first))
    # It learned the conditions: the error fell to a small share of the images' spread.
    assert np.mean(np.abs(generated - images[:4])) < 0.25 * np.mean(np.abs(images - images.mean()))
    assert model.generate(3, conditions={part: values[:3] for part, values in conditions.items()}).shape == (3, 4, 4, 1)
    path = tmp_path / "conditioned.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert restored.condition == CONDITION
    np.testing.assert_allclose(restored.generate(latent_points=points, conditions=first), generated, atol=1e-6)


def test_generate_requires_and_checks_the_conditions():
    model = _model()
    _, conditions = _data(4)
    with pytest.raises(ValueError, match="is conditioned on 'attributes': a 2-attribute condition"):
        model.generate(4)
    with pytest.raises(ValueError, match=r"parts \['attributes', 'layout'\]: pass conditions= a dict"):
        model.generate(4, conditions=conditions["attributes"])
    with pytest.raises(ValueError, match=r"conditions\['layout'\]: .*ids must lie in \[0, 3\)"):
        model.generate(4, conditions={**conditions, "layout": conditions["layout"] + 3})
    with pytest.raises(ValueError, match=r"conditions\['attributes'\]: Pass one condition per example"):
        model.generate(3, conditions=conditions)
    with pytest.raises(ValueError, match="pass one of them"):
        model.generate(4, labels=conditions["layout"], conditions=conditions)


def test_bad_conditions_stop_fit_before_any_update():
    model = _model()
    images, conditions = _data(16)
    before = weights_of(model)
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        model.fit(images, {**conditions, "attributes": conditions["attributes"] + 1.5}, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match=r"\(images, conditions\), but got images alone"):
        model.fit(images, batch_size=8, verbose=0)
    # In a tf.data pipeline the values are checked in the step, before the update.
    bad = {**conditions, "layout": np.where(np.arange(16)[:, None, None] == 3, 5, conditions["layout"]).astype("int32")}
    stream = tf.data.Dataset.from_tensor_slices((images, bad)).batch(8)
    with pytest.raises(ValueError, match=r"conditions 'layout' must lie between 0 and 2; .* \(training data, epoch 1, "
                                          r"batch 1\)"):
        model.fit(stream, epochs=1, verbose=0)
    floats = {**conditions, "layout": conditions["layout"].astype("float32")}
    with pytest.raises(ValueError, match="integer conditions 'layout', got dtype float32"):
        model.fit(tf.data.Dataset.from_tensor_slices((images, floats)).batch(8), epochs=1, verbose=0)
    assert changed(before, weights_of(model)) == 0


def test_class_conditional_families_report_classes_and_take_conditions_as_labels():
    cgan = keras_gen.models.ConditionalGAN.for_images((8, 8, 1), num_classes=4, latent_dim=4, width=8, seed=0)
    assert cgan.condition == Condition.classes(4)
    assert keras_gen.models.DCGAN.for_images((8, 8, 1), latent_dim=4, width=8, seed=0).condition is None
    points = np.random.default_rng(0).standard_normal((4, 4)).astype("float32")
    labels = np.array([0, 1, 2, 3])
    np.testing.assert_array_equal(cgan.generate(latent_points=points, conditions=labels),
                                  cgan.generate(latent_points=points, labels=labels))
    with pytest.raises(ValueError, match=r"Labels must lie in \[0, 4\)"):
        cgan.generate(latent_points=points, conditions=labels + 1)


def test_load_batches_makes_condition_batches():
    ds = keras_gen.data.load_batches("fashion_captions", "images_conditions", "heldout", batch_size=4, limit=8,
                                     conditions=["attributes", "layout"])
    images, values = next(iter(ds))
    assert images.shape == (4, 28, 28, 1) and sorted(values) == ["attributes", "layout"]
    images, captions = keras_gen.data.load_batches("fashion_captions", "images_conditions", "heldout", limit=5,
                                                   conditions="captions", as_numpy=True)
    assert images.shape == (5, 28, 28, 1) and captions.shape == (5, 12)
    with pytest.raises(ValueError, match="need conditions="):
        keras_gen.data.load_batches("fashion_captions", "images_conditions")
    with pytest.raises(ValueError, match="take none"):
        keras_gen.data.load_batches("fashion_captions", "images", conditions="captions")
    with pytest.raises(ValueError, match="one condition per image"):
        keras_gen.data.batch_arrays("images_conditions", np.zeros((3, 4, 4, 1)), conditions=np.zeros((2, 2)))


def test_every_family_takes_conditions_where_it_takes_labels():
    import inspect

    for family in keras_gen.families.families():
        model_class = family.model_class()
        assert isinstance(inspect.getattr_static(model_class, "condition"), property), family.name
        generate = getattr(model_class, "generate", None)
        if generate is not None:
            parameters = inspect.signature(generate).parameters
            assert "labels" in parameters and "conditions" in parameters, family.name
