"""Likelihoods of images and the KL term: the VAE's ELBO and the pixel models' log p(x).

Each function returns one value per example, in nats.
"""

from keras import ops

from keras_gen.losses.reduction import sum_over_features

_LOG_2PI = 1.8378770664093453


def gaussian_kl(mean, log_var, prior_mean=None, prior_log_var=None):
    """KL(N(mean, exp(log_var)) || N(prior_mean, exp(prior_log_var))) in closed form, per example.

    Both Gaussians are diagonal; without `prior_mean`/`prior_log_var` the
    prior is N(0, I). Kingma & Welling, "Auto-Encoding Variational Bayes"
    (2013), appendix B, for N(0, I): KL = -1/2 * sum_j (1 + log_var_j -
    mean_j^2 - exp(log_var_j)); for a general prior,
    KL = 1/2 * sum_j (prior_log_var_j - log_var_j
    + (exp(log_var_j) + (mean_j - prior_mean_j)^2) / exp(prior_log_var_j) - 1).

    Args:
        mean: `(batch, latent_dim)` posterior means.
        log_var: `(batch, latent_dim)` posterior log-variances.
        prior_mean: the prior's means, broadcastable to `mean` (default 0).
        prior_log_var: the prior's log-variances, broadcastable to `mean` (default 0).

    Returns:
        `(batch,)` KL divergences in nats.
    """
    if prior_mean is None and prior_log_var is None:
        return -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)
    prior_mean = ops.zeros_like(mean) if prior_mean is None else prior_mean
    prior_log_var = ops.zeros_like(log_var) if prior_log_var is None else prior_log_var
    ratio = (ops.exp(log_var) + ops.square(mean - prior_mean)) * ops.exp(-prior_log_var)
    return 0.5 * ops.sum(prior_log_var - log_var + ratio - 1.0, axis=-1)


def bernoulli_log_likelihood(x, logits):
    """log p(x | logits) of a factorized Bernoulli decoder, per example.

    Kingma & Welling (2013), appendix C.1: log p(x|z) = sum_i x_i log y_i +
    (1 - x_i) log(1 - y_i) with y = sigmoid(logits), evaluated stably as
    -(softplus(logits) - x * logits). `x` must lie in [0, 1].

    Args:
        x: `(batch, ...)` targets in [0, 1].
        logits: decoder outputs before the sigmoid, same shape as `x`.

    Returns:
        `(batch,)` log-likelihoods in nats (the negative binary cross-entropy
        summed over pixels).
    """
    return -sum_over_features(ops.softplus(logits) - x * logits)


def gaussian_log_likelihood(x, mean, log_std=0.0):
    """log N(x; mean, exp(log_std)^2 I), per example.

    Kingma & Welling (2013), appendix C.2: log p(x|z) = sum_i
    -((x_i - mu_i)^2 / (2 sigma^2) + log sigma + log(2 pi) / 2).

    Args:
        x: `(batch, ...)` targets.
        mean: decoder means, same shape as `x`.
        log_std: the decoder's fixed log standard deviation (scalar or a
            tensor broadcastable to `x`).

    Returns:
        `(batch,)` log-densities in nats.
    """
    log_std = ops.convert_to_tensor(log_std, dtype=mean.dtype)
    per_pixel = 0.5 * ops.square((x - mean) * ops.exp(-log_std)) + log_std + 0.5 * _LOG_2PI
    return -sum_over_features(per_pixel + ops.zeros_like(x))


# --- discrete pixel likelihoods (autoregressive models, the discretized VAE) ---------------------
# The smallest log-scale of a logistic, as in PixelCNN++'s code: keeps the logistics from
# collapsing onto one value (and the loss from overflowing) early in training.
MIN_LOG_SCALE = -7.0


def categorical_pixel_log_likelihood(levels, logits):
    """log p(x) of 8-bit pixels under one softmax per sub-pixel, per example.

    van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent Neural Networks"
    (2016), sec. 5.3: each sub-pixel value is one of `L` classes (256 for 8-bit
    data) and log p(x) = sum_i log softmax(logits_i)[x_i].

    Args:
        levels: `(batch, ...)` integer pixel values in `[0, L)`.
        logits: `(batch, ..., L)` unnormalized log-probabilities.

    Returns:
        `(batch,)` log-likelihoods in nats.
    """
    # The fused sparse cross-entropy is -log softmax(logits)[x], without a one-hot tensor.
    return -sum_over_features(ops.sparse_categorical_crossentropy(ops.cast(levels, "int32"), logits, from_logits=True))


def discretized_logistic_log_probs(x, means, log_scales, levels=256):
    """log P(x) per sub-pixel and mixture component, for x in [-1, 1] on a grid of `levels` values.

    Salimans, Karpathy, Chen & Kingma, "PixelCNN++" (2017), eq. 2: the mass of
    the logistic on the bin [x - 1/(L-1), x + 1/(L-1)], with the edge bins
    extended to -inf and +inf. Where the bin's mass underflows, the density at
    the centre times the bin width is used instead, as in the paper's code.

    Args:
        x: `(...)` pixel values scaled to [-1, 1], broadcastable against `means`.
        means, log_scales: `(..., K)` logistic parameters of K components.
        levels: the number of pixel values (256 for 8-bit data).

    Returns:
        `(..., K)` log-probabilities in nats.
    """
    half_bin = 1.0 / (levels - 1)
    centered = x - means
    inv_scale = ops.exp(-log_scales)
    plus_in = inv_scale * (centered + half_bin)
    min_in = inv_scale * (centered - half_bin)
    log_cdf_plus = plus_in - ops.softplus(plus_in)  # log sigmoid(plus_in), the left edge bin
    log_one_minus_cdf_min = -ops.softplus(min_in)  # log(1 - sigmoid(min_in)), the right edge bin
    cdf_delta = ops.sigmoid(plus_in) - ops.sigmoid(min_in)
    mid_in = inv_scale * centered
    log_pdf_mid = mid_in - log_scales - 2.0 * ops.softplus(mid_in)
    inner = ops.where(
        cdf_delta > 1e-5,
        ops.log(ops.maximum(cdf_delta, 1e-12)),
        log_pdf_mid + ops.log(ops.cast(2.0 * half_bin, log_pdf_mid.dtype)),
    )
    edge = 1.0 - 0.5 * half_bin
    return ops.where(x < -edge, log_cdf_plus, ops.where(x > edge, log_one_minus_cdf_min, inner))


def discretized_logistic_mixture_log_likelihood(x, mixture_logits, means, log_scales, levels=256):
    """log p(x) of pixels under a discretized mixture of logistics per sub-pixel, per example.

    Salimans et al., "PixelCNN++" (2017), sec. 2.1; with one component it is
    the discretized logistic decoder of Kingma et al., "Improved Variational
    Inference with Inverse Autoregressive Flow" (2016).

    Args:
        x: `(batch, ...)` pixel values scaled to [-1, 1] on the grid of `levels` values.
        mixture_logits, means, log_scales: `(batch, ..., K)`.
        levels: the number of pixel values.

    Returns:
        `(batch,)` log-likelihoods in nats.
    """
    log_probs = discretized_logistic_log_probs(ops.expand_dims(x, -1), means, log_scales, levels)
    per_sub_pixel = ops.logsumexp(log_probs + ops.log_softmax(mixture_logits, axis=-1), axis=-1)
    return sum_over_features(per_sub_pixel)
