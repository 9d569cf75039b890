"""Per-example distances between images: the reconstruction terms of the translators and the inpainting score."""

import math

from keras import ops

from keras_gen.losses.reduction import mean_over_features, sum_over_features


def mean_absolute_error(targets, outputs):
    """Per-example mean |target - output| over pixels (pix2pix's L1 term; Isola et al., 2017, eq. 3)."""
    return mean_over_features(ops.abs(targets - outputs))


def mean_squared_error(targets, outputs):
    """Per-example mean (target - output)^2 over pixels or features (SRResNet's MSE; Ledig et al., 2017, eq. 4)."""
    return mean_over_features(ops.square(targets - outputs))


def masked_squared_error(targets, outputs, masks):
    """Per-example mean squared error over the masked pixels only (Pathak et al., 2016, eq. 1).

    `masks` is 1 on the missing pixels; an example without any contributes 0.
    """
    weights = ops.broadcast_to(masks, ops.shape(targets))
    total = sum_over_features(weights * ops.square(targets - outputs))
    return total / ops.maximum(sum_over_features(weights), 1.0)


def peak_signal_to_noise_ratio(targets, outputs, value_range, masks=None):
    """Per-example PSNR in dB: 10 log10(range^2 / MSE), `range` the width of the pixel range.

    With `masks` (1 on the pixels to score, e.g. an inpainting hole), the MSE is
    `masked_squared_error`'s: over those pixels only.
    """
    error = mean_squared_error(targets, outputs) if masks is None else masked_squared_error(targets, outputs, masks)
    error = ops.maximum(error, 1e-10)
    return 10.0 * ops.log(value_range**2 / error) / math.log(10.0)
