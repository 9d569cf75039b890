"""The growing networks of Progressive GAN: every stage's layers from construction, one stage in use.

Karras, Aila, Laine & Lehtinen, "Progressive Growing of GANs for Improved
Quality, Stability, and Variation" (2018). Both networks hold the layers of
every resolution from the start (so an optimizer is built once and a `.keras`
file has one layout whatever the stage) and use those of their current
`stage`. While a new stage fades in (`fading`), the new resolution's path is
blended with the previous one by `alpha`, a non-trainable weight that the
model moves as it sees images. Images cross the networks' boundary at the
final size: the generator's output is its current resolution enlarged
(nearest neighbour), and the discriminator first shrinks its input (average
pooling) to its current resolution, which gives back exactly an image that
was enlarged that way.

The stage and the fading flag are Python values: a traced train step is
traced for one of them, and the model traces again when they change
(`keras_gen.models.ProgressiveGAN`).
"""

import keras
from keras import layers, ops

from keras_gen.layers.progressive import (
    EqualizedConv2D,
    EqualizedDense,
    MinibatchStdDev,
    PixelNormalization,
)
from keras_gen.networks.precision import float32_pin, layers_in_policy
from keras_gen.networks.stages import check_count, check_image_shape


def growth_resolutions(image_shape) -> list[int]:
    """The sides the networks grow through, coarsest first, for square `(side, side, channels)` images.

    The first side is reached by halving the final side while it stays even
    and the half is at least 4.

    Example:
    >>> growth_resolutions((28, 28, 1)), growth_resolutions((32, 32, 3)), growth_resolutions((8, 8, 1))
    ([7, 14, 28], [4, 8, 16, 32], [4, 8])
    """
    height, width, _ = check_image_shape(image_shape)
    if height != width:
        raise ValueError(
            f"Progressive GAN grows square images; got {height}x{width}. Crop or pad the images to a square."
        )
    sides = [height]
    while sides[0] % 2 == 0 and sides[0] // 2 >= 4:
        sides.insert(0, sides[0] // 2)
    return sides


def stage_filters(num_stages: int, width: int) -> list[int]:
    """Filters per stage, coarsest first: `width` at the final resolution, doubling per coarser stage up to 8x.

    Example:
    >>> stage_filters(3, 16)
    [64, 32, 16]
    """
    return [width * 2 ** min(num_stages - 1 - stage, 3) for stage in range(num_stages)]


def enlarged(images, factor: int):
    """Nearest-neighbour enlargement of `(batch, h, w, c)` images by an integer `factor`."""
    if factor == 1:
        return images
    return ops.repeat(ops.repeat(images, factor, axis=1), factor, axis=2)


def shrunk(images, factor: int):
    """Average pooling of `(batch, h, w, c)` images by an integer `factor` (the inverse of `enlarged`)."""
    if factor == 1:
        return images
    return ops.average_pool(images, pool_size=factor, strides=factor, padding="valid")


def faded(old, new, alpha):
    """`(1 - alpha) * old + alpha * new`: a fade-in from the previous stage's images or features to the new one's."""
    return old + ops.cast(alpha, new.dtype) * (new - old)


def _leaky(name):
    return layers.LeakyReLU(0.2, name=name)


class _Growing(keras.Model):
    """What both growing networks share: the resolutions, the stage, the fade-in and its `alpha`."""

    def __init__(self, image_shape, filters, stage=0, fading=False, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = check_image_shape(image_shape)
        self.resolutions = growth_resolutions(self.image_shape)
        filters = [check_count(f, "filters", "feature maps of a stage", minimum=1) for f in filters]
        if len(filters) != len(self.resolutions):
            raise ValueError(
                f"filters must give one number per stage ({len(self.resolutions)} stages for "
                f"{self.resolutions}), got {filters}."
            )
        self.filters = filters
        self.alpha = self.add_weight(shape=(), initializer="ones", trainable=False, name="alpha")
        self.stage, self.fading = 0, False
        self.set_growth(stage, fading)

    @property
    def last_stage(self) -> int:
        return len(self.resolutions) - 1

    def set_growth(self, stage: int, fading: bool):
        """Uses the layers of `stage`; with `fading`, blends in the previous stage's path by `1 - alpha`."""
        stage = check_count(stage, "stage", "the resolution in use, 0 the coarsest")
        if stage > self.last_stage:
            raise ValueError(f"stage must lie in [0, {self.last_stage}] for resolutions {self.resolutions}, got {stage}.")
        if fading and stage == 0:
            raise ValueError("The first stage has nothing to fade in from; fading needs stage >= 1.")
        self.stage, self.fading = stage, bool(fading)

    @property
    def resolution(self) -> int:
        """The side of the images of the current stage."""
        return self.resolutions[self.stage]

    def _factor(self, stage):
        return self.image_shape[0] // self.resolutions[stage]

    def _blend(self, old, new):
        return faded(old, new, self.alpha)

    def get_config(self):
        return {
            **super().get_config(),
            "image_shape": self.image_shape,
            "filters": self.filters,
            "stage": self.stage,
            "fading": self.fading,
        }


@keras.saving.register_keras_serializable(package="keras_gen")
class ProgressiveGenerator(_Growing):
    """Progressive GAN's generator: latent points to final-size images, through the stages grown so far.

    Karras et al. (2018), table 2, at CPU sizes: the latent point is pixel-
    normalized, an equalized dense layer and a 3x3 convolution make the first
    resolution, and each further stage doubles the side (nearest neighbour)
    and applies two 3x3 convolutions; every convolution is followed by a
    LeakyReLU(0.2) and pixel normalization. Each stage has its own 1x1
    `to_image` convolution with a tanh. During a fade-in the output is
    `(1 - alpha) * enlarged(old to_image) + alpha * (new to_image)`. The
    output is enlarged (nearest neighbour) to the final size at every stage.

    Args:
        latent_dim: size of the latent points.
        image_shape: the final `(side, side, channels)`.
        filters: feature maps per stage, coarsest first (`stage_filters`).
        stage: the stage in use (0: the coarsest).
        fading: whether the current stage is fading in.

    Example:
    >>> generator = ProgressiveGenerator(8, (8, 8, 1), filters=[8, 4])
    >>> tuple(generator(np.zeros((2, 8), "float32")).shape)
    (2, 8, 8, 1)
    """

    def __init__(self, latent_dim, image_shape, filters, stage=0, fading=False, **kwargs):
        super().__init__(image_shape, filters, stage, fading, **kwargs)
        self.latent_dim = check_count(latent_dim, "latent_dim", "the size of a latent point", minimum=1)
        first, channels = self.resolutions[0], self.image_shape[2]
        # Made under the network's own policy (its config has it): reloaded, it computes as it was saved.
        with layers_in_policy(self.dtype_policy):
            self.stem = keras.Sequential(
                [
                    keras.Input((self.latent_dim,)),
                    PixelNormalization(name="latent_normalization"),
                    EqualizedDense(first * first * filters[0], name="project"),
                    layers.Reshape((first, first, filters[0])),
                    _leaky("project_activation"),
                    PixelNormalization(),
                    EqualizedConv2D(filters[0], 3, name="conv"),
                    _leaky("conv_activation"),
                    PixelNormalization(),
                ],
                name="stage_0",
            )
            self.blocks = [
                keras.Sequential(
                    [
                        keras.Input((self.resolutions[stage - 1],) * 2 + (filters[stage - 1],)),
                        layers.UpSampling2D(2, name="upsample"),
                        EqualizedConv2D(filters[stage], 3, name="conv_1"),
                        _leaky("activation_1"),
                        PixelNormalization(),
                        EqualizedConv2D(filters[stage], 3, name="conv_2"),
                        _leaky("activation_2"),
                        PixelNormalization(),
                    ],
                    name=f"stage_{stage}",
                )
                for stage in range(1, len(self.resolutions))
            ]
            self.to_images = [
                keras.Sequential(
                    [
                        keras.Input((side, side, filters[stage])),
                        EqualizedConv2D(channels, 1, activation="tanh", gain=1.0, dtype=float32_pin(), name="conv"),
                    ],
                    name=f"to_image_{stage}",
                )
                for stage, side in enumerate(self.resolutions)
            ]
        self.built = True

    @property
    def output_shape(self):
        return (None, *self.image_shape)

    def parts_in_use(self):
        """The sub-networks the current stage (and fade-in) runs."""
        parts = [self.stem, *self.blocks[: self.stage], self.to_images[self.stage]]
        return [*parts, self.to_images[self.stage - 1]] if self.fading else parts

    def call(self, latent_points, training=None):
        features = self.stem(latent_points, training=training)
        previous = features
        for block in self.blocks[: self.stage]:
            previous, features = features, block(features, training=training)
        images = self.to_images[self.stage](features, training=training)
        if self.fading:
            old = enlarged(self.to_images[self.stage - 1](previous, training=training), 2)
            images = self._blend(old, images)
        return enlarged(images, self._factor(self.stage))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.image_shape)

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim}


