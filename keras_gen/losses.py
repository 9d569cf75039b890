"""Loss functions of the generative models, each a pure function of tensors.

Every function returns one value per example (shape `(batch,)`) unless its
docstring says otherwise, so that callers decide how to average: the models
average over the global batch, which keeps them correct under `tf.distribute`.
Written with `keras.ops` only, so they run on every Keras backend.
"""

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import keras
from keras import ops

_LOG_2PI = 1.8378770664093453


def _sum_over_features(values):
    """Sums every axis but the first (the batch axis)."""
    return ops.sum(ops.reshape(values, (ops.shape(values)[0], -1)), axis=-1)


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
    return -_sum_over_features(ops.softplus(logits) - x * logits)


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
    return -_sum_over_features(per_pixel + ops.zeros_like(x))


def binary_cross_entropy_with_logits(targets, logits):
    """Binary cross-entropy between `targets` in [0, 1] and `sigmoid(logits)`.

    Computed stably as softplus(logits) - targets * logits, averaged over every
    axis but the batch axis.

    Returns:
        `(batch,)` cross-entropies in nats.
    """
    return _mean_over_features(ops.softplus(logits) - targets * logits)


def discriminator_loss(real_logits, fake_logits, real_targets=None, fake_targets=None):
    """The GAN discriminator's loss: -log D(x) - log(1 - D(G(z))).

    Goodfellow et al., "Generative Adversarial Nets" (2014), Algorithm 1. With
    `real_targets` below 1 this is one-sided label smoothing (Salimans et al.,
    "Improved Techniques for Training GANs", 2016, section 3.4).

    Args:
        real_logits: `(batch, 1)` discriminator logits on real images.
        fake_logits: `(batch, 1)` discriminator logits on generated images.
        real_targets: targets for the real images (default 1).
        fake_targets: targets for the generated images (default 0).

    Returns:
        `(batch,)` losses: cross-entropy on a real and a generated example.
    """
    if real_targets is None:
        real_targets = ops.ones_like(real_logits)
    if fake_targets is None:
        fake_targets = ops.zeros_like(fake_logits)
    return binary_cross_entropy_with_logits(
        real_targets, real_logits
    ) + binary_cross_entropy_with_logits(fake_targets, fake_logits)


def generator_loss_non_saturating(fake_logits):
    """The non-saturating generator loss: -log D(G(z)).

    Goodfellow et al. (2014), section 3: maximizing log D(G(z)) instead of
    minimizing log(1 - D(G(z))) gives strong gradients early in training.

    Returns:
        `(batch,)` losses.
    """
    return binary_cross_entropy_with_logits(ops.ones_like(fake_logits), fake_logits)


def generator_loss_minimax(fake_logits):
    """The original minimax generator loss: log(1 - D(G(z))).

    Goodfellow et al. (2014), equation 1; it saturates when the discriminator
    rejects generated samples confidently. log(1 - sigmoid(l)) = -softplus(l).

    Returns:
        `(batch,)` losses (negative numbers; lower is better for the generator).
    """
    return -binary_cross_entropy_with_logits(ops.zeros_like(fake_logits), fake_logits)


GENERATOR_LOSSES = {
    "non_saturating": generator_loss_non_saturating,
    "minimax": generator_loss_minimax,
}


def smoothed_noisy_targets(shape, target, smoothing, noise, seed, dtype="float32"):
    """Discriminator targets with one-sided label smoothing and label noise.

    Salimans et al. (2016), section 3.4, smooth only the real targets
    (1 -> 1 - smoothing). Label noise (the "noisy labels" of the practical
    DCGAN recipe) moves every target towards the other class by U(0, noise),
    so targets stay in [0, 1].

    Args:
        shape: the targets' shape, e.g. `(batch, 1)`.
        target: 1 for real images, 0 for generated ones.
        smoothing: how much to lower real targets (ignored when `target` is 0).
        noise: the largest random move towards the other class.
        seed: a `keras.random.SeedGenerator` or integer seed.

    Returns:
        A tensor of targets of the given shape.
    """
    jitter = keras.random.uniform(shape, 0.0, noise, dtype=dtype, seed=seed) if noise else 0.0
    if target:
        return ops.ones(shape, dtype=dtype) * (1.0 - smoothing) - jitter
    return ops.zeros(shape, dtype=dtype) + jitter


