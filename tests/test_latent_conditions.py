"""keras_gen.latent on conditions beyond classes: embeddings, the joint (z, c) search, condition edits and walks."""

import keras
import numpy as np
import pytest

from keras_gen import latent
from keras_gen.data import Condition
from keras_gen.latent.conditions import start_parameters, valid_conditions
from keras_gen.layers import LayoutMaps
from keras_gen.models import DCGAN, GANCLS, Attribute2Image, ConditionalGAN
from keras_gen.models.capabilities import fixed_latent_points

CAPTIONS = Condition.tokens(["a", "dark", "light", "small", "large", "sandal", "boot"], max_length=4)
TEXTS = ["a dark sandal", "large boot", "small light boot"]
ATTRIBUTES = Condition.attributes(["ankle_boot", "brightness", "size"])
BITS = Condition.multi_hot(["boot", "dark", "large"])
VALUES = np.array([[1.0, 0.2, 0.7], [0.0, 0.9, 0.1], [1.0, 0.5, 0.5]], "float32")


def _gan(condition):
    return GANCLS.for_images((8, 8, 1), condition, latent_dim=4, width=4, embedding_dim=4, seed=0)


MODELS = {
    "gan_cls_captions": _gan(CAPTIONS),
    "gan_cls_attributes": _gan(ATTRIBUTES),
    "gan_cls_bits": _gan(BITS),
    "attribute2image": Attribute2Image.for_images((8, 8, 1), ATTRIBUTES, latent_dim=4, width=4, hidden_units=8,
                                                  seed=0),
}
CONDITIONS = {"gan_cls_captions": TEXTS, "gan_cls_attributes": VALUES, "gan_cls_bits": (VALUES > 0.4) * 1.0,
              "attribute2image": VALUES}
# Points unlike the random starts of invert (seed 0), so the search has something to do.
POINTS = np.random.default_rng(7).standard_normal((3, 4)).astype("float32")


@pytest.mark.parametrize("name", sorted(MODELS))
def test_generating_from_embeddings_equals_generating_from_conditions(name):
    model, conditions = MODELS[name], CONDITIONS[name]
    embeddings = model.embed_conditions(conditions)
    assert embeddings.shape == (3, *model.embedding_shape) and embeddings.dtype == np.float32
    from_embeddings = model.generate(latent_points=POINTS, embeddings=embeddings)
    np.testing.assert_allclose(from_embeddings, model.generate(latent_points=POINTS, conditions=conditions), atol=1e-6)
    np.testing.assert_array_equal(from_embeddings, model.generate(latent_points=POINTS, embeddings=embeddings))


def test_captions_embed_the_same_as_strings_or_ids_and_attribute2image_embeds_the_vector_itself():
    model = MODELS["gan_cls_captions"]
    np.testing.assert_array_equal(model.embed_conditions(TEXTS), model.embed_conditions(CAPTIONS.tokenize(TEXTS)))
    np.testing.assert_array_equal(MODELS["attribute2image"].embed_conditions(VALUES), VALUES)


def test_embeddings_errors_name_the_fix():
    cgan = ConditionalGAN.for_images((8, 8, 1), num_classes=3, latent_dim=4, width=4, seed=0)
    with pytest.raises(ValueError, match="no condition embeddings"):
        cgan.embed_conditions([0, 1])
    with pytest.raises(ValueError, match="not conditional"):
        DCGAN.for_images((8, 8, 1), latent_dim=4, width=4, seed=0).embed_conditions([0])
    model = MODELS["gan_cls_attributes"]
    with pytest.raises(ValueError, match="no conditions="):
        model.generate(latent_points=POINTS, embeddings=np.zeros((3, 3)), conditions=VALUES)
    with pytest.raises(ValueError, match=r"shape \(3, 3\)"):  # attributes: phi is the vector itself
        model.generate(latent_points=POINTS, embeddings=np.zeros((3, 5)))
    with pytest.raises(ValueError, match="Attributes must lie"):
        model.embed_conditions(VALUES + 1.0)


