"""The adversarial game as pairs of loss functions: `AdversarialLoss`, `ADVERSARIAL_LOSSES`, the objectives.

Every objective is a discriminator loss and a generator loss, each a pure
function of an `AdversarialContext` that returns one value per example.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

import keras
from keras import ops

from keras_gen.losses.reduction import mean_over_features


def binary_cross_entropy_with_logits(targets, logits):
    """Binary cross-entropy between `targets` in [0, 1] and `sigmoid(logits)`.

    Computed stably as softplus(logits) - targets * logits, averaged over every
    axis but the batch axis.

    Returns:
        `(batch,)` cross-entropies in nats.
    """
    return mean_over_features(ops.softplus(logits) - targets * logits)


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
        fake_parts: what the generator's pass made besides the images (VideoGAN's
            foreground mask), in the generator step, or None.
        fake_latent_points: the latent points of `fake`, in the generator step,
            or None (GAN-CLS's mode-seeking term reads them).
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
    fake_parts: Any = None
    fake_latent_points: Any = None


def least_squares_discriminator_loss(real_logits, fake_logits):
    """LSGAN discriminator loss: 1/2 (D(x) - 1)^2 + 1/2 D(G(z))^2.

    Mao et al., "Least Squares Generative Adversarial Networks" (2017), eq. 9
    with a = 0, b = c = 1.

    Returns:
        `(batch,)` losses.
    """
    return 0.5 * mean_over_features(ops.square(real_logits - 1.0)) + 0.5 * mean_over_features(
        ops.square(fake_logits)
    )


def least_squares_generator_loss(fake_logits):
    """LSGAN generator loss: 1/2 (D(G(z)) - 1)^2 (Mao et al., 2017, eq. 9).

    Returns:
        `(batch,)` losses.
    """
    return 0.5 * mean_over_features(ops.square(fake_logits - 1.0))


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge discriminator loss: max(0, 1 - D(x)) + max(0, 1 + D(G(z))).

    Lim & Ye, "Geometric GAN" (2017); Miyato et al., "Spectral Normalization
    for Generative Adversarial Networks" (2018), eq. 16.

    Returns:
        `(batch,)` losses.
    """
    return mean_over_features(ops.relu(1.0 - real_logits)) + mean_over_features(
        ops.relu(1.0 + fake_logits)
    )


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """The critic's loss: D(G(z)) - D(x), the negative Wasserstein estimate.

    Arjovsky, Chintala & Bottou, "Wasserstein GAN" (2017), Algorithm 1.

    Returns:
        `(batch,)` losses.
    """
    return mean_over_features(fake_logits) - mean_over_features(real_logits)


def negated_score_generator_loss(fake_logits):
    """-D(G(z)): the generator loss of WGAN (Arjovsky et al., 2017) and of the hinge GAN.

    Returns:
        `(batch,)` losses.
    """
    return -mean_over_features(fake_logits)


def began_discriminator_loss(real_errors, fake_errors, k_t):
    """BEGAN's discriminator loss L(x) - k_t L(G(z)) per example.

    Berthelot, Schumm & Metz, "BEGAN" (2017), eq. 4; the "logits" are the
    autoencoder discriminator's reconstruction errors L(v).

    Returns:
        `(batch,)` losses.
    """
    return mean_over_features(real_errors) - k_t * mean_over_features(fake_errors)


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


def _identity(values):
    return values


def _on_logits(discriminator, generator, cross_entropy=False):
    """An `AdversarialLoss` from loss functions of the logits: `discriminator(real, fake)`, `generator(fake)`.

    A `cross_entropy` discriminator loss also reads the (smoothed, noisy)
    targets, and its scores are sigmoids; the other objectives log the
    discriminator's raw outputs.
    """

    def discriminator_loss_of(context):
        targets = (context.real_targets, context.fake_targets) if cross_entropy else ()
        return discriminator(context.real_logits, context.fake_logits, *targets)

    return AdversarialLoss(
        discriminator_loss_of,
        lambda context: generator(context.fake_logits),
        uses_targets=cross_entropy,
        score=ops.sigmoid if cross_entropy else _identity,
    )


ADVERSARIAL_LOSSES = {
    "non_saturating": _on_logits(discriminator_loss, generator_loss_non_saturating, cross_entropy=True),
    "minimax": _on_logits(discriminator_loss, generator_loss_minimax, cross_entropy=True),
    "least_squares": _on_logits(least_squares_discriminator_loss, least_squares_generator_loss),
    "hinge": _on_logits(hinge_discriminator_loss, negated_score_generator_loss),
    "wasserstein": _on_logits(wasserstein_discriminator_loss, negated_score_generator_loss),
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


def matching_aware(objective: AdversarialLoss) -> AdversarialLoss:
    """The matching-aware discriminator of GAN-CLS on any objective: mismatched pairs count as fake.

    Reed et al., "Generative Adversarial Text to Image Synthesis" (2016),
    Algorithm 1: the discriminator scores (real image, right condition) s_r,
    (real image, wrong condition) s_w and (fake image, right condition) s_f,
    and minimizes L_D = l(s_r, real) + 1/2 [l(s_w, fake) + l(s_f, fake)].
    Every objective here is a real term plus a fake term per example, so
    L_D = 1/2 [D_obj(s_r, s_f) + D_obj(s_r, s_w)]: the returned objective's
    discriminator loss reads a context whose `fake_logits` (and `fake`,
    `fake_targets`, `fake_conditions`) hold the fakes' rows followed by the
    mismatched rows, as many of each as real rows. The generator's loss and the
    scores are `objective`'s.

    Example:
    >>> cls = matching_aware(adversarial_loss("non_saturating"))
    >>> real, fake_then_wrong = ops.zeros((2, 1)), ops.zeros((4, 1))
    >>> tuple(cls.discriminator(AdversarialContext(None, None, real, fake_then_wrong)).shape)
    (2,)
    """

    def discriminator(context):
        count = ops.shape(context.real_logits)[0]

        def half(rows):
            return context._replace(**{
                name: None if getattr(context, name) is None else getattr(context, name)[rows]
                for name in ("fake", "fake_logits", "fake_targets", "fake_conditions")
            })

        return 0.5 * (objective.discriminator(half(slice(None, count)))
                      + objective.discriminator(half(slice(count, None))))

    return objective._replace(discriminator=discriminator)
