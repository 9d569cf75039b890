"""Layers of the autoregressive image models: the Gated PixelCNN block and the Row LSTM.

Both keep every output at pixel (i, j) a function of the pixels before (i, j)
in raster order only, like `MaskedConv2D`, and are written with `keras.ops`.
"""

import functools

import keras
from keras import ops


def shift_down(x):
    """Moves a `(batch, height, width, channels)` tensor one row down (zeros enter at the top)."""
    return ops.pad(x, [[0, 0], [1, 0], [0, 0], [0, 0]])[:, :-1]


def shift_right(x):
    """Moves a `(batch, height, width, channels)` tensor one column right (zeros enter at the left)."""
    return ops.pad(x, [[0, 0], [0, 0], [1, 0], [0, 0]])[:, :, :-1]


def gated(x):
    """The gated activation tanh(a) * sigmoid(b) of the two halves of the channels."""
    a, b = ops.split(x, 2, axis=-1)
    return ops.tanh(a) * ops.sigmoid(b)


@keras.saving.register_keras_serializable(package="keras_gen")
class GatedPixelCNNBlock(keras.layers.Layer):
    """One layer of the Gated PixelCNN: a vertical and a horizontal stack with gated units.

    van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves & Kavukcuoglu,
    "Conditional Image Generation with PixelCNN Decoders" (2016), fig. 2. The
    vertical stack at row i sees the rows up to i (a `(k // 2 + 1, k)`
    convolution padded at the top); shifted one row down, it feeds the
    horizontal stack, which sees the pixels left of (i, j) in row i (a
    `(1, k // 2 + 1)` convolution; the first block shifts it one column right
    so that pixel (i, j) itself is hidden). Together they see every earlier
    pixel: the PixelCNN's blind spot is gone. Units are gated,
    tanh(W_f * x + V_f h) * sigmoid(W_g * x + V_g h), with an optional
    condition h: a vector (a class embedding), or maps with one vector per
    pixel (the paper's location-dependent conditioning, V a 1x1 convolution;
    a Video Pixel Network's context of the earlier frames). The horizontal
    stack is residual after the first block.

    Args:
        filters: channels of each stack.
        kernel_size: odd width k of the vertical stack's kernel.
        first: the first block hides the current pixel (mask "A").

    Call arguments:
        inputs: `[vertical, horizontal]` or `[vertical, horizontal, condition]`,
            the stacks `(batch, height, width, channels)`, the condition
            `(batch, features)` or `(batch, height, width, features)`.

    Returns:
        `[vertical, horizontal]`, each `(batch, height, width, filters)`.

    Example:
    >>> block = GatedPixelCNNBlock(16, first=True)
    >>> v, h = block([keras.ops.zeros((2, 8, 8, 1)), keras.ops.zeros((2, 8, 8, 1))])
    >>> tuple(h.shape)
    (2, 8, 8, 16)
    """

    def __init__(self, filters, kernel_size=3, first=False, **kwargs):
        super().__init__(**kwargs)
        if int(kernel_size) < 3 or int(kernel_size) % 2 == 0:
            raise ValueError(f"kernel_size must be an odd number >= 3, got {kernel_size}.")
        if int(filters) < 1:
            raise ValueError(f"filters must be at least 1, got {filters}.")
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.first = bool(first)
        half = self.kernel_size // 2
        # The inner convolutions compute in the block's own policy, also when a file is loaded under another.
        conv = functools.partial(keras.layers.Conv2D, dtype=self.dtype_policy)
        self.vertical = conv(2 * self.filters, (half + 1, self.kernel_size), name="vertical")
        self.vertical_to_horizontal = conv(2 * self.filters, 1, name="vertical_to_horizontal")
        self.horizontal = conv(2 * self.filters, (1, half + 1), name="horizontal")
        self.horizontal_out = conv(self.filters, 1, name="horizontal_out")

    def build(self, input_shape):
        vertical_shape, horizontal_shape = input_shape[0], input_shape[1]
        if not self.first and horizontal_shape[-1] != self.filters:
            raise ValueError(
                f"A residual Gated PixelCNN block needs a horizontal stack of {self.filters} channels, "
                f"got {horizontal_shape[-1]}; only the first block (first=True) takes the image."
            )
        height, width = vertical_shape[1], vertical_shape[2]
        half = self.kernel_size // 2
        padded_height = None if height is None else height + half
        self.vertical.build((None, padded_height, None if width is None else width + 2 * half, vertical_shape[-1]))
        self.vertical_to_horizontal.build((None, height, width, 2 * self.filters))
        self.horizontal.build((None, height, None if width is None else width + half, horizontal_shape[-1]))
        self.horizontal_out.build((None, height, width, self.filters))
        self.conditional = len(input_shape) == 3
        if self.conditional:
            self.condition_vertical = keras.layers.Dense(
                2 * self.filters, use_bias=False, dtype=self.dtype_policy, name="condition_vertical"
            )
            self.condition_horizontal = keras.layers.Dense(
                2 * self.filters, use_bias=False, dtype=self.dtype_policy, name="condition_horizontal"
            )
            self.condition_vertical.build(input_shape[2])
            self.condition_horizontal.build(input_shape[2])
        self.built = True

    def call(self, inputs):
        vertical_in, horizontal_in = inputs[0], inputs[1]
        half = self.kernel_size // 2
        vertical = self.vertical(ops.pad(vertical_in, [[0, 0], [half, 0], [half, half], [0, 0]]))
        horizontal = self.horizontal(ops.pad(horizontal_in, [[0, 0], [0, 0], [half, 0], [0, 0]]))
        if self.first:
            horizontal = shift_right(horizontal)
        if len(inputs) == 3:
            vertical = vertical + self._condition_bias(self.condition_vertical, inputs[2])
            horizontal = horizontal + self._condition_bias(self.condition_horizontal, inputs[2])
        horizontal = horizontal + self.vertical_to_horizontal(shift_down(vertical))
        horizontal_out = self.horizontal_out(gated(horizontal))
        if not self.first:
            horizontal_out = horizontal_out + horizontal_in
        return [gated(vertical), horizontal_out]

    @staticmethod
    def _condition_bias(projection, condition):
        """V h: one bias per gate for the whole image (a vector h) or per pixel (maps h, V a 1x1 convolution)."""
        bias = projection(condition)
        return bias[:, None, None, :] if len(condition.shape) == 2 else bias

    def compute_output_shape(self, input_shape):
        shape = (*tuple(input_shape[0])[:3], self.filters)
        return [shape, shape]

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size, "first": self.first}


