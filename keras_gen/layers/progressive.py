"""Layers of the Progressive GAN family: equalized learning rate, pixel norm, minibatch std."""

import math

import keras
from keras import ops


def _in_float32_at_least(x):
    """`x` in float32 if it is in a 16-bit float: its statistics then neither overflow nor lose epsilon."""
    if keras.backend.standardize_dtype(x.dtype) in ("float16", "bfloat16"):
        return ops.cast(x, "float32")
    return x


def _sqrt_zero_safe(x):
    """`sqrt(x)` for `x >= 0`, whose gradient at 0 is 0 instead of infinite (and NaN after the chain rule)."""
    positive = x > 0
    return ops.where(positive, ops.sqrt(ops.where(positive, x, ops.ones_like(x))), ops.zeros_like(x))


def _pair(value, name):
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(side, int) and side > 0 for side in pair):
        raise ValueError(f"{name} must be a positive integer or a pair of them, got {value!r}.")
    return pair


def he_scale(fan_in: int, gain: float = 2.0) -> float:
    """He's constant `sqrt(gain / fan_in)`, the run-time weight scale of an equalized layer.

    He, Zhang, Ren & Sun, "Delving Deep into Rectifiers" (2015): `gain=2` keeps
    the variance of ReLU activations constant from layer to layer.

    Example:
    >>> he_scale(8)
    0.5
    """
    return math.sqrt(gain / fan_in)


def _check_gain(gain):
    if not gain > 0:
        raise ValueError(f"gain must be > 0 (2 for (leaky) ReLU, 1 for a linear output), got {gain!r}.")
    return float(gain)


class _EqualizedLayer(keras.layers.Layer):
    """What both equalized layers share: activation, bias, gain, and the N(0, 1) kernel scaled at run time."""

    def __init__(self, activation=None, use_bias=True, gain=2.0, **kwargs):
        super().__init__(**kwargs)
        self.activation = keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.gain = _check_gain(gain)
        self._scale = None

    @property
    def scale(self):
        """`sqrt(gain / fan_in)`, the kernel's run-time multiplier (None until the layer is built)."""
        return self._scale

    def _build_weights(self, kernel_shape, fan_in, units):
        """The N(0, 1) kernel, the zero bias (when `use_bias`) and the scale for `fan_in`."""
        self._scale = he_scale(fan_in, self.gain)
        self.kernel = self.add_weight(
            shape=kernel_shape, initializer=keras.initializers.RandomNormal(0.0, 1.0), name="kernel"
        )
        self.bias = self.add_weight(shape=(units,), initializer="zeros", name="bias") if self.use_bias else None
        self.built = True

    def _finish(self, outputs):
        """Bias and activation after the scaled kernel."""
        if self.bias is not None:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def get_config(self):
        return {
            **super().get_config(),
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "gain": self.gain,
        }


@keras.saving.register_keras_serializable(package="keras_gen")
class EqualizedDense(_EqualizedLayer):
    """A dense layer with an equalized learning rate: `activation(x @ (kernel * scale) + bias)`.

    Karras, Aila, Laine & Lehtinen, "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation" (2018), section 4.1. The kernel is
    drawn from N(0, 1) and multiplied at run time by He's constant
    `scale = sqrt(gain / fan_in)` (`fan_in`: the input units), instead of
    being initialized at that scale: adaptive optimizers (Adam) normalize each
    update by the gradient's size, so every weight then learns at the same
    speed relative to its effective size. Biases start at zero and are not
    scaled.

    Args:
        units: output units.
        activation: a Keras activation (name or function), or None.
        use_bias: whether to add a bias.
        gain: the numerator of He's constant: 2 before a (leaky) ReLU, 1 before a linear output.

    Call arguments:
        inputs: `(..., fan_in)`.

    Example:
    >>> layer = EqualizedDense(4)
    >>> tuple(layer(np.zeros((2, 8), "float32")).shape), layer.scale
    ((2, 4), 0.5)
    """

    def __init__(self, units, activation=None, use_bias=True, gain=2.0, **kwargs):
        super().__init__(activation, use_bias, gain, **kwargs)
        if int(units) != units or units < 1:
            raise ValueError(f"units must be a positive integer, got {units!r}.")
        self.units = int(units)

    def build(self, input_shape):
        fan_in = input_shape[-1]
        if fan_in is None:
            raise ValueError(f"EqualizedDense needs a known last input dimension, got input shape {input_shape}.")
        self._build_weights((fan_in, self.units), fan_in, self.units)

    def call(self, inputs):
        # Inside `call` Keras casts the kernel to the compute dtype (mixed precision), as in `Dense`.
        return self._finish(ops.matmul(inputs, self.kernel * self.scale))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="keras_gen")
