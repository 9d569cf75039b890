"""Paired image-to-image models: pix2pix, SRResNet and SRGAN, the context encoder.

Each maps an input image to an output image and trains on `(input, target)`
pairs (`keras_gen.data.load_pairs`). `PairedTranslator` owns the train step
they share: a discriminator update on (real target, translated input), then a
generator update on a weighted sum of a reconstruction term and the adversarial
term, each player with its own optimizer. A family chooses its networks, its
reconstruction term and what the discriminator sees.
"""

import keras
import numpy as np
from keras import ops

from keras_gen import losses, networks
from keras_gen.data.pairs import MASK_KINDS, apply_hole, centre_mask, check_hole
from keras_gen.models.base import GenerativeModel, primary_input_shape
from keras_gen.models.capabilities import Translates, _batched
from keras_gen.training import checked_finite, checked_masks, global_batch_mean, minimize, unscaled

RECONSTRUCTIONS = ("l1", "l2")


class PairedTranslator(Translates, GenerativeModel):
    """Base of the paired image-to-image families: a generator, an optional discriminator, one step.

    Each train step, when there is a discriminator: one discriminator update on
    the real targets against the generator's outputs (`loss` picks the
    objective from `keras_gen.losses.ADVERSARIAL_LOSSES`), then one generator
    update on `reconstruction_weight * reconstruction + adversarial_weight *
    adversarial`. Without one, only the reconstruction term (SRResNet, an
    L1-only U-Net). Logged: `g_loss`, `reconstruction_loss`, `psnr` (dB, of the
    outputs against the targets) and, with a discriminator, `d_loss`,
    `adversarial_loss`, `real_score`, `fake_score`.

    A family sets `conditional_discriminator` (the discriminator sees the
    input beside the image, as in pix2pix) and may override
    `generator_outputs`, `reconstruction_loss` and `unpack_batch`.

    Args:
        generator: a model from input images to output images.
        discriminator: a model from images (or `[inputs, images]`) to logits, or None.
        loss: the adversarial objective's name.
        reconstruction: `"l1"` or `"l2"`, the per-pixel reconstruction term.
        reconstruction_weight: its weight.
        adversarial_weight: the adversarial term's weight.
        data_scale: the pixel range of inputs and outputs.
        seed: seed of the model's `keras.random.SeedGenerator`.
    """

    batch_kind = "pairs"
    network_names = ("generator", "discriminator")
    conditional_discriminator = False

    def __init__(self, generator, discriminator=None, loss="non_saturating", reconstruction="l1",
                 reconstruction_weight=1.0, adversarial_weight=1.0, data_scale=(-1.0, 1.0), seed=None, **kwargs):
        image_shape = tuple(generator.output_shape)[1:]
        super().__init__(image_shape, data_scale=data_scale, seed=seed, **kwargs)
        self._input_image_shape = primary_input_shape(generator)
        losses.adversarial_loss(loss)
        if reconstruction not in RECONSTRUCTIONS:
            raise ValueError(f"reconstruction must be one of {RECONSTRUCTIONS}, got {reconstruction!r}.")
        if reconstruction_weight < 0 or adversarial_weight < 0:
            raise ValueError(
                f"reconstruction_weight and adversarial_weight must be >= 0, got {reconstruction_weight} "
                f"and {adversarial_weight}."
            )
        if discriminator is not None:
            self._check_discriminator(discriminator)
        self.generator = generator
        self.discriminator = discriminator
        self.loss_name = loss
        self.reconstruction = reconstruction
        self.reconstruction_weight = float(reconstruction_weight)
        self.adversarial_weight = float(adversarial_weight)
        self.optimizer_names = ("d_optimizer", "g_optimizer") if discriminator is not None else ("g_optimizer",)
        self.d_optimizer = self.g_optimizer = None
        names = ["g_loss", "reconstruction_loss", "psnr"]
        if discriminator is not None:
            names += ["d_loss", "adversarial_loss", "real_score", "fake_score"]
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.built = True

    def _check_discriminator(self, discriminator):
        shapes = discriminator.input_shape
        shapes = [tuple(s)[1:] for s in shapes] if isinstance(shapes, list) else [tuple(shapes)[1:]]
        expected = [self.image_shape]
        if self.conditional_discriminator:
            expected = [self.input_image_shape, self.image_shape]
        if shapes != expected:
            what = "[inputs, images]" if self.conditional_discriminator else "the generator's images"
            raise ValueError(
                f"{type(self).__name__}'s discriminator must take {what} of shapes {expected}; it takes {shapes}."
            )

    @property
    def input_image_shape(self):
        return self._input_image_shape

    @property
    def objective(self):
        """The `keras_gen.losses.AdversarialLoss` named by `loss`."""
        return losses.adversarial_loss(self.loss_name)

    # --- players --------------------------------------------------------------------
    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """Configures the generator's (and the discriminator's) optimizer.

        Args:
            g_optimizer: the generator's optimizer (default: the family's paper setting).
            d_optimizer: the discriminator's; only for models with a discriminator.
            **kwargs: other `keras.Model.compile` options (`jit_compile`, `steps_per_execution`).
        """
        if d_optimizer is not None and self.discriminator is None:
            raise ValueError(f"This {type(self).__name__} has no discriminator, so it takes no d_optimizer.")
        self._compile_players({"d_optimizer": d_optimizer, "g_optimizer": g_optimizer}, kwargs)

    def default_optimizer(self, name):
        """Adam(2e-4, beta_1=0.5) for both players (Isola et al., 2017; Zhu et al., 2017)."""
        return keras.optimizers.Adam(2e-4, beta_1=0.5)

    def optimizer_variables(self, name):
        if name == "d_optimizer":
            return self.discriminator.trainable_variables
        if name == "g_optimizer":
            return self.generator.trainable_variables
        return super().optimizer_variables(name)

    @property
    def metrics(self):
        return list(self.trackers.values())

    # --- what the families change ---------------------------------------------------
    def generator_outputs(self, batch, training):
        """The generator's output images for a batch (the context encoder pastes them into the hole)."""
        return self.generator(batch["inputs"], training=training)

    def reconstruction_loss(self, batch, outputs):
        """Per-example reconstruction term of the outputs against the targets."""
        if self.reconstruction == "l1":
            return losses.mean_absolute_error(batch["targets"], outputs)
        return losses.mean_squared_error(batch["targets"], outputs)

    def discriminated(self, batch, images, training):
        """The discriminator's logits on `images` (with the batch's inputs when it is conditional)."""
        if self.conditional_discriminator:
            return self.discriminator([batch["inputs"], images], training=training)
        return self.discriminator(images, training=training)

    # --- the step -------------------------------------------------------------------
    def _discriminator_step(self, batch, update):
        targets = batch["targets"]
        fake = ops.stop_gradient(self.generator_outputs(batch, training=update))
        count = ops.shape(targets)[0]
        # Real and translated images go through the discriminator in one call, each with its input.
        both = {key: ops.concatenate([value, value], axis=0) for key, value in batch.items()
                if self.conditional_discriminator}

        def loss_fn():
            logits = self.discriminated(both, ops.concatenate([targets, fake], axis=0), update)
            context = losses.AdversarialContext(targets, fake, logits[:count], logits[count:])
            return global_batch_mean(self.objective.discriminator(context)), context

        if update:
            return minimize(loss_fn, self.optimizer_variables("d_optimizer"), self.d_optimizer)
        return loss_fn()

    def _generator_step(self, batch, update):
        def loss_fn():
            outputs = self.generator_outputs(batch, training=update)
            reconstruction = self.reconstruction_loss(batch, outputs)
            per_example = self.reconstruction_weight * reconstruction
            adversarial = None
            if self.discriminator is not None:
                fake_logits = self.discriminated(batch, outputs, update)
                context = losses.AdversarialContext(batch["targets"], outputs, None, fake_logits)
                adversarial = self.objective.generator(context)
                per_example = per_example + self.adversarial_weight * adversarial
            return global_batch_mean(per_example), (outputs, reconstruction, adversarial)

        if update:
            return minimize(loss_fn, self.optimizer_variables("g_optimizer"), self.g_optimizer)
        return loss_fn()

    def _step(self, data, update):
        batch = self.unpack_batch(data)
        if self.discriminator is not None:
            d_loss, context = self._discriminator_step(batch, update)
            self.trackers["d_loss"].update_state(unscaled(d_loss))
            self.trackers["real_score"].update_state(ops.mean(self.objective.score(context.real_logits)))
            self.trackers["fake_score"].update_state(ops.mean(self.objective.score(context.fake_logits)))
        g_loss, (outputs, reconstruction, adversarial) = self._generator_step(batch, update)
        self.trackers["g_loss"].update_state(unscaled(g_loss))
        self.trackers["reconstruction_loss"].update_state(ops.mean(reconstruction))
        if adversarial is not None:
            self.trackers["adversarial_loss"].update_state(ops.mean(adversarial))
        width = self.data_scale[1] - self.data_scale[0]
        self.trackers["psnr"].update_state(ops.mean(losses.peak_signal_to_noise_ratio(batch["targets"], outputs, width)))
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def train_step(self, data):
        return self._step(data, update=True)

    def test_step(self, data):
        """Reports the losses and PSNR on a batch without updating any weights."""
        return self._step(data, update=False)

    def call(self, inputs, training=None):
        return self.generator(inputs, training=training)

    def data_options(self):
        """`keras_gen.data.load_pairs` options the model's training data needs (a factor, a hole size)."""
        return {}

    def _translate_batch(self, images, **options):
        return self.generator(images, training=False)

    def get_config(self):
        return {
            **super().get_config(),
            "loss": self.loss_name,
            "reconstruction": self.reconstruction,
            "reconstruction_weight": self.reconstruction_weight,
            "adversarial_weight": self.adversarial_weight,
        }


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
    >>> model = Pix2Pix.for_images((28, 28, 1), width=8, seed=0)
    >>> model.compile()
    >>> edges, images = keras_gen.data.make_pairs(x, task="edges")
    >>> history = model.fit(edges, images, batch_size=16, epochs=1)
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
        >>> outputs = model.translate(edges)                 # deterministic
        >>> variants = model.translate(edges, stochastic=True)
        """
        return super().translate(images, batch_size=batch_size, stochastic=stochastic)


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
    >>> model = SRResNet.for_images(low_res_shape=(7, 7, 1), factor=4, width=8, num_blocks=1, seed=0)
    >>> model.compile()
    >>> low, high = keras_gen.data.make_pairs(x, task="superres", factor=4)
    >>> history = model.fit(low, high, batch_size=16, epochs=1)
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
    >>> srresnet = SRResNet.for_images((7, 7, 1), factor=4, width=8, num_blocks=1, seed=0)
    >>> model = SRGAN.from_srresnet(srresnet, content_network=None, discriminator_width=8)
    >>> model.compile()
    >>> history = model.fit(low, high, batch_size=16, epochs=1)
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
        return losses.mean_squared_error(
            self.content_network(batch["targets"], training=False), self.content_network(outputs, training=False)
        )

    def get_config(self):
        config = super().get_config()
        for key in ("reconstruction", "reconstruction_weight"):
            config.pop(key)
        return {**config, "content_weight": self.reconstruction_weight}


@keras.saving.register_keras_serializable(package="keras_gen")
class ContextEncoder(PairedTranslator):
    """Context encoder: fills a hole in an image, trained with a masked L2 and an adversarial loss.

    Pathak et al., "Context Encoders: Feature Learning by Inpainting" (2016):
    an encoder-decoder sees the image with its hole (and here the mask) and
    paints the missing region; the loss is 0.999 times the L2 error inside the
    hole plus 0.001 times the adversarial loss (section 3.2), the
    discriminator judging whole images with the hole filled in. Batches are
    `((images with hole, masks), images)` as `keras_gen.data.load_pairs(...,
    task="inpaint")` yields them; masks are 1 on missing pixels, 0 elsewhere.
    `inpaint(images, masks)` replaces only the masked pixels.

    Args:
        generator: a model from `[images with hole, masks]` to images.
        discriminator: a model from images to logits, or None (L2 only).
        hole: `(height, width)` of the centre hole `translate` uses, and of
            the holes `keras-gen train` cuts.
        masks: `"centre"` or `"random"` boxes, the holes `keras-gen train` cuts.

    Example:
    >>> model = ContextEncoder.for_images((28, 28, 1), hole=(14, 14), width=8, seed=0)
    >>> model.compile()
    >>> (holed, masks), images = keras_gen.data.make_pairs(x, task="inpaint", hole=(14, 14))
    >>> history = model.fit((holed, masks), images, batch_size=16, epochs=1)
    >>> filled = model.inpaint(images[:4], masks[:4])
    """

    def __init__(self, generator, discriminator=None, loss="non_saturating", reconstruction_weight=0.999,
                 adversarial_weight=0.001, hole=None, masks="centre", **kwargs):
        kwargs.pop("reconstruction", None)
        super().__init__(generator, discriminator, loss=loss, reconstruction="l2",
                         reconstruction_weight=reconstruction_weight, adversarial_weight=adversarial_weight, **kwargs)
        mask_shape = tuple(generator.input_shape[1])[1:] if isinstance(generator.input_shape, list) else None
        if mask_shape != (*self.image_shape[:2], 1):
            raise ValueError(
                "A ContextEncoder's generator takes [images with hole (H, W, C), masks (H, W, 1)], e.g. "
                f"keras_gen.networks.context_encoder_generator; this one takes {generator.input_shape}."
            )
        self.hole = check_hole(self.image_shape, hole or (self.image_shape[0] // 2, self.image_shape[1] // 2))
        if masks not in MASK_KINDS:
            raise ValueError(f"masks must be one of {MASK_KINDS}, got {masks!r}.")
        self.masks = masks

    @classmethod
    def for_images(cls, image_shape, hole=None, masks="centre", width=32, depth=None, code_dim=256,
                   discriminator_width=None, adversarial=True, **kwargs):
        """Builds a context encoder for `image_shape` images.

        Args:
            image_shape: `(H, W, C)`.
            hole: `(height, width)` of the hole (default: half of each side).
            masks: `"centre"` or `"random"`: the holes of the training data `keras-gen train` makes.
            width: filters of the encoder's first stage.
            depth: stride-2 stages of the encoder.
            code_dim: size of the bottleneck code.
            discriminator_width: filters of the discriminator's first stage (default: `width`).
            adversarial: False builds no discriminator: the L2-only context encoder.
            **kwargs: the model's arguments (`seed`, `reconstruction_weight`, `adversarial_weight`).
        """
        generator = networks.context_encoder_generator(image_shape, width=width, depth=depth, code_dim=code_dim)
        discriminator = None
        if adversarial:
            discriminator = networks.patchgan_discriminator(image_shape, width=discriminator_width or width)
        return cls(generator, discriminator, hole=hole, masks=masks, **kwargs)

    @property
    def input_image_shape(self):
        return self.image_shape

    def data_options(self):
        return {"hole": self.hole, "masks": self.masks}

    def unpack_batch(self, data):
        """`((images with hole, masks), images)` → `{"inputs", "masks", "targets"}`, checked."""
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if not isinstance(x, (tuple, list)) or len(x) != 2 or y is None:
            raise ValueError(
                "ContextEncoder trains on batches of ((images with hole, masks), images), as "
                "keras_gen.data.load_pairs(name, task='inpaint') yields them; pass fit((holed, masks), images)."
            )
        holed, masks = x
        self.check_image_batch(holed, self.image_shape, "images with hole")
        self.check_image_batch(y, self.image_shape, "target images")
        self._check_mask_shape(tuple(masks.shape))
        masks = checked_masks(ops.cast(masks, self.compute_dtype))
        return {
            "inputs": ops.cast(checked_finite(holed, "images with hole"), self.compute_dtype),
            "masks": masks,
            "targets": ops.cast(checked_finite(y, "target images"), self.compute_dtype),
        }

    def _check_mask_shape(self, shape):
        expected = (*self.image_shape[:2], 1)
        if len(shape) != 4 or tuple(shape[1:]) != expected:
            raise ValueError(f"Masks must have shape (batch, {expected[0]}, {expected[1]}, 1), got {shape}.")

    def _check_second_part(self, x, y, role):
        super()._check_second_part(x, y, role)
        if isinstance(x, (tuple, list)) and len(x) == 2:
            if isinstance(x[0], np.ndarray):
                self._check_image_array(x[0], f"{role} images with hole")
            if isinstance(x[1], np.ndarray):
                self.check_masks(x[1], len(x[1]))

    def check_masks(self, masks, count):
        """Masks from users as float32 `(n, H, W, 1)`, checked: one per image, only 0 and 1."""
        masks = np.asarray(masks)
        if masks.ndim == 3:
            masks = masks[..., None]
        self._check_mask_shape(masks.shape)
        if len(masks) != count:
            raise ValueError(f"Pass one mask per image: {count} images but {len(masks)} masks.")
        if not np.isin(masks, (0, 1)).all():
            raise ValueError(
                "Masks must hold only 0 (known pixel) and 1 (missing pixel); got other values. Binarize them, "
                "e.g. masks = (masks > 0.5).astype('float32')."
            )
        return masks.astype("float32")

    def generator_outputs(self, batch, training):
        masks = batch["masks"]
        painted = self.generator([apply_hole(batch["inputs"], masks, self.data_scale), masks], training=training)
        return batch["inputs"] * (1.0 - masks) + painted * masks

    def reconstruction_loss(self, batch, outputs):
        """L2 inside the hole only (Pathak et al., 2016, eq. 1)."""
        return losses.masked_squared_error(batch["targets"], outputs, batch["masks"])

    def centre_masks(self, count):
        """`(count, H, W, 1)` masks of the model's centre hole."""
        return np.tile(centre_mask(self.image_shape, self.hole)[None], (count, 1, 1, 1))

    def inpaint(self, images, masks, batch_size=256):
        """Fills the masked pixels (mask 1) of `images`; every other pixel comes back unchanged.

        Args:
            images: `(n, H, W, C)` in `data_scale` (their masked pixels are ignored).
            masks: `(n, H, W, 1)` or `(n, H, W)`, 1 on the pixels to fill, 0 elsewhere.

        Returns:
            A float32 array like `images`.
        """
        images = self.check_images(images)
        masks = self.check_masks(masks, len(images))

        def fill(x, m):
            return self.generator_outputs({"inputs": x, "masks": m}, training=False)

        filled = _batched(fill, [images, masks], batch_size).astype("float32")
        # Known pixels exactly as given (the network's arithmetic must not touch them).
        return np.where(masks > 0, filled, images)

    def translate(self, images, batch_size=256, masks=None):
        """Inpaints the model's centre hole (or `masks`) of each image; see `inpaint`."""
        masks = self.centre_masks(len(np.asarray(images))) if masks is None else masks
        return self.inpaint(images, masks, batch_size=batch_size)

    def translation_rows(self, inputs, targets=None, **options):
        """Rows image with hole | filled | original; `inputs` is `(images with hole, masks)` or images."""
        if isinstance(inputs, (tuple, list)):
            holed, masks = (np.asarray(part, "float32") for part in inputs)
        else:
            holed = np.asarray(inputs, "float32")
            masks = self.centre_masks(len(holed))
        masks = self.check_masks(masks, len(holed))
        rows = {"input": np.asarray(apply_hole(holed, masks, self.data_scale)), "output": self.inpaint(holed, masks)}
        if targets is not None:
            rows["target"] = np.asarray(targets, "float32")
        return rows

    def get_config(self):
        config = super().get_config()
        config.pop("reconstruction")
        return {**config, "hole": self.hole, "masks": self.masks}
