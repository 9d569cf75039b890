"""Super-resolution: SRResNet (pixel loss) and SRGAN (content and adversarial losses), Ledig et al. (2017)."""

import keras

from keras_gen import losses, networks
from keras_gen.models.base import primary_input_shape
from keras_gen.models.image_to_image.translator import PairedTranslator


@keras.saving.register_keras_serializable(package="keras_gen")
class SRResNet(PairedTranslator):
    """SRResNet: super-resolution with a residual network and sub-pixel upsampling, trained with MSE.

    Ledig et al., "Photo-Realistic Single Image Super-Resolution Using a
    Generative Adversarial Network" (2017), section 2.2: the generator of
    SRGAN trained alone on the pixel-wise MSE (eq. 4); it initializes SRGAN
    (`SRGAN.from_srresnet`). It takes `(h, w, C)` low-resolution images and
    makes `(factor * h, factor * w, C)` ones; `upscale` is its `translate`.

    `compile()` without arguments uses Adam(1e-4), the paper's rate.

    Example:
    >>> x, _ = keras_gen.data.load_numpy("fashion_mnist", "test", limit=32)
    >>> model = SRResNet.for_images(low_res_shape=(7, 7, 1), factor=4, width=8, num_blocks=1, seed=0)
    >>> model.compile()
    >>> low, high = keras_gen.data.make_pairs(x, task="superres", factor=4)
    >>> history = model.fit(low, high, batch_size=16, epochs=1, verbose=0)
    >>> model.upscale(low[:4]).shape
    (4, 28, 28, 1)
    """

    def __init__(self, generator, discriminator=None, reconstruction="l2", **kwargs):
        if discriminator is not None:
            raise ValueError("SRResNet trains without a discriminator; use SRGAN for the adversarial model.")
        super().__init__(generator, None, reconstruction=reconstruction, **kwargs)
        self._check_factor()

    def _check_factor(self):
        low, high = self.input_image_shape, self.image_shape
        if high[0] % low[0] or high[1] % low[1] or high[0] // low[0] != high[1] // low[1]:
            raise ValueError(f"The generator maps {low} to {high}, which is no integer upscaling factor.")

    @property
    def factor(self) -> int:
        """The upscaling factor: output side / input side."""
        return self.image_shape[0] // self.input_image_shape[0]

    def data_options(self):
        return {"factor": self.factor}

    @classmethod
    def for_images(cls, low_res_shape, factor=4, width=32, num_blocks=4, **kwargs):
        """Builds an SRResNet for `low_res_shape` inputs (16 blocks of 64 filters in the paper).

        Args:
            low_res_shape: `(h, w, C)` of the low-resolution inputs, e.g. `(7, 7, 1)`.
            factor: the upscaling factor (4 in the paper).
            width: filters of the residual blocks.
            num_blocks: residual blocks.
            **kwargs: the model's arguments (`seed`, `data_scale`).
        """
        generator = networks.srresnet_generator(low_res_shape, factor=factor, width=width, num_blocks=num_blocks)
        return cls(generator, **kwargs)

    def default_optimizer(self, name):
        """Adam(1e-4) (Ledig et al., 2017, section 3.2)."""
        return keras.optimizers.Adam(1e-4)

    def upscale(self, images, batch_size=256):
        """Upscales low-resolution images by `factor`; a numpy array in `data_scale`."""
        return self.translate(images, batch_size=batch_size)