# --- the adversarial game as pairs of loss functions ---------------------------------
class AdversarialContext(NamedTuple):
    """What one adversarial step knows when a loss function is called.

    Every loss function of an `AdversarialLoss` receives this context and picks
    what it needs, so losses that look at real images (feature matching),
    conditions (class labels) or targets (smoothed labels) share one signature.

    Attributes:
        real: the real images of the batch.
        fake: the generated images.
        real_logits: the discriminator's outputs on `real` (None in the generator step).
        fake_logits: its outputs on `fake`.
        real_targets: targets for real images (smoothing/noise applied), or None.
        fake_targets: targets for generated images, or None.
        conditions: what the real images come with (class labels), or None.
        fake_conditions: what the generator was given beside the latent points
            (the same labels for a conditional GAN, sampled codes for InfoGAN), or None.
        real_heads: the discriminator's extra outputs on `real` (an auxiliary
            classifier, a Q head, features), or None.
        fake_heads: its extra outputs on `fake`, or None.
    """

    real: Any
    fake: Any
    real_logits: Any
    fake_logits: Any
    real_targets: Any = None
    fake_targets: Any = None
    conditions: Any = None
    fake_conditions: Any = None
    real_heads: Any = None
    fake_heads: Any = None


def _mean_over_features(values):
    """Averages every axis but the batch axis (one logit or a patch of them)."""
    return ops.mean(ops.reshape(values, (ops.shape(values)[0], -1)), axis=-1)


def mean_absolute_error(targets, outputs):
    """Per-example mean |target - output| over pixels (pix2pix's L1 term; Isola et al., 2017, eq. 3)."""
    return _mean_over_features(ops.abs(targets - outputs))


def mean_squared_error(targets, outputs):
    """Per-example mean (target - output)^2 over pixels or features (SRResNet's MSE; Ledig et al., 2017, eq. 4)."""
    return _mean_over_features(ops.square(targets - outputs))


def masked_squared_error(targets, outputs, masks):
    """Per-example mean squared error over the masked pixels only (Pathak et al., 2016, eq. 1).

    `masks` is 1 on the missing pixels; an example without any contributes 0.
    """
    weights = ops.broadcast_to(masks, ops.shape(targets))
    total = _sum_over_features(weights * ops.square(targets - outputs))
    return total / ops.maximum(_sum_over_features(weights), 1.0)


def peak_signal_to_noise_ratio(targets, outputs, value_range, masks=None):
    """Per-example PSNR in dB: 10 log10(range^2 / MSE), `range` the width of the pixel range.

    With `masks` (1 on the pixels to score, e.g. an inpainting hole), the MSE is
    `masked_squared_error`'s: over those pixels only.
    """
    error = mean_squared_error(targets, outputs) if masks is None else masked_squared_error(targets, outputs, masks)
    error = ops.maximum(error, 1e-10)
    return 10.0 * ops.log(value_range**2 / error) / math.log(10.0)


def least_squares_discriminator_loss(real_logits, fake_logits):
    """LSGAN discriminator loss: 1/2 (D(x) - 1)^2 + 1/2 D(G(z))^2.

    Mao et al., "Least Squares Generative Adversarial Networks" (2017), eq. 9
    with a = 0, b = c = 1.

    Returns:
        `(batch,)` losses.
    """
    return 0.5 * _mean_over_features(ops.square(real_logits - 1.0)) + 0.5 * _mean_over_features(
        ops.square(fake_logits)
    )