@pytest.mark.parametrize("name", ["gan_cls_captions", "attribute2image"])
def test_condition_walk_ends_at_the_generated_endpoints(name):
    model, conditions = MODELS[name], CONDITIONS[name]
    walk = latent.interpolate_conditions(model, conditions[0], conditions[1], steps=5, seed=3)
    assert walk.shape == (5, 8, 8, 1)
    z = fixed_latent_points(1, 4, 3).repeat(2, axis=0)
    ends = model.generate(latent_points=z, conditions=conditions[:2])  # a batch of 2 against one of 5: not bit-exact
    np.testing.assert_allclose(walk[[0, -1]], ends, atol=1e-5)
    # The two conditions embed apart, so the midpoint (checked below) is not an endpoint. (How far the images move
    # depends on the untrained weights, which follow the global seed: not asserted.)
    assert np.abs(np.diff(model.embed_conditions(conditions[:2]), axis=0)).max() > 1e-3
    # The midpoint is the generator at the mean embedding.
    middle = model.embed_conditions(conditions[:2]).mean(axis=0, keepdims=True)
    np.testing.assert_allclose(walk[2], model.generate(latent_points=z[:1], embeddings=middle)[0], atol=1e-5)
    given = latent.interpolate_conditions(model, conditions[0], conditions[1], steps=2, latent_point=POINTS[0])
    np.testing.assert_allclose(given[0], model.generate(latent_points=POINTS[:1], conditions=conditions[:1])[0],
                               atol=1e-5)


def test_condition_walk_errors():
    with pytest.raises(ValueError, match="steps must be an integer >= 2"):
        latent.interpolate_conditions(MODELS["attribute2image"], VALUES[0], VALUES[1], steps=1)
    cgan = ConditionalGAN.for_images((8, 8, 1), num_classes=3, latent_dim=4, width=4, seed=0)
    with pytest.raises(ValueError, match="no condition embeddings"):
        latent.interpolate_conditions(cgan, 0, 1)


@pytest.mark.parametrize("name", ["gan_cls_captions", "gan_cls_attributes"])
def test_inversion_with_fixed_conditions_moves_z_alone_and_lowers_the_error(name):
    model, conditions = MODELS[name], CONDITIONS[name]
    images = model.generate(latent_points=POINTS, conditions=conditions)
    found = latent.invert(model, images, conditions=conditions, steps=15, learning_rate=0.1, start_candidates=4)
    assert found.history["pixel_error"][-1] < found.history["pixel_error"][0]
    np.testing.assert_array_equal(found.conditions, model.check_conditions(conditions, 3))
    np.testing.assert_allclose(found.reconstructions, model.generate(latent_points=found.latent_points,
                                                                      conditions=conditions), atol=1e-6)


@pytest.mark.parametrize("name, start", [("gan_cls_attributes", None), ("gan_cls_bits", None),
                                         ("gan_cls_attributes", VALUES)])
def test_joint_inversion_gives_valid_conditions_of_the_right_kind(name, start):
    model = MODELS[name]
    images = model.generate(latent_points=POINTS, conditions=CONDITIONS[name])
    found = latent.invert(model, images, conditions=start, infer_conditions=True, steps=30, learning_rate=0.1,
                          start_candidates=4)
    model.check_conditions(found.conditions, 3)  # valid: in range, or 0/1
    assert found.conditions.shape == (3, 3) and found.conditions.dtype == np.float32
    if name == "gan_cls_bits":
        assert set(np.unique(found.conditions)) <= {0.0, 1.0}
    assert found.history["pixel_error"][-1] < found.history["pixel_error"][0]
    np.testing.assert_allclose(found.reconstructions, model.generate(latent_points=found.latent_points,
                                                                      conditions=found.conditions), atol=1e-6)


