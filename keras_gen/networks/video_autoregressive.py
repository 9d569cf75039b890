"""Networks of the Video Pixel Network: a context of the earlier frames and a Gated PixelCNN per frame.

Kalchbrenner, van den Oord, Simonyan, Danihelka, Vinyals, Graves &
Kavukcuoglu, "Video Pixel Networks" (2016). A clip `(frames, height, width,
channels)` factorizes as p(x) = prod_t prod_i p(x_t,i | x_<t, x_t,<i):

- the context network reads every frame with dilated convolutions (the
  paper's resolution-preserving encoder, made small) and runs a ConvLSTM over
  time; its output is shifted one frame later, so that the context of frame
  t sees frames < t only, and frame 1's context is zeros;
- the frame network is a Gated PixelCNN whose gates take the context of its
  frame as per-pixel bias maps (van den Oord et al., "Conditional Image
  Generation with PixelCNN Decoders", 2016, the location-dependent
  conditioning), and gives the parameters of every sub-pixel given the
  earlier pixels of its frame.

The model (`keras_gen.models.VideoPixelCNN`) composes the two; keeping them
apart lets sampling compute a frame's context once and then run only the
frame network pixel by pixel.
"""

import keras
from keras import layers, ops

from keras_gen.layers.autoregressive import GatedPixelCNNBlock
from keras_gen.networks.autoregressive import _output_head
from keras_gen.networks.precision import float32_pin
from keras_gen.networks.stages import check_image_shape


def check_clip_shape(clip_shape):
    """`(frames, height, width, channels)` as ints, or a ValueError naming the expected form."""
    shape = tuple(clip_shape)
    if len(shape) != 4:
        raise ValueError(
            f"A clip shape is (frames, height, width, channels), got {clip_shape}; "
            "for images use an image family's for_images((height, width, channels))."
        )
    if int(shape[0]) < 1:
        raise ValueError(f"A clip needs at least one frame, got clip_shape={clip_shape}.")
    return (int(shape[0]), *check_image_shape(shape[1:]))


def shift_frames_later(x):
    """Moves `(batch, frames, ...)` one frame later along time: zeros become frame 1, the last frame drops."""
    padding = [[0, 0], [1, 0]] + [[0, 0]] * (len(x.shape) - 2)
    return ops.pad(x, padding)[:, :-1]


def video_context_network(clip_shape, filters=32, context_layers=3):
    """The context of each frame from the frames before it: `(batch, T, H, W, filters)`.

    Kalchbrenner et al. (2016), sec. 3: `context_layers` 3x3 convolutions
    per frame with dilation 1, 2, 4, ... and ReLU, then a 3x3 ConvLSTM over
    frames 1 .. T - 1; its output for frame t - 1 is frame t's context (frame
    1 gets zeros, an empty context).

    Args:
        clip_shape: `(frames, height, width, channels)`.
        filters: channels of the convolutions, the ConvLSTM and the context.
        context_layers: dilated convolutions per frame (0: the ConvLSTM reads the frames).

    Example:
    >>> net = video_context_network((4, 8, 8, 1), filters=8, context_layers=2)
    >>> net.output_shape
    (None, 4, 8, 8, 8)
    """
    frames, height, width, channels = check_clip_shape(clip_shape)
    if int(filters) < 1:
        raise ValueError(f"filters must be at least 1, got {filters}.")
    if int(context_layers) < 0:
        raise ValueError(f"context_layers must be 0 or more, got {context_layers}.")
    clips = keras.Input((frames, height, width, channels), name="clips")
    # The last frame is no frame's context; a clip of one frame reads it only to get the context's shape.
    x = clips[:, :-1] if frames > 1 else clips
    for index in range(int(context_layers)):
        conv = layers.Conv2D(int(filters), 3, dilation_rate=2**index, padding="same", activation="relu",
                             name=f"dilated_conv_{index}")
        x = layers.TimeDistributed(conv, name=f"dilated_{index}")(x)
    x = layers.ConvLSTM2D(int(filters), 3, padding="same", return_sequences=True, name="conv_lstm")(x)
    context = ops.pad(x, [[0, 0], [1, 0], [0, 0], [0, 0], [0, 0]]) if frames > 1 else shift_frames_later(x)
    # Network outputs are float32 under mixed precision (the layers above compute in its dtype).
    context = layers.Activation("linear", dtype=float32_pin(), name="context")(context)
    return keras.Model(clips, context, name="video_context")


