"""What the autoencoder, the VAE and the autoregressive models share about pixels.

A decoder that models pixels (Bernoulli, Gaussian or discretized logistic),
and the check that images lie on the grid of 8-bit values that discrete
pixel likelihoods need.
"""

import numpy as np
from keras import ops

from keras_gen.training import checked_pixel_levels

RECONSTRUCTIONS = ("bernoulli", "gaussian", "discretized_logistic")
LEVELS = 256  # 8-bit pixels


def reconstruction_data_scale(reconstruction, data_scale, allowed=RECONSTRUCTIONS):
    """Checks a `reconstruction` choice and returns the data scale it works in.

    A Bernoulli or discretized-logistic decoder defaults to [0, 1] (a Bernoulli
    one needs it); a Gaussian one defaults to (-1, 1).
    """
    if reconstruction not in allowed:
        raise ValueError(f"Unknown reconstruction {reconstruction!r}; choose one of {tuple(allowed)}.")
    if data_scale is None:
        return (-1.0, 1.0) if reconstruction == "gaussian" else (0.0, 1.0)
    if reconstruction == "bernoulli" and tuple(data_scale) != (0.0, 1.0):
        raise ValueError(
            f"A Bernoulli decoder models pixels in [0, 1], but data_scale={tuple(data_scale)}. "
            "Load the data with scale=(0, 1), or use reconstruction='gaussian'."
        )
    return data_scale


def check_on_pixel_grid(data, data_scale, role, model_name, levels=LEVELS):
    """Raises a ValueError when `data` (numpy, in `data_scale`) is off the grid of `levels` pixel values.

    Discrete pixel likelihoods (PixelCNN, the discretized VAE) give the
    probability of each 8-bit value; a value between two of them (resized,
    blurred or dequantized images) has none, and rounding it would silently
    change the data.
    """
    low, high = data_scale
    values = (np.asarray(data, "float64") - low) * ((levels - 1) / (high - low))
    off_grid = np.abs(values - np.round(values)) > 0.01
    if off_grid.any():
        raise ValueError(
            f"{int(off_grid.sum())} {role} pixel values are not on the grid of {levels} values of "
            f"data_scale={tuple(data_scale)} (8-bit images scaled from 0..255). {model_name} models "
            "8-bit pixels: load them with keras_gen.data.load(...) or scale integers with "
            "keras_gen.data.scale_images, without resizing or adding noise."
        )


def pixel_levels(images, data_scale, what="training images"):
    """Images in `data_scale` -> integer 8-bit levels, checked in the step to lie on the grid."""
    low, high = data_scale
    values = (ops.cast(images, "float32") - low) * ((LEVELS - 1) / (high - low))
    return checked_pixel_levels(values, LEVELS, what)


def levels_to_unit_range(levels, dtype="float32"):
    """Integer levels 0..255 -> [-1, 1], the range of the discretized logistic's bins."""
    return ops.cast(levels, dtype) * (2.0 / (LEVELS - 1)) - 1.0


class PixelDecoder:
    """Mixin: turns decoder outputs (logits or means) into images in `data_scale`."""

    reconstruction: str

    def _decoder_output_to_images(self, outputs):
        if self.reconstruction == "bernoulli":
            return ops.sigmoid(outputs)
        if self.reconstruction == "discretized_logistic":
            # The decoder gives the logistic's mean in [-1, 1] units of the pixel range.
            low, high = self.data_scale
            return low + (ops.clip(outputs, -1.0, 1.0) + 1.0) * (0.5 * (high - low))
        return outputs