@keras.saving.register_keras_serializable(package="keras_gen")
class SRGAN(SRResNet):
    """SRGAN: SRResNet's generator trained with a content loss in a feature network and an adversarial loss.

    Ledig et al. (2017), section 2.2, eq. 3: the perceptual loss is the MSE
    between the features of the output and of the target in a fixed feature
    network (VGG19 in the paper) plus 1e-3 times the adversarial loss; the
    discriminator sees high-resolution images alone. Start from a trained
    SRResNet (`SRGAN.from_srresnet`, as the paper does). `content_network`
    is any frozen `keras.Model` from images in `data_scale` to features:
    `keras_gen.evaluation.content_network("fashion_mnist")` gives the
    library's own domain feature network (trained once and cached, works
    offline); a user with the weights can pass VGG19. Without one the content
    loss is the pixel MSE (the paper's SRGAN-MSE).

    Example:
    >>> x, _ = keras_gen.data.load_numpy("fashion_mnist", "test", limit=32)
    >>> low, high = keras_gen.data.make_pairs(x, task="superres", factor=4)
    >>> srresnet = SRResNet.for_images((7, 7, 1), factor=4, width=8, num_blocks=1, seed=0)
    >>> model = SRGAN.from_srresnet(srresnet, content_network=None, discriminator_width=8)
    >>> model.compile()
    >>> history = model.fit(low, high, batch_size=16, epochs=1, verbose=0)
    """

    network_names = ("generator", "discriminator", "content_network")

    def __init__(self, generator, discriminator, content_network=None, loss="non_saturating",
                 content_weight=1.0, adversarial_weight=1e-3, **kwargs):
        if discriminator is None:
            raise ValueError("SRGAN needs a discriminator; SRResNet is the model without one.")
        kwargs.pop("reconstruction", None)
        kwargs.pop("reconstruction_weight", None)
        PairedTranslator.__init__(self, generator, discriminator, loss=loss, reconstruction="l2",
                                  reconstruction_weight=content_weight, adversarial_weight=adversarial_weight,
                                  **kwargs)
        self._check_factor()
        if content_network is not None:
            content_input = primary_input_shape(content_network)
            if content_input != self.image_shape:
                raise ValueError(
                    f"The content network takes {content_input} images, but the SRGAN makes {self.image_shape}; "
                    "pass a feature network for the high-resolution images."
                )
            content_network.trainable = False
        self.content_network = content_network

    @classmethod
    def for_images(cls, low_res_shape, factor=4, width=32, num_blocks=4, discriminator_width=None,
                   content_network=None, pretrained=None, **kwargs):
        """Builds an SRGAN for `low_res_shape` inputs.

        Args:
            low_res_shape: `(h, w, C)` of the low-resolution inputs.
            factor: the upscaling factor.
            width: filters of the generator's residual blocks.
            num_blocks: the generator's residual blocks.
            discriminator_width: filters of the discriminator's first stage (default: `width`).
            content_network: the feature network of the content loss, or None (pixel MSE).
            pretrained: path of a saved SRResNet or SRGAN whose generator weights to start from.
            **kwargs: the model's arguments (`seed`, `loss`, `content_weight`, `adversarial_weight`).
        """
        generator = networks.srresnet_generator(low_res_shape, factor=factor, width=width, num_blocks=num_blocks)
        if pretrained is not None:
            source = keras.saving.load_model(pretrained)
            if not isinstance(source, SRResNet):
                raise ValueError(f"pretrained={pretrained!r} holds a {type(source).__name__}, not an SRResNet or SRGAN.")
            try:
                generator.set_weights(source.generator.get_weights())
            except ValueError as err:
                raise ValueError(
                    f"The generator in {pretrained!r} has other sizes than width={width}, num_blocks={num_blocks}, "
                    f"factor={factor}: {err}"
                ) from None
        output_shape = tuple(generator.output_shape)[1:]
        discriminator = networks.patchgan_discriminator(output_shape, width=discriminator_width or width)
        return cls(generator, discriminator, content_network=content_network, **kwargs)

    @classmethod
    def from_srresnet(cls, srresnet, discriminator_width=32, content_network=None, **kwargs):
        """An SRGAN whose generator starts as a copy of a trained `SRResNet`'s (which stays unchanged)."""
        if not isinstance(srresnet, SRResNet):
            raise TypeError(f"from_srresnet takes an SRResNet, got {type(srresnet).__name__}.")
        generator = keras.models.clone_model(srresnet.generator)
        generator.set_weights(srresnet.generator.get_weights())
        discriminator = networks.patchgan_discriminator(srresnet.image_shape, width=discriminator_width)
        kwargs.setdefault("data_scale", srresnet.data_scale)
        return cls(generator, discriminator, content_network=content_network, **kwargs)

    def default_optimizer(self, name):
        """Adam(1e-4, beta_1=0.9) for both players (Ledig et al., 2017, section 3.2)."""
        return keras.optimizers.Adam(1e-4)

    def reconstruction_loss(self, batch, outputs):
        """The content loss: MSE of content-network features (pixel MSE without a content network)."""
        if self.content_network is None:
            return losses.mean_squared_error(batch["targets"], outputs)
        # In float32 whatever the content network computes in (a network built under mixed precision).
        features = [keras.ops.cast(self.content_network(x, training=False), "float32")
                    for x in (batch["targets"], outputs)]
        return losses.mean_squared_error(*features)

    def get_config(self):
        config = super().get_config()
        for key in ("reconstruction", "reconstruction_weight"):
            config.pop(key)
        return {**config, "content_weight": self.reconstruction_weight}
