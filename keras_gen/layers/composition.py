"""Small layers of layered decoders: slices of the last axis, alpha compositing, probabilities as logits."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gen")
class SliceLastAxis(keras.layers.Layer):
    """`inputs[..., start:stop]`: a part of a latent vector or of an image's channels.

    Args:
        start: the first index kept.
        stop: one past the last index kept (None: to the end).

    Example:
    >>> tuple(SliceLastAxis(1, 3)(keras.ops.ones((2, 5))).shape)
    (2, 2)
    """

    def __init__(self, start, stop=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise ValueError(f"start must be an integer >= 0, got {start!r}.")
        if stop is not None and (isinstance(stop, bool) or not isinstance(stop, int) or stop <= start):
            raise ValueError(f"stop must be None or an integer > start ({start}), got {stop!r}.")
        self.start, self.stop = start, stop

    def call(self, inputs):
        return inputs[..., self.start : self.stop]

    def compute_output_shape(self, input_shape):
        size = input_shape[-1]
        stop = size if self.stop is None else self.stop
        return (*input_shape[:-1], None if size is None else min(stop, size) - self.start)

    def get_config(self):
        return {**super().get_config(), "start": self.start, "stop": self.stop}


@keras.saving.register_keras_serializable(package="keras_gen")
class AlphaComposite(keras.layers.Layer):
    """`mask * foreground + (1 - mask) * background` of inputs `[foreground, mask, background]`.

    Yan et al., "Attribute2Image" (2016), section 3.2: the layered decoder's image.

    Example:
    >>> fg, bg, mask = keras.ops.ones((1, 2, 2, 1)), keras.ops.zeros((1, 2, 2, 1)), keras.ops.full((1, 2, 2, 1), 0.25)
    >>> float(AlphaComposite()([fg, mask, bg])[0, 0, 0, 0])
    0.25
    """

    def call(self, inputs):
        foreground, mask, background = inputs
        return mask * foreground + (1.0 - mask) * background

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        # Written out: a pinned dtype policy is no argument the automatic config can store.
        return super().get_config()


@keras.saving.register_keras_serializable(package="keras_gen")
class ProbabilityLogits(keras.layers.Layer):
    """The logits `log p - log(1 - p)` of probabilities, kept `margin` away from 0 and 1.

    A decoder that composes probabilities (a layered decoder) gives a Bernoulli
    likelihood its logits this way.

    Example:
    >>> round(float(ProbabilityLogits()(keras.ops.full((1,), 0.5))[0]), 6)
    0.0
    """

    def __init__(self, margin=1e-6, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 < margin < 0.5:
            raise ValueError(f"margin must lie in (0, 0.5), got {margin!r}.")
        self.margin = float(margin)

    def call(self, probabilities):
        p = ops.clip(ops.cast(probabilities, self.compute_dtype), self.margin, 1.0 - self.margin)
        return ops.log(p) - ops.log1p(-p)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}
