"""The extra terms of GANs that put labels, codes or features into the game.

The class losses of AC-GAN and the semi-supervised GAN, its real/fake logit
and feature matching, and InfoGAN's information loss; one value per example.
"""

import keras
from keras import ops


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