def least_squares_generator_loss(fake_logits):
    """LSGAN generator loss: 1/2 (D(G(z)) - 1)^2 (Mao et al., 2017, eq. 9).

    Returns:
        `(batch,)` losses.
    """
    return 0.5 * _mean_over_features(ops.square(fake_logits - 1.0))


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge discriminator loss: max(0, 1 - D(x)) + max(0, 1 + D(G(z))).

    Lim & Ye, "Geometric GAN" (2017); Miyato et al., "Spectral Normalization
    for Generative Adversarial Networks" (2018), eq. 16.

    Returns:
        `(batch,)` losses.
    """
    return _mean_over_features(ops.relu(1.0 - real_logits)) + _mean_over_features(
        ops.relu(1.0 + fake_logits)
    )


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """The critic's loss: D(G(z)) - D(x), the negative Wasserstein estimate.

    Arjovsky, Chintala & Bottou, "Wasserstein GAN" (2017), Algorithm 1.

    Returns:
        `(batch,)` losses.
    """
    return _mean_over_features(fake_logits) - _mean_over_features(real_logits)


def negated_score_generator_loss(fake_logits):
    """-D(G(z)): the generator loss of WGAN (Arjovsky et al., 2017) and of the hinge GAN.

    Returns:
        `(batch,)` losses.
    """
    return -_mean_over_features(fake_logits)


class AdversarialLoss(NamedTuple):
    """One adversarial objective: a discriminator loss and a generator loss.

    Each function takes an `AdversarialContext` and returns per-example losses.

    Attributes:
        discriminator: `fn(context) -> (batch,)` for the discriminator (critic).
        generator: `fn(context) -> (batch,)` for the generator.
        uses_targets: whether the discriminator loss reads the (smoothed,
            noisy) targets; label smoothing and noise apply only then.
        score: maps the discriminator's raw outputs to the logged
            `real_score`/`fake_score` (the sigmoid for cross-entropy losses).
    """

    discriminator: Callable
    generator: Callable
    uses_targets: bool = False
    score: Callable = ops.sigmoid


def _cross_entropy_discriminator(context):
    return discriminator_loss(
        context.real_logits, context.fake_logits, context.real_targets, context.fake_targets
    )


def _identity(values):
    return values


ADVERSARIAL_LOSSES = {
    "non_saturating": AdversarialLoss(
        _cross_entropy_discriminator,
        lambda context: generator_loss_non_saturating(context.fake_logits),
        uses_targets=True,
    ),
    "minimax": AdversarialLoss(
        _cross_entropy_discriminator,
        lambda context: generator_loss_minimax(context.fake_logits),
        uses_targets=True,
    ),
    "least_squares": AdversarialLoss(
        lambda context: least_squares_discriminator_loss(context.real_logits, context.fake_logits),
        lambda context: least_squares_generator_loss(context.fake_logits),
        score=_identity,
    ),
    "hinge": AdversarialLoss(
        lambda context: hinge_discriminator_loss(context.real_logits, context.fake_logits),
        lambda context: negated_score_generator_loss(context.fake_logits),
        score=_identity,
    ),
    "wasserstein": AdversarialLoss(
        lambda context: wasserstein_discriminator_loss(context.real_logits, context.fake_logits),
        lambda context: negated_score_generator_loss(context.fake_logits),
        score=_identity,
    ),
}


def adversarial_loss(name):
    """The `AdversarialLoss` registered as `name`; a clear error for unknown names.

    Example:
    >>> adversarial_loss("hinge").uses_targets
    False
    """
    if name not in ADVERSARIAL_LOSSES:
        raise ValueError(f"Unknown adversarial loss {name!r}; choose one of {sorted(ADVERSARIAL_LOSSES)}.")
    return ADVERSARIAL_LOSSES[name]


# --- penalties on the discriminator's input gradients --------------------------------
def random_interpolates(real, fake, seed):
    """x_hat = eps * x + (1 - eps) * G(z) with one eps ~ U(0, 1) per example.

    Gulrajani et al., "Improved Training of Wasserstein GANs" (2017), Algorithm 1.
    """
    shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
    eps = keras.random.uniform(shape, dtype=real.dtype, seed=seed)
    return eps * real + (1.0 - eps) * fake


def gradient_penalty(gradients):
    """(||grad D(x_hat)||_2 - 1)^2 per example: WGAN-GP's penalty before its weight.

    Gulrajani et al. (2017), eq. 3. `gradients` are D's input gradients at the
    interpolates (`keras_gen.training.input_gradients`).

    Returns:
        `(batch,)` penalties.
    """
    flat = ops.reshape(gradients, (ops.shape(gradients)[0], -1))
    norms = ops.sqrt(ops.sum(ops.square(flat), axis=-1) + 1e-12)
    return ops.square(norms - 1.0)


def r1_penalty(gradients):
    """||grad D(x)||_2^2 per example on real images, before the weight gamma / 2.

    Mescheder, Geiger & Nowozin, "Which Training Methods for GANs do actually
    Converge?" (2018), eq. 9.

    Returns:
        `(batch,)` penalties.
    """
    flat = ops.reshape(gradients, (ops.shape(gradients)[0], -1))
    return ops.sum(ops.square(flat), axis=-1)


def began_discriminator_loss(real_errors, fake_errors, k_t):
    """BEGAN's discriminator loss L(x) - k_t L(G(z)) per example.

    Berthelot, Schumm & Metz, "BEGAN" (2017), eq. 4; the "logits" are the
    autoencoder discriminator's reconstruction errors L(v).

    Returns:
        `(batch,)` losses.
    """
    return _mean_over_features(real_errors) - k_t * _mean_over_features(fake_errors)


def class_cross_entropy(labels, logits):
    """Cross-entropy of integer class labels under softmax logits, per example: -log p(y | x).

    The auxiliary classifier loss of AC-GAN (Odena, Olah & Shlens, "Conditional
    Image Synthesis with Auxiliary Classifier GANs", 2017, eq. 2, L_C) and the
    supervised loss of the semi-supervised GAN (Salimans et al., 2016, sec. 5).

    Returns:
        `(batch,)` losses.
    """
    return keras.losses.sparse_categorical_crossentropy(ops.cast(labels, "int32"), logits, from_logits=True)


def masked_class_cross_entropy(labels, logits):
    """`class_cross_entropy` on the labelled examples only (label -1: unlabelled), per example.

    Scaled so that the batch mean of the result is the mean over the labelled
    examples: each labelled image counts as much however few a batch holds.
    Zero for a batch without labels.

    Returns:
        `(batch,)` losses.
    """
    labels = ops.cast(labels, "int32")
    mask = ops.cast(labels >= 0, logits.dtype)
    losses = class_cross_entropy(ops.maximum(labels, 0), logits) * mask
    share = ops.mean(mask)
    return losses / ops.maximum(share, 1e-6)


def feature_matching_loss(real_features, fake_features):
    """||E f(x) - E f(G(z))||^2 for intermediate discriminator features f, per example.

    Salimans et al., "Improved Techniques for Training GANs" (2016), sec. 3.1.
    The loss belongs to the batch, so every example gets the same value.

    Returns:
        `(batch,)` losses.
    """
    difference = ops.mean(ops.stop_gradient(real_features), axis=0) - ops.mean(fake_features, axis=0)
    return ops.zeros((ops.shape(fake_features)[0],), fake_features.dtype) + ops.sum(ops.square(difference))


def softmax_logit_of_real(class_logits):
    """The real-vs-fake logit of a K-class discriminator with an implicit fake class: log sum_k exp(l_k).

    Salimans et al. (2016), sec. 5: with the (K+1)-th logit fixed at 0,
    D(x) = Z(x) / (Z(x) + 1) with Z(x) = sum_k exp(l_k(x)), whose logit is log Z(x).

    Returns:
        `(batch, 1)` logits.
    """
    return ops.logsumexp(class_logits, axis=-1, keepdims=True)


def mutual_information_loss(codes, categorical_logits, continuous_means, categorical_sizes, continuous_weight=1.0):
    """InfoGAN's negative variational lower bound on I(c; G(z, c)), up to the constant H(c), per example.

    Chen et al., "InfoGAN" (2016), eq. 5: the Q head's negative log-likelihood of
    the codes the generator was given: cross-entropy for each categorical code,
    and for the continuous codes a factored Gaussian with unit variance (half
    the squared error), weighted by `continuous_weight`.

    Args:
        codes: `(batch, code_dim)`: one-hot blocks of `categorical_sizes`, then
            the continuous codes.
        categorical_logits: `(batch, sum(categorical_sizes))` or None.
        continuous_means: `(batch, continuous)` or None.

    Returns:
        `(batch,)` losses.
    """
    total = ops.zeros((ops.shape(codes)[0],), "float32")
    start = 0
    for size in categorical_sizes:
        target = ops.argmax(codes[:, start : start + size], axis=-1)
        total = total + class_cross_entropy(target, categorical_logits[:, start : start + size])
        start += size
    if continuous_means is not None:
        total = total + continuous_weight * 0.5 * ops.sum(ops.square(codes[:, start:] - continuous_means), axis=-1)
    return total


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
    return -_sum_over_features(ops.sparse_categorical_crossentropy(ops.cast(levels, "int32"), logits, from_logits=True))


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
    return _sum_over_features(per_sub_pixel)
