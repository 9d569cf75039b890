"""How the pixel models turn network outputs into 8-bit pixels: likelihoods and samples.

Each sub-pixel of an 8-bit image (or video frame) has a distribution over its
256 values: a softmax (`"categorical"`, van den Oord et al., "Pixel Recurrent
Neural Networks", 2016) or a discretized mixture of logistics
(`"logistic_mixture"`, Salimans et al., "PixelCNN++", 2017). PixelCNN, Gated
PixelCNN, PixelRNN and VideoPixelCNN share this part.
"""

import keras
from keras import ops

from keras_gen import losses
from keras_gen.models.pixel_decoder import LEVELS, levels_to_unit_range

OUTPUTS = ("categorical", "logistic_mixture")


def parameters_per_sub_pixel(output, num_mixtures):
    """How many numbers the network gives per sub-pixel: 256 logits, or 3 per logistic component."""
    if output not in OUTPUTS:
        raise ValueError(f"Unknown output {output!r}; choose one of {OUTPUTS}.")
    if output == "categorical":
        return LEVELS
    if int(num_mixtures) < 1:
        raise ValueError(f"num_mixtures must be at least 1, got {num_mixtures}.")
    return 3 * int(num_mixtures)


class PixelDistribution:
    """Mixin: the pixel distribution of a model with `output_kind`, `num_mixtures` and `data_scale`.

    Parameters have a last axis of 256 logits or 3 * `num_mixtures` numbers
    (mixture logits, means, log-scales) per sub-pixel.
    """

    output_kind: str
    num_mixtures: int

    # --- pixels and parameters ------------------------------------------------------
    def _unit_range(self, images):
        """Images in `data_scale` -> [-1, 1], the network's input range."""
        low, high = self.data_scale
        return 2.0 * (ops.cast(images, self.compute_dtype) - low) / (high - low) - 1.0

    def _from_levels(self, levels):
        low, high = self.data_scale
        return low + ops.cast(levels, "float32") * ((high - low) / (LEVELS - 1))

    def _mixture(self, parameters):
        logits, means, log_scales = ops.split(parameters, 3, axis=-1)
        return logits, ops.tanh(means), ops.maximum(log_scales, losses.MIN_LOG_SCALE)

    def _log_likelihood(self, levels, parameters):
        """log p(x) per image in nats, from integer levels and the network's parameters."""
        if self.output_kind == "categorical":
            return losses.categorical_pixel_log_likelihood(levels, parameters)
        x = levels_to_unit_range(levels, parameters.dtype)
        return losses.discretized_logistic_mixture_log_likelihood(x, *self._mixture(parameters), levels=LEVELS)

    def _sample_levels(self, parameters, temperature, seed):
        """Integer levels drawn at every position from the parameters (`temperature` scales the spread)."""
        if self.output_kind == "categorical":
            flat = ops.reshape(parameters, (-1, LEVELS)) / temperature
            return ops.reshape(keras.random.categorical(flat, 1, seed=seed), ops.shape(parameters)[:-1])
        logits, means, log_scales = self._mixture(parameters)
        flat_logits = ops.reshape(logits, (-1, self.num_mixtures)) / temperature
        component = keras.random.categorical(flat_logits, 1, seed=seed)
        chosen = ops.reshape(ops.one_hot(component[:, 0], self.num_mixtures), ops.shape(logits))
        mean = ops.sum(chosen * means, axis=-1)
        scale = ops.exp(ops.sum(chosen * log_scales, axis=-1)) * temperature
        u = keras.random.uniform(ops.shape(mean), 1e-5, 1.0 - 1e-5, seed=seed)
        x = ops.clip(mean + scale * (ops.log(u) - ops.log(1.0 - u)), -1.0, 1.0)
        return ops.cast(ops.round((x + 1.0) * ((LEVELS - 1) / 2.0)), "int32")
