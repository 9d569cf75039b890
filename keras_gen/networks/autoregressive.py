"""Networks of the autoregressive image models: PixelCNN, Gated PixelCNN and the Row LSTM PixelRNN.

Each maps images scaled to [-1, 1] (and, when class-conditional, integer
labels) to `(batch, height, width, channels * parameters)`: for every
sub-pixel, the parameters of its distribution given the pixels before it in
raster order. The model (`keras_gen.models.PixelCNN` and its relatives) turns
those into likelihoods and samples.
"""

import keras
from keras import layers

from keras_gen.layers.autoregressive import GatedPixelCNNBlock, RowLSTM
from keras_gen.layers.masked_conv import MaskedConv2D
from keras_gen.networks.conditioning import check_num_classes, label_input
from keras_gen.networks.precision import float32_pin
from keras_gen.networks.stages import check_image_shape


def _check(image_shape, filters, num_layers, parameters):
    image_shape = check_image_shape(image_shape)
    for name, value in (("filters", filters), ("num_layers", num_layers), ("parameters", parameters)):
        if int(value) < 1:
            raise ValueError(f"{name} must be at least 1, got {value}.")
    return image_shape


def _inputs(image_shape, num_classes, filters, any_height=False):
    """The network's inputs and, when conditional, a per-channel class embedding `(batch, filters)`.

    With `any_height` the image input takes any number of rows: a convolutional
    network can then be run on a band of rows (what sampling needs).
    """
    height, width, channels = image_shape
    images = keras.Input((None if any_height else height, width, channels), name="images")
    if num_classes is None:
        return images, images, None
    labels = label_input()
    embedding = layers.Embedding(check_num_classes(num_classes), filters, name="label_embedding")(labels)
    return [images, labels], images, embedding


def _output_head(features, channels, parameters, filters, color_groups):
    """ReLU, a 1x1 convolution, ReLU, and the parameters of every sub-pixel (masked to keep colour order)."""
    x = layers.ReLU()(features)
    x = MaskedConv2D(filters, 1, mask_type="B", color_groups=color_groups, name="head_hidden")(x)
    x = layers.ReLU()(x)
    return MaskedConv2D(
        channels * parameters, 1, mask_type="B", color_groups=color_groups, dtype=float32_pin(), name="head_out"
    )(x)


def pixelcnn_network(image_shape, parameters=256, filters=64, num_layers=7, kernel_size=3, num_classes=None):
    """The PixelCNN of van den Oord, Kalchbrenner & Kavukcuoglu (2016), sec. 3.4, table 4.

    A 7x7 mask-"A" convolution, then `num_layers` residual blocks of ReLU and
    a `kernel_size` mask-"B" convolution, then a ReLU-1x1-ReLU-1x1 head. For
    colour images every mask orders the channels R -> G -> B, so each
    sub-pixel depends on the earlier pixels and the earlier channels of its
    own pixel. Stacked masked convolutions leave the "blind spot" above-right
    of each pixel (Gated PixelCNN removes it).

    Args:
        image_shape: `(height, width, channels)`.
        parameters: distribution parameters per sub-pixel (256 for a softmax
            over 8-bit values).
        filters: channels of the hidden layers.
        num_layers: mask-"B" blocks after the first layer.
        kernel_size: odd kernel size of those blocks.
        num_classes: None, or the number of classes for a class-conditional network
            (a learned embedding added after the first layer).

    Example:
    >>> net = pixelcnn_network((28, 28, 1), filters=16, num_layers=2)
    >>> net.output_shape  # any number of rows: it also runs on a band of rows
    (None, None, 28, 256)
    """
    height, width, channels = _check(image_shape, filters, num_layers, parameters)
    inputs, images, embedding = _inputs((height, width, channels), num_classes, filters, any_height=True)
    groups = channels
    x = MaskedConv2D(filters, 7, mask_type="A", color_groups=groups, name="conv_a")(images)
    if embedding is not None:
        x = x + embedding[:, None, None, :]
    for index in range(int(num_layers)):
        y = layers.ReLU()(x)
        y = MaskedConv2D(filters, kernel_size, mask_type="B", color_groups=groups, name=f"conv_b_{index}")(y)
        x = layers.Add()([x, y])
    outputs = _output_head(x, channels, parameters, filters, groups)
    return keras.Model(inputs, outputs, name="pixelcnn")


def gated_pixelcnn_network(
    image_shape, parameters=256, filters=64, num_layers=7, kernel_size=3, num_classes=None
):
    """The Gated PixelCNN of van den Oord et al. (2016), "Conditional Image Generation with PixelCNN Decoders".

    `num_layers` `GatedPixelCNNBlock`s (vertical and horizontal stacks, gated
    units, no blind spot); the first hides the current pixel. A class
    embedding, when `num_classes` is set, conditions every gate (the paper's
    V^T h). The sub-pixels of a colour pixel are modelled independently given
    the earlier pixels (the paper's colour ordering is not implemented).

    Args:
        image_shape: `(height, width, channels)`.
        parameters: distribution parameters per sub-pixel.
        filters: channels of each stack.
        num_layers: gated blocks (the first included).
        kernel_size: odd width of the vertical stack's kernel.
        num_classes: None, or the number of classes for a class-conditional network.

    Example:
    >>> net = gated_pixelcnn_network((28, 28, 1), filters=16, num_layers=3, num_classes=10)
    >>> net.output_shape
    (None, None, 28, 256)
    """
    height, width, channels = _check(image_shape, filters, num_layers, parameters)
    inputs, images, embedding = _inputs((height, width, channels), num_classes, filters, any_height=True)
    condition = [] if embedding is None else [embedding]
    vertical, horizontal = images, images
    for index in range(int(num_layers)):
        block = GatedPixelCNNBlock(filters, kernel_size, first=index == 0, name=f"gated_{index}")
        vertical, horizontal = block([vertical, horizontal, *condition])
    outputs = _output_head(horizontal, channels, parameters, filters, color_groups=1)
    return keras.Model(inputs, outputs, name="gated_pixelcnn")


def row_lstm_network(image_shape, parameters=256, filters=32, num_layers=2, kernel_size=3, num_classes=None):
    """The Row LSTM PixelRNN of van den Oord, Kalchbrenner & Kavukcuoglu (2016), sec. 3.1, table 4.

    A 7x7 mask-"A" convolution, `num_layers` residual `RowLSTM` layers, and a
    ReLU-1x1-ReLU-1x1 head. As in `gated_pixelcnn_network`, the sub-pixels of
    a colour pixel are modelled independently given the earlier pixels.

    Args:
        image_shape: `(height, width, channels)`.
        parameters: distribution parameters per sub-pixel.
        filters: channels of the LSTM states.
        num_layers: Row LSTM layers.
        kernel_size: odd width of each Row LSTM's input-to-state convolution.
        num_classes: None, or the number of classes for a class-conditional network.

    Example:
    >>> net = row_lstm_network((28, 28, 1), filters=8, num_layers=1)
    >>> net.output_shape
    (None, 28, 28, 256)
    """
    height, width, channels = _check(image_shape, filters, num_layers, parameters)
    inputs, images, embedding = _inputs((height, width, channels), num_classes, filters)
    x = MaskedConv2D(filters, 7, mask_type="A", name="conv_a")(images)
    if embedding is not None:
        x = x + embedding[:, None, None, :]
    for index in range(int(num_layers)):
        x = layers.Add()([x, RowLSTM(filters, kernel_size, name=f"row_lstm_{index}")(x)])
    outputs = _output_head(x, channels, parameters, filters, color_groups=1)
    return keras.Model(inputs, outputs, name="pixelrnn")