def test_relaxed_layouts_start_uniform_or_at_their_regions_and_come_back_as_region_ids():
    layout = Condition.layout((2, 2), num_regions=3)
    given = np.array([[[0, 2], [1, 1]]], "int32")
    start = start_parameters({None: layout}, given, 1)[None]
    assert start.shape == (1, 2, 2, 3)
    np.testing.assert_array_equal(valid_conditions(layout, start), given)
    assert not start_parameters({None: layout}, None, 1)[None].any()  # logits 0: uniform
    bits = valid_conditions(BITS, np.array([[-0.1, 0.0, 3.0]]))
    np.testing.assert_array_equal(bits, [[0.0, 1.0, 1.0]])
    np.testing.assert_allclose(valid_conditions(ATTRIBUTES, np.array([[-0.5, 0.3, 1.5]])), [[0.0, 0.3, 1.0]])


def test_joint_inversion_errors_name_the_fix():
    images = np.zeros((2, 8, 8, 1), "float32")
    with pytest.raises(ValueError, match="captions are word ids"):
        latent.invert(MODELS["gan_cls_captions"], images, infer_conditions=True, steps=1)
    with pytest.raises(ValueError, match="not conditional"):
        latent.invert(DCGAN.for_images((8, 8, 1), latent_dim=4, width=4, seed=0), images, infer_conditions=True)
    cgan = ConditionalGAN.for_images((8, 8, 1), num_classes=3, latent_dim=4, width=4, seed=0)
    with pytest.raises(ValueError, match="class ids are discrete"):
        latent.invert(cgan, images, infer_conditions=True)


def test_encoder_edits_change_only_the_named_attribute():
    model = MODELS["attribute2image"]
    images = model.generate(latent_points=POINTS, conditions=VALUES)
    edited = latent.edit_conditions(model, images, {"brightness": 0.9, "size": [0.1, 0.2, 0.3]}, conditions=VALUES)
    changed = VALUES.copy()
    changed[:, 1], changed[:, 2] = 0.9, [0.1, 0.2, 0.3]
    expected = model.generate(latent_points=model.latent_codes(images, VALUES), conditions=changed)
    np.testing.assert_allclose(edited, expected, atol=1e-6)
    one = latent.edit_conditions(model, images[0], {"brightness": 0.9}, conditions=VALUES[0])
    assert one.shape == (8, 8, 1)
    batch_of_one = latent.edit_conditions(model, images[:1], {"brightness": 0.9}, conditions=VALUES[:1])
    np.testing.assert_allclose(one, batch_of_one[0], atol=1e-6)


def test_gan_edits_regenerate_from_the_inverted_z():
    model = MODELS["gan_cls_captions"]
    images = model.generate(latent_points=POINTS, conditions=TEXTS)
    options = {"steps": 3, "start_candidates": 2}
    edited = latent.edit_conditions(model, images, {"conditions": "a light boot"}, conditions=TEXTS, **options)
    points = latent.invert(model, images, conditions=TEXTS, **options).latent_points
    np.testing.assert_allclose(edited, model.generate(latent_points=points, conditions=["a light boot"] * 3),
                               atol=1e-6)
    jointly = latent.edit_conditions(MODELS["gan_cls_attributes"], images, {"brightness": 1.0}, **options)
    assert jointly.shape == images.shape


def test_edit_errors_name_the_fix():
    model, images = MODELS["attribute2image"], np.zeros((3, 8, 8, 1), "float32")
    cases = [
        ({"bright": 0.5}, "unknown name 'bright'.*brightness"),
        ({"size": 1.5}, r"must lie in \[0, 1\]"),
        ({"size": float("nan")}, "finite number"),
        ({}, "changes is a dict"),
    ]
    for changes, message in cases:
        with pytest.raises(ValueError, match=message):
            latent.edit_conditions(model, images, changes, conditions=VALUES)
    with pytest.raises(ValueError, match="pass conditions="):
        latent.edit_conditions(model, images, {"size": 0.5})
    with pytest.raises(ValueError, match="multi-hot bit"):
        latent.edit_conditions(MODELS["gan_cls_bits"], images, {"dark": 0.5}, steps=1)