@keras.saving.register_keras_serializable(package="keras_gen")
class RowLSTM(keras.layers.Layer):
    """The Row LSTM of PixelRNN: an LSTM that runs down the image a row at a time.

    van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent Neural Networks"
    (2016), sec. 3.1. The input-to-state part is a `(1, k)` convolution along
    the row with mask "B" (it sees the inputs at and left of (i, j)); the
    state-to-state part is a width-3 convolution of the previous row's hidden
    states. All rows' input-to-state terms are computed at once; the recurrence
    over rows is a loop of `height` steps. The receptive field is the
    triangle above the pixel (the paper's limitation of the Row LSTM).

    Args:
        units: channels of the hidden and cell states.
        kernel_size: odd width of the input-to-state convolution.
        state_kernel_size: odd width of the state-to-state convolution.

    Call arguments:
        inputs: `(batch, height, width, channels)` features that already
            depend only on earlier pixels (the first layer's mask-"A" convolution).

    Returns:
        `(batch, height, width, units)`: the hidden state of every pixel.

    Example:
    >>> layer = RowLSTM(8)
    >>> tuple(layer(keras.ops.zeros((2, 6, 6, 4))).shape)
    (2, 6, 6, 8)
    """

    def __init__(self, units, kernel_size=3, state_kernel_size=3, **kwargs):
        super().__init__(**kwargs)
        for name, size in (("kernel_size", kernel_size), ("state_kernel_size", state_kernel_size)):
            if int(size) < 1 or int(size) % 2 == 0:
                raise ValueError(f"{name} must be an odd positive number, got {size}.")
        if int(units) < 1:
            raise ValueError(f"units must be at least 1, got {units}.")
        from keras_gen.layers.masked_conv import MaskedConv2D

        self.units = int(units)
        self.kernel_size = int(kernel_size)
        self.state_kernel_size = int(state_kernel_size)
        self.input_to_state = MaskedConv2D(
            4 * self.units, (1, self.kernel_size), mask_type="B", dtype=self.dtype_policy, name="input_to_state"
        )
        self.state_to_state = keras.layers.Conv1D(
            4 * self.units, self.state_kernel_size, padding="same", use_bias=False, dtype=self.dtype_policy,
            name="state_to_state",
        )

    def build(self, input_shape):
        self.input_to_state.build(input_shape)
        self.state_to_state.build((None, input_shape[2], self.units))
        self.built = True

    def initial_state(self, batch, width, dtype=None):
        """The `(hidden, cell)` state above the first row: zeros of shape `(batch, width, units)`, in
        `dtype` (default: the layer's compute dtype, bfloat16 or float16 under mixed precision)."""
        zeros = ops.zeros((batch, width, self.units), dtype=dtype or self.compute_dtype)
        return zeros, zeros

    def row_step(self, row_gates, hidden, cell):
        """One row of the recurrence: its input-to-state terms `(batch, width, 4 units)` and the state above.

        Returns the new `(hidden, cell)`, each `(batch, width, units)`.
        """
        gates = row_gates + self.state_to_state(hidden)
        input_gate, forget_gate, output_gate, candidate = ops.split(gates, 4, axis=-1)
        cell = ops.sigmoid(forget_gate) * cell + ops.sigmoid(input_gate) * ops.tanh(candidate)
        return ops.sigmoid(output_gate) * ops.tanh(cell), cell

    def call(self, inputs):
        input_gates = self.input_to_state(inputs)
        height = inputs.shape[1]
        if height is None:
            raise ValueError("RowLSTM needs a static image height; build the model for a fixed image size.")
        hidden, cell = self.initial_state(ops.shape(inputs)[0], ops.shape(inputs)[2], input_gates.dtype)
        rows = []
        for row in range(height):
            hidden, cell = self.row_step(input_gates[:, row], hidden, cell)
            rows.append(hidden)
        return ops.stack(rows, axis=1)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:3], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "kernel_size": self.kernel_size,
            "state_kernel_size": self.state_kernel_size,
        }
