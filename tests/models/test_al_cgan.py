"""AL-CGAN (Karacan et al., 2016): ConditionalGAN on attributes and a layout: the networks read both, the players,
bad conditions, the grid, saving, and the registry."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

import keras_gen
from keras_gen import families, recipes
from keras_gen.data import Condition
from keras_gen.layers import LayoutMaps
from keras_gen.models import ConditionalGAN
from keras_gen.models.capabilities import fixed_latent_points
from keras_gen.models.conditional.layout_grid import grid_layouts, layout_images
from tests.test_case import changed, weights_of

ATTRIBUTES = Condition.attributes(["brightness", "size"])
LAYOUT = Condition.layout((4, 4), num_regions=3)
CONDITION = {"attributes": ATTRIBUTES, "layout": LAYOUT}
SHAPE = (16, 16, 1)


def _model(condition=CONDITION, **kwargs):
    model = ConditionalGAN.for_images(SHAPE, condition=condition, **{"latent_dim": 4, "width": 4, "seed": 0,
                                                                       **kwargs})
    model.compile()
    return model


def _conditions(count=4, seed=0, condition=CONDITION):
    rng = np.random.default_rng(seed)

    def values(part):
        if part.kind == "layout":
            return rng.integers(0, part.num_regions, (count, *part.shape)).astype("int32")
        if part.kind == "multi_hot":
            return rng.integers(0, 2, (count, *part.shape)).astype("float32")
        return rng.uniform(0, 1, (count, *part.shape)).astype("float32")

    return {name: values(part) for name, part in condition.items()} if isinstance(condition, dict) else values(
        condition)


def _batch(count=4, seed=0):
    images = np.random.default_rng(seed).uniform(-1, 1, (count, *SHAPE)).astype("float32")
    return images, _conditions(count, seed)


def _tensors(conditions):
    return keras.tree.map_structure(ops.convert_to_tensor, conditions)


def _one_hot_resized(layout, num_regions, size):
    """The layout's one-hot maps, each cell repeated to fill `size` (nearest-neighbour upsampling by hand)."""
    one_hot = np.eye(num_regions, dtype="float32")[layout]
    factor = (size[0] // layout.shape[1], size[1] // layout.shape[2])
    return one_hot.repeat(factor[0], axis=1).repeat(factor[1], axis=2)


def test_the_layout_joins_the_generators_input_and_every_stage_one_hot_and_resized():
    model = _model()
    generator = model.generator
    joins = [layer.name for layer in generator.layers if layer.name.startswith("with_layout_")]
    assert joins == ["with_layout_4x4", "with_layout_8x8", "with_layout_16x16"]  # before both stages and the output
    z = np.random.default_rng(0).standard_normal((4, 4)).astype("float32")
    conditions = _conditions()
    probe = keras.Model(generator.input, [generator.get_layer(name).output for name in joins])
    for name, joined in zip(joins, probe([ops.convert_to_tensor(z), _tensors(conditions)])):
        size = (int(joined.shape[1]), int(joined.shape[2]))
        maps = ops.convert_to_numpy(joined)[..., -LAYOUT.num_regions:]
        np.testing.assert_array_equal(maps, _one_hot_resized(conditions["layout"], 3, size), err_msg=name)
    assert generator.get_layer("latent_and_condition").output.shape[-1] == 4 + 2 + 4 * 4 * 3  # z, a, the layout

    before = model.generate(latent_points=z, conditions=conditions)
    moved = {**conditions, "layout": conditions["layout"].copy()}
    moved["layout"][0, 1, 2] = (moved["layout"][0, 1, 2] + 1) % 3  # one cell of one layout
    after = model.generate(latent_points=z, conditions=moved)
    assert np.abs(after[0] - before[0]).max() > 1e-4
    np.testing.assert_array_equal(after[1:], before[1:])
    brighter = {**conditions, "attributes": conditions["attributes"] + np.float32(0.0)}
    brighter["attributes"][:, 0] = 1.0 - brighter["attributes"][:, 0]
    assert np.abs(model.generate(latent_points=z, conditions=brighter) - before).max() > 1e-4


def test_networks_built_without_the_layout_or_the_attributes_are_refused():
    full = _model()
    without_layout = keras_gen.networks.layout_generator(SHAPE, {"attributes": ATTRIBUTES}, latent_dim=4, width=4)
    with pytest.raises(ValueError, match="generator must take .* conditions of shapes"):
        ConditionalGAN(without_layout, full.discriminator, condition=CONDITION)
    without_attributes = keras_gen.networks.layout_discriminator(SHAPE, {"layout": LAYOUT}, width=4)
    with pytest.raises(ValueError, match="discriminator must take .*layout_discriminator"):
        ConditionalGAN(full.generator, without_attributes, condition=CONDITION)
    labelled = ConditionalGAN.for_images(SHAPE, num_classes=3, latent_dim=4, width=4)
    with pytest.raises(ValueError, match="generator must take"):
        ConditionalGAN(labelled.generator, full.discriminator, condition=CONDITION)


def test_the_discriminator_reads_the_layout_as_channels_and_the_attributes_by_projection():
    model = _model(dropout=0.0)
    discriminator = model.discriminator
    images, conditions = _batch()
    logits = ops.convert_to_numpy(discriminator([ops.convert_to_tensor(images), _tensors(conditions)]))[:, 0]
    maps = _one_hot_resized(conditions["layout"], 3, SHAPE[:2])
    np.testing.assert_array_equal(
        ops.convert_to_numpy(discriminator.get_layer("layout_maps")(ops.convert_to_tensor(conditions["layout"]))),
        maps)
    features = ops.convert_to_numpy(discriminator.get_layer("discriminator_stages")(
        ops.convert_to_tensor(np.concatenate([images, maps], axis=-1))))
    kernel, bias = (ops.convert_to_numpy(w) for w in discriminator.get_layer("logit").weights)
    projection = ops.convert_to_numpy(discriminator.get_layer("attribute_projection").kernel)
    expected = (features @ kernel)[:, 0] + bias[0] + np.sum((conditions["attributes"] @ projection) * features, -1)
    np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-5)

    def scores(values):
        return ops.convert_to_numpy(discriminator([ops.convert_to_tensor(images), _tensors(values)]))[:, 0]

    other_layout = {**conditions, "layout": (conditions["layout"] + 1) % 3}
    other_attributes = {**conditions, "attributes": 1.0 - conditions["attributes"]}
    assert np.abs(scores(other_layout) - logits).min() > 1e-6
    assert np.abs(scores(other_attributes) - logits).min() > 1e-6


