"""The backend seam and the adversarial losses: values against independent math."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_gen import losses, training


def _linear_critic(weights):
    w = keras.ops.convert_to_tensor(weights.reshape(1, -1))

    def critic(images):
        flat = ops.reshape(images, (ops.shape(images)[0], -1))
        return ops.sum(flat * w, axis=-1, keepdims=True)

    return critic


def test_input_gradients_of_a_linear_critic_are_its_weights():
    rng = np.random.default_rng(0)
    weights = rng.standard_normal(12).astype("float32")
    images = keras.ops.convert_to_tensor(rng.standard_normal((5, 2, 2, 3)).astype("float32"))
    gradients = keras.ops.convert_to_numpy(training.input_gradients(_linear_critic(weights), images))
    np.testing.assert_allclose(gradients.reshape(5, -1), np.tile(weights, (5, 1)), rtol=1e-6)


def test_gradient_penalty_of_a_linear_critic_is_norm_minus_one_squared():
    """For D(x) = w.x the gradient is w everywhere, so the penalty is (||w|| - 1)^2 (Gulrajani et al.)."""
    rng = np.random.default_rng(1)
    weights = rng.standard_normal(12).astype("float32")
    real, fake = (rng.standard_normal((4, 2, 2, 3)).astype("float32") for _ in range(2))
    interpolates = losses.random_interpolates(
        keras.ops.convert_to_tensor(real), keras.ops.convert_to_tensor(fake), keras.random.SeedGenerator(0)
    )
    penalty = losses.gradient_penalty(training.input_gradients(_linear_critic(weights), interpolates))
    expected = (np.linalg.norm(weights.astype(np.float64)) - 1.0) ** 2
    np.testing.assert_allclose(keras.ops.convert_to_numpy(penalty), np.full(4, expected), rtol=1e-5)
    r1 = losses.r1_penalty(training.input_gradients(_linear_critic(weights), keras.ops.convert_to_tensor(real)))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(r1), np.full(4, np.sum(weights.astype(np.float64) ** 2)), rtol=1e-5)


def test_random_interpolates_use_one_epsilon_per_example():
    real = np.ones((6, 3, 3, 1), "float32")
    fake = np.zeros((6, 3, 3, 1), "float32")
    mixed = keras.ops.convert_to_numpy(losses.random_interpolates(real, fake, keras.random.SeedGenerator(2)))
    per_example = mixed.reshape(6, -1)
    np.testing.assert_allclose(per_example, per_example[:, :1] * np.ones((1, 9)))  # constant within an image
    assert len(np.unique(per_example[:, 0])) == 6 and 0 <= per_example.min() and per_example.max() <= 1


@pytest.mark.parametrize("name", sorted(losses.ADVERSARIAL_LOSSES))
def test_adversarial_loss_pairs_against_numpy(name):
    rng = np.random.default_rng(3)
    real_logits = rng.standard_normal((5, 1)).astype("float32")
    fake_logits = rng.standard_normal((5, 1)).astype("float32")
    r, f = real_logits[:, 0].astype(np.float64), fake_logits[:, 0].astype(np.float64)

    def softplus(x):
        return np.log1p(np.exp(x))

    expected = {
        "non_saturating": (softplus(-r) + softplus(f), softplus(-f)),
        "minimax": (softplus(-r) + softplus(f), -softplus(f)),
        "least_squares": (0.5 * (r - 1) ** 2 + 0.5 * f**2, 0.5 * (f - 1) ** 2),
        "hinge": (np.maximum(0, 1 - r) + np.maximum(0, 1 + f), -f),
        "wasserstein": (f - r, -f),
    }[name]
    objective = losses.adversarial_loss(name)
    context = losses.AdversarialContext(None, None, real_logits, fake_logits)
    if objective.uses_targets:
        context = context._replace(real_targets=np.ones((5, 1), "float32"), fake_targets=np.zeros((5, 1), "float32"))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(objective.discriminator(context)), expected[0], rtol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(objective.generator(context)), expected[1], rtol=1e-5, atol=1e-7)


def test_unknown_loss_name_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown adversarial loss 'wgan'.*hinge"):
        losses.adversarial_loss("wgan")


def test_stateless_loss_uses_the_given_values_and_changes_no_variable():
    """A loss closure can be evaluated with substituted weights, as a stateless (JAX) trainer needs."""
    from keras_gen.models import DCGAN

    gan = DCGAN.for_images((8, 8, 1), latent_dim=4, width=4, seed=0)
    z = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")

    def loss_fn():
        logits = gan.adversarial(z, training=False)
        return ops.mean(logits), logits

    before = [keras.ops.convert_to_numpy(v) for v in gan.generator.weights]
    zeroed = [(v, ops.zeros_like(v)) for v in gan.generator.trainable_weights]
    loss, _, updates = training.stateless_loss(loss_fn, zeroed)
    # With every generator weight zero the generator outputs tanh(0) = 0 images.
    expected_logits = gan.discriminator(np.zeros((3, 8, 8, 1), "float32"), training=False)
    np.testing.assert_allclose(float(loss), float(ops.mean(expected_logits)), rtol=1e-5)
    assert all(np.array_equal(a, keras.ops.convert_to_numpy(v)) for a, v in zip(before, gan.generator.weights))
    assert all(not np.any(keras.ops.convert_to_numpy(value)) for _, value in updates)


def test_an_unsupported_backend_is_named_with_the_supported_ones(monkeypatch):
    from keras_gen import training

    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(NotImplementedError, match=r"tensorflow and jax backends; the active Keras backend is 'torch'"):
        training.minimize(lambda: (0.0, None), [], None)


def test_minimize_through_a_recorded_pass_equals_minimize_of_the_whole_loss():
    """One forward pass used twice gives the update that differentiating the whole chain again would give."""
    rng = np.random.default_rng(4)
    inputs = rng.standard_normal((6, 3)).astype("float32")

    def networks():
        keras.utils.set_random_seed(0)
        first = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, activation="tanh")])
        second = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1)])
        return first, second, keras.optimizers.SGD(0.1)

    def loss_of(outputs, second):
        scores = second(outputs)
        return ops.mean(scores**2), scores

    first, second, optimizer = networks()
    expected_loss, _ = training.minimize(lambda: loss_of(first(inputs), second), first.trainable_variables, optimizer)
    expected = [keras.ops.convert_to_numpy(v) for v in first.trainable_variables]

    first, second, optimizer = networks()
    outputs, forward = training.forward_for_update(lambda: first(inputs), first.trainable_variables)
    # What uses the outputs in between gets no gradient path to `first`.
    constant = training.input_gradients(lambda x: ops.sum(x, axis=-1), outputs)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(constant), np.ones((6, 5)))
    loss, _ = training.minimize_through(forward, lambda out: loss_of(out, second), optimizer)
    np.testing.assert_allclose(float(loss), float(expected_loss), rtol=1e-6)
    for value, variable in zip(expected, first.trainable_variables):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(variable), value, rtol=1e-5, atol=1e-6)
    assert not np.allclose(expected[0], networks()[0].trainable_variables[0].numpy())  # the update moved them
