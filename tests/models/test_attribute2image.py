"""Attribute2Image: the conditional VAE on attributes and its layered decoder (Yan et al., 2016)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gen
from keras_gen.data import Condition
from keras_gen.models import Attribute2Image
from keras_gen.models.capabilities import fixed_latent_points
from tests.test_case import changed, weights_of

ATTRIBUTES = Condition.attributes(["darkness", "height", "width"])
BITS = Condition.multi_hot(["square", "bar", "dot"])


def _data(count=64, seed=0):
    """Bright rectangles on a random grey background: the attributes are the rectangle's size and darkness."""
    rng = np.random.default_rng(seed)
    attributes = rng.uniform(0, 1, (count, 3)).astype("float32")
    images = np.repeat(rng.uniform(0.0, 0.3, (count, 1, 1, 1)), 8, axis=1).repeat(8, axis=2).astype("float32")
    for image, (darkness, height, width) in zip(images, attributes):
        image[: 2 + int(height * 6), : 2 + int(width * 6)] = 1.0 - 0.5 * darkness
    return images, attributes


def _model(condition=ATTRIBUTES, seed=0, **kwargs):
    options = {"latent_dim": 4, "background_latent_dim": 2, "width": 4, "hidden_units": 16, "seed": seed, **kwargs}
    return Attribute2Image.for_images((8, 8, 1), condition, **options)


@pytest.mark.graph  # many steps or a compiled loop: tracing pays off
def test_both_networks_learn_and_the_loss_falls():
    model = _model()
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    images, attributes = _data()
    encoder, decoder = weights_of(model.encoder), weights_of(model.decoder)
    history = model.fit(images, attributes, batch_size=16, epochs=4, verbose=0)
    assert changed(encoder, weights_of(model.encoder)) == len(encoder)
    assert changed(decoder, weights_of(model.decoder)) == len(decoder)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.condition == ATTRIBUTES and model.batch_kind == "images_conditions"


def test_the_layers_compose_the_image_and_the_background_ignores_the_attributes():
    model = _model()
    rng = np.random.default_rng(1)
    points = rng.standard_normal((3, 4)).astype("float32")
    attributes = rng.uniform(0, 1, (3, 3)).astype("float32")
    layers = model.generate_layers(latent_points=points, conditions=attributes)
    assert sorted(layers) == ["background", "foreground", "image", "mask"]
    composed = layers["mask"] * layers["foreground"] + (1 - layers["mask"]) * layers["background"]
    np.testing.assert_allclose(layers["image"], composed, atol=1e-5)
    np.testing.assert_allclose(layers["image"], model.generate(latent_points=points, conditions=attributes))
    other = model.generate_layers(latent_points=points, conditions=1 - attributes)
    np.testing.assert_array_equal(other["background"], layers["background"])
    assert np.abs(other["foreground"] - layers["foreground"]).max() > 1e-4
    moved = points.copy()
    moved[:, 2:] += 1.0  # the background's latent units
    assert np.abs(model.generate_layers(latent_points=moved, conditions=attributes)["background"]
                  - layers["background"]).max() > 1e-4
    foreground_moved = points.copy()
    foreground_moved[:, :2] += 1.0
    np.testing.assert_array_equal(
        model.generate_layers(latent_points=foreground_moved, conditions=attributes)["background"],
        layers["background"])


def test_the_conditions_reach_both_networks_and_every_method_takes_them():
    model = _model(layered=False)
    images, attributes = _data(4)
    flipped = 1 - attributes
    assert not np.allclose(model.encode(images, attributes)[0], model.encode(images, flipped)[0])
    points = np.zeros((4, 4), "float32")
    assert not np.allclose(model.decode(points, attributes), model.decode(points, flipped))
    np.testing.assert_allclose(model.generate(latent_points=points, conditions=attributes),
                               model.decode(points, attributes), atol=1e-6)
    np.testing.assert_allclose(model.generate(latent_points=points, labels=attributes),
                               model.decode(points, conditions=attributes), atol=1e-6)
    assert model.reconstruct(images, attributes).shape == images.shape
    assert model.log_prob(images, attributes, num_samples=4).shape == (4,)
    assert model.generate(5, conditions=np.repeat(attributes[:1], 5, axis=0)).shape == (5, 8, 8, 1)
    with pytest.raises(ValueError, match="layered decoder"):
        model.generate_layers(latent_points=points, conditions=attributes)


