"""Networks of the image-to-image families: U-Net, PatchGAN, ResNet and SRResNet generators, context encoder.

Normalization is instance normalization (`GroupNormalization(groups=-1)`) in
the translators: it does not depend on the `training` flag, so pix2pix's
"dropout at test time" (`training=True`) changes only the dropout, and it is
what the papers' batch size of 1 amounts to (Isola et al., 2017; Zhu et al.,
2017).
"""

import keras
from keras import layers

from keras_gen.layers.image_to_image import SubPixelUpsampling
from keras_gen.layers.normalization import FusedBatchNormalization
from keras_gen.networks.precision import float32_pin
from keras_gen.networks.stages import check_image_shape


def instance_norm(name=None):
    """Instance normalization: every channel of every image normalized on its own."""
    return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)


def halvings(image_shape, most: int = 8) -> int:
    """How many times both sides can be halved exactly (at most `most`, keeping sides >= 2)."""
    height, width = image_shape[:2]
    count = 0
    while count < most and height % 2 == 0 and width % 2 == 0 and min(height, width) >= 4:
        height, width, count = height // 2, width // 2, count + 1
    return count


def check_depth(image_shape, depth, what="depth"):
    """`depth` (or the largest possible when None) after checking it halves the sides exactly."""
    possible = halvings(image_shape)
    if depth is None:
        return possible
    if int(depth) != depth or not 1 <= depth <= possible:
        raise ValueError(
            f"{what}={depth} does not fit {image_shape[0]}x{image_shape[1]} images: they can be halved "
            f"exactly {possible} time(s). Use a {what} from 1 to {possible}."
        )
    return int(depth)


def downsampling_stages(x, width: int, depth: int) -> tuple:
    """pix2pix's encoder C{w}-C{2w}-C{4w}-C{8w}-C{8w}...: `depth` stride-2 stages applied to `x`.

    Isola et al. (2017), appendix 6.1: each stage is a 4x4 stride-2
    convolution, instance normalization (none on the first stage) and
    LeakyReLU(0.2); the filters double per stage up to 8x `width`. The U-Net
    keeps every output for its skip connections, the PatchGAN the last. The
    layers are named `down_{stage}` and `down_{stage}_norm`, the names saved
    weights are stored under.

    Args:
        x: the input tensor (a Keras functional tensor).
        width: filters of the first stage.
        depth: how many stages.

    Returns:
        `(last, outputs)`: the last stage's output (`x` itself when `depth` is
        0) and the list of every stage's output, highest resolution first.

    Example:
    >>> last, outputs = downsampling_stages(keras.Input((28, 28, 1)), 8, 2)
    >>> tuple(last.shape), [tuple(y.shape) for y in outputs]
    ((None, 7, 7, 16), [(None, 14, 14, 8), (None, 7, 7, 16)])
    """
    outputs = []
    for stage in range(depth):
        x = layers.Conv2D(width * 2 ** min(stage, 3), 4, strides=2, padding="same", use_bias=stage == 0,
                          name=f"down_{stage}")(x)
        if stage > 0:
            x = instance_norm(name=f"down_{stage}_norm")(x)
        x = layers.LeakyReLU(0.2)(x)
        outputs.append(x)
    return x, outputs


