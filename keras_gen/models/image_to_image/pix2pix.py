"""pix2pix: a U-Net translator judged by a PatchGAN (Isola et al., 2017)."""

import keras

from keras_gen import networks
from keras_gen.models.image_to_image.translator import PairedTranslator


@keras.saving.register_keras_serializable(package="keras_gen")
class Pix2Pix(PairedTranslator):
    """pix2pix: a U-Net generator and a PatchGAN that judges (input, output) pairs.

    Isola et al., "Image-to-Image Translation with Conditional Adversarial
    Networks" (2017): the generator minimizes the conditional GAN loss plus
    lambda = 100 times the L1 distance to the target (eq. 4); the
    discriminator sees the input beside the real or translated image. Dropout
    is the generator's only noise; `translate` is deterministic unless
    `stochastic=True`, which keeps dropout on as the paper does at test time.
    Without a discriminator (`for_images(..., adversarial=False)`) it is the
    same U-Net trained with L1 alone, the paper's baseline.

    `compile()` without arguments gives both players Adam(2e-4, beta_1=0.5).

    Example:
    >>> x, _ = keras_gen.data.load_numpy("fashion_mnist", "test", limit=32)
    >>> model = Pix2Pix.for_images((28, 28, 1), width=8, seed=0)
    >>> model.compile()
    >>> edges, images = keras_gen.data.make_pairs(x, task="edges")
    >>> history = model.fit(edges, images, batch_size=16, epochs=1, verbose=0)
    >>> outputs = model.translate(edges[:4])
    """

    conditional_discriminator = True

    def __init__(self, generator, discriminator=None, loss="non_saturating", reconstruction="l1",
                 reconstruction_weight=100.0, adversarial_weight=1.0, **kwargs):
        super().__init__(generator, discriminator, loss=loss, reconstruction=reconstruction,
                         reconstruction_weight=reconstruction_weight, adversarial_weight=adversarial_weight, **kwargs)

    @classmethod
    def for_images(cls, image_shape, output_channels=None, width=32, depth=None, dropout=0.5,
                   discriminator_width=None, adversarial=True, l1_weight=100.0, **kwargs):
        """Builds pix2pix for `image_shape` inputs.

        Args:
            image_shape: `(H, W, C)` of the input images.
            output_channels: channels of the outputs (default: the input's).
            width: filters of the U-Net's first stage (64 in the paper).
            depth: the U-Net's stride-2 stages (default: as many as halve the sides).
            dropout: the U-Net's dropout rate (0.5 in the paper).
            discriminator_width: filters of the PatchGAN's first stage. None (the
                default): half of `width`, 16 for the default U-Net. The paper
                uses the U-Net's width; at 28x28 on a CPU a PatchGAN as wide as
                the U-Net makes each step four times as slow as the U-Net's own,
                and at 15 minutes pix2pix then lost to the L1-only U-Net (FID
                5.44 against 4.31), while with half the width it won (3.49
                against 4.43; docs/benchmarks.md).
            adversarial: False builds no discriminator: the L1-only baseline.
            l1_weight: lambda of the L1 term.
            **kwargs: the model's arguments (`seed`, `loss`, `data_scale`).
        """
        generator = networks.unet_generator(image_shape, output_channels, width=width, depth=depth, dropout=dropout)
        discriminator = None
        if adversarial:
            output_shape = tuple(generator.output_shape)[1:]
            discriminator = networks.patchgan_discriminator(output_shape, tuple(image_shape),
                                                            width=discriminator_width or max(1, width // 2))
        return cls(generator, discriminator, reconstruction_weight=l1_weight, **kwargs)

    def _translate_batch(self, images, stochastic=False):
        return self.generator(images, training=bool(stochastic))

    def translate(self, images, batch_size=256, stochastic=False):
        """Translates input images; `stochastic=True` keeps the U-Net's dropout on (new outputs each call).

        Example:
        >>> model = Pix2Pix.for_images((28, 28, 1), width=8, seed=0)
        >>> edges = np.zeros((2, 28, 28, 1), "float32")
        >>> outputs = model.translate(edges)                 # deterministic
        >>> variants = model.translate(edges, stochastic=True)
        """
        return super().translate(images, batch_size=batch_size, stochastic=stochastic)
