"""Likelihood estimates for VAEs on held-out data: the ELBO and the IWAE bound.

Works with any model exposing `encode(x) -> (mean, log_var)` of a diagonal
Gaussian q(z|x), `log_px_given_z(x, z) -> (B,)` in nats summed over pixels, and
a standard normal prior p(z) = N(0, I), as `keras_gen.models.VAE` does by
default. VAEs with other priors, flows or two latent layers bring their own
importance weights (`log_importance_weights`), which are used instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import keras
import numpy as np

from keras_gen.data.conditions import condition_rows
from keras_gen.evaluation.metrics import bits_per_dim, log_mean_exp

_LOG_2PI = math.log(2.0 * math.pi)


class LikelihoodBounds(NamedTuple):
    """Per-image lower bounds on log p(x), in nats: the ELBO and the IWAE bound."""

    elbo: np.ndarray
    iwae: np.ndarray


def gaussian_log_density(z: np.ndarray, mean: np.ndarray, log_var: np.ndarray) -> np.ndarray:
    """`log N(z; mean, diag(exp(log_var)))`, summed over the last axis.

    log N = -1/2 sum_d [log(2 pi) + log_var_d + (z_d - mean_d)^2 / exp(log_var_d)]
    """
    z, mean, log_var = (np.asarray(a, np.float64) for a in (z, mean, log_var))
    return -0.5 * np.sum(_LOG_2PI + log_var + (z - mean) ** 2 * np.exp(-log_var), axis=-1)


def standard_normal_log_density(z: np.ndarray) -> np.ndarray:
    """`log N(z; 0, I)`, summed over the last axis: `-1/2 sum_d [log(2 pi) + z_d^2]`."""
    z = np.asarray(z, np.float64)
    return -0.5 * np.sum(_LOG_2PI + z**2, axis=-1)


def gaussian_kl_to_standard_normal(mean: np.ndarray, log_var: np.ndarray) -> np.ndarray:
    """`KL(N(mean, diag(exp(log_var))) || N(0, I))`, summed over the last axis.

    Kingma & Welling, "Auto-Encoding Variational Bayes" (ICLR 2014), Appendix B:

        KL = -1/2 sum_d [1 + log_var_d - mean_d^2 - exp(log_var_d)]
    """
    mean, log_var = np.asarray(mean, np.float64), np.asarray(log_var, np.float64)
    return -0.5 * np.sum(1.0 + log_var - mean**2 - np.exp(log_var), axis=-1)


def iwae_bound(log_weights: np.ndarray) -> np.ndarray:
    """The importance-weighted bound from K log importance weights per image.

    Burda, Grosse & Salakhutdinov, "Importance Weighted Autoencoders" (ICLR
    2016), Eq. 8, with `log w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x)` and
    `z_k ~ q(z|x)`:

        L_K = log (1/K) sum_k w_k  <=  log p(x)

    `L_1` is the ELBO; `L_K` increases with K and tends to `log p(x)`.

    Args:
        log_weights: `(K, N)` log importance weights.

    Returns:
        `(N,)` bounds in nats.
    """
    return log_mean_exp(np.asarray(log_weights, np.float64), axis=0)


def _check_vae(model: Any) -> None:
    missing = [name for name in ("encode", "log_px_given_z") if not hasattr(model, name)]
    if missing:
        raise TypeError(
            f"Likelihood estimates need a VAE-like model with encode(x) and "
            f"log_px_given_z(x, z); {type(model).__name__} lacks {missing}. ELBO and IWAE "
            "apply only to VAEs; use sample metrics (FID, KID, ...) for other models."
        )


def uses_own_bound(model: Any) -> bool:
    """Whether `model`'s bound is not the N(0, I), diagonal-Gaussian one computed here: a VampPrior, a
    two-stage prior, a flow or two latent layers (`keras_gen.models.VAE` options). Its own
    `log_importance_weights` are used then."""
    return (getattr(model, "prior", "standard") in ("vamp", "two_stage")
            or getattr(model, "posterior", "gaussian") != "gaussian"
            or getattr(model, "latent_layers", 1) != 1)


def _own_bounds(model, images, num_importance_samples, batch_size, seed, progress, conditions=None) -> LikelihoodBounds:
    """ELBO (the mean log weight, a Monte Carlo estimate) and IWAE bound from the model's own weights."""
    if not hasattr(model, "log_importance_weights"):
        raise TypeError(
            f"{type(model).__name__} has a prior, flow or latent layers whose density this function cannot "
            "compute, and no log_importance_weights(images, num_samples=...) of its own."
        )
    elbos, iwaes = [], []
    for index, start in enumerate(range(0, len(images), batch_size)):
        batch = images[start : start + batch_size]
        extra = {} if conditions is None else {"labels": condition_rows(conditions, start, start + batch_size)}
        log_weights = model.log_importance_weights(batch, num_samples=num_importance_samples,
                                                   batch_size=batch_size, seed=seed + index, **extra)
        elbos.append(log_weights.mean(axis=1))
        iwaes.append(iwae_bound(log_weights.T))
        if progress is not None:
            progress(len(batch))
    return LikelihoodBounds(np.concatenate(elbos), np.concatenate(iwaes))