def video_frame_network(frame_shape, parameters=15, filters=32, num_layers=5, kernel_size=3, context_filters=None):
    """A Gated PixelCNN of one frame whose gates take the frame's context maps.

    Maps `[frames in [-1, 1], context]`, `(n, rows, W, C)` and `(n, rows, W,
    context_filters)`, to `(n, rows, W, C * parameters)`. Any number of rows:
    sampling runs it on a band of rows (of the frame and its context alike).
    The sub-pixels of a colour pixel are modelled independently given the
    earlier pixels, as in `gated_pixelcnn_network`.

    Args:
        frame_shape: `(height, width, channels)`.
        parameters: distribution parameters per sub-pixel (256 logits, or 3 per logistic).
        filters: channels of each stack.
        num_layers: gated blocks (the first hides the current pixel).
        kernel_size: odd width of the vertical stack's kernel.
        context_filters: channels of the context maps (default: `filters`).

    Example:
    >>> net = video_frame_network((8, 8, 1), parameters=15, filters=8, num_layers=2)
    >>> net.output_shape
    (None, None, 8, 15)
    """
    _, width, channels = check_image_shape(frame_shape)
    for name, value in (("filters", filters), ("num_layers", num_layers), ("parameters", parameters)):
        if int(value) < 1:
            raise ValueError(f"{name} must be at least 1, got {value}.")
    context_filters = int(filters if context_filters is None else context_filters)
    frames = keras.Input((None, width, channels), name="frames")
    context = keras.Input((None, width, context_filters), name="context")
    vertical, horizontal = frames, frames
    for index in range(int(num_layers)):
        block = GatedPixelCNNBlock(int(filters), kernel_size, first=index == 0, name=f"gated_{index}")
        vertical, horizontal = block([vertical, horizontal, context])
    outputs = _output_head(horizontal, channels, int(parameters), int(filters), color_groups=1)
    return keras.Model([frames, context], outputs, name="video_frame")


def video_pixelcnn_networks(
    clip_shape, parameters=15, filters=32, num_layers=5, context_layers=3, kernel_size=3
):
    """`(context_network, frame_network)` of a small Video Pixel Network (Kalchbrenner et al., 2016).

    See `video_context_network` and `video_frame_network`; the context has
    `filters` channels.

    Example:
    >>> context, frame = video_pixelcnn_networks((4, 8, 8, 1), filters=8, num_layers=2, context_layers=2)
    >>> context.output_shape, frame.output_shape
    ((None, 4, 8, 8, 8), (None, None, 8, 15))
    """
    clip_shape = check_clip_shape(clip_shape)
    context_network = video_context_network(clip_shape, filters, context_layers)
    frame_network = video_frame_network(clip_shape[1:], parameters, filters, num_layers, kernel_size)
    return context_network, frame_network


def clip_parameters(context_network, frame_network, clips, training=False):
    """The frame network's outputs for every frame of `clips` in [-1, 1]: `(batch, T, H, W, C * P)`.

    Frames are folded into the batch, each with its own context.
    """
    context = context_network(clips, training=training)
    frames, height, width, channels = tuple(clips.shape)[1:]
    folded = ops.reshape(clips, (-1, height, width, channels))
    folded_context = ops.reshape(context, (-1, height, width, context.shape[-1]))
    outputs = frame_network([folded, folded_context], training=training)
    return ops.reshape(outputs, (-1, frames, height, width, outputs.shape[-1]))