def test_multi_hot_conditions_and_the_grid_show_one_attribute_per_row():
    model = _model(BITS)
    model.compile()
    images, _ = _data(32)
    bits = (np.random.default_rng(2).uniform(size=(32, 3)) > 0.5).astype("float32")
    before = weights_of(model)
    model.fit(images, bits, batch_size=16, verbose=0)
    assert changed(before, weights_of(model)) > 0
    grid, columns = model.grid_samples(n=6, seed=0)
    assert columns == 2 and grid.shape == (6, 8, 8, 1)
    # Each row is one attribute; each column one latent point, shared by the rows.
    first_row = model.generate(latent_points=fixed_latent_points(2, 4, 0),
                               conditions=np.array([[1, 0, 0], [1, 0, 0]], "float32"))
    np.testing.assert_allclose(grid[:2], first_row, atol=1e-6)
    with pytest.raises(ValueError, match="only 0 and 1"):
        model.fit(images, bits * 0.5, batch_size=16, verbose=0)


def test_save_and_load_give_the_same_images(tmp_path):
    model = _model()
    model.compile()
    images, attributes = _data(16)
    model.fit(images, attributes, batch_size=8, verbose=0)
    model.save(tmp_path / "a2i.keras")
    restored = keras.saving.load_model(tmp_path / "a2i.keras")
    assert restored.condition == ATTRIBUTES and restored.background_latent_dim == 2
    points = np.random.default_rng(3).standard_normal((4, 4)).astype("float32")
    np.testing.assert_allclose(restored.generate(latent_points=points, conditions=attributes[:4]),
                               model.generate(latent_points=points, conditions=attributes[:4]), atol=1e-6)
    # Training resumes from the saved optimizer state.
    restored.fit(images, attributes, batch_size=8, verbose=0)
    assert int(restored.optimizer.iterations) == 2 * int(model.optimizer.iterations)


