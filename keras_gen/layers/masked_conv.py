"""`MaskedConv2D`: the masked convolution of PixelCNN."""

import keras
import numpy as np
from keras import ops

MASK_TYPES = ("A", "B")


def causal_mask(kernel_size, in_channels, out_channels, mask_type, color_groups=1):
    """The 0/1 mask `(kh, kw, in_channels, out_channels)` of a PixelCNN convolution.

    van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent Neural Networks"
    (2016), sec. 3.4 and fig. 4. Pixels above the centre row, and left of the
    centre in its row, are visible. At the centre, with `color_groups` = 3 the
    channels split into R, G, B groups (in that order, contiguous blocks):
    mask "A" lets an output of group g see input groups < g, mask "B" groups
    <= g. With one group, "A" hides the centre pixel and "B" shows it.

    Example:
    >>> causal_mask((3, 3), 1, 1, "A")[..., 0, 0]
    array([[1., 1., 1.],
           [1., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """
    if mask_type not in MASK_TYPES:
        raise ValueError(f"mask_type must be 'A' (first layer) or 'B' (later layers), got {mask_type!r}.")
    height, width = kernel_size
    if height % 2 == 0 or width % 2 == 0:
        raise ValueError(f"A masked convolution needs an odd kernel size to have a centre, got {kernel_size}.")
    mask = np.zeros((height, width, in_channels, out_channels), dtype="float32")
    centre_row, centre_col = height // 2, width // 2
    mask[:centre_row] = 1.0
    mask[centre_row, :centre_col] = 1.0
    group_in = np.arange(in_channels) * color_groups // max(in_channels, 1)
    group_out = np.arange(out_channels) * color_groups // max(out_channels, 1)
    if mask_type == "A":
        visible = group_in[:, None] < group_out[None, :]
    else:
        visible = group_in[:, None] <= group_out[None, :]
    mask[centre_row, centre_col] = visible.astype("float32")
    return mask


@keras.saving.register_keras_serializable(package="keras_gen")
class MaskedConv2D(keras.layers.Conv2D):
    """A 2-D convolution that sees only the pixels before the current one in raster order.

    van den Oord, Kalchbrenner & Kavukcuoglu, "Pixel Recurrent Neural Networks"
    (2016). The kernel is multiplied by `causal_mask` on every call, so the
    output at (i, j) depends on the rows above and the pixels to the left in
    row i: mask "A" (the first layer) excludes pixel (i, j) itself, mask "B"
    (every later layer) includes it. For colour images (`color_groups=3`) the
    channels are ordered R -> G -> B within a pixel as well. Stacked, "A" then
    "B" layers keep every output a function of the preceding pixels only, with
    the "blind spot" of the original PixelCNN (Gated PixelCNN removes it).
    `padding="same"` by default, so the output keeps the input's height and width.

    Args:
        filters: output channels.
        kernel_size: an odd int or pair of odd ints.
        mask_type: `"A"` or `"B"`.
        color_groups: 1 for one-channel images, 3 for RGB ordering.
        **kwargs: the other `keras.layers.Conv2D` arguments (strides must stay 1).

    Call arguments:
        inputs: `(batch, height, width, channels)`.

    Example:
    >>> layer = MaskedConv2D(16, 7, mask_type="A")
    >>> tuple(layer(keras.ops.zeros((2, 28, 28, 1))).shape)
    (2, 28, 28, 16)
    """

    def __init__(self, filters, kernel_size, mask_type="B", color_groups=1, padding="same", **kwargs):
        if mask_type not in MASK_TYPES:
            raise ValueError(f"mask_type must be 'A' (first layer) or 'B' (later layers), got {mask_type!r}.")
        if int(color_groups) < 1:
            raise ValueError(f"color_groups must be 1 (grayscale) or 3 (RGB ordering), got {color_groups}.")
        strides = kwargs.get("strides", 1)
        if any(int(step) != 1 for step in np.atleast_1d(strides)):
            raise ValueError(f"A masked convolution keeps every pixel: strides must be 1, got {strides}.")
        if padding != "same":
            raise ValueError(f"A masked convolution keeps the image size: padding must be 'same', got {padding!r}.")
        super().__init__(filters, kernel_size, padding=padding, **kwargs)
        self.mask_type = mask_type
        self.color_groups = int(color_groups)

    def build(self, input_shape):
        super().build(input_shape)
        mask = causal_mask(self.kernel_size, int(input_shape[-1]), self.filters, self.mask_type, self.color_groups)
        self.mask = ops.convert_to_tensor(mask)

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel * ops.cast(self.mask, kernel.dtype))

    def get_config(self):
        return {**super().get_config(), "mask_type": self.mask_type, "color_groups": self.color_groups}
