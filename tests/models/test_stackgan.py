"""StackGAN (Zhang et al., 2017): the stages' shapes, the KL term, the players per stage, train_stages, saving."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from keras_gen.data import Condition
from keras_gen.models import StackGAN
from tests.test_case import changed, weights_of

CAPTIONS = Condition.tokens(["a", "dark", "light", "small", "large", "sandal", "boot"], max_length=4)
TEXTS = ["a dark sandal", "a light boot", "small dark boot", "large sandal"]
STAGE_NETWORKS = {1: ("stage1_generator", "stage1_discriminator", "conditioning_augmentation", "text_encoder"),
                  2: ("stage2_generator", "stage2_discriminator")}


def _model(condition=CAPTIONS, **kwargs):
    options = {"latent_dim": 4, "condition_dim": 3, "stage1_size": 8, "width": 4, "embedding_dim": 4,
               "num_blocks": 1, "seed": 0, **kwargs}
    model = StackGAN.for_images((16, 16, 1), condition, **options)
    model.compile()
    return model


def _batch(count=4, seed=0):
    images = np.random.default_rng(seed).uniform(-1, 1, (count, 16, 16, 1)).astype("float32")
    return images, CAPTIONS.tokenize((TEXTS * count)[:count])


def _trainable(network, snapshot):
    return [w for w, v in zip(snapshot, network.weights) if v.trainable]


def _snapshots(model):
    return {name: weights_of(getattr(model, name)) for names in STAGE_NETWORKS.values() for name in names}


def test_both_stages_have_their_shapes_and_a_latent_point_is_z_then_eps():
    model = _model()
    assert model.latent_dim == 4 + 3 and model.condition_dim == 3
    points = np.random.default_rng(0).standard_normal((3, model.latent_dim)).astype("float32")
    small, images = model.generate(latent_points=points, conditions=TEXTS[:3], return_stages=True)
    assert small.shape == (3, 8, 8, 1) and images.shape == (3, 16, 16, 1)
    np.testing.assert_array_equal(images, model.generate(latent_points=points, conditions=TEXTS[:3]))
    np.testing.assert_array_equal(small, model.generate(latent_points=points, conditions=TEXTS[:3],
                                                        return_stages=True)[0])
    # eps moves c_hat, and with it both stages; z alone moves stage I too.
    other = points.copy()
    other[:, 4:] += 1.0
    assert np.abs(model.generate(latent_points=other, conditions=TEXTS[:3]) - images).max() > 1e-4
    # stage II refines stage I's images: the same stage-I image and c_hat give the same image
    vectors = model.embed_conditions(CAPTIONS.tokenize(TEXTS[:3]))
    mean, log_var = model.conditioning_augmentation(vectors)
    codes = ops.convert_to_numpy(mean) + np.exp(0.5 * ops.convert_to_numpy(log_var)) * points[:, 4:]
    np.testing.assert_allclose(ops.convert_to_numpy(model.stage1_generator([points[:, :4], codes])), small, atol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(model.stage2_generator([small, codes])), images, atol=1e-5)
    with pytest.raises(ValueError, match="return_stages must be True or False"):
        model.generate(2, conditions=TEXTS[:2], return_stages="yes")


def test_generating_from_phi_embeddings_equals_generating_from_captions_and_walks_between_them():
    from keras_gen.latent import interpolate_conditions

    model = _model()
    points = np.random.default_rng(1).standard_normal((3, model.latent_dim)).astype("float32")
    vectors = model.embed_conditions(TEXTS[:3])
    assert vectors.shape == (3, *model.embedding_shape)
    small, images = model.generate(latent_points=points, conditions=TEXTS[:3], return_stages=True)
    np.testing.assert_allclose(model.generate(latent_points=points, embeddings=vectors), images, atol=1e-6)
    from_vectors = model.generate(latent_points=points, embeddings=vectors, return_stages=True)
    np.testing.assert_allclose(from_vectors[0], small, atol=1e-6)
    # Reed et al.'s walk: (z, eps) fixed, phi(t) moves; the ends are the captions' own images.
    walk = interpolate_conditions(model, TEXTS[0], TEXTS[1], steps=4, latent_point=points[0])
    assert walk.shape == (4, 16, 16, 1)
    ends = model.generate(latent_points=points[[0, 0]], conditions=TEXTS[:2])
    np.testing.assert_allclose(walk[[0, -1]], ends, atol=1e-5)
    with pytest.raises(ValueError, match="takes latent_points= and no conditions="):
        model.generate(latent_points=points, conditions=TEXTS[:3], embeddings=vectors)


def test_the_kl_term_is_the_closed_form_of_the_augmentations_gaussian():
    model = _model(kl_weight=0.5, text_interpolation=None)
    real, ids = _batch()
    ids = ops.convert_to_tensor(ids)
    fakes = model._fakes(real, ids, update=False, for_generator=True)
    _, (_, terms) = model._generator_step(real, ids, update=False, fakes=fakes)
    mean, log_var = (ops.convert_to_numpy(part) for part in fakes.parts[1:])
    # KL(N(mu, sigma^2) || N(0, 1)) per dimension = log(1 / sigma) + (sigma^2 + mu^2) / 2 - 1 / 2
    sigma = np.exp(0.5 * log_var.astype("float64"))
    expected = np.sum(-np.log(sigma) + (sigma**2 + mean.astype("float64") ** 2) / 2 - 0.5, axis=1)
    np.testing.assert_allclose(ops.convert_to_numpy(terms["kl_loss"]), 0.5 * expected, rtol=1e-4, atol=1e-6)
    vectors = ops.convert_to_numpy(model.embed_conditions(ids))
    np.testing.assert_allclose(mean, ops.convert_to_numpy(model.conditioning_augmentation(vectors)[0]), atol=1e-6)
    history = model.fit(real, ops.convert_to_numpy(ids), batch_size=4, verbose=0).history
    assert sorted(history) == ["d_loss", "fake_score", "g_loss", "kl_loss", "mismatch_score", "real_score"]
    assert history["kl_loss"][0] > 0


def test_each_player_changes_its_own_weights_of_both_stages_in_its_own_update():
    model = _model()
    real, ids = _batch()
    ids = ops.convert_to_tensor(ids)
    d_networks = ("stage1_discriminator", "stage2_discriminator", "text_encoder")
    g_networks = ("stage1_generator", "stage2_generator", "conditioning_augmentation")
    d_ids = {id(v) for v in model.optimizer_variables("d_optimizer")}
    g_ids = {id(v) for v in model.optimizer_variables("g_optimizer")}
    for name in d_networks + g_networks:
        owned = {id(v) for v in getattr(model, name).trainable_variables}
        assert owned and owned <= (d_ids if name in d_networks else g_ids), name
    before = _snapshots(model)
    model._discriminator_step(real, ids, update=True)
    after_d = _snapshots(model)
    for name in d_networks:
        assert changed(before[name], after_d[name]) == len(before[name]), name
    for name in g_networks:
        network = getattr(model, name)
        assert changed(_trainable(network, before[name]), _trainable(network, after_d[name])) == 0, name
    model._generator_step(real, ids, update=True)
    after_g = _snapshots(model)
    for name in d_networks:
        assert changed(after_d[name], after_g[name]) == 0, name
    for name in g_networks:
        network = getattr(model, name)
        trainable = _trainable(network, after_d[name])
        assert changed(trainable, _trainable(network, after_g[name])) == len(trainable), name


@pytest.mark.parametrize(("learning", "frozen"), [((1,), 2), ((2,), 1)])
def test_a_stage_left_out_of_train_stages_stays_as_it_was(learning, frozen):
    model = _model()
    real, ids = _batch(8)
    model.train_stages = learning
    assert model.get_config()["train_stages"] == list(learning)
    before = _snapshots(model)
    history = model.fit(real, ids, batch_size=4, epochs=1, verbose=0).history
    after = _snapshots(model)
    for name in STAGE_NETWORKS[frozen]:  # batch-norm statistics included: a frozen stage runs in inference mode
        assert changed(before[name], after[name]) == 0, name
    for name in STAGE_NETWORKS[learning[0]]:
        assert changed(before[name], after[name]) > 0 or not before[name], name
    assert np.isfinite(history["d_loss"][0]) and int(model.g_optimizer.iterations) == 2
    # then the other phase: the optimizers were built for both stages, so it trains at once
    model.train_stages = (frozen,)
    model.fit(real, ids, batch_size=4, epochs=1, verbose=0)
    assert changed(after[STAGE_NETWORKS[frozen][0]], weights_of(getattr(model, STAGE_NETWORKS[frozen][0]))) > 0
    with pytest.raises(ValueError, match="train_stages lists the stages"):
        model.train_stages = (3,)
    with pytest.raises(ValueError, match="train_stages lists the stages"):
        model.train_stages = ()


def test_save_load_and_resume_keep_the_stages_and_the_phase(tmp_path):
    model = _model(train_stages=(1,))
    real, ids = _batch(8)
    model.fit(real, ids, batch_size=4, epochs=1, verbose=0)
    points = np.random.default_rng(2).standard_normal((2, model.latent_dim)).astype("float32")
    small, images = model.generate(latent_points=points, conditions=TEXTS[:2], return_stages=True)
    path = str(tmp_path / "stackgan.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert isinstance(reloaded, StackGAN) and reloaded.condition == CAPTIONS
    assert reloaded.train_stages == (1,) and reloaded.kl_weight == 1.0 and reloaded.latent_dim == 7
    again = reloaded.generate(latent_points=points, conditions=TEXTS[:2], return_stages=True)
    np.testing.assert_allclose(again[0], small, atol=1e-6)
    np.testing.assert_allclose(again[1], images, atol=1e-6)
    reloaded.train_stages = (2,)
    stage1 = weights_of(reloaded.stage1_generator)
    reloaded.fit(real, ids, batch_size=4, epochs=1, verbose=0)
    assert int(reloaded.g_optimizer.iterations) == 4 and int(reloaded.d_optimizer.iterations) == 4
    assert changed(stage1, weights_of(reloaded.stage1_generator)) == 0


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        (np.array([[2, 3, 9, 0]] * 8, "int32"), r"ids must lie in \[0, 9\)"),
        (np.array([[2, 3, 0, 0]] * 7 + [[0, 0, 0, 0]], "int32"), "Caption 7 is empty"),
        (np.array([[2, 3, 0, 0]] * 7, "int32"), "one condition per example"),
    ],
)
def test_bad_captions_are_refused_before_any_weight_changes(conditions, message):
    model = _model()
    images, _ = _batch(8)
    start = weights_of(model)
    with pytest.raises(ValueError, match=message):
        model.fit(images, conditions, batch_size=4, verbose=0)
    if len(conditions) == len(images):  # the same captions from a tf.data pipeline: checked in the step
        data = tf.data.Dataset.from_tensor_slices((images, conditions)).batch(8)
        with pytest.raises(ValueError, match="must lie between|empty caption"):
            model.fit(data, verbose=0)
    assert changed(start, weights_of(model)) == 0
    with pytest.raises(ValueError, match=message):
        model.generate(len(images), conditions=conditions, return_stages=True)


def test_other_condition_kinds_and_wrong_arguments():
    classes = _model(Condition.classes(3))
    images, _ = _batch(6)
    classes.fit(images, np.arange(6, dtype="int32") % 3, batch_size=3, verbose=0)
    assert classes.generate(2, conditions=[0, 2]).shape == (2, 16, 16, 1)
    with pytest.raises(ValueError, match="Stage-I sizes that do: 8x8, 4x4"):
        _model(stage1_size=6)
    with pytest.raises(ValueError, match="stage1_size is the side"):
        _model(stage1_size=8.0)
    with pytest.raises(ValueError, match="kl_weight"):
        _model(kl_weight=-1.0)
    with pytest.raises(ValueError, match="does not support ema"):
        _model(ema=0.99)
    with pytest.raises(ValueError, match="train_stages lists"):
        _model(train_stages=(1, 1))


@pytest.mark.graph  # fit traces its step: setting train_stages must make it trace a new one
def test_the_traced_step_follows_train_stages_set_between_fits():
    model = _model(train_stages=(1,))
    real, ids = _batch(4)
    model.fit(real, ids, batch_size=4, verbose=0)
    model.train_stages = (2,)
    stage1 = {name: weights_of(getattr(model, name)) for name in STAGE_NETWORKS[1]}
    stage2 = weights_of(model.stage2_generator)
    model.fit(real, ids, batch_size=4, verbose=0)
    assert all(changed(weights, weights_of(getattr(model, name))) == 0 for name, weights in stage1.items())
    assert changed(stage2, weights_of(model.stage2_generator)) > 0