def unet_generator(image_shape, output_channels=None, width=64, depth=None, dropout=0.5,
                   bottleneck_layers=2, name="unet_generator"):
    """The pix2pix U-Net: an encoder-decoder whose mirrored stages are joined by skip connections.

    Isola et al., "Image-to-Image Translation with Conditional Adversarial
    Networks" (2017), section 3.1.1 and appendix 6.1.1: C64-C128-C256-...
    encoder (stride-2 4x4 convolutions, LeakyReLU 0.2, no normalization on the
    first), decoder of stride-2 transposed convolutions with ReLU, each
    concatenated with the encoder stage of the same size; dropout 0.5 in the
    innermost decoder stages is the generator's noise source. The last layer
    maps to `output_channels` with tanh.

    Args:
        image_shape: `(H, W, C)` of the input images.
        output_channels: channels of the output images (default: the input's).
        width: filters of the first stage (doubling per stage, at most 8x).
        depth: number of stride-2 stages (default: as many as halve the sides exactly).
        dropout: dropout rate of the bottleneck and the two innermost decoder stages.
        bottleneck_layers: stride-1 convolutions at the lowest resolution
            (for small images, which reach it after few halvings).

    Example:
    >>> unet_generator((28, 28, 1), width=8).output_shape
    (None, 28, 28, 1)
    """
    image_shape = check_image_shape(image_shape)
    output_channels = output_channels or image_shape[-1]
    depth = check_depth(image_shape, depth)
    inputs = keras.Input(image_shape, name="input_images")
    x, skips = downsampling_stages(inputs, width, depth)
    filters = width * 2 ** min(depth - 1, 3)
    for index in range(bottleneck_layers):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"bottleneck_{index}")(x)
        x = instance_norm(name=f"bottleneck_{index}_norm")(x)
        x = layers.ReLU()(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"bottleneck_{index}_dropout")(x)
    for stage in reversed(range(depth)):
        x = layers.Concatenate(name=f"skip_{stage}")([x, skips[stage]])
        if stage == 0:
            break
        x = layers.Conv2DTranspose(width * 2 ** min(stage - 1, 3), 4, strides=2, padding="same", use_bias=False,
                                   name=f"up_{stage}")(x)
        x = instance_norm(name=f"up_{stage}_norm")(x)
        if dropout and stage >= depth - 2:
            x = layers.Dropout(dropout, name=f"up_{stage}_dropout")(x)
        x = layers.ReLU()(x)
    outputs = layers.Conv2DTranspose(output_channels, 4, strides=2, padding="same", activation="tanh",
                                     dtype=float32_pin(), name="output")(x)
    return keras.Model(inputs, outputs, name=name)


def patchgan_discriminator(image_shape, condition_shape=None, width=64, depth=None, name="patchgan_discriminator"):
    """The PatchGAN discriminator: one logit per overlapping patch of the image.

    Isola et al. (2017), section 3.2.2 and appendix 6.1.2 (C64-C128-C256-C512,
    stride-2 4x4 convolutions with LeakyReLU 0.2, then a stride-1 convolution
    and a one-channel convolution). With `condition_shape` it judges the pair
    (condition, image), concatenated along the channels (pix2pix); without,
    the image alone (CycleGAN, SRGAN, the context encoder).

    Args:
        image_shape: `(H, W, C)` of the judged images.
        condition_shape: `(H, W, C')` of the input image it is conditioned on, or None.
        width: filters of the first stage.
        depth: stride-2 stages (default: as many as halve the sides exactly, at most 3).

    Returns:
        A model from `image` (or `[condition, image]`) to `(batch, H', W', 1)` logits.

    Example:
    >>> patchgan_discriminator((28, 28, 1), (28, 28, 1), width=8).output_shape
    (None, 7, 7, 1)
    """
    image_shape = check_image_shape(image_shape)
    depth = min(check_depth(image_shape, depth), 3) if depth is None else check_depth(image_shape, depth)
    images = keras.Input(image_shape, name="images")
    inputs = images
    x = images
    if condition_shape is not None:
        condition_shape = check_image_shape(condition_shape)
        if condition_shape[:2] != image_shape[:2]:
            raise ValueError(
                f"A conditional PatchGAN needs conditions of the images' size {image_shape[:2]}, "
                f"got {condition_shape[:2]}."
            )
        conditions = keras.Input(condition_shape, name="conditions")
        inputs = [conditions, images]
        x = layers.Concatenate(name="pair")([conditions, images])
    x, _ = downsampling_stages(x, width, depth)
    x = layers.Conv2D(width * 2 ** min(depth, 3), 4, padding="same", use_bias=False, name="patch")(x)
    x = instance_norm(name="patch_norm")(x)
    x = layers.LeakyReLU(0.2)(x)
    outputs = layers.Conv2D(1, 4, padding="same", dtype=float32_pin(), name="logits")(x)
    return keras.Model(inputs, outputs, name=name)