def test_each_player_changes_only_its_own_weights():
    model = _model()
    real, conditions = _batch()
    conditions = _tensors(conditions)
    trainable = [v.trainable for v in model.generator.weights]

    def generator_weights():
        return [w for w, learns in zip(weights_of(model.generator), trainable) if learns]

    before_d, before_g = weights_of(model.discriminator), generator_weights()
    model._discriminator_step(ops.convert_to_tensor(real), conditions, update=True)
    after_d, after_g = weights_of(model.discriminator), generator_weights()
    assert changed(before_d, after_d) == len(model.discriminator.weights)
    assert changed(before_g, after_g) == 0
    model._generator_step(ops.convert_to_tensor(real), conditions, update=True)
    assert changed(after_d, weights_of(model.discriminator)) == 0
    assert changed(after_g, generator_weights()) == sum(trainable)


def _bad(good):
    return {
        "a missing part": ({"attributes": good["attributes"]}, "parts", "keys"),
        "an extra part": ({**good, "captions": good["attributes"]}, "parts", "keys"),
        "a layout id >= num_regions": ({**good, "layout": np.where(good["layout"] == 0, 3, good["layout"])},
                                       r"ids must lie in \[0, 3\)", "must lie between"),
        "attributes out of range": ({**good, "attributes": good["attributes"] + 1.5}, r"must lie in \[0, 1\]",
                                    "must lie between"),
    }


@pytest.mark.parametrize("case", ["a missing part", "an extra part", "a layout id >= num_regions",
                                  "attributes out of range"])
