"""StackGAN's networks: conditioning augmentation, the stage-I generator and the stage-II refiner.

Zhang, Xu, Li, Zhang, Wang, Huang & Metaxas, "StackGAN: Text to
Photo-realistic Image Synthesis with Stacked Generative Adversarial Networks"
(2017), section 3 and appendix: a dense layer maps the caption vector phi(t)
to the mean and log-variance of N(mu(phi), sigma(phi)^2), from which the
generators' condition c_hat is drawn; stage I draws a small image from
(z, c_hat) (the DCGAN recipe's `dcgan_generator`); stage II encodes it,
joins c_hat tiled over its feature map, refines it with residual blocks
(CycleGAN's `resnet_block`) and upsamples it to the final size. Both stages'
discriminators are GAN-CLS's (`gan_cls_discriminator`).
"""

import math

import keras
from keras import layers

from keras_gen.layers.normalization import FusedBatchNormalization
from keras_gen.networks.dcgan import dcgan_generator, upsampling_plan
from keras_gen.networks.image_to_image import resnet_block
from keras_gen.networks.precision import float32_pin
from keras_gen.networks.stages import check_count, check_image_shape, conv_stage


def conditioning_augmentation(vector_dim: int, condition_dim: int = 64,
                              name: str = "conditioning_augmentation") -> keras.Model:
    """phi -> `[mean, log_var]` of the generators' condition c_hat ~ N(mean, exp(log_var)).

    One dense layer of `2 * condition_dim` units and LeakyReLU(0.2), split in
    halves: the mean and the log-variance (Zhang et al., 2017, section 3.1;
    their code's `fc` + `leaky_relu`). The model draws c_hat = mean +
    exp(log_var / 2) * eps itself, eps being part of the latent point.

    Args:
        vector_dim: the size of phi (the text encoder's output).
        condition_dim: the size of c_hat (N_g = 128 in the paper).
        name: the model's name.

    Example:
    >>> ca = conditioning_augmentation(16, condition_dim=4)
    >>> [tuple(shape) for shape in ca.output_shape]
    [(None, 4), (None, 4)]
    """
    vector_dim = check_count(vector_dim, "vector_dim", "the condition vector's size", 1)
    condition_dim = check_count(condition_dim, "condition_dim", "the size of c_hat", 1)
    vector = keras.Input((vector_dim,), name="condition_vector")
    both = layers.LeakyReLU(0.2)(layers.Dense(2 * condition_dim, name="mean_and_log_var")(vector))
    # The Gaussian's parameters feed the KL term and the draw: float32 under mixed precision.
    mean = layers.Activation("linear", dtype=float32_pin(), name="mean")(both[:, :condition_dim])
    log_var = layers.Activation("linear", dtype=float32_pin(), name="log_var")(both[:, condition_dim:])
    return keras.Model(vector, [mean, log_var], name=name)


def stackgan_stage1_generator(image_shape, condition_dim: int = 64, latent_dim: int = 100, width: int = 32,
                              batch_norm: bool = True, name: str = "stage1_generator") -> keras.Model:
    """Stage I: `[z, c_hat]` -> small images in [-1, 1].

    z and c_hat are joined and drawn by `dcgan_generator` (its `code_dim`
    input takes c_hat). Images too small for a stride-2 stage (sides under 8,
    or odd, e.g. 7x7) are drawn at their own size: a dense projection to
    `(h, w, 2 * width)`, batch normalization, LeakyReLU(0.2), then the 3x3
    tanh convolution.

    Example:
    >>> g = stackgan_stage1_generator((14, 14, 1), condition_dim=4, latent_dim=8, width=8)
    >>> [tuple(shape) for shape in g.input_shape], tuple(g.output_shape)
    ([(None, 8), (None, 4)], (None, 14, 14, 1))
    """
    height, image_width, channels = check_image_shape(image_shape)
    condition_dim = check_count(condition_dim, "condition_dim", "the size of c_hat", 1)
    try:
        upsampling_plan((height, image_width))
    except ValueError:
        pass
    else:
        return dcgan_generator(image_shape, latent_dim, width, batch_norm=batch_norm, code_dim=condition_dim,
                               name=name)
    latent = keras.Input((latent_dim,), name="latent")
    codes = keras.Input((condition_dim,), name="codes")
    x = layers.Concatenate()([latent, codes])
    x = layers.Dense(height * image_width * 2 * width, use_bias=not batch_norm, name="project")(x)
    if batch_norm:
        x = FusedBatchNormalization(name="project_bn")(x)
    x = layers.Reshape((height, image_width, 2 * width))(layers.LeakyReLU(0.2)(x))
    images = layers.Conv2D(channels, 3, padding="same", activation="tanh", dtype=float32_pin(), name="to_image")(x)
    return keras.Model([latent, codes], images, name=name)