def likelihood_bounds(
    model: Any,
    images: np.ndarray,
    num_importance_samples: int = 64,
    batch_size: int = 256,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    conditions: Any = None,
) -> LikelihoodBounds:
    """Per-image ELBO and IWAE bound on log p(x) of a VAE, in nats.

    For each image, draws `num_importance_samples` latents from q(z|x) and
    computes both bounds from the same draws: the ELBO as
    `mean_k log p(x|z_k) - KL(q(z|x) || p(z))` (analytic KL, the lower-variance
    estimator) and the IWAE bound of `iwae_bound`. The prior is N(0, I).
    A VAE with a VampPrior, a two-stage prior, a flow or two latent layers
    (`uses_own_bound`) is scored with its own importance weights
    (`log_importance_weights`): the bound of the model as built, with the ELBO
    as the mean log weight.

    Args:
        model: a VAE (see the module docstring for the methods it needs).
        images: `(N, H, W, C)` held-out images in the model's `data_scale`.
        num_importance_samples: K; Burda et al. report K=5000, K=64 to 1000 is
            usual for monitoring. The estimate's bias shrinks like 1/K.
        batch_size: images per decoder call.
        seed: seed of the latent draws (numpy), so estimates repeat exactly.
        progress: called with the number of images of each batch once it is
            done, e.g. `keras_gen.callbacks.Progress(len(images), "likelihood").add`.
        conditions: for a model conditioned on them (Attribute2Image), the
            images' conditions: the bounds are then on log p(x | y).

    Example:
    >>> bounds = likelihood_bounds(vae, x_test[:1000], num_importance_samples=100)
    >>> bounds.iwae.mean() >= bounds.elbo.mean()
    True
    """
    _check_vae(model)
    if num_importance_samples < 1 or batch_size < 1:
        raise ValueError(
            f"num_importance_samples and batch_size must be >= 1, got "
            f"{num_importance_samples} and {batch_size}."
        )
    images = np.asarray(images, np.float32)
    if images.ndim < 2 or len(images) == 0:
        raise ValueError(f"Expected a non-empty batch of images, got shape {images.shape}.")
    if uses_own_bound(model):
        return _own_bounds(model, images, num_importance_samples, batch_size, seed, progress, conditions)
    rng = np.random.default_rng(seed)
    elbos, iwaes = [], []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size]
        given = () if conditions is None else (condition_rows(conditions, start, start + batch_size),)
        mean, log_var = (
            keras.ops.convert_to_numpy(t).astype(np.float64) for t in model.encode(batch, *given)
        )
        std = np.exp(0.5 * log_var)
        log_px = np.empty((num_importance_samples, len(batch)))
        log_weights = np.empty((num_importance_samples, len(batch)))
        for k in range(num_importance_samples):
            # Rounded to float32 first, so the model and the densities see the same z.
            z = (mean + std * rng.standard_normal(mean.shape)).astype(np.float32)
            log_px[k] = keras.ops.convert_to_numpy(model.log_px_given_z(batch, z, *given))
            z = z.astype(np.float64)
            log_weights[k] = (
                log_px[k] + standard_normal_log_density(z) - gaussian_log_density(z, mean, log_var)
            )
        elbos.append(log_px.mean(axis=0) - gaussian_kl_to_standard_normal(mean, log_var))
        iwaes.append(iwae_bound(log_weights))
        if progress is not None:
            progress(len(batch))
    return LikelihoodBounds(np.concatenate(elbos), np.concatenate(iwaes))


def likelihood_metrics(
    model: Any,
    images: np.ndarray,
    num_importance_samples: int = 64,
    batch_size: int = 256,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    conditions: Any = None,
) -> dict[str, float]:
    """Mean ELBO and IWAE negative log-likelihood, in nats per image and bits per dimension.

    Returns `elbo` (nats, higher is better), `elbo_bits_per_dim` (= -elbo / (D
    ln 2)), `iwae_nll` (= -L_K, nats, lower is better) and `iwae_bits_per_dim`,
    with D = H x W x C. For a Gaussian decoder these are densities of the data
    in the model's `data_scale`, not probabilities of 8-bit pixels; see
    `keras_gen.evaluation.metrics.bits_per_dim`. Arguments as in
    `likelihood_bounds`.

    Example:
    >>> likelihood_metrics(vae, x_test[:1000])["iwae_bits_per_dim"]
    """
    bounds = likelihood_bounds(model, images, num_importance_samples, batch_size, seed, progress, conditions)
    num_dims = int(np.prod(np.shape(images)[1:]))
    elbo, iwae = float(bounds.elbo.mean()), float(bounds.iwae.mean())
    return {
        "elbo": elbo,
        "elbo_bits_per_dim": float(bits_per_dim(-elbo, num_dims)),
        "iwae_nll": -iwae,
        "iwae_bits_per_dim": float(bits_per_dim(-iwae, num_dims)),
    }
