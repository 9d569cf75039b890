"""ELBO and IWAE on a linear-Gaussian model whose log p(x) is known in closed form."""

import math

import numpy as np
import pytest

from keras_gen.evaluation import likelihood as L
from keras_gen.evaluation.metrics import bits_per_dim

from .stand_ins import ImagePoolGenerator, LinearGaussianVAE


@pytest.fixture
def images():
    return LinearGaussianVAE(seed=1).generate(64)


def test_iwae_is_exact_with_the_true_posterior(images):
    # With q(z|x) = p(z|x) every importance weight equals p(x): the estimate is exact.
    vae = LinearGaussianVAE()
    bounds = L.likelihood_bounds(vae, images, num_importance_samples=4, batch_size=16)
    np.testing.assert_allclose(bounds.iwae, vae.exact_log_px(images), rtol=1e-5, atol=1e-5)
    # The ELBO is exact in expectation; its one-term Monte Carlo estimate is close.
    assert bounds.elbo.mean() == pytest.approx(vae.exact_log_px(images).mean(), abs=0.05)


def test_bounds_tighten_with_more_importance_samples():
    # An under-dispersed, shrunk encoder: the ELBO is loose and IWAE closes the gap slowly.
    vae = LinearGaussianVAE(mean_scale=0.5, log_var_shift=-1.0)
    images = LinearGaussianVAE(seed=1).generate(256)
    exact = vae.exact_log_px(images).mean()
    elbo = L.likelihood_bounds(vae, images, num_importance_samples=64).elbo.mean()
    iwae = {
        k: L.likelihood_bounds(vae, images, num_importance_samples=k).iwae.mean()
        for k in (1, 10, 1000)
    }
    assert elbo < iwae[10] < iwae[1000] < exact
    assert iwae[1] == pytest.approx(elbo, abs=0.1)  # L_1 is a (noisier) ELBO estimate
    assert exact - iwae[1000] < 0.3 * (exact - elbo)


def test_repeatable_with_a_seed(images):
    vae = LinearGaussianVAE(mean_scale=0.8)
    first = L.likelihood_bounds(vae, images, num_importance_samples=8, seed=5)
    again = L.likelihood_bounds(vae, images, num_importance_samples=8, seed=5)
    np.testing.assert_array_equal(first.iwae, again.iwae)


def test_likelihood_metrics_units(images):
    vae = LinearGaussianVAE()
    results = L.likelihood_metrics(vae, images, num_importance_samples=4)
    assert set(results) == {"elbo", "elbo_bits_per_dim", "iwae_nll", "iwae_bits_per_dim"}
    exact_nll = -vae.exact_log_px(images).mean()
    assert results["iwae_nll"] == pytest.approx(exact_nll, rel=1e-5)
    assert results["iwae_bits_per_dim"] == pytest.approx(exact_nll / (4 * math.log(2)), rel=1e-5)
    assert results["elbo_bits_per_dim"] == pytest.approx(bits_per_dim(-results["elbo"], 4))


def test_pure_helpers():
    z, mean, log_var = np.array([[0.5, -1.0]]), np.array([[0.1, 0.2]]), np.array([[0.3, -0.4]])
    direct = sum(
        -0.5 * (math.log(2 * math.pi) + lv + (zi - m) ** 2 / math.exp(lv))
        for zi, m, lv in zip(z[0], mean[0], log_var[0])
    )
    assert L.gaussian_log_density(z, mean, log_var)[0] == pytest.approx(direct)
    assert L.standard_normal_log_density(z)[0] == pytest.approx(
        L.gaussian_log_density(z, np.zeros_like(z), np.zeros_like(z))[0]
    )
    # KL by Monte Carlo vs the closed form.
    rng = np.random.default_rng(0)
    samples = mean + np.exp(0.5 * log_var) * rng.normal(size=(200000, 2))
    monte_carlo = np.mean(
        L.gaussian_log_density(samples, mean, log_var) - L.standard_normal_log_density(samples)
    )
    assert L.gaussian_kl_to_standard_normal(mean, log_var)[0] == pytest.approx(
        monte_carlo, abs=0.01
    )
    assert L.iwae_bound(np.log([[1.0], [3.0]]))[0] == pytest.approx(math.log(2.0))


def test_rejects_models_without_encoder():
    with pytest.raises(TypeError, match="lacks \\['encode', 'log_px_given_z'\\]"):
        L.likelihood_bounds(ImagePoolGenerator(np.zeros((4, 2, 2, 1))), np.zeros((4, 2, 2, 1)))
