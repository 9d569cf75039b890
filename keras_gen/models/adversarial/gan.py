"""The GAN base class, whose train step all GAN families share, and DCGAN on it.

The discriminator update itself, the objective and the default optimizer are
`keras_gen.models.adversarial.update`'s, shared with the image-to-image families.
"""

from typing import Any, NamedTuple

import keras
from keras import ops

from keras_gen import losses, networks
from keras_gen.layers import DiffAugment
from keras_gen.models.adversarial.update import (
    Adversarial,
    AdversarialChain,
    Judgement,
    discriminator_targets,
    interleaved_part,
    network_inputs,
)
from keras_gen.models.base import GenerativeModel, primary_input_shape
from keras_gen.models.capabilities import SamplesFromPrior
from keras_gen.networks.stages import check_image_shape
from keras_gen.training import (
    forward_for_update,
    global_batch_mean,
    input_gradients,
    minimize_through,
    replica_seed,
    unscaled,
)


class Fakes(NamedTuple):
    """The generated images of a step, with what made them.

    Attributes:
        latent_points: the latent points drawn.
        conditions: what the generator got beside them (labels, codes), or None.
        images: G(z), a constant for the discriminator's update.
        forward: the recorded generator pass that the generator's update
            differentiates through (`keras_gen.training.forward_for_update`), or
            None outside training.
        parts: what the pass made besides the images (`GAN.generator_pass`), or None.
    """

    latent_points: Any
    conditions: Any
    images: Any
    forward: Any = None
    parts: Any = None

    def outputs(self):
        """The pass's outputs as `GAN.generator_pass` gave them: the images, or `[images, *parts]`."""
        return self.images if self.parts is None else [self.images, *self.parts]


def split_pass(outputs):
    """`(images, parts)` of a generator pass's outputs (`parts` None for a one-output generator)."""
    if isinstance(outputs, (list, tuple)):
        return outputs[0], list(outputs[1:])
    return outputs, None