def test_fashion_captions_attributes_train_it():
    condition = keras_gen.data.info("fashion_captions").conditions["attributes"]
    model = Attribute2Image.for_images((28, 28, 1), condition, latent_dim=6, background_latent_dim=2, width=4,
                                       hidden_units=16, seed=0)
    model.compile()
    ds = keras_gen.data.load_batches("fashion_captions", model.batch_kind, "heldout", batch_size=16, limit=32,
                                     scale=model.data_scale, conditions="attributes")
    before = weights_of(model)
    model.fit(ds, verbose=0)
    assert changed(before, weights_of(model)) > 0


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: _model(Condition.tokens(["a"], 4)), r"Condition.attributes\(...\) or Condition.multi_hot"),
        (lambda: _model(background_latent_dim=4), "must be smaller than latent_dim"),
        (lambda: _model(reconstruction="gaussian"), "needs reconstruction='bernoulli'"),
        (lambda: Attribute2Image(_model().encoder, _model().decoder, BITS.__class__.attributes(["a", "b"]),
                                 background_latent_dim=2), "condition_dim=2"),
        (lambda: _model(prior="vamp"), "has its own prior"),
        (lambda: _model(mask_weight=-1.0), "mask_weight must be a finite number >= 0"),
        (lambda: _model(mask_weight=float("nan")), "mask_weight must be a finite number >= 0"),
        (lambda: _model(mask_weight=1.0, layered=False), "build with layered=True"),
    ],
)
def test_bad_builds_get_a_clear_error(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_bad_conditions_get_a_clear_error_before_any_update():
    model = _model()
    model.compile()
    images, attributes = _data(16)
    before = weights_of(model)
    with pytest.raises(ValueError, match="is conditioned on a 3-attribute condition"):
        model.generate(2)
    with pytest.raises(ValueError, match=r"shape \(2, 2\); expected an array of shape \(2, 3\)"):
        model.generate(2, conditions=np.zeros((2, 2), "float32"))
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        model.fit(images, attributes + 1, batch_size=8, verbose=0)
    stream = tf.data.Dataset.from_tensor_slices((images, np.where(attributes > 0.9, 2.0, attributes))).batch(16)
    with pytest.raises(ValueError, match="must lie between 0 and 1"):
        model.fit(stream, verbose=0)
    assert changed(before, weights_of(model)) == 0


def test_evaluate_scores_it_with_the_real_images_conditions():
    condition = keras_gen.data.info("fashion_captions").conditions["attributes"]
    model = Attribute2Image.for_images((28, 28, 1), condition, latent_dim=4, width=4, hidden_units=16, seed=0)
    images, attributes = keras_gen.data.load_numpy("fashion_captions", "heldout", scale=(0, 1),
                                                   conditions="attributes", limit=32)
    results = keras_gen.evaluation.evaluate(model, "fashion_captions", "heldout", num_samples=32,
                                            metrics=["elbo", "iwae", "reconstruction"], num_importance_samples=16)
    expected_mse = np.mean((model.reconstruct(images, attributes) - images) ** 2)
    np.testing.assert_allclose(results["reconstruction_mse"], expected_mse, rtol=1e-5)
    elbo = float(np.mean(keras.ops.convert_to_numpy(model.elbo(images, attributes))))
    assert abs(results["elbo"] - elbo) < 0.02 * abs(elbo)  # two Monte Carlo estimates of the same bound
    assert results["iwae_nll"] <= -results["elbo"] + 1e-3
    with pytest.raises(ValueError, match="does not have"):
        keras_gen.evaluation.evaluate(model, "fashion_mnist", num_samples=8, metrics=["elbo"])
    with pytest.raises(ValueError, match="named data set"):
        keras_gen.evaluation.evaluate(model, images, num_samples=8, metrics=["elbo"])


def _rectangle_masks(attributes):
    """The true garment mask of `_data`'s images: 1 on the rectangle, 0 on the background."""
    masks = np.zeros((len(attributes), 8, 8), "int32")
    for mask, (_, height, width) in zip(masks, attributes):
        mask[: 2 + int(height * 6), : 2 + int(width * 6)] = 1
    return masks


@pytest.mark.graph  # many steps or a compiled loop: tracing pays off
def test_mask_weight_adds_the_gates_cross_entropy_and_pulls_the_gate_to_the_true_mask(monkeypatch):
    from keras_gen.models.autoencoders import attribute2image

    keras.utils.set_random_seed(0)  # the untrained weights, whatever ran before
    images, attributes = _data(32)
    masks = _rectangle_masks(attributes)
    model = _model(mask_weight=3.0)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))

    def gate_error(trained):  # of the reconstructions (the posterior means), what the mask term trains
        means = np.asarray(trained.encode(images, attributes)[0])
        gates = trained.generate_layers(latent_points=means, conditions=attributes)["mask"][..., 0]
        return gates, float(np.mean(np.abs(gates - masks)))

    # The mask term against an independent formula: with the posterior draw pinned to its mean, it is the
    # binary cross-entropy of generate_layers' mask at the means, summed over the 64 pixels.
    with monkeypatch.context() as patch:
        patch.setattr(attribute2image, "reparameterize", lambda mean, log_var, seed: mean)
        logs = model.evaluate(images, {"attributes": attributes, "mask": masks}, batch_size=32, verbose=0,
                              return_dict=True)
    gates = np.clip(gate_error(model)[0].astype("float64"), 1e-7, 1 - 1e-7)
    expected = -np.mean(np.sum(masks * np.log(gates) + (1 - masks) * np.log(1 - gates), axis=(1, 2)))
    np.testing.assert_allclose(logs["mask_loss"], expected, rtol=1e-4)
    np.testing.assert_allclose(logs["loss"], logs["reconstruction_loss"] + logs["kl_loss"] + 3.0 * logs["mask_loss"],
                               rtol=1e-5)

    plain = _model()
    plain.compile(optimizer=keras.optimizers.Adam(1e-2))
    plain.fit(images, attributes, batch_size=16, epochs=15, verbose=0)
    history = model.fit(images, {"attributes": attributes, "mask": masks}, batch_size=16, epochs=15, verbose=0)
    assert history.history["mask_loss"][-1] < 0.9 * history.history["mask_loss"][0]
    # Trained on the masks, the gate comes closer to them than when trained on the images alone (mean absolute
    # errors 0.23-0.33 against 0.42-0.56 in the runs when written).
    assert gate_error(model)[1] < gate_error(plain)[1]
    # Batches without a mask still train it on the ELBO alone; the weight is saved with the model.
    model.fit(images, attributes, batch_size=16, epochs=1, verbose=0)
    assert Attribute2Image.from_config(model.get_config()).mask_weight == 3.0