def test_bad_conditions_are_refused_before_any_weight_changes(case):
    model = _model()
    images, good = _batch(8)
    conditions, message, in_step = _bad(good)[case]
    start = weights_of(model)
    with pytest.raises(ValueError, match=message):
        model.fit(images, conditions, batch_size=4, verbose=0)
    with pytest.raises(ValueError, match=in_step):
        model.fit(tf.data.Dataset.from_tensor_slices((images, conditions)).batch(4), verbose=0)
    assert changed(start, weights_of(model)) == 0
    with pytest.raises(ValueError, match=message):
        model.generate(8, conditions=conditions)


@pytest.mark.graph  # the traced step: the layout's ids are checked before the updates
def test_a_bad_layout_in_a_pipeline_stops_the_traced_step_before_any_update():
    model = _model()
    images, good = _batch(4)
    good["layout"][2, 0, 0] = 7
    start = weights_of(model)
    with pytest.raises(ValueError, match="must lie between"):
        model.fit(tf.data.Dataset.from_tensor_slices((images, good)).batch(4), verbose=0)
    assert changed(start, weights_of(model)) == 0


def test_exactly_one_of_num_classes_and_condition_and_clear_errors_for_wrong_conditions():
    with pytest.raises(ValueError, match="exactly one of num_classes .* got neither"):
        ConditionalGAN.for_images(SHAPE)
    with pytest.raises(ValueError, match="exactly one of num_classes .* got both"):
        ConditionalGAN.for_images(SHAPE, num_classes=3, condition=CONDITION)
    labelled = ConditionalGAN.for_images(SHAPE, num_classes=3, latent_dim=4, width=4)
    with pytest.raises(ValueError, match="got both"):
        ConditionalGAN(labelled.generator, labelled.discriminator, num_classes=3, condition=CONDITION)
    with pytest.raises(ValueError, match="Condition of kind attributes, multi_hot or layout"):
        _model(Condition.tokens(["a", "boot"], max_length=3))
    with pytest.raises(ValueError, match="Condition of kind attributes, multi_hot or layout"):
        _model({"attributes": ATTRIBUTES, "labels": Condition.classes(3)})
    with pytest.raises(ValueError, match="2 vector and 1 layout parts"):
        _model({**CONDITION, "multi_hot": Condition.multi_hot(["dark", "large"])})
    with pytest.raises(ValueError, match="label_planes are options of class labels"):
        _model(label_planes=2)
    with pytest.raises(ValueError, match="grid_conditions goes with condition="):
        ConditionalGAN.for_images(SHAPE, num_classes=3, grid_conditions=[0, 1])
    assert labelled.batch_kind == "images_labels" and labelled.condition == Condition.classes(3)


def test_diffaugment_translation_is_refused_with_a_layout_and_the_rest_is_kept():
    # A shifted image no longer lies on its layout's regions: a clear error names the policy to use instead.
    with pytest.raises(ValueError, match=r"leave out 'translation': augment='color,cutout'"):
        _model(augment="color,translation,cutout")
    with pytest.raises(ValueError, match=r"augment=None"):
        _model(augment="translation")
    kept = _model(augment="color,cutout")
    assert kept.augment == "color,cutout"
    # Attributes alone have no place in the image: every policy stays allowed.
    assert _model({"attributes": ATTRIBUTES}, augment="translation").augment == "translation"