def stage_factor(image_shape, stage1_shape) -> int:
    """How many times stage II enlarges stage I's images: a power of two >= 2, the same for both sides
    (stage I's sides even).

    Example:
    >>> stage_factor((28, 28, 1), (14, 14, 1))
    2
    """
    height, width, channels = check_image_shape(image_shape)
    small_height, small_width, small_channels = check_image_shape(stage1_shape)
    factor = height // small_height
    if (channels != small_channels or factor < 2 or factor & (factor - 1) or small_height * factor != height
            or small_width * factor != width or small_height % 2 or small_width % 2):
        halves = [f"{height // 2**k}x{width // 2**k}" for k in range(1, 4)
                  if height % 2 ** (k + 1) == 0 and width % 2 ** (k + 1) == 0]
        raise ValueError(
            f"StackGAN's stage II enlarges stage I's images by a power of two (2, 4, ...) on both sides, and its "
            f"encoder halves them first, so their sides are even; "
            f"{small_height}x{small_width}x{small_channels} does not lead to {height}x{width}x{channels}. "
            f"Stage-I sizes that do: {', '.join(halves) or 'none (use images with even sides)'}."
        )
    return factor


def stackgan_stage2_generator(image_shape, stage1_shape, condition_dim: int = 64, width: int = 32,
                              num_blocks: int = 2, batch_norm: bool = True,
                              name: str = "stage2_generator") -> keras.Model:
    """Stage II: `[stage-I images, c_hat]` -> images of `image_shape` in [-1, 1].

    Zhang et al. (2017), section 3.3: the stage-I image is encoded (a 3x3
    convolution of `width` filters, then one stride-2 `conv_stage` of
    `2 * width`), c_hat is tiled over that feature map and joined to its
    channels, a 3x3 convolution mixes them, `num_blocks` residual blocks
    (`resnet_block`) refine them, and stride-2 transposed `conv_stage`s
    upsample to the final size (once more than `stage_factor`, since the
    encoder halved), ending in a 3x3 tanh convolution.

    Example:
    >>> g = stackgan_stage2_generator((28, 28, 1), (14, 14, 1), condition_dim=4, width=8, num_blocks=1)
    >>> tuple(g.output_shape)
    (None, 28, 28, 1)
    """
    factor = stage_factor(image_shape, stage1_shape)
    num_blocks = check_count(num_blocks, "num_blocks", "the residual blocks of stage II")
    condition_dim = check_count(condition_dim, "condition_dim", "the size of c_hat", 1)
    stage1 = keras.Input(tuple(stage1_shape), name="stage1_image")
    codes = keras.Input((condition_dim,), name="codes")
    x = layers.ReLU()(layers.Conv2D(width, 3, padding="same", name="encode")(stage1))
    x = conv_stage(x, 2 * width, batch_norm=batch_norm, name="down")
    height, cells_width = int(x.shape[1]), int(x.shape[2])
    tiled = layers.Reshape((height, cells_width, condition_dim), name="tiled_condition")(
        layers.RepeatVector(height * cells_width)(codes))
    x = layers.Concatenate(name="image_and_condition")([x, tiled])
    x = layers.Conv2D(2 * width, 3, padding="same", use_bias=not batch_norm, name="joint")(x)
    if batch_norm:
        x = FusedBatchNormalization(name="joint_bn")(x)
    x = layers.ReLU()(x)
    for block in range(num_blocks):
        x = resnet_block(x, 2 * width, name=f"residual_{block}")
    upsamplings = int(math.log2(factor)) + 1
    for stage in range(upsamplings):
        x = conv_stage(x, width * 2 ** min(upsamplings - 1 - stage, 1), upsample=True, batch_norm=batch_norm,
                       name=f"up_{stage}")
    images = layers.Conv2D(int(image_shape[-1]), 3, padding="same", activation="tanh", dtype=float32_pin(),
                           name="to_image")(x)
    return keras.Model([stage1, codes], images, name=name)
