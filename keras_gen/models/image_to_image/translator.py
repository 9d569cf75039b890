"""The train step that paired image-to-image models share (pix2pix, SRGAN, the context encoder).

Each maps an input image to an output image and trains on `(input, target)`
pairs (`keras_gen.data.load_pairs`). `PairedTranslator` owns the train step
they share: a discriminator update on (real target, translated input), then a
generator update on a weighted sum of a reconstruction term and the adversarial
term, each player with its own optimizer. A family chooses its networks, its
reconstruction term and what the discriminator sees.
"""

import keras
from keras import ops

from keras_gen import losses
from keras_gen.models.adversarial.update import Adversarial, Judgement
from keras_gen.models.base import GenerativeModel, primary_input_shape
from keras_gen.models.capabilities import Translates
from keras_gen.training import global_batch_mean, unscaled

RECONSTRUCTIONS = ("l1", "l2")


class PairedTranslator(Adversarial, Translates, GenerativeModel):
    """Base of the paired image-to-image families: a generator, an optional discriminator, one step.

    Each train step, when there is a discriminator: one discriminator update on
    the real targets against the generator's outputs (`loss` picks the
    objective from `keras_gen.losses.ADVERSARIAL_LOSSES`), then one generator
    update on `reconstruction_weight * reconstruction + adversarial_weight *
    adversarial`. Without one, only the reconstruction term (SRResNet, an
    L1-only U-Net). Logged: `g_loss`, `reconstruction_loss`, `psnr` (dB, of the
    outputs against the targets) and, with a discriminator, `d_loss`,
    `adversarial_loss`, `real_score`, `fake_score`. The discriminator update is
    the one every GAN family runs (`keras_gen.models.adversarial.update`);
    `compile()` without arguments gives both players Adam(2e-4, beta_1=0.5)
    (Isola et al., 2017; Zhu et al., 2017).

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

    def discriminate(self, images, inputs, training):
        """`(logits, None)`: the discriminator on `images`, beside their `inputs` when it is conditional."""
        if self.conditional_discriminator:
            return self.discriminator([inputs, images], training=training), None
        return self.discriminator(images, training=training), None

    def discriminated(self, batch, images, training):
        """The discriminator's logits on `images` (with the batch's inputs when it is conditional)."""
        return self.discriminate(images, batch.get("inputs"), training)[0]

    # --- the step -------------------------------------------------------------------
    def _discriminator_step(self, batch, update):
        fake = ops.stop_gradient(self.generator_outputs(batch, training=update))
        # A conditional discriminator judges real and translated images each beside its input.
        inputs = batch["inputs"] if self.conditional_discriminator else None
        judgement = Judgement(self.discriminate, batch["targets"], fake, conditions=inputs, fake_conditions=inputs)
        d_loss, [(_, (context, _))] = self.discriminator_update([judgement], ("d_optimizer",), update)
        return d_loss, context

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

        return self.update_players(loss_fn, ("g_optimizer",), update)

    def _step(self, data, update):
        batch = self.unpack_batch(data)
        if self.discriminator is not None:
            d_loss, context = self._discriminator_step(batch, update)
            self.trackers["d_loss"].update_state(unscaled(d_loss))
            real_score, fake_score = self.mean_scores(context)
            self.trackers["real_score"].update_state(real_score)
            self.trackers["fake_score"].update_state(fake_score)
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
