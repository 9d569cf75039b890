"""GAN-CLS / GAN-INT (Reed et al., 2016): the matching-aware loss, the players, GAN-INT, captions, saving."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

import keras_gen
from keras_gen import losses
from keras_gen.data import Condition
from keras_gen.models import GANCLS
from keras_gen.models.adversarial.gan import Fakes
from tests.test_case import changed, weights_of

CAPTIONS = Condition.tokens(["a", "dark", "light", "small", "large", "sandal", "boot"], max_length=4)
TEXTS = ["a dark sandal", "a light boot", "small dark boot", "large sandal"]


def _model(condition=CAPTIONS, **kwargs):
    options = {"latent_dim": 4, "width": 8, "embedding_dim": 8, "seed": 0, **kwargs}
    model = GANCLS.for_images((16, 16, 1), condition, **options)
    model.compile()
    return model


def _batch(count=4, seed=0):
    images = np.random.default_rng(seed).uniform(-1, 1, (count, 16, 16, 1)).astype("float32")
    return images, CAPTIONS.tokenize((TEXTS * count)[:count])


def _softplus(x):
    return np.logaddexp(0.0, x)


def test_matching_aware_objective_is_real_plus_half_mismatched_and_fake_on_fixed_scores():
    rng = np.random.default_rng(0)
    s_r, s_f, s_w = (rng.standard_normal((5, 1)).astype("float32") for _ in range(3))
    context = losses.AdversarialContext(None, None, s_r, np.concatenate([s_f, s_w]))
    cross_entropy = losses.matching_aware(losses.adversarial_loss("non_saturating")).discriminator(context)
    expected = _softplus(-s_r) + 0.5 * (_softplus(s_w) + _softplus(s_f))
    np.testing.assert_allclose(ops.convert_to_numpy(cross_entropy), expected[:, 0], rtol=1e-5)
    hinge = losses.matching_aware(losses.adversarial_loss("hinge")).discriminator(context)
    expected = np.maximum(0, 1 - s_r) + 0.5 * (np.maximum(0, 1 + s_w) + np.maximum(0, 1 + s_f))
    np.testing.assert_allclose(ops.convert_to_numpy(hinge), expected[:, 0], rtol=1e-5)


@pytest.mark.parametrize("matching_aware", [True, False])
def test_the_discriminator_loss_of_a_step_is_the_formula_on_its_own_scores(matching_aware):
    model = _model(matching_aware=matching_aware, label_smoothing=0.0, label_noise=0.0, dropout=0.0,
                   text_interpolation=None)
    real, ids = _batch()
    fake = np.random.default_rng(1).uniform(-1, 1, real.shape).astype("float32")
    vectors = model.embed_conditions(ids)
    fakes = Fakes(np.zeros((4, 4), "float32"), vectors, ops.convert_to_tensor(fake))
    d_loss, (context, _) = model._discriminator_step(ops.convert_to_tensor(real), ops.convert_to_tensor(ids),
                                                     update=False, fakes=fakes)

    def score(images, phi):
        inputs = [ops.convert_to_tensor(images), ops.convert_to_tensor(phi)]
        return ops.convert_to_numpy(model.discriminator(inputs, training=False))[:, 0]

    s_r, s_f = score(real, vectors), score(fake, vectors)
    s_w = score(real, np.roll(ops.convert_to_numpy(vectors), 1, axis=0))
    wrong = 0.5 * (_softplus(s_w) + _softplus(s_f)) if matching_aware else _softplus(s_f)
    np.testing.assert_allclose(float(d_loss), np.mean(_softplus(-s_r) + wrong), rtol=1e-4)
    real_score, fake_score = model.mean_scores(context)
    np.testing.assert_allclose(float(fake_score), np.mean(1 / (1 + np.exp(-s_f))), rtol=1e-4)
    np.testing.assert_allclose(float(real_score), np.mean(1 / (1 + np.exp(-s_r))), rtol=1e-4)


def test_mismatch_score_is_logged_with_the_matching_aware_loss_only():
    real, ids = _batch(8)
    history = _model().fit(real, ids, batch_size=4, epochs=1, verbose=0).history
    assert sorted(history) == ["d_loss", "fake_score", "g_loss", "mismatch_score", "real_score"]
    assert 0.0 < history["mismatch_score"][0] < 1.0
    plain = _model(matching_aware=False).fit(real, ids, batch_size=4, epochs=1, verbose=0).history
    assert "mismatch_score" not in plain


def test_each_player_changes_only_its_own_weights_and_the_generator_reads_the_encoder_without_updating_it():
    model = _model()
    real, ids = _batch()
    ids = ops.convert_to_tensor(ids)
    encoder_ids = {id(v) for v in model.text_encoder.trainable_variables}
    assert encoder_ids <= {id(v) for v in model.optimizer_variables("d_optimizer")}
    assert not encoder_ids & {id(v) for v in model.optimizer_variables("g_optimizer")}
    networks = {name: getattr(model, name) for name in ("generator", "discriminator", "text_encoder")}
    before = {name: weights_of(network) for name, network in networks.items()}
    model._discriminator_step(real, ids, update=True)
    after_d = {name: weights_of(network) for name, network in networks.items()}
    assert changed(before["discriminator"], after_d["discriminator"]) == len(model.discriminator.weights)
    assert changed(before["text_encoder"], after_d["text_encoder"]) == len(model.text_encoder.weights)
    generator_trainable = [v for v in model.generator.weights if v.trainable]
    assert changed([w for w, v in zip(before["generator"], model.generator.weights) if v.trainable],
                   [w for w, v in zip(after_d["generator"], model.generator.weights) if v.trainable]) == 0
    model._generator_step(real, ids, update=True)
    after_g = {name: weights_of(network) for name, network in networks.items()}
    assert changed(after_d["discriminator"], after_g["discriminator"]) == 0
    assert changed(after_d["text_encoder"], after_g["text_encoder"]) == 0
    assert changed([w for w, v in zip(after_d["generator"], model.generator.weights) if v.trainable],
                   [w for w, v in zip(after_g["generator"], model.generator.weights) if v.trainable]) == len(
        generator_trainable)


def test_a_pretrained_text_encoder_can_stay_fixed():
    encoder = keras_gen.networks.text_encoder(CAPTIONS, embedding_dim=6)
    model = _model(text_encoder=encoder, train_text_encoder=False)
    start = weights_of(encoder)
    real, ids = _batch(8)
    model.fit(real, ids, batch_size=4, epochs=1, verbose=0)
    assert changed(start, weights_of(encoder)) == 0
    assert not {id(v) for v in encoder.trainable_variables} & {id(v) for v in model.optimizer_variables("d_optimizer")}


def test_gan_int_interpolates_captions_in_the_generators_own_pass():
    real, ids = _batch()
    ids = ops.convert_to_tensor(ids)
    model = _model(text_interpolation=0.25)
    fakes = model._fakes(real, ids, update=False, for_generator=True)
    vectors = ops.convert_to_numpy(model.embed_conditions(ids))
    assert fakes.images.shape[0] == 8 and fakes.latent_points.shape[0] == 8
    np.testing.assert_allclose(ops.convert_to_numpy(fakes.conditions[4:]),
                               0.25 * vectors + 0.75 * np.roll(vectors, 1, axis=0), rtol=1e-5, atol=1e-6)
    assert model._fakes(real, ids, update=False, for_generator=False).images.shape[0] == 4  # D's own fakes
    _, (context, _) = model._generator_step(real, ids, update=False, fakes=fakes)
    assert context.fake_logits.shape[0] == 8
    off = _model(text_interpolation=None)
    assert off._fakes(real, ids, update=False, for_generator=True).images.shape[0] == 4


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
        model.generate(len(images), conditions=conditions)


@pytest.mark.graph  # the step traced, as fit runs it for users: the check must come before the updates
def test_an_empty_caption_in_a_pipeline_stops_the_traced_step_before_any_update():
    model = _model()
    images, ids = _batch(4)
    ids[2] = 0
    start = weights_of(model)
    with pytest.raises(ValueError, match="empty caption"):
        model.fit(tf.data.Dataset.from_tensor_slices((images, ids)).batch(4), verbose=0)
    assert changed(start, weights_of(model)) == 0


def test_generate_takes_strings_and_is_deterministic_with_latent_points_and_the_saved_model_tokenizes_alike(
        tmp_path):
    model = _model()
    real, ids = _batch(8)
    model.fit(real, ids, batch_size=4, epochs=1, verbose=0)
    points = np.random.default_rng(2).standard_normal((2, 4)).astype("float32")
    texts = ["a dark boot", "large light sandal"]
    samples = model.generate(latent_points=points, conditions=texts)
    np.testing.assert_array_equal(samples, model.generate(latent_points=points, conditions=CAPTIONS.tokenize(texts)))
    assert np.abs(samples[0] - samples[1]).max() > 1e-4  # the caption changes the image
    path = str(tmp_path / "gan_cls.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert isinstance(reloaded, GANCLS) and reloaded.condition == CAPTIONS
    assert (reloaded.matching_aware, reloaded.text_interpolation) == (True, 0.5)
    np.testing.assert_allclose(reloaded.generate(latent_points=points, conditions=texts), samples, atol=1e-6)
    assert int(reloaded.d_optimizer.iterations) == int(model.d_optimizer.iterations) == 2
    reloaded.fit(real, ids, batch_size=4, epochs=1, verbose=0)
    assert int(reloaded.g_optimizer.iterations) == 4


@pytest.mark.parametrize("condition", [Condition.classes(3), Condition.multi_hot(["dark", "large", "boot"])])
def test_other_condition_kinds_are_vectors_without_an_encoder_to_train(condition):
    model = _model(condition)
    assert model.text_encoder.weights == [] and model.condition == condition
    images, _ = _batch(6)
    values = np.arange(6, dtype="int32") % 3 if condition.kind == "classes" else np.eye(3, dtype="float32")[
        np.arange(6) % 3]
    model.fit(images, values, batch_size=3, epochs=1, verbose=0)
    vectors = ops.convert_to_numpy(model.embed_conditions(values[:3]))
    np.testing.assert_array_equal(vectors, np.eye(3, dtype="float32"))
    grid, columns = model.grid_samples(n=6)
    assert grid.shape == (6, 16, 16, 1) and columns == 2


def test_wrong_arguments_get_clear_errors():
    with pytest.raises(ValueError, match="Condition of kind"):
        _model(Condition.layout((4, 4), 2))
    with pytest.raises(ValueError, match="text_interpolation is GAN-INT's beta"):
        _model(text_interpolation=1.5)
    other = keras_gen.networks.text_encoder(Condition.tokens(["x"], max_length=2), embedding_dim=8)
    with pytest.raises(ValueError, match="condition_encoder"):
        _model(text_encoder=other)
    with pytest.raises(ValueError, match="even"):
        keras_gen.networks.text_encoder(CAPTIONS, embedding_dim=5)


def test_mode_seeking_adds_mao_et_als_term_on_two_draws_of_the_same_captions():
    model = _model(mode_seeking=2.0, text_interpolation=None)
    images, ids = _batch(4)
    # The generator's batch ends with the real batch's captions again, drawn from other latent points.
    fakes = model._fakes(images, ids, update=False, for_generator=True)
    assert tuple(fakes.images.shape) == (8, 16, 16, 1)
    np.testing.assert_array_equal(ops.convert_to_numpy(fakes.conditions[4:]), ops.convert_to_numpy(fakes.conditions[:4]))
    assert np.abs(ops.convert_to_numpy(fakes.latent_points[4:] - fakes.latent_points[:4])).max() > 0
    # The term against the formula: weight / (mean |G(z1) - G(z2)| / mean |z1 - z2| + 1e-5), once per batch mean.
    rng = np.random.default_rng(1)
    fake = rng.uniform(-1, 1, (8, 16, 16, 1)).astype("float32")
    points = rng.standard_normal((8, 4)).astype("float32")
    context = losses.AdversarialContext(images, fake, None, np.zeros((8, 1), "float32"), fake_latent_points=points)
    term = ops.convert_to_numpy(model.generator_regularization(context, False)["mode_seeking_loss"])
    ratio = np.mean(np.abs(fake[:4] - fake[4:])) / np.mean(np.abs(points[:4] - points[4:]))
    np.testing.assert_allclose(term, np.full(8, 2.0 / (ratio + 1e-5)), rtol=1e-5)
    # Logged while training, saved with the model; StackGAN and bad weights are refused.
    generator = weights_of(model.generator)
    history = model.fit(images, ids, batch_size=4, epochs=1, verbose=0)
    assert history.history["mode_seeking_loss"][0] > 0 and changed(generator, weights_of(model.generator)) > 0
    assert GANCLS.from_config(model.get_config()).mode_seeking == 2.0
    with pytest.raises(ValueError, match="a number >= 0"):
        _model(mode_seeking=-1.0)
    with pytest.raises(ValueError, match="StackGAN does not support mode_seeking"):
        keras_gen.models.StackGAN.for_images((16, 16, 1), CAPTIONS, latent_dim=4, condition_dim=2, stage1_size=8,
                                             width=4, mode_seeking=1.0)


def test_fit_and_evaluate_take_captions_as_strings():
    model = _model()
    images, _ = _batch(4)
    texts = (TEXTS * 2)[:4]
    generator = weights_of(model.generator)
    model.fit(images, texts, batch_size=4, epochs=1, verbose=0)
    assert changed(generator, weights_of(model.generator)) > 0
    assert set(model.evaluate(images, np.array(texts), batch_size=4, verbose=0, return_dict=True)) >= {"d_loss", "g_loss"}
    with pytest.raises(ValueError, match="empty"):
        model.fit(images, ["", *texts[1:]], batch_size=4, verbose=0)