def _al_cgan():
    condition = {"attributes": Condition.attributes(["brightness", "size"]),
                 "layout": Condition.layout((2, 2), num_regions=3)}
    return ConditionalGAN.for_images((8, 8, 1), condition=condition, latent_dim=4, width=4, seed=0)


def test_a_layout_generator_reads_one_hot_probabilities_exactly_as_region_ids():
    from keras_gen.networks import relaxed_layout_generator

    model = _al_cgan()
    layouts = np.random.default_rng(1).integers(0, 3, (3, 2, 2)).astype("int32")
    conditions = {"attributes": VALUES[:, :2], "layout": layouts}
    soft = relaxed_layout_generator(model.generator, model.condition)
    assert soft.weights[0] is model.generator.weights[0] and len(soft.weights) == len(model.generator.weights)
    one_hot = {"attributes": VALUES[:, :2], "layout": np.eye(3, dtype="float32")[layouts]}
    np.testing.assert_allclose(np.asarray(soft([POINTS, one_hot], training=False)),
                               model.generate(latent_points=POINTS, conditions=conditions), atol=1e-5)
    with pytest.raises(ValueError, match=r"probabilities \(batch, h, w, 3\)"):
        LayoutMaps(3, (4, 4))(np.zeros((3, 2, 2, 4), "float32"))
    with pytest.raises(ValueError, match="needs a condition with a layout"):
        relaxed_layout_generator(model.generator, {"attributes": model.condition["attributes"]})
    # A network that reads the region ids any other way cannot take probabilities.
    latent_in, attributes, layout = (keras.Input((4,), name="latent"), keras.Input((2,), name="attributes"),
                                     keras.Input((2, 2), dtype="int32", name="layout"))
    ids = keras.layers.Flatten()(keras.ops.cast(layout, "float32"))
    other = keras.Model([latent_in, {"attributes": attributes, "layout": layout}],
                        keras.layers.Dense(64)(keras.layers.Concatenate()([latent_in, attributes, ids])))
    with pytest.raises(ValueError, match=r"reads the layout through \['cast'\], not only through LayoutMaps"):
        relaxed_layout_generator(other, model.condition)


def test_joint_inversion_of_attributes_and_a_layout_gives_region_ids_and_lowers_the_error():
    model = _al_cgan()
    layouts = np.random.default_rng(1).integers(0, 3, (3, 2, 2)).astype("int32")
    images = model.generate(latent_points=POINTS, conditions={"attributes": VALUES[:, :2], "layout": layouts})
    found = latent.invert(model, images, infer_conditions=True, steps=30, learning_rate=0.1, start_candidates=4)
    model.check_conditions(found.conditions, 3)  # valid: attributes in range, region ids
    assert found.conditions["layout"].shape == (3, 2, 2) and found.conditions["layout"].dtype == np.int32
    assert found.history["pixel_error"][-1] < found.history["pixel_error"][0]
    np.testing.assert_allclose(found.reconstructions, model.generate(latent_points=found.latent_points,
                                                                      conditions=found.conditions), atol=1e-5)
    edited = latent.edit_conditions(model, images, {"brightness": 1.0}, steps=3, start_candidates=2)
    assert edited.shape == images.shape


