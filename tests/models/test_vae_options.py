"""The VAE's options: VampPrior, two-stage prior, inverse autoregressive flow, two latent layers, residual blocks.

Each test builds a tiny VAE (8x8 images, a few units); the family contract
(`tests/test_families.py`) covers the default VAE's saving, seeds and bad batches.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy.special import logsumexp

from keras_gen.evaluation import likelihood_bounds
from keras_gen.models import VAE
from keras_gen.models.autoencoders.vae import iaf_step
from tests.test_case import variables_of, weights_of

SHAPE = (8, 8, 1)
TINY = {"latent_dim": 2, "width": 4, "hidden_units": 8}
OPTIONS = {
    "vamp": {"prior": "vamp", "num_pseudo_inputs": 5},
    "two_stage": {"prior": "two_stage"},
    "iaf": {"posterior": "iaf", "iaf_steps": 2},
    "two_layers": {"latent_layers": 2},
    "residual": {"residual_blocks": 1},
    "vamp+two_layers": {"prior": "vamp", "num_pseudo_inputs": 5, "latent_layers": 2},
    "iaf+discretized": {"posterior": "iaf", "reconstruction": "discretized_logistic"},
}


def images(count=8, seed=0):
    return (np.random.default_rng(seed).integers(0, 256, (count, *SHAPE)) / 255.0).astype("float32")


def tiny(seed=0, **options):
    model = VAE.for_images(SHAPE, seed=seed, **{**TINY, **options})
    model.compile()
    return model


@pytest.mark.parametrize("name", list(OPTIONS))
def test_every_option_trains_samples_scores_and_reloads(name, tmp_path):
    model = tiny(**OPTIONS[name])
    before = weights_of(model)
    history = model.fit(images(), batch_size=4, epochs=1, verbose=0)
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    assert sum(not np.array_equal(a, b) for a, b in zip(before, weights_of(model))) > 0
    mean, log_var = model.encode(images(2))
    assert tuple(mean.shape) == tuple(log_var.shape) == (2, 2)
    assert model.decode(np.zeros((3, 2), "float32")).shape == (3, *SHAPE)
    assert model.generate(3).shape == (3, *SHAPE)
    log_prob = model.log_prob(images(3), num_samples=8)
    assert log_prob.shape == (3,) and np.all(np.isfinite(log_prob))
    path = str(tmp_path / "vae.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert (loaded.prior, loaded.posterior, loaded.latent_layers) == (model.prior, model.posterior, model.latent_layers)
    # Resuming needs every variable back (pseudo-inputs, flows, second stage, seed streams) and the optimizer's
    # state (its step count and moments), not only the weights that the outputs below depend on.
    for saved, restored in zip(variables_of(model), variables_of(loaded), strict=True):
        np.testing.assert_array_equal(restored, saved)
    assert len(model.optimizer.variables) > 2  # built: its step count and moments
    for saved, restored in zip(variables_of(model.optimizer), variables_of(loaded.optimizer), strict=True):
        np.testing.assert_array_equal(restored, saved)
    np.testing.assert_array_equal(loaded.log_importance_weights(images(3), num_samples=4, seed=1),
                                  model.log_importance_weights(images(3), num_samples=4, seed=1))
    points = np.random.default_rng(0).standard_normal((3, 2)).astype("float32")
    np.testing.assert_array_equal(loaded.generate(latent_points=points), model.generate(latent_points=points))


def test_iaf_log_determinant_equals_that_of_the_jacobian():
    model = tiny(posterior="iaf", iaf_steps=1)
    flow = model.flows[0]
    rng = np.random.default_rng(0)
    for weight in flow.trainable_weights:
        weight.assign(rng.normal(0, 0.5, weight.shape).astype("float32"))
    z = tf.constant(rng.standard_normal((1, 2)), "float32")
    context = tf.constant(rng.standard_normal((1, 4)), "float32")
    with tf.GradientTape() as tape:
        tape.watch(z)
        moved, log_det = iaf_step(flow, z, context)
    jacobian = tape.jacobian(moved, z).numpy()[0, :, 0, :]
    order = keras.ops.convert_to_numpy(flow.orderings)[0]
    # Autoregressive: in the flow's ordering, z'_i depends on z_j only for j up to i.
    assert np.abs(np.triu(jacobian[np.ix_(order, order)], 1)).max() == 0.0
    np.testing.assert_allclose(float(log_det[0]), np.log(abs(np.linalg.det(jacobian))), rtol=1e-5, atol=1e-5)


def test_vamp_prior_is_the_mixture_of_the_encoder_at_the_pseudo_images():
    model = tiny(prior="vamp", num_pseudo_inputs=5)
    means, log_vars = (keras.ops.convert_to_numpy(t).astype("float64") for t in model.encoder(model.pseudo_images()))
    z = np.random.default_rng(1).standard_normal((6, 2))
    per_component = -0.5 * np.sum(np.log(2 * np.pi) + log_vars[None] + (z[:, None] - means[None]) ** 2
                                  / np.exp(log_vars[None]), axis=-1)
    expected = logsumexp(per_component, axis=1) - np.log(5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model._log_prior(z.astype("float32"))), expected, rtol=1e-5)
    pseudo = keras.ops.convert_to_numpy(model.pseudo_images())
    assert pseudo.shape == (5, *SHAPE) and pseudo.min() >= 0 and pseudo.max() <= 1


@pytest.mark.graph  # many steps or a compiled loop: tracing pays off
@pytest.mark.parametrize("prior", ["standard", "vamp"])
def test_bound_approaches_the_integral_of_p_x_with_a_one_dimensional_latent(prior):
    model = VAE.for_images((4, 4, 1), latent_dim=1, width=2, hidden_units=4, prior=prior, num_pseudo_inputs=3,
                           seed=0)
    model.compile()
    x = images(2)[:, :4, :4]
    model.fit(x, batch_size=2, epochs=20, verbose=0)
    grid = np.linspace(-10, 10, 4001, dtype="float32")[:, None]
    step = float(grid[1, 0] - grid[0, 0])
    log_prior = keras.ops.convert_to_numpy(model._log_prior(grid)).astype("float64")
    exact = []
    for image in x:
        tiled = np.repeat(image[None], len(grid), axis=0)
        log_px = keras.ops.convert_to_numpy(model.log_px_given_z(tiled, grid)).astype("float64")
        exact.append(logsumexp(log_px + log_prior) + np.log(step))
    exact = np.array(exact)
    elbo = model.log_importance_weights(x, num_samples=200, seed=0).mean(axis=1)
    bound = model.log_prob(x, num_samples=2000)
    assert np.all(bound <= exact + 0.02)
    assert np.all(exact - bound <= 0.25 * (exact - elbo) + 0.02)


def test_two_stage_trains_the_second_stage_without_gradient_into_the_first(tmp_path):
    model = tiny(prior="two_stage")
    x = tf.constant(images(4))
    with tf.GradientTape() as tape:
        _, (_, _, prior_loss) = model._negative_elbo(x, None, training=True)
        total = tf.reduce_mean(prior_loss)
    first_stage = [*model.encoder.trainable_variables, *model.decoder.trainable_variables]
    gradients = tape.gradient(total, first_stage + model._second_stage_variables())
    assert all(g is None or not np.any(g.numpy()) for g in gradients[: len(first_stage)])
    assert any(g is not None and np.any(g.numpy()) for g in gradients[len(first_stage):])
    history = model.fit(images(), batch_size=4, epochs=1, verbose=0)
    assert "prior_loss" in history.history
    first, second = weights_of(model.encoder), weights_of(model.prior_encoder)
    prior_history = model.fit_prior(images(), epochs=1, batch_size=4, verbose=0)
    assert list(prior_history.history) == ["prior_loss"]
    assert all(np.array_equal(a, b) for a, b in zip(first, weights_of(model.encoder)))
    assert any(not np.array_equal(a, b) for a, b in zip(second, weights_of(model.prior_encoder)))
    # Back to training both stages afterwards.
    assert "kl_loss" in model.fit(images(), batch_size=4, epochs=1, verbose=0).history


def test_likelihood_bounds_use_the_models_own_weights():
    model = tiny(prior="vamp", num_pseudo_inputs=5)
    bounds = likelihood_bounds(model, images(3), num_importance_samples=16, seed=4)
    weights = model.log_importance_weights(images(3), num_samples=16, seed=4)
    np.testing.assert_allclose(bounds.iwae, logsumexp(weights, axis=1) - np.log(16), rtol=1e-6)
    np.testing.assert_allclose(bounds.elbo, weights.mean(axis=1), rtol=1e-6)


def test_residual_blocks_are_in_both_networks():
    model = tiny(residual_blocks=2)
    for network in (model.encoder, model.decoder):
        assert sum(isinstance(layer, keras.layers.Add) for layer in network.layers) == 4


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"prior": "flow"}, "Unknown prior"),
        ({"posterior": "normal"}, "Unknown posterior"),
        ({"latent_layers": 3}, "latent_layers"),
        ({"residual_blocks": -1}, "residual_blocks"),
        ({"posterior": "iaf", "latent_layers": 2}, "not supported"),
        ({"prior": "vamp", "num_pseudo_inputs": 0}, "num_pseudo_inputs"),
        ({"posterior": "iaf", "iaf_steps": 0}, "iaf_steps"),
    ],
)
def test_unsupported_values_and_combinations_fail_at_construction(options, message):
    with pytest.raises(ValueError, match=message):
        VAE.for_images(SHAPE, **TINY, **options)


def test_fit_prior_needs_the_two_stage_prior():
    with pytest.raises(ValueError, match="two_stage"):
        tiny().fit_prior(images())