def test_bad_masks_get_a_clear_error_before_any_update():
    images, attributes = _data(16)
    masks = _rectangle_masks(attributes)
    model = _model(mask_weight=1.0)
    model.compile()
    before = weights_of(model)
    bad = [({"attributes": attributes, "mask": masks * 2}, "must hold 0 .background. and 1 .garment. only"),
           ({"attributes": attributes, "mask": masks[:, :4]}, r"takes the true mask as \(batch, 8, 8\)"),
           ({"attributes": attributes, "mask": masks[:8]}, "16 images and 8 masks"),
           ({"attributes": attributes, "sizes": attributes, "mask": masks}, "a dict of the attributes and 'mask'")]
    for conditions, message in bad:
        with pytest.raises(ValueError, match=message):
            model.fit(images, conditions, batch_size=8, verbose=0)
    stream = tf.data.Dataset.from_tensor_slices((images, {"attributes": attributes, "mask": masks * 2})).batch(8)
    with pytest.raises(ValueError, match="'mask' must lie between 0 and 1"):
        model.fit(stream, verbose=0)
    plain = _model()
    plain.compile()
    with pytest.raises(ValueError, match="mask_weight is 0, so nothing would use it"):
        plain.fit(images, {"attributes": attributes, "mask": masks}, batch_size=8, verbose=0)
    assert changed(before, weights_of(model)) == 0


def test_keras_gen_train_recipes_load_the_true_mask_beside_the_attributes_when_mask_weight_is_set(monkeypatch):
    monkeypatch.setattr(keras_gen.data.registry, "_REGISTRY", dict(keras_gen.data.registry._REGISTRY))
    images, attributes = _data(32)
    masks = _rectangle_masks(attributes)

    def tiny_scenes(split, data_dir=None):
        return (np.round(images[..., 0] * 255).astype("uint8"), np.zeros(32, "int32"),
                {"attributes": attributes, "mask": masks})

    keras_gen.data.register("tiny_scenes", tiny_scenes, (8, 8, 1), 1, overwrite=True,
                            conditions={"attributes": ATTRIBUTES, "mask": Condition.layout((8, 8), 2)})
    sizes = {"latent_dim": 4, "width": 4, "hidden_units": 16}
    masked = keras_gen.recipes.build_model("attribute2image", (8, 8, 1), seed=0, data="tiny_scenes",
                                           mask_weight=1.0, **sizes)
    assert masked.auxiliary_conditions == ("mask",)
    _, batch = next(iter(keras_gen.recipes.load_training_data(masked, "tiny_scenes", batch_size=8)))
    assert sorted(batch) == ["attributes", "mask"] and tuple(batch["mask"].shape) == (8, 8, 8)
    history = masked.fit(keras_gen.recipes.load_training_data(masked, "tiny_scenes", batch_size=8), verbose=0)
    assert history.history["mask_loss"][0] > 0
    plain = keras_gen.recipes.build_model("attribute2image", (8, 8, 1), seed=0, data="tiny_scenes", **sizes)
    assert plain.auxiliary_conditions == ()
    _, batch = next(iter(keras_gen.recipes.load_training_data(plain, "tiny_scenes", batch_size=8)))
    assert tuple(batch.shape) == (8, 3)  # the attributes alone


@pytest.mark.parametrize("family", ["attribute2image", "gan_cls", "cgan"])
def test_attributes_with_a_brightness_grid_a_row_per_class_with_brightness_swept(family):
    from keras_gen.models import GANCLS, ConditionalGAN
    from keras_gen.models.conditional.gan_cls import attribute_sweep

    fashion_like = Condition.attributes(["shirt", "shoe", "brightness", "size"])
    sweep = attribute_sweep(fashion_like, 3)
    # A row per class (not per measured attribute), brightness from low to high, size mid-range.
    np.testing.assert_array_equal(sweep[:, :, :2], np.array([[[1, 0]] * 3, [[0, 1]] * 3], "float32"))
    np.testing.assert_array_equal(sweep[0, :, 2], [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(sweep[..., 3], np.full((2, 3), 0.5, "float32"))
    assert attribute_sweep(ATTRIBUTES, 3) is None and attribute_sweep(BITS, 3) is None
    options = {"latent_dim": 4, "width": 4, "seed": 0}
    model = {"attribute2image": lambda: _model(fashion_like),
             "gan_cls": lambda: GANCLS.for_images((8, 8, 1), fashion_like, embedding_dim=4, **options),
             "cgan": lambda: ConditionalGAN.for_images((8, 8, 1), condition=fashion_like, **options)}[family]()
    assert model.grid_samples(n=40, seed=1)[1] == 4  # about n images: n / 10 classes' worth of steps
    grid, columns = model.grid_samples(seed=1, columns=3)
    assert columns == 3 and grid.shape == (6, 8, 8, 1)
    # One latent point per row: the row's images are that point at each brightness.
    points = np.repeat(fixed_latent_points(2, 4, 1), 3, axis=0)
    np.testing.assert_allclose(grid, model.generate(latent_points=points, conditions=sweep.reshape(6, 4)), atol=1e-6)