@keras.saving.register_keras_serializable(package="keras_gen")
class GAN(Adversarial, SamplesFromPrior, GenerativeModel):
    """A generative adversarial network that trains with `model.fit()`.

    Goodfellow et al., "Generative Adversarial Nets" (2014), Algorithm 1. Each
    train step updates the discriminator `discriminator_steps` (k) times, each
    time on new real images against fresh generated ones (one pass over real
    and fake images concatenated): the batch from `fit` is split into k
    interleaved parts, so with k > 1 pass `batch_size` = k times the batch each
    update should see. Then it updates the generator once through
    the chain `discriminator(generator(z))` in which the discriminator is
    frozen (`self.adversarial`, whose trainable weights are the generator's),
    on the fakes of the last discriminator update: the generator runs once
    per step and its update differentiates through that pass, with the
    discriminator as its update left it (as in Radford et al.'s reference
    loop). Latent points come from N(0, I), drawn from the model's seed
    generator.

    The objective is a choice, not a subclass: `loss` names a pair of loss
    functions from `keras_gen.losses.ADVERSARIAL_LOSSES` that receive the step's
    `AdversarialContext` (real and fake images, logits, targets, conditions).
    A family that adds a penalty overrides `discriminator_regularization`.

    `compile()` without arguments gives both players Adam(2e-4, beta_1=0.5)
    (Radford et al., 2015).

    Args:
        generator: a model from `(latent_dim,)` to images.
        discriminator: a model from images to one logit per image.
        loss: `"non_saturating"` (-log D(G(z)) for the generator, the default),
            `"minimax"` (log(1 - D(G(z))), the original objective),
            `"least_squares"`, `"hinge"` or `"wasserstein"`.
        discriminator_steps: discriminator updates per generator update (k
            in Algorithm 1), each on its own 1/k of the batch's real images;
            the generator update then uses as many latent points as one part.
        label_smoothing: one-sided label smoothing: real targets become
            `1 - label_smoothing` (Salimans et al., 2016); cross-entropy losses only.
        label_noise: each discriminator target moves towards the other class
            by U(0, label_noise); cross-entropy losses only.
        data_scale: pixel range of the images (tanh generators: (-1, 1)).
        seed: seed of the model's `keras.random.SeedGenerator`.
        generator_loss: the former name of `loss` (keras_gen 0.1), kept as an alias.
        r1_weight: gamma of the R1 penalty gamma / 2 * ||grad D(x)||^2 on real
            images (Mescheder, Geiger & Nowozin, 2018); 0 (the default) is off.
            Logged as `r1_penalty`.
        ema: decay of an exponential moving average of the generator's weights
            (e.g. 0.999; Karras et al., 2018; Yazici et al., 2019), kept in
            `generator_ema`, used by `generate` and saved with the model; None is off.
            The decay warms up as min(ema, (1 + t) / (10 + t)) over the first
            generator updates t (see `after_generator_update`).
        augment: a DiffAugment policy (Zhao et al., 2020) such as
            `"translation,cutout,color"`, applied to real and generated images
            wherever the discriminator sees them; None is off.

    Example:
    >>> gan = GAN.for_images((28, 28, 1), latent_dim=16, units=32, seed=0)
    >>> gan.compile()  # Adam(2e-4, beta_1=0.5) for both players
    >>> gan.generate(4).shape
    (4, 28, 28, 1)
    """

    network_names = ("generator", "discriminator")
    optimizer_names = ("d_optimizer", "g_optimizer")

    def __init__(
        self,
        generator,
        discriminator,
        loss="non_saturating",
        discriminator_steps=1,
        label_smoothing=0.1,
        label_noise=0.05,
        data_scale=(-1.0, 1.0),
        seed=None,
        generator_loss=None,
        r1_weight=0.0,
        ema=None,
        augment=None,
        **kwargs,
    ):
        latent_dim, image_shape = self._network_shapes(generator, discriminator)
        super().__init__(image_shape, data_scale=data_scale, seed=seed, **kwargs)
        if generator_loss is not None:
            if loss not in ("non_saturating", generator_loss):
                raise ValueError(
                    f"loss={loss!r} and generator_loss={generator_loss!r} disagree; pass loss= only "
                    "(generator_loss is its former name)."
                )
            loss = generator_loss
        losses.adversarial_loss(loss)  # an unknown name fails here, before any network is built
        if int(discriminator_steps) < 1:
            raise ValueError(f"discriminator_steps must be >= 1, got {discriminator_steps}.")
        if not 0.0 <= label_smoothing < 0.5 or not 0.0 <= label_noise < 0.5:
            raise ValueError(
                "label_smoothing and label_noise must lie in [0, 0.5), got "
                f"{label_smoothing} and {label_noise}."
            )
        if r1_weight < 0:
            raise ValueError(f"r1_weight must be >= 0 (0 turns the R1 penalty off), got {r1_weight}.")
        if ema is not None and not 0.0 < ema < 1.0:
            raise ValueError(f"ema must be None (off) or a decay in (0, 1) such as 0.999, got {ema}.")
        self.latent_dim = latent_dim
        self.generator = generator
        self.discriminator = discriminator
        self.r1_weight = float(r1_weight)
        self.ema = None if ema is None else float(ema)
        self.generator_ema = None
        if self.ema is not None:
            # A copy whose weights follow the generator's as an exponential moving average.
            self.generator_ema = keras.models.clone_model(generator)
            self.generator_ema.set_weights(generator.get_weights())
            self.generator_ema.trainable = False
        self.augment = augment
        self.augmenter = None if augment is None else DiffAugment(augment, seed=seed)
        self.adversarial = AdversarialChain(generator, discriminator, name="adversarial")
        self.loss_name = loss
        self.discriminator_steps = int(discriminator_steps)
        self.label_smoothing = float(label_smoothing)
        self.label_noise = float(label_noise)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.real_score_tracker = keras.metrics.Mean(name="real_score")
        self.fake_score_tracker = keras.metrics.Mean(name="fake_score")
        self.penalty_trackers = {name: keras.metrics.Mean(name=name) for name in self.penalty_names()}
        self.d_optimizer = None
        self.g_optimizer = None
        self.built = True

    @property
    def generator_loss(self):
        """The former name of `loss_name` (keras_gen 0.1)."""
        return self.loss_name

    @staticmethod
    def _network_shapes(generator, discriminator):
        latent_shape = primary_input_shape(generator)  # conditional generators: [latent, condition]
        image_shape = tuple(generator.output_shape)[1:]
        if len(latent_shape) != 1:
            raise ValueError(
                f"The generator must take latent vectors of shape (batch, latent_dim), "
                f"its input shape is {(None, *latent_shape)}."
            )
        disc_input = primary_input_shape(discriminator)
        if disc_input != image_shape:
            raise ValueError(
                f"The generator makes images of shape {image_shape} but the "
                f"discriminator takes {disc_input}; build both for the same image shape."
            )
        return latent_shape[0], image_shape

    @classmethod
    def for_images(cls, image_shape, latent_dim=64, units=256, dropout=0.3, **kwargs):
        """Builds a GAN with the fully connected networks of Goodfellow et al. (2014).

        Args:
            image_shape: `(height, width, channels)`.
            latent_dim: size of the latent vector.
            units: units of the hidden layers of both networks.
            dropout: the discriminator's dropout rate.
            **kwargs: the `GAN` arguments (`seed`, `loss`, ...).
        """
        generator = networks.mlp_generator(image_shape, latent_dim, units)
        discriminator = networks.mlp_discriminator(image_shape, units, dropout=dropout)
        return cls(generator, discriminator, **kwargs)

    # --- players --------------------------------------------------------------------
    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Configures the two optimizers (and any `keras.Model.compile` option).

        Args:
            d_optimizer: the discriminator's optimizer (instance or name);
                default Adam(2e-4, beta_1=0.5) (`DCGAN`: Adam(4e-4, beta_1=0.5)).
            g_optimizer: the generator's optimizer; default as for `d_optimizer`
                (`DCGAN`: Adam(6e-4, beta_1=0.5)).
            **kwargs: passed to `keras.Model.compile`, e.g. `jit_compile`,
                `steps_per_execution`, `run_eagerly`. `loss`/`metrics` are
                not accepted: the losses are part of the model.
        """
        self._compile_players({"d_optimizer": d_optimizer, "g_optimizer": g_optimizer}, kwargs)

    def optimizer_variables(self, name):
        if name == "d_optimizer":
            return self.discriminator.trainable_variables
        return self.adversarial.trainable_variables

    # --- the adversarial step -------------------------------------------------------
    @property
    def metrics(self):
        trackers = (self.d_loss_tracker, self.g_loss_tracker, self.real_score_tracker, self.fake_score_tracker)
        return [*trackers, *self.penalty_trackers.values()]

    def call(self, latent_points, training=None):
        return self.generator(latent_points, training=training)

    def _generate_batch(self, latent_points, labels):
        generator = self.generator if self.generator_ema is None else self.generator_ema
        return generator(network_inputs(latent_points, labels), training=False)

    def conditions_of(self, batch):
        """What the real images of this batch come with (class labels), or None."""
        return

    # --- hooks of families with labels, codes or extra discriminator heads ---------
    # The discriminator sees the conditions as an input (a conditional GAN); False
    # for families whose discriminator predicts them instead (AC-GAN, InfoGAN).
    discriminator_sees_conditions = True
    # The generator step also scores real images (feature matching, BiGAN's encoder).
    generator_scores_real = False

    def fake_conditions(self, conditions, count):
        """What the generator gets beside the latent points for `count` fakes.

        By default the real batch's conditions: a conditional GAN draws its fakes
        with the same labels as the real images. InfoGAN samples codes here.
        """
        return conditions

    def discriminate(self, images, conditions, training):
        """`(logits, heads)`: the discriminator's adversarial output and its extra outputs.

        A discriminator with one output gives `heads=None`; one with several
        (`[logits, class_logits, ...]`) gives the rest as a list.
        """
        if not self.discriminator_sees_conditions:
            conditions = None
        outputs = self.discriminator(network_inputs(images, conditions), training=training)
        if isinstance(outputs, (list, tuple)):
            return outputs[0], list(outputs[1:])
        return outputs, None

    def conditions_of_real(self, real, conditions, training):
        """What the discriminator judges real images with: the batch's conditions (BiGAN: E(x))."""
        return conditions

    def conditions_of_fakes(self, latent_points, fake_conditions):
        """What the discriminator judges generated images with: what the generator was given
        beside the latent points (BiGAN: the latent points themselves)."""
        return fake_conditions

    def generator_objective(self, context):
        """The generator's per-example adversarial loss (the objective's; SSGAN: feature matching)."""
        return self.objective.generator(context)

    def generator_regularization(self, context, training):
        """Named, weighted per-example terms added to the generator's loss (AC-GAN's class loss, ...)."""
        return {}

    def after_discriminator_update(self):
        """Runs after each discriminator update (WGAN clips the critic's weights here)."""

    def after_generator_update(self):
        """Runs after each generator update: moves the EMA generator's weights when `ema` is set.

        w_ema <- d_t * w_ema + (1 - d_t) * w for trainable weights (Karras et al.,
        2018; Yazici et al., 2019), with the warm-up d_t = min(ema, (1 + t) / (10 + t))
        after the t-th generator update (t counted by the generator's optimizer,
        as `tf.train.ExponentialMovingAverage(num_updates=t)` does): early on the
        average follows the generator closely, so a short run's average does not
        keep a large share of the initial weights (0.999^t without the warm-up:
        22 % after 1,500 updates). Non-trainable weights (batch-norm statistics) are copied.
        """
        if self.generator_ema is None:
            return
        updates = ops.cast(self.g_optimizer.iterations, "float32")
        decay = ops.minimum(self.ema, (1.0 + updates) / (10.0 + updates))
        # `weights` keep creation order whatever the `trainable` flags, so the copies pair up.
        for average, weight in zip(self.generator_ema.weights, self.generator.weights):
            if weight.trainable:
                average.assign(decay * average + (1.0 - decay) * weight)
            else:
                average.assign(weight)

    def end_of_step(self, discriminator_context, generator_context, update):
        """Runs at the end of each train/test step with both steps' contexts (BEGAN updates k_t here)."""

    def penalty_names(self):
        """Names of the terms `discriminator_regularization` and `generator_regularization`
        return, logged as metrics."""
        return ("r1_penalty",) if self.r1_weight else ()

    def discriminator_regularization(self, context, training):
        """Named per-example penalties added to the discriminator's loss, already weighted.

        R1 (Mescheder et al., 2018): gamma / 2 * ||grad D(x)||^2 on real images, with
        gamma = `r1_weight`. Penalties on input gradients use
        `keras_gen.training.input_gradients`.
        """
        if not self.r1_weight:
            return {}
        gradients = input_gradients(self._scorer(context.conditions, training), context.real)
        return {"r1_penalty": 0.5 * self.r1_weight * losses.r1_penalty(gradients)}

    def _scorer(self, conditions, training):
        """`images -> D(images)` with the given conditions, for penalties on input gradients."""
        return lambda images: self.discriminate(images, conditions, training)[0]

    def _augmented(self, images, training):
        """DiffAugment of the images the discriminator sees, when `augment` is set."""
        return images if self.augmenter is None else self.augmenter(images, training=training)

    def _fakes(self, real, conditions, update, for_generator):
        """The generated images of one discriminator update: `Fakes` (latent points, conditions, images).

        The fakes of a step's last discriminator update are also the generator's
        (`for_generator`): its update then differentiates through the same
        forward pass (`keras_gen.training.forward_for_update`) instead of
        running the generator a second time, as Radford et al.'s reference
        loop does; the generator's loss still sees the discriminator as this
        step's update left it.
        """
        count = ops.shape(real)[0]
        fake_conditions = self.fake_conditions(conditions, count)  # before the latent points: InfoGAN draws codes
        return self._generated(self.sample_latent(count), fake_conditions, update, for_generator)

    def _generated(self, latent_points, fake_conditions, update, for_generator):
        """`Fakes` of the generator on `latent_points` beside `fake_conditions`, its pass recorded for the
        generator's update when `update and for_generator` (families that make a larger generator batch
        than the real one, GAN-CLS's interpolated captions, call this from their `_fakes`)."""

        def generate():
            return self.generator_pass(latent_points, fake_conditions, update)

        if update and for_generator:
            outputs, forward = forward_for_update(generate, self.optimizer_variables("g_optimizer"))
        else:
            outputs, forward = generate(), None
        images, parts = split_pass(outputs)
        return Fakes(latent_points, fake_conditions, images, forward, parts)

    def generator_pass(self, latent_points, fake_conditions, training):
        """One generator pass of a step: `G(z)`, or `[images, part, ...]` for a family whose
        losses also read what the generator made on the way (VideoGAN's mask, which
        its generator regularization finds in the context's `fake_parts`)."""
        return self.generator(network_inputs(latent_points, fake_conditions), training=training)

    def _discriminator_step(self, real, conditions, update, fakes=None):
        """One discriminator update against `fakes` (new ones when None)."""
        if fakes is None:
            fakes = self._fakes(real, conditions, update, for_generator=False)
        count = ops.shape(real)[0]
        real_targets, fake_targets = discriminator_targets(
            self.objective, count, self.label_smoothing, self.label_noise, replica_seed(self.seed_generator))
        judgement = Judgement(
            self.discriminate, real, fakes.images, conditions=self.conditions_of_real(real, conditions, update),
            fake_conditions=self.conditions_of_fakes(fakes.latent_points, fakes.conditions),
            real_targets=real_targets, fake_targets=fake_targets, sees_conditions=self.discriminator_sees_conditions,
            augment=self.augmenter, regularization=self.discriminator_regularization,
        )
        d_loss, [(_, outcome)] = self.discriminator_update([judgement], ("d_optimizer",), update)
        return d_loss, outcome

    def _generator_step(self, real, conditions, update, fakes=None):
        """One generator update through the pass that made `fakes` (a new pass when None)."""
        if fakes is None:
            fakes = self._fakes(real, conditions, update, for_generator=True)
        judged_conditions = self.conditions_of_fakes(fakes.latent_points, fakes.conditions)

        def loss_of(outputs):
            fake, parts = split_pass(outputs)
            # The discriminator, frozen here, judges the fakes as the chain `self.adversarial` does.
            fake_logits, fake_heads = self.discriminate(self._augmented(fake, update), judged_conditions, update)
            real_logits, real_heads = None, None
            if self.generator_scores_real:
                real_logits, real_heads = self.discriminate(self._augmented(real, update), conditions, update)
            context = losses.AdversarialContext(
                real, fake, real_logits, fake_logits, conditions=conditions, fake_conditions=judged_conditions,
                real_heads=real_heads, fake_heads=fake_heads, fake_parts=parts, fake_latent_points=fakes.latent_points,
            )
            terms = self.generator_regularization(context, update)
            per_example = self.generator_objective(context)
            for term in terms.values():
                per_example = per_example + term
            return global_batch_mean(per_example), (context, terms)

        if not update:
            return loss_of(fakes.outputs())
        return minimize_through(fakes.forward, loss_of, self.g_optimizer)

    def _step(self, data, update):
        batch = self.unpack_batch(data)
        real, conditions = batch["images"], self.conditions_of(batch)
        steps = self.discriminator_steps if update else 1
        for step in range(steps):
            part_real, part_conditions = interleaved_part(step, steps, real, conditions)
            fakes = self._fakes(part_real, part_conditions, update, for_generator=step == steps - 1)
            d_loss, (context, penalties) = self._discriminator_step(part_real, part_conditions, update, fakes)
            if update:
                self.after_discriminator_update()
        g_loss, (g_context, g_terms) = self._generator_step(part_real, part_conditions, update, fakes)
        if update:
            self.after_generator_update()
        for name, term in {**penalties, **g_terms}.items():
            self.penalty_trackers[name].update_state(ops.mean(term))
        self.end_of_step(context, g_context, update)
        self.d_loss_tracker.update_state(unscaled(d_loss))
        self.g_loss_tracker.update_state(unscaled(g_loss))
        real_score, fake_score = self.mean_scores(context)
        self.real_score_tracker.update_state(real_score)
        self.fake_score_tracker.update_state(fake_score)
        return {metric.name: metric.result() for metric in self.metrics}

    def train_step(self, data):
        return self._step(data, update=True)

    def test_step(self, data):
        """Reports both losses on a batch without updating any weights."""
        return self._step(data, update=False)

    def get_config(self):
        return {
            **super().get_config(),
            "loss": self.loss_name,
            "discriminator_steps": self.discriminator_steps,
            "label_smoothing": self.label_smoothing,
            "label_noise": self.label_noise,
            "r1_weight": self.r1_weight,
            "ema": self.ema,
            "augment": self.augment,
        }


