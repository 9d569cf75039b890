"""The one adversarial update: GAN, the paired translators, CycleGAN and BiGAN all run it."""

import keras
import numpy as np
import pytest

from keras_gen import losses
from keras_gen.models import DCGAN, GAN, BiGAN, CycleGAN, Pix2Pix
from keras_gen.models.adversarial import update
from keras_gen.models.adversarial.update import Adversarial, Judgement, discriminator_loss

SHAPE = (8, 8, 1)


def _images(count=4, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (count, *SHAPE)).astype("float32")


def _dcgan():
    return DCGAN.for_images(SHAPE, latent_dim=4, width=4, seed=0), (_images(),)


def _bigan():
    return BiGAN.for_images(SHAPE, latent_dim=4, width=4, hidden_units=8, seed=0), (_images(),)


def _pix2pix():
    return Pix2Pix.for_images(SHAPE, width=4, seed=0), (_images(), _images(seed=1))


def _cyclegan():
    return CycleGAN.for_images(SHAPE, width=4, num_blocks=1, pool_size=2, seed=0), (_images(), _images(seed=1))


@pytest.mark.parametrize(
    "make, players, judgements",
    [
        (_dcgan, ("d_optimizer",), 1),
        (_bigan, ("d_optimizer",), 1),
        (_pix2pix, ("d_optimizer",), 1),
        (_cyclegan, ("d_a_optimizer", "d_b_optimizer"), 2),  # both discriminators in one update
    ],
    ids=["gan", "bigan", "pix2pix", "cyclegan"],
)
def test_each_family_updates_its_discriminators_through_the_one_update(make, players, judgements, monkeypatch):
    updates, judged = [], []
    shared_update, shared_loss = Adversarial.discriminator_update, update.discriminator_loss

    def spied_update(model, given, optimizer_names, training):
        updates.append((tuple(optimizer_names), len(given), training))
        return shared_update(model, given, optimizer_names, training)

    def spied_loss(objective, judgement, training):
        judged.append(judgement)
        return shared_loss(objective, judgement, training)

    monkeypatch.setattr(Adversarial, "discriminator_update", spied_update)
    monkeypatch.setattr(update, "discriminator_loss", spied_loss)
    model, data = make()
    model.compile()
    before = [np.array(v) for name in players for v in model.optimizer_variables(name)]
    logs = model.fit(*data, batch_size=4, epochs=1, verbose=0).history
    assert updates == [(players, judgements, True)]
    assert len(judged) == judgements
    after = [np.array(v) for name in players for v in model.optimizer_variables(name)]
    assert any(not np.array_equal(a, b) for a, b in zip(before, after))
    model.evaluate(*data, batch_size=4, verbose=0)
    assert updates[-1] == (players, judgements, False)
    assert all(np.isfinite(values[-1]) for values in logs.values())


@pytest.mark.parametrize("family", [GAN, BiGAN, Pix2Pix, CycleGAN])
def test_no_family_writes_its_own_discriminator_update(family):
    for name in ("discriminator_update", "objective", "default_optimizer", "_discriminator_loss"):
        assert name not in vars(family), (family.__name__, name)
    assert issubclass(family, Adversarial)


def test_bigan_changes_hooks_not_the_discriminator_step():
    assert "_discriminator_step" not in vars(BiGAN)
    assert {"conditions_of_real", "conditions_of_fakes", "discriminate"} <= set(vars(BiGAN))


def test_bigan_pairs_images_with_codes_and_latent_points(monkeypatch):
    judged = []
    shared_loss = update.discriminator_loss
    monkeypatch.setattr(update, "discriminator_loss", lambda o, j, t: judged.append(j) or shared_loss(o, j, t))
    model, (images,) = _bigan()
    model.compile()
    model._discriminator_step(keras.ops.convert_to_tensor(images), None, update=False)
    [judgement] = judged
    np.testing.assert_allclose(judgement.conditions, model.encode(images), rtol=1e-5, atol=1e-6)  # (x, E(x))
    np.testing.assert_allclose(model.generator(judgement.fake_conditions, training=False),  # (G(z), z)
                               judgement.fake, rtol=1e-4, atol=1e-5)


def test_defaults_come_from_the_mixin():
    for model in (_dcgan()[0], _pix2pix()[0], _cyclegan()[0]):
        assert model.objective is losses.adversarial_loss(model.loss_name)
        optimizer = model.default_optimizer("d_optimizer")
        assert isinstance(optimizer, keras.optimizers.Adam)
        assert float(optimizer.learning_rate) == pytest.approx(type(model).default_learning_rate)
        assert float(optimizer.beta_1) == 0.5
    assert DCGAN.default_learning_rate == 4e-4 and GAN.default_learning_rate == CycleGAN.default_learning_rate == 2e-4
    # Only DCGAN gives its generator another rate.
    rates = {type(model): float(model.default_optimizer("g_optimizer").learning_rate)
             for model in (_dcgan()[0], _pix2pix()[0], _cyclegan()[0])}
    assert rates[DCGAN] == pytest.approx(6e-4) and rates[CycleGAN] == pytest.approx(2e-4)


class _Recorder:
    """A stand-in discriminator: logit = mean pixel, one extra head = the images' first pixel."""

    def __init__(self):
        self.seen = []

    def __call__(self, images, conditions, training):
        self.seen.append((images, conditions))
        flat = keras.ops.reshape(images, (keras.ops.shape(images)[0], -1))
        return keras.ops.mean(flat, axis=-1, keepdims=True), [flat[:, :1]]


def test_discriminator_loss_judges_real_and_fake_in_one_call():
    real, fake = _images(3), _images(3, seed=1)
    labels, fake_labels = np.array([0, 1, 2]), np.array([2, 1, 0])
    discriminate = _Recorder()
    penalty = lambda context, training: {"p": keras.ops.ones((3,))}
    objective = losses.adversarial_loss("wasserstein")
    judgement = Judgement(discriminate, real, fake, labels, fake_labels, regularization=penalty, weight=0.5)
    loss, (context, penalties) = discriminator_loss(objective, judgement, True)
    [(images, conditions)] = discriminate.seen
    np.testing.assert_array_equal(images, np.concatenate([real, fake]))
    np.testing.assert_array_equal(conditions, [0, 1, 2, 2, 1, 0])
    np.testing.assert_allclose(context.real_logits[:, 0], real.reshape(3, -1).mean(-1), rtol=1e-6)
    np.testing.assert_allclose(context.fake_heads[0][:, 0], fake.reshape(3, -1)[:, 0])
    expected = 0.5 * np.mean(objective.discriminator(context) + 1.0)
    np.testing.assert_allclose(float(loss), expected, rtol=1e-6)
    assert set(penalties) == {"p"}
    # A discriminator that predicts the conditions (AC-GAN) is not given them.
    discriminator_loss(objective, judgement._replace(sees_conditions=False), True)
    assert discriminate.seen[-1][1] is None


def test_update_players_without_update_changes_nothing():
    model, (images,) = _dcgan()
    model.compile()
    before = [np.array(v) for v in model.discriminator.trainable_variables]
    loss, _ = model._discriminator_step(keras.ops.convert_to_tensor(images), None, update=False)
    assert np.isfinite(float(loss)) and int(model.d_optimizer.iterations) == 0
    for a, b in zip(before, model.discriminator.trainable_variables):
        np.testing.assert_array_equal(a, np.array(b))