@keras.saving.register_keras_serializable(package="keras_gen")
class ProgressiveDiscriminator(_Growing):
    """Progressive GAN's discriminator: final-size images to one score each, mirroring the generator.

    Karras et al. (2018), table 2, at CPU sizes: the input is shrunk (average
    pooling) to the current resolution; a 1x1 `from_image` convolution of
    that stage, then per stage two 3x3 convolutions and a 2x2 average pooling
    down to the first resolution, where a minibatch standard deviation
    channel, a 3x3 convolution and two equalized dense layers give the score
    (linear: a Wasserstein critic). During a fade-in the features entering
    the previous stage are `(1 - alpha) * from_image(shrunk input) + alpha *
    (the new stage's output)`. Every layer but the last is followed by a
    LeakyReLU(0.2); no normalization (the gradient penalty is per example).

    Args:
        image_shape: the final `(side, side, channels)`.
        filters: feature maps per stage, coarsest first, as the generator's.
        stage: the stage in use (0: the coarsest).
        fading: whether the current stage is fading in.
        group_size: examples per group of the minibatch standard deviation.

    Example:
    >>> discriminator = ProgressiveDiscriminator((8, 8, 1), filters=[8, 4])
    >>> tuple(discriminator(np.zeros((4, 8, 8, 1), "float32")).shape)
    (4, 1)
    """

    def __init__(self, image_shape, filters, stage=0, fading=False, group_size=4, **kwargs):
        super().__init__(image_shape, filters, stage, fading, **kwargs)
        self.group_size = check_count(group_size, "group_size", "examples per minibatch-std group", minimum=1)
        first, channels = self.resolutions[0], self.image_shape[2]
        # Made under the network's own policy (its config has it): reloaded, it computes as it was saved.
        with layers_in_policy(self.dtype_policy):
            self.from_images = [
                keras.Sequential(
                    [
                        keras.Input((side, side, channels)),
                        EqualizedConv2D(filters[stage], 1, name="conv"),
                        _leaky("activation"),
                    ],
                    name=f"from_image_{stage}",
                )
                for stage, side in enumerate(self.resolutions)
            ]
            self.blocks = [
                keras.Sequential(
                    [
                        keras.Input((self.resolutions[stage],) * 2 + (filters[stage],)),
                        EqualizedConv2D(filters[stage], 3, name="conv_1"),
                        _leaky("activation_1"),
                        EqualizedConv2D(filters[stage - 1], 3, name="conv_2"),
                        _leaky("activation_2"),
                        layers.AveragePooling2D(2, name="downsample"),
                    ],
                    name=f"stage_{stage}",
                )
                for stage in range(1, len(self.resolutions))
            ]
            self.head = keras.Sequential(
                [
                    keras.Input((first, first, filters[0])),
                    MinibatchStdDev(self.group_size),
                    EqualizedConv2D(filters[0], 3, name="conv"),
                    _leaky("conv_activation"),
                    layers.Flatten(),
                    EqualizedDense(filters[0], name="dense"),
                    _leaky("dense_activation"),
                    EqualizedDense(1, gain=1.0, dtype=float32_pin(), name="logit"),
                ],
                name="stage_0",
            )
        self.built = True

    @property
    def input_shape(self):
        return (None, *self.image_shape)

    def parts_in_use(self):
        """The sub-networks the current stage (and fade-in) runs."""
        parts = [self.from_images[self.stage], *self.blocks[: self.stage], self.head]
        return [*parts, self.from_images[self.stage - 1]] if self.fading else parts

    def call(self, images, training=None):
        images = shrunk(images, self._factor(self.stage))
        features = self.from_images[self.stage](images, training=training)
        for stage in range(self.stage, 0, -1):
            features = self.blocks[stage - 1](features, training=training)
            if stage == self.stage and self.fading:
                old = self.from_images[stage - 1](shrunk(images, 2), training=training)
                features = self._blend(old, features)
        return self.head(features, training=training)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size}


def progressive_networks(image_shape, latent_dim: int, width: int, group_size: int = 4):
    """`(generator, discriminator)` of Progressive GAN for square `image_shape` images.

    Args:
        image_shape: the final `(side, side, channels)`; the stages are
            `growth_resolutions(image_shape)`.
        latent_dim: size of the latent points.
        width: feature maps at the final resolution (`stage_filters`).
        group_size: examples per group of the minibatch standard deviation.

    Example:
    >>> generator, discriminator = progressive_networks((28, 28, 1), latent_dim=16, width=4)
    >>> generator.resolutions
    [7, 14, 28]
    """
    resolutions = growth_resolutions(image_shape)
    width = check_count(width, "width", "feature maps at the final resolution", minimum=1)
    filters = stage_filters(len(resolutions), width)
    generator = ProgressiveGenerator(latent_dim, image_shape, filters, name="generator")
    discriminator = ProgressiveDiscriminator(image_shape, filters, group_size=group_size, name="discriminator")
    return generator, discriminator