def default_width(image_shape, width=None):
    """`width`, or when None the recipe networks' default for `image_shape`.

    32 filters for images up to 32 pixels a side, 64 for larger ones: at 28x28,
    width 64 trains 3x slower on a CPU and scored worse at equal time
    (docs/benchmarks.md, GAN objectives and stabilizers).
    """
    if width is not None:
        return width
    height, image_width, _ = check_image_shape(image_shape)
    return 32 if max(height, image_width) <= 32 else 64


@keras.saving.register_keras_serializable(package="keras_gen")
class DCGAN(GAN):
    """A deep convolutional GAN (Radford et al., 2015) with the practical recipe.

    The same adversarial step as `GAN`; `DCGAN.for_images` builds networks with
    `keras_gen.networks.dcgan_generator` / `dcgan_discriminator` (tanh output,
    LeakyReLU, strided convolutions with kernel 4 and stride 2, batch
    normalization in the generator, dropout in the discriminator), and the
    defaults keep label noise and one-sided label smoothing on; `for_images`
    also keeps a 0.99 moving average of the generator, which `generate`
    samples (`ema=None` turns it off, `ema=0.999` averages over longer runs). `compile()` without arguments gives
    the discriminator Adam(4e-4, beta_1=0.5), the paper's beta_1 at twice its
    learning rate, which reached a lower FID within our 15-minute CPU budget
    (docs/objectives.md), and the generator Adam(6e-4, beta_1=0.5), a step
    1.5 times the discriminator's (FID 14.0 and 14.2 at 400,000 images over
    two seeds, against 16.9 and 16.1 with 4e-4 for both);
    `compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))` is the paper's setting.

    Measured per image seen on Fashion-MNIST (`benchmarks/objectives.py
    --images 400000`): after 400,000 images (6,250 steps of 64) `generate`
    (the 0.99 moving average) reaches FID 18.0 on keras_gen's feature network
    (the raw generator 18.1, a 0.999 average 19.2), recall 0.62, all ten
    classes; 29.1 after 200,000 and 41.7 after 100,000 (2,000 samples). A
    second run gave 17.4, and 20.1 with another seed; with the discriminator's
    dropout at 0.1 instead of 0.3 16.9 and 16.1, recall 0.64; with dropout
    0.1 and the generator's Adam at 6e-4 (today's defaults) **14.0 and 14.2**,
    recall 0.63, all ten classes: the goal of 15 met. Batches of 32 (twice the
    updates for the same images) reached 15.1 with dropout 0.3, at 0.6x the
    images per second. The levers tried, and
    the step's cost, are in docs/benchmarks.md ("The default DCGAN per image
    seen").

    Example:
    >>> gan = DCGAN.for_images((28, 28, 1), latent_dim=16, width=8, seed=0)
    >>> gan.compile()
    >>> history = gan.fit(np.zeros((8, 28, 28, 1), "float32"), batch_size=4, verbose=0)
    >>> sorted(history.history)
    ['d_loss', 'fake_score', 'g_loss', 'real_score']
    >>> round(float(gan.d_optimizer.learning_rate), 6), round(float(gan.g_optimizer.learning_rate), 6)
    (0.0004, 0.0006)
    """

    # The players' Adam rates when `compile()` gets no optimizer (the paper, and `GAN`: 2e-4 for both):
    # the discriminator's, and the generator's 1.5 times it (docs/benchmarks.md, "The default DCGAN per image seen").
    default_learning_rate = 4e-4
    default_generator_learning_rate = 6e-4

    @classmethod
    def for_images(
        cls,
        image_shape,
        latent_dim=128,
        width=None,
        batch_norm=True,
        dropout=0.1,
        layers_per_stage=1,
        spectral_norm=False,
        ema=0.99,
        **kwargs,
    ):
        """Builds a DCGAN with recipe networks for `(height, width, channels)` images.

        Args:
            image_shape: e.g. `(28, 28, 1)`, `(32, 32, 3)` or `(64, 64, 3)`.
            latent_dim: size of the latent vector.
            width: filters of the generator's last and the discriminator's first
                stage. None (the default): 32 for images up to 32 pixels a side,
                64 for larger ones (at 28x28, width 64 trains 3x slower on a CPU
                and scored worse at equal time: docs/objectives.md).
            batch_norm: batch normalization in the generator.
            dropout: the discriminator's dropout rate. 0.1 by default: at
                400,000 images it scored FID 16.9 and 16.1 (two seeds) where
                0.3, the default until 2026-12-05, scored 17.4 and 20.1
                (docs/benchmarks.md, "The default DCGAN per image seen").
            layers_per_stage: depth of both networks: convolutions per resolution.
            spectral_norm: spectral normalization of the discriminator's layers
                (Miyato et al., 2018).
            ema: decay of the moving average of the generator that `generate`
                samples (`GAN`'s `ema`); None turns it off. 0.99 by default:
                at 400,000 images it scored FID 18.0 where a 0.999 average
                scored 18.7 and 19.2 in two runs (docs/benchmarks.md, "The
                default DCGAN per image seen"); 0.999, the default until
                2026-12-03, suits longer runs.
            **kwargs: the `GAN` arguments (`seed`, `loss`, `r1_weight`,
                `augment`, `label_smoothing`, ...).
        """
        generator, discriminator = networks.dcgan_networks(
            image_shape, latent_dim, default_width(image_shape, width), batch_norm, dropout, layers_per_stage,
            spectral_norm,
        )
        return cls(generator, discriminator, ema=ema, **kwargs)