def resnet_block(x, filters, name):
    """Two 3x3 convolutions with instance normalization and a residual connection (CycleGAN's R blocks)."""
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv_1")(x)
    y = instance_norm(name=f"{name}_norm_1")(y)
    y = layers.ReLU()(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv_2")(y)
    y = instance_norm(name=f"{name}_norm_2")(y)
    return layers.Add(name=name)([x, y])


def resnet_generator(image_shape, output_channels=None, width=32, num_blocks=6, downsamplings=2,
                     name="resnet_generator"):
    """CycleGAN's generator: c7s1-w, stride-2 downsampling, residual blocks, upsampling, c7s1 tanh.

    Zhu et al., "Unpaired Image-to-Image Translation using Cycle-Consistent
    Adversarial Networks" (2017), appendix 7.2, after Johnson et al. (2016):
    6 residual blocks for 128x128 images (9 for 256x256); instance
    normalization; zero padding here where the paper reflects.

    Args:
        image_shape: `(H, W, C)` of the input images.
        output_channels: channels of the output (default: the input's).
        width: filters of the first convolution (x2 per downsampling).
        num_blocks: residual blocks at the lowest resolution.
        downsamplings: stride-2 stages (must halve the sides exactly).

    Example:
    >>> resnet_generator((28, 28, 1), width=8, num_blocks=2).output_shape
    (None, 28, 28, 1)
    """
    image_shape = check_image_shape(image_shape)
    output_channels = output_channels or image_shape[-1]
    downsamplings = check_depth(image_shape, downsamplings, "downsamplings")
    inputs = keras.Input(image_shape, name="input_images")
    x = layers.Conv2D(width, 7, padding="same", use_bias=False, name="stem")(inputs)
    x = layers.ReLU()(instance_norm(name="stem_norm")(x))
    for stage in range(downsamplings):
        x = layers.Conv2D(width * 2 ** (stage + 1), 3, strides=2, padding="same", use_bias=False,
                          name=f"down_{stage}")(x)
        x = layers.ReLU()(instance_norm(name=f"down_{stage}_norm")(x))
    for block in range(num_blocks):
        x = resnet_block(x, width * 2**downsamplings, name=f"residual_{block}")
    for stage in reversed(range(downsamplings)):
        x = layers.Conv2DTranspose(width * 2**stage, 4, strides=2, padding="same", use_bias=False,
                                   name=f"up_{stage}")(x)
        x = layers.ReLU()(instance_norm(name=f"up_{stage}_norm")(x))
    outputs = layers.Conv2D(output_channels, 7, padding="same", activation="tanh", dtype=float32_pin(),
                            name="output")(x)
    return keras.Model(inputs, outputs, name=name)


def upsampling_steps(factor: int) -> list[int]:
    """The sub-pixel steps that make `factor`: ×2 steps for powers of two, else one step of `factor`."""
    if factor & (factor - 1) == 0:
        return [2] * (factor.bit_length() - 1)
    return [factor]


def srresnet_generator(low_res_shape, factor=4, width=64, num_blocks=16, name="srresnet_generator"):
    """SRResNet: residual blocks at low resolution, then sub-pixel upsampling.

    Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a
    Generative Adversarial Network" (2017), figure 4: a 9x9 convolution with
    PReLU, B residual blocks (3x3 conv, batch norm, PReLU, 3x3 conv, batch
    norm, skip), a 3x3 conv with batch norm and a skip over all blocks, then
    per x2 step a convolution to 4x the channels, `SubPixelUpsampling(2)` and
    PReLU; a 9x9 convolution to the image's channels (tanh here, the images
    being in (-1, 1)).

    Args:
        low_res_shape: `(h, w, C)` of the low-resolution input.
        factor: the upscaling factor (powers of two use x2 steps).
        width: filters of the residual blocks (64 in the paper).
        num_blocks: residual blocks (16 in the paper).

    Example:
    >>> srresnet_generator((7, 7, 1), factor=4, width=8, num_blocks=1).output_shape
    (None, 28, 28, 1)
    """
    low_res_shape = check_image_shape(low_res_shape)
    if int(factor) != factor or factor < 2:
        raise ValueError(f"factor must be an integer >= 2, got {factor!r}.")
    inputs = keras.Input(low_res_shape, name="low_resolution")
    x = layers.Conv2D(width, 9, padding="same", name="stem")(inputs)
    x = skip = layers.PReLU(shared_axes=[1, 2], name="stem_prelu")(x)
    for block in range(num_blocks):
        y = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"residual_{block}_conv_1")(x)
        y = FusedBatchNormalization(name=f"residual_{block}_bn_1")(y)
        y = layers.PReLU(shared_axes=[1, 2], name=f"residual_{block}_prelu")(y)
        y = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"residual_{block}_conv_2")(y)
        y = FusedBatchNormalization(name=f"residual_{block}_bn_2")(y)
        x = layers.Add(name=f"residual_{block}")([x, y])
    x = layers.Conv2D(width, 3, padding="same", use_bias=False, name="trunk_conv")(x)
    x = FusedBatchNormalization(name="trunk_bn")(x)
    x = layers.Add(name="trunk_skip")([x, skip])
    for index, step in enumerate(upsampling_steps(int(factor))):
        x = layers.Conv2D(width * step * step, 3, padding="same", name=f"upsample_{index}_conv")(x)
        x = SubPixelUpsampling(step, name=f"upsample_{index}")(x)
        x = layers.PReLU(shared_axes=[1, 2], name=f"upsample_{index}_prelu")(x)
    outputs = layers.Conv2D(low_res_shape[-1], 9, padding="same", activation="tanh", dtype=float32_pin(),
                            name="output")(x)
    return keras.Model(inputs, outputs, name=name)