@pytest.mark.parametrize("condition", [
    {"attributes": ATTRIBUTES}, {"layout": LAYOUT}, ATTRIBUTES, Condition.multi_hot(["dark", "large", "boot"]),
], ids=["attributes part", "layout part", "attributes", "multi_hot"])
def test_one_part_conditions_train_generate_and_make_a_grid(condition):
    model = _model(condition)
    assert model.batch_kind == "images_conditions" and model.condition == condition
    images = _batch(6)[0]
    model.fit(images, _conditions(6, condition=condition), batch_size=6, epochs=1, verbose=0)
    assert model.generate(2, conditions=_conditions(2, 1, condition)).shape == (2, *SHAPE)
    grid, columns = model.grid_samples(n=8)
    has_layout = isinstance(condition, dict) and "layout" in condition
    rows = len(grid_layouts(LAYOUT)) if has_layout else condition.shape[0] if not isinstance(
        condition, dict) else 2
    assert columns == -(-8 // rows) + has_layout and grid.shape == (rows * columns, *SHAPE)


def test_the_grid_shows_each_layout_then_its_samples_from_the_same_latent_points():
    model = _model()
    grid, columns = model.grid_samples(n=14, seed=3)
    layouts = grid_layouts(LAYOUT)
    assert len(layouts) == 7 and columns == 3  # 7 rows of a layout and 2 samples
    rows = grid.reshape(7, columns, *SHAPE)
    grey = np.array([-1.0, 0.0, 1.0], "float32")[layouts]
    np.testing.assert_array_equal(rows[:, 0, ..., 0], grey.repeat(4, axis=1).repeat(4, axis=2))
    np.testing.assert_array_equal(rows[:, 0], layout_images(layouts, 3, SHAPE, (-1, 1)))
    points = fixed_latent_points(2, 4, 3)
    neutral = np.full((7, 2), 0.5, "float32")
    for row in (0, 6):
        expected = model.generate(latent_points=points, conditions={"attributes": neutral[:2],
                                                                     "layout": layouts[[row, row]]})
        np.testing.assert_allclose(rows[row, 1:], expected, atol=1e-6)
    chosen = {"attributes": np.array([[0.9, 0.1]], "float32"), "layout": layouts[:1]}
    pinned = _model(grid_conditions=chosen)
    assert pinned.grid_samples(n=2)[0].shape == (3, *SHAPE)


def test_save_load_and_resume_keep_the_condition_and_the_samples(tmp_path):
    model = _model(grid_conditions={"attributes": np.array([[0.9, 0.1]], "float32"),
                                    "layout": grid_layouts(LAYOUT)[:1]})
    images, conditions = _batch(8)
    model.fit(images, conditions, batch_size=4, epochs=1, verbose=0)
    points = np.random.default_rng(2).standard_normal((3, 4)).astype("float32")
    shown = _conditions(3, 5)
    samples = model.generate(latent_points=points, conditions=shown)
    path = str(tmp_path / "al_cgan.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert isinstance(reloaded, ConditionalGAN) and reloaded.batch_kind == "images_conditions"
    assert dict(reloaded.condition) == CONDITION and reloaded.num_classes is None
    np.testing.assert_array_equal(reloaded.grid_conditions["layout"], model.grid_conditions["layout"])
    np.testing.assert_allclose(reloaded.generate(latent_points=points, conditions=shown), samples, atol=1e-6)
    assert int(reloaded.d_optimizer.iterations) == int(model.d_optimizer.iterations) == 2
    reloaded.fit(images, conditions, batch_size=4, epochs=1, verbose=0)
    assert int(reloaded.g_optimizer.iterations) == 4


def test_the_registry_builds_it_on_the_data_sets_attributes_and_layout():
    family = families.get("al_cgan")
    assert family.batch_kind == "images_conditions" and families.get("cgan").batch_kind == "images_labels"
    model = recipes.build_model("al_cgan", (28, 28, 1), seed=0, data="fashion_captions", width=4, latent_dim=4)
    declared = keras_gen.data.info("fashion_captions").conditions
    assert dict(model.condition) == {"attributes": declared["attributes"], "layout": declared["layout"]}
    assert families.family_of(model) is family
    assert families.family_of(recipes.build_model("cgan", (28, 28, 1), data="fashion_mnist", width=4)).name == "cgan"
    assert recipes.data_options(model) == {"conditions": ["attributes", "layout"]}
    assert model.generator.get_layer("layout_28x28").size == (28, 28)


def test_layout_maps_resize_nearest_or_bilinear():
    layout = np.array([[[0, 1], [2, 2]]], "int32")
    nearest = ops.convert_to_numpy(LayoutMaps(3, (4, 4))(layout))
    np.testing.assert_array_equal(nearest, _one_hot_resized(layout, 3, (4, 4)))
    blended = ops.convert_to_numpy(LayoutMaps(3, (4, 4), "bilinear")(layout))
    np.testing.assert_allclose(blended.sum(-1), 1.0, atol=1e-6)
    assert 0.0 < blended[0, 1, 1, 0] < 1.0  # a border cell mixes its neighbours' regions
    with pytest.raises(ValueError, match="interpolation"):
        LayoutMaps(3, (4, 4), "cubic")