class EqualizedConv2D(_EqualizedLayer):
    """A 2D convolution with an equalized learning rate: the kernel times `sqrt(gain / fan_in)`.

    Karras, Aila, Laine & Lehtinen, "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation" (2018), section 4.1: the kernel is
    drawn from N(0, 1) and multiplied at run time by He's constant, with
    `fan_in = kernel_height * kernel_width * input_channels`; biases start at
    zero and are not scaled. See `EqualizedDense` for why. Channels last.

    Args:
        filters: output channels.
        kernel_size: an integer or `(height, width)`.
        strides: an integer or `(height, width)`.
        padding: `"same"` or `"valid"`.
        activation: a Keras activation (name or function), or None.
        use_bias: whether to add a bias.
        gain: the numerator of He's constant: 2 before a (leaky) ReLU, 1 before a linear output.

    Call arguments:
        inputs: `(batch, height, width, channels)`.

    Example:
    >>> layer = EqualizedConv2D(8, 3)
    >>> tuple(layer(np.zeros((1, 6, 6, 2), "float32")).shape), round(layer.scale, 4)
    ((1, 6, 6, 8), 0.3333)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="same", activation=None, use_bias=True, gain=2.0,
                 **kwargs):
        super().__init__(activation, use_bias, gain, **kwargs)
        if int(filters) != filters or filters < 1:
            raise ValueError(f"filters must be a positive integer, got {filters!r}.")
        if padding not in ("same", "valid"):
            raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}.")
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.padding = padding

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"EqualizedConv2D needs a known number of input channels, got input shape {input_shape}.")
        self._build_weights((*self.kernel_size, channels, self.filters),
                            self.kernel_size[0] * self.kernel_size[1] * channels, self.filters)

    def call(self, inputs):
        return self._finish(ops.conv(inputs, self.kernel * self.scale, strides=self.strides, padding=self.padding))

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape

        def side(size, kernel, stride):
            if size is None:
                return None
            return -(-(size if self.padding == "same" else size - kernel + 1) // stride)

        return (
            batch,
            side(height, self.kernel_size[0], self.strides[0]),
            side(width, self.kernel_size[1], self.strides[1]),
            self.filters,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
        }


@keras.saving.register_keras_serializable(package="keras_gen")
class PixelNormalization(keras.layers.Layer):
    """Normalizes each pixel's feature vector to unit mean square: `x / sqrt(mean(x**2) + epsilon)`.

    Karras, Aila, Laine & Lehtinen, "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation" (2018), section 4.2: after each
    convolution of the generator, instead of batch normalization, so that the
    magnitudes of generator and discriminator cannot escalate. The mean is
    over the channel (last) axis, per example and pixel; nothing mixes
    examples. Computed in float32 under mixed precision.

    Args:
        epsilon: added to the mean square (1e-8 in the paper).

    Call arguments:
        inputs: `(..., channels)`, e.g. `(batch, height, width, channels)`.

    Example:
    >>> keras.ops.convert_to_numpy(PixelNormalization()(np.full((1, 2, 2, 4), 2.0, "float32")))[0, 0, 0]
    array([1., 1., 1., 1.], dtype=float32)
    """

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        if not epsilon >= 0:
            raise ValueError(f"epsilon must be >= 0, got {epsilon!r}.")
        self.epsilon = float(epsilon)

    def call(self, inputs):
        x = _in_float32_at_least(inputs)
        x = x * ops.rsqrt(ops.mean(ops.square(x), axis=-1, keepdims=True) + self.epsilon)
        return ops.cast(x, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


def minibatch_group_size(batch_size: int, group_size: int) -> int:
    """The largest group size `<= group_size` that divides `batch_size` (1 for a batch of 1).

    Example:
    >>> minibatch_group_size(16, 4), minibatch_group_size(6, 4), minibatch_group_size(7, 4)
    (4, 3, 1)
    """
    return max((size for size in range(1, min(group_size, batch_size) + 1) if batch_size % size == 0), default=1)


@keras.saving.register_keras_serializable(package="keras_gen")
class MinibatchStdDev(keras.layers.Layer):
    """Appends a feature map of the spread within groups of examples (minibatch standard deviation).

    Karras, Aila, Laine & Lehtinen, "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation" (2018), section 3: the discriminator
    can tell a batch of too-similar generated images from real ones. For each
    group of `group_size` consecutive examples (examples 0 to 3 form the
    first group, 4 to 7 the second, ...), the standard deviation over the
    group of every feature at every position (the population one, dividing
    by the group size) is averaged into one number, which becomes an extra
    channel of every example of the group.

    Groups are consecutive, not strided as in the paper's reference code, so
    that a discriminator called on `[real; fake]` concatenated never mixes
    real and generated examples in a group as long as each half is a
    multiple of the group size. When the batch is not a multiple of
    `group_size`, the groups take the largest size `<= group_size` that
    divides it (`minibatch_group_size`; with a batch size unknown when
    traced, computed with ops): a batch of 1, or of a prime size such as 7,
    has groups of 1, whose standard deviation is 0. Statistics are computed
    in float32 under mixed precision; there is no epsilon under the square
    root, so a group of identical examples gives exactly 0 (with a zero
    gradient, not a NaN).

    Args:
        group_size: examples per group (4 in the paper).

    Call arguments:
        inputs: `(batch, height, width, channels)`.

    Returns:
        `(batch, height, width, channels + 1)`.

    Example:
    >>> tuple(MinibatchStdDev()(np.zeros((8, 4, 4, 3), "float32")).shape)
    (8, 4, 4, 4)
    """

    def __init__(self, group_size=4, **kwargs):
        super().__init__(**kwargs)
        if int(group_size) != group_size or group_size < 1:
            raise ValueError(f"group_size must be a positive integer, got {group_size!r}.")
        self.group_size = int(group_size)

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(
                f"MinibatchStdDev takes (batch, height, width, channels) feature maps, got shape {input_shape}."
            )
        self.built = True

    def _group_size(self, batch_size):
        if isinstance(batch_size, int):
            return minibatch_group_size(batch_size, self.group_size)
        # A batch size known only at run time (a TensorFlow graph traced without it).
        sizes = ops.arange(1, self.group_size + 1, dtype="int32")
        divides = ops.equal(ops.mod(ops.cast(batch_size, "int32"), sizes), 0)
        return ops.max(ops.where(divides, sizes, ops.ones_like(sizes)))

    def call(self, inputs):
        batch, height, width, channels = ops.shape(inputs)
        group = self._group_size(batch)
        x = ops.reshape(_in_float32_at_least(inputs), (-1, group, height, width, channels))
        spread = ops.mean(_sqrt_zero_safe(ops.var(x, axis=1)), axis=(1, 2, 3))  # one per group
        feature = ops.zeros_like(x[..., :1]) + ops.reshape(spread, (-1, 1, 1, 1, 1))
        feature = ops.reshape(feature, (-1, height, width, 1))
        return ops.concatenate([inputs, ops.cast(feature, inputs.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        channels = None if input_shape[-1] is None else input_shape[-1] + 1
        return (*input_shape[:-1], channels)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size}