def context_encoder_generator(image_shape, width=32, depth=None, code_dim=256, name="context_encoder"):
    """The context encoder: an encoder of the image with its hole, a fully connected code, a decoder.

    Pathak et al., "Context Encoders: Feature Learning by Inpainting" (2016),
    section 3.1: a convolutional encoder, a bottleneck that connects every
    location (the paper's channel-wise fully connected layer; a dense layer
    here, affordable at these sizes), and a decoder of up-convolutions that
    paints the whole image. The mask (1 = missing pixel) is an extra input
    channel, so the network knows where the hole is.

    Args:
        image_shape: `(H, W, C)`.
        width: filters of the first stage (doubling per stage).
        depth: stride-2 stages (default: as many as halve the sides exactly, at most 3).
        code_dim: size of the bottleneck code.

    Returns:
        A model from `[images with hole, masks]` to full images (tanh).

    Example:
    >>> context_encoder_generator((28, 28, 1), width=8, code_dim=16).output_shape
    (None, 28, 28, 1)
    """
    image_shape = check_image_shape(image_shape)
    depth = min(check_depth(image_shape, depth), 3) if depth is None else check_depth(image_shape, depth)
    images = keras.Input(image_shape, name="images_with_hole")
    masks = keras.Input((*image_shape[:2], 1), name="masks")
    x = layers.Concatenate(name="with_mask")([images, masks])
    for stage in range(depth):
        x = layers.Conv2D(width * 2**stage, 4, strides=2, padding="same", name=f"down_{stage}")(x)
        if stage > 0:
            x = FusedBatchNormalization(name=f"down_{stage}_bn")(x)
        x = layers.LeakyReLU(0.2)(x)
    low_shape = tuple(x.shape[1:])
    x = layers.Flatten()(x)
    x = layers.Dense(code_dim, name="code")(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Dense(low_shape[0] * low_shape[1] * low_shape[2], name="decode_code")(x)
    x = layers.Reshape(low_shape)(x)
    x = layers.ReLU()(FusedBatchNormalization(name="decode_code_bn")(x))
    for stage in reversed(range(depth - 1)):
        x = layers.Conv2DTranspose(width * 2**stage, 4, strides=2, padding="same", use_bias=False,
                                   name=f"up_{stage}")(x)
        x = layers.ReLU()(FusedBatchNormalization(name=f"up_{stage}_bn")(x))
    outputs = layers.Conv2DTranspose(image_shape[-1], 4, strides=2, padding="same", activation="tanh",
                                     dtype=float32_pin(), name="output")(x)
    return keras.Model([images, masks], outputs, name=name)