@pytest.mark.parametrize("name", ["gan_cls_captions", "gan_cls_attributes", "attribute2image", "al_cgan"])
def test_latent_walks_traversals_and_vectors_take_one_examples_condition_of_any_kind(name):
    model = _al_cgan() if name == "al_cgan" else MODELS[name]
    if name == "al_cgan":
        layout = np.array([[0, 1], [2, 1]], "int32")
        label, batch = {"attributes": VALUES[0, :2], "layout": layout}, {"attributes": VALUES[:1, :2],
                                                                        "layout": layout[None]}
    else:
        label = CONDITIONS[name][0]
        batch = CONDITIONS[name][:1]
    walk = latent.interpolate(model, POINTS[0], POINTS[1], steps=4, label=label)
    assert walk.shape == (4, 8, 8, 1)
    np.testing.assert_allclose(walk[-1], model.generate(latent_points=POINTS[1:2], conditions=batch)[0], atol=1e-5)
    grid = latent.traverse(model, dims=(0, 2), values=[-1.0, 1.0], label=label)
    assert grid.shape == (2, 2, 8, 8, 1)
    base = np.zeros((1, 4), "float32")
    base[0, 2] = 1.0
    np.testing.assert_allclose(grid[1, 1], model.generate(latent_points=base, conditions=batch)[0], atol=1e-5)
    if name == "attribute2image":  # an encoder: vectors apply to its codes, the conditions kept per image
        images = model.generate(latent_points=POINTS, conditions=VALUES)
        moved = latent.apply_vector(model, images, np.ones(4, "float32"), strengths=(0.0, 1.0), labels=VALUES)
        assert moved.shape == (3, 2, 8, 8, 1)
        codes = latent.to_latent(model, images, VALUES)
        np.testing.assert_allclose(moved[:, 1], model.generate(latent_points=codes + 1.0, conditions=VALUES),
                                   atol=1e-5)


def test_walk_labels_of_the_wrong_form_name_the_fix():
    with pytest.raises(ValueError, match=r"one example's condition, one item of a 3-attribute condition.*shape \(3,\), without the batch axis"):
        latent.interpolate(MODELS["attribute2image"], POINTS[0], POINTS[1], label=VALUES)
    with pytest.raises(ValueError, match=r"parts \['attributes', 'layout'\]: pass label= a dict"):
        latent.traverse(_al_cgan(), label=VALUES[0, :2])


def test_condition_generalized_cgans_embed_their_conditions_and_walk_between_them():
    model = _al_cgan()
    layouts = np.array([[[0, 1], [2, 1]], [[2, 2], [0, 0]], [[1, 0], [0, 1]]], "int32")
    conditions = {"attributes": VALUES[:, :2], "layout": layouts}
    embeddings = model.embed_conditions(conditions)
    # The attributes as they are, then the layout's one-hot regions, flattened (2 + 2 * 2 * 3 values).
    assert model.embedding_shape == (14,) and embeddings.shape == (3, 14)
    np.testing.assert_array_equal(embeddings[:, :2], VALUES[:, :2])
    np.testing.assert_array_equal(embeddings[:, 2:].reshape(3, 2, 2, 3), np.eye(3, dtype="float32")[layouts])
    np.testing.assert_allclose(model.generate(latent_points=POINTS, embeddings=embeddings),
                               model.generate(latent_points=POINTS, conditions=conditions), atol=1e-5)
    ends = [{part: values[i] for part, values in conditions.items()} for i in (0, 1)]
    walk = latent.interpolate_conditions(model, ends[0], ends[1], steps=3, latent_point=POINTS[0])
    np.testing.assert_allclose(walk[[0, -1]], model.generate(latent_points=POINTS[[0, 0]], conditions={
        part: values[:2] for part, values in conditions.items()}), atol=1e-5)
    # Halfway, the generator reads the mean embedding: half-and-half region probabilities.
    middle = embeddings[:2].mean(axis=0, keepdims=True)
    np.testing.assert_allclose(walk[1], model.generate(latent_points=POINTS[:1], embeddings=middle)[0], atol=1e-5)
    bits = ConditionalGAN.for_images((8, 8, 1), condition=BITS, latent_dim=4, width=4, seed=0)
    values = (VALUES > 0.4) * 1.0
    np.testing.assert_array_equal(bits.embed_conditions(values), values.astype("float32"))
    np.testing.assert_allclose(bits.generate(latent_points=POINTS, embeddings=bits.embed_conditions(values)),
                               bits.generate(latent_points=POINTS, conditions=values), atol=1e-6)
