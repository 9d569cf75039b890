"""StackGAN: captions to images in two stages, with conditioning augmentation, Zhang et al. (2017)."""

import math

import keras
import numpy as np
from keras import ops

from keras_gen import losses, networks
from keras_gen.models.adversarial.gan import split_pass
from keras_gen.models.adversarial.update import Judgement, discriminator_targets
from keras_gen.models.conditional.gan_cls import GANCLS, mismatched
from keras_gen.networks.progressive import shrunk
from keras_gen.networks.stacked import stage_factor
from keras_gen.training import global_batch_mean, minimize_through, replica_seed

STAGES = (1, 2)


def check_train_stages(train_stages) -> tuple[int, ...]:
    """`train_stages` as a sorted tuple of distinct stages among 1 and 2; a ValueError naming the choices.

    Example:
    >>> check_train_stages([2, 1])
    (1, 2)
    """
    values = tuple(train_stages) if isinstance(train_stages, (list, tuple)) else ()
    if (not values or len(set(values)) != len(values)
            or any(isinstance(stage, bool) or stage not in STAGES for stage in values)):
        raise ValueError(f"train_stages lists the stages that learn: (1, 2) (joint training, the default), (1,) "
                         f"(the paper's first phase) or (2,) (its second); got {train_stages!r}.")
    return tuple(sorted(int(stage) for stage in values))


def augmented_conditions(mean, log_var, noise):
    """c_hat = mean + exp(log_var / 2) * noise: StackGAN's conditioning augmentation, given its noise eps.

    Example:
    >>> float(augmented_conditions(ops.ones((1, 1)), ops.zeros((1, 1)), 2 * ops.ones((1, 1)))[0, 0])
    3.0
    """
    return mean + ops.exp(0.5 * log_var) * noise


@keras.saving.register_keras_serializable(package="keras_gen")
class StackGAN(GANCLS):
    """StackGAN: a stage-I GAN draws a small image from a caption, a stage-II GAN refines it, Zhang et al. (2017).

    Zhang, Xu, Li, Zhang, Wang, Huang & Metaxas, "StackGAN: Text to
    Photo-realistic Image Synthesis with Stacked Generative Adversarial
    Networks" (2017). On GAN-CLS (`GANCLS`): the text encoder phi, the
    matching-aware discriminators and the condition checks are its.

    - Conditioning augmentation: a dense network maps phi(t) to mu and log
      sigma^2 (`keras_gen.networks.conditioning_augmentation`), and both
      generators read c_hat = mu + sigma * eps. The generator's loss adds
      `kl_weight` * KL(N(mu, sigma^2) || N(0, I)) per example
      (`keras_gen.losses.gaussian_kl`), logged as `kl_loss` (the weighted term).
    - Stage I draws a small image G_1(z, c_hat) (`stage1_size`); stage II
      refines it to the final size, G_2(G_1(z, c_hat), c_hat), with residual
      blocks (`keras_gen.networks.stackgan_stage2_generator`).
    - Each stage has a matching-aware discriminator D_k(x, phi(t))
      (`keras_gen.networks.gan_cls_discriminator`); stage I's judges the real
      images shrunk to its size (average pooling). The discriminator's loss is
      the sum of the stages' GAN-CLS losses, the generator's the sum of the
      stages' generator losses plus the KL term; `real_score`, `fake_score`
      and `mismatch_score` are averaged over the stages that learn.
    - A latent point is (z, eps): `latent_dim` is z's size plus
      `condition_dim`, eps its last `condition_dim` entries, so
      `generate(latent_points=..., conditions=...)` is deterministic.
      `generate(..., return_stages=True)` gives `(stage1_images, images)`.
    - `train_stages` (a settable attribute, saved in the config): the stages
      that learn, (1, 2) by default (joint training, gradients of stage II's
      loss reaching stage I, as in Zhang et al.'s StackGAN++). `model.train_stages
      = (1,)`, `fit`, then `model.train_stages = (2,)`, `fit` is the paper's two
      phases. A stage left out is frozen: its networks run in inference mode
      and no player updates them. The conditioning augmentation and the text
      encoder are stage I's: with `(2,)` they stay fixed too, so stage I draws
      as at the end of phase I (the paper gives stage II its own augmentation
      network; here both stages share one, and one eps). Setting it makes
      `fit` trace a new step.
    - Players: `d_optimizer` updates both discriminators and the text
      encoder, `g_optimizer` both generators and the conditioning
      augmentation. `compile()`: Adam(2e-4, beta_1=0.5) each, as in the paper.

    GAN-INT (`text_interpolation`) is off by default: conditioning
    augmentation already fills the caption manifold (Zhang et al., section
    3.1); a beta turns it on as for `GANCLS`. `r1_weight` and `ema` are not
    supported.

    Args:
        stage1_generator: `[z, c_hat]` -> stage-I images
            (`keras_gen.networks.stackgan_stage1_generator`).
        stage2_generator: `[stage-I images, c_hat]` -> images
            (`keras_gen.networks.stackgan_stage2_generator`).
        stage1_discriminator, stage2_discriminator: `[images, phi]` -> one
            logit, at each stage's size (`keras_gen.networks.gan_cls_discriminator`).
        conditioning_augmentation: phi -> `[mean, log_var]` of c_hat
            (`keras_gen.networks.conditioning_augmentation`).
        text_encoder: conditions -> phi (`keras_gen.networks.condition_encoder`).
        condition: the `keras_gen.data.Condition` (kind classes, attributes,
            multi_hot or tokens).
        kl_weight: the weight of the KL term (1 in the paper), >= 0.
        train_stages: the stages that learn: (1, 2), (1,) or (2,).
        **kwargs: the `GANCLS` and `GAN` arguments (`matching_aware`,
            `text_interpolation`, `train_text_encoder`, `grid_conditions`,
            `loss`, `seed`, `augment`, ...).

    Example:
    >>> captions = keras_gen.data.info("fashion_captions").conditions["captions"]
    >>> images, ids = keras_gen.data.load_numpy("fashion_captions", "heldout", conditions="captions", limit=64)
    >>> gan = StackGAN.for_images((28, 28, 1), captions, latent_dim=8, condition_dim=4, width=8,
    ...                           embedding_dim=8, seed=0)
    >>> gan.compile()  # Adam(2e-4, beta_1=0.5) for both players
    >>> gan.latent_dim  # z, then eps
    12
    >>> history = gan.fit(images, ids, batch_size=32, epochs=1, verbose=0)
    >>> sorted(history.history)
    ['d_loss', 'fake_score', 'g_loss', 'kl_loss', 'mismatch_score', 'real_score']
    >>> gan.train_stages = (2,)  # the paper's second phase: stage I stays as it is
    >>> small, images = gan.generate(2, conditions=["a large dark ankle boot"] * 2, return_stages=True)
    >>> small.shape, images.shape
    ((2, 14, 14, 1), (2, 28, 28, 1))
    """

    network_names = ("stage1_generator", "stage2_generator", "stage1_discriminator", "stage2_discriminator",
                     "conditioning_augmentation", "text_encoder")

    def __init__(self, stage1_generator, stage2_generator, stage1_discriminator, stage2_discriminator,
                 conditioning_augmentation, text_encoder, condition, kl_weight=1.0, train_stages=STAGES,
                 text_interpolation=None, **kwargs):
        if isinstance(kl_weight, bool) or not isinstance(kl_weight, (int, float)) or not (
                math.isfinite(kl_weight) and kl_weight >= 0):
            raise ValueError(f"kl_weight is the weight of the conditioning augmentation's KL term, a number >= 0 "
                             f"(1.0 in Zhang et al.); got {kl_weight!r}.")
        for option, off in (("r1_weight", 0.0), ("ema", None), ("mode_seeking", 0.0)):
            if kwargs.get(option, off) != off:
                raise ValueError(f"StackGAN does not support {option} yet: leave it at {off}.")
        train_stages = check_train_stages(train_stages)
        self._check_stacked_networks(stage1_generator, stage2_generator, stage1_discriminator, stage2_discriminator,
                                     conditioning_augmentation, text_encoder)
        self._noise_dim = int(conditioning_augmentation.output_shape[0][-1])
        self._z_dim = int(stage1_generator.input_shape[0][-1])
        generator = self._stacked_generator(stage1_generator, stage2_generator, conditioning_augmentation,
                                            int(text_encoder.output_shape[-1]))
        super().__init__(generator, stage2_discriminator, text_encoder, condition,
                         text_interpolation=text_interpolation, **kwargs)
        self.stage1_generator = stage1_generator
        self.stage2_generator = stage2_generator
        self.stage1_discriminator = stage1_discriminator
        self.stage2_discriminator = stage2_discriminator
        self.conditioning_augmentation = conditioning_augmentation
        self.kl_weight = float(kl_weight)
        self.stage_factor = stage_factor(self.image_shape, tuple(stage1_generator.output_shape)[1:])
        self._returning_stages = False
        self.train_stages = train_stages

    @staticmethod
    def _check_stacked_networks(stage1_generator, stage2_generator, stage1_discriminator, stage2_discriminator,
                                conditioning_augmentation, text_encoder):
        vector = tuple(text_encoder.output_shape)
        augmented = conditioning_augmentation.output_shape
        if not (tuple(conditioning_augmentation.input_shape) == vector and isinstance(augmented, list)
                and len(augmented) == 2 and tuple(augmented[0]) == tuple(augmented[1])):
            raise ValueError(f"The conditioning augmentation must map phi {vector} to [mean, log_var] of one size; "
                             f"it maps {conditioning_augmentation.input_shape} to {augmented}. Build it with "
                             f"keras_gen.networks.conditioning_augmentation({vector[-1]}, condition_dim).")
        codes = tuple(augmented[0])
        stage1_shape = tuple(stage1_generator.output_shape)
        image_shape = tuple(stage2_generator.output_shape)
        expected = {
            "stage1_generator": (stage1_generator.input_shape, [None, codes], "stackgan_stage1_generator"),
            "stage2_generator": (stage2_generator.input_shape, [stage1_shape, codes], "stackgan_stage2_generator"),
            "stage1_discriminator": (stage1_discriminator.input_shape, [stage1_shape, vector], "gan_cls_discriminator"),
            "stage2_discriminator": (stage2_discriminator.input_shape, [image_shape, vector], "gan_cls_discriminator"),
        }
        for role, (shapes, wanted, builder) in expected.items():
            if not (isinstance(shapes, list) and len(shapes) == 2 and all(
                    want is None or tuple(shape) == want for shape, want in zip(shapes, wanted))):
                described = ", ".join("latent_points" if want is None else str(want) for want in wanted)
                raise ValueError(f"StackGAN's {role} must take [{described}]; its input shape is {shapes}. "
                                 f"Build it with keras_gen.networks.{builder}(...).")

    def _stacked_generator(self, stage1_generator, stage2_generator, conditioning_augmentation, vector_dim):
        """`[(z, eps), phi] -> images` as one functional model over the stage networks (what `generate` and the
        GAN base call `generator`); it shares their weights and is not saved on its own."""
        latent = keras.Input((self._z_dim + self._noise_dim,), name="latent")
        vector = keras.Input((vector_dim,), name="condition_vector")
        _, images, _, _ = self._stack(latent, vector, None, (stage1_generator, stage2_generator,
                                                             conditioning_augmentation))
        return keras.Model([latent, vector], images, name="generator")

    @classmethod
    def for_images(cls, image_shape, condition, latent_dim=100, condition_dim=64, stage1_size=14, width=32,
                   kl_weight=1.0, train_stages=STAGES, embedding_dim=128, num_blocks=2, text_encoder=None,
                   train_text_encoder=True, batch_norm=True, dropout=0.3, **kwargs):
        """Builds StackGAN with `keras_gen.networks`' StackGAN and GAN-CLS builders.

        Args:
            image_shape: `(height, width, channels)` of the final images.
            condition: the `Condition` (e.g. fashion_captions' `captions`).
            latent_dim: size of z (100 in Zhang et al.); the model's
                `latent_dim` adds `condition_dim` for eps.
            condition_dim: size of c_hat (128 in the paper).
            stage1_size: the side of stage I's images (an int for square
                images, or `(height, width)`): the final sides divided by a
                power of two, even (14 for 28x28).
            width: filters of the generators' last stages and the
                discriminators' first.
            kl_weight, train_stages: as for `StackGAN`.
            embedding_dim: the size phi is compressed to in the discriminators
                (128 in the paper), and, for captions, of the built text
                encoder's word vectors and phi.
            num_blocks: stage II's residual blocks.
            text_encoder: a (pretrained) encoder of the conditions; None builds
                `keras_gen.networks.condition_encoder(condition, embedding_dim)`.
            train_text_encoder: whether the discriminators' player trains it.
            batch_norm: batch normalization in the generators.
            dropout: the discriminators' dropout rate.
            **kwargs: the `StackGAN`, `GANCLS` and `GAN` arguments (`seed`, `loss`, ...).
        """
        height, image_width, channels = networks.check_image_shape(image_shape)
        sides = (stage1_size, stage1_size) if isinstance(stage1_size, int) and not isinstance(
            stage1_size, bool) else stage1_size
        if not (isinstance(sides, (list, tuple)) and len(sides) == 2 and all(
                isinstance(side, int) and not isinstance(side, bool) and side > 0 for side in sides)):
            raise ValueError(f"stage1_size is the side of stage I's images (e.g. 14 for 28x28 images) or their "
                             f"(height, width); got {stage1_size!r}.")
        stage1_shape = (*sides, channels)
        stage_factor((height, image_width, channels), stage1_shape)  # a clear error before any network is built
        if text_encoder is None:
            text_encoder = networks.condition_encoder(condition, embedding_dim)
        vector_dim = int(text_encoder.output_shape[-1])
        return cls(
            networks.stackgan_stage1_generator(stage1_shape, condition_dim, latent_dim, width, batch_norm),
            networks.stackgan_stage2_generator((height, image_width, channels), stage1_shape, condition_dim, width,
                                               num_blocks, batch_norm),
            networks.gan_cls_discriminator(stage1_shape, vector_dim, width, embedding_dim, dropout=dropout,
                                           name="stage1_discriminator"),
            networks.gan_cls_discriminator((height, image_width, channels), vector_dim, width, embedding_dim,
                                           dropout=dropout, name="stage2_discriminator"),
            networks.conditioning_augmentation(vector_dim, condition_dim),
            text_encoder, condition, kl_weight=kl_weight, train_stages=train_stages,
            train_text_encoder=train_text_encoder, **kwargs,
        )

    # --- stages and players ---------------------------------------------------------
    @property
    def train_stages(self) -> tuple[int, ...]:
        """The stages that learn in `fit`: (1, 2), (1,) or (2,); settable between fits."""
        return self._train_stages

    @train_stages.setter
    def train_stages(self, value):
        self._train_stages = check_train_stages(value)
        # A traced step keeps the stages it was traced with: the next fit or evaluate traces a new one.
        self.train_function = self.test_function = None

    @property
    def condition_dim(self) -> int:
        """The size of c_hat, and of eps, the last `condition_dim` entries of a latent point."""
        return self._noise_dim

    def _learns(self, stage, training):
        """The training flag of a stage's networks: inference mode when the stage is frozen."""
        return training if stage in self._train_stages else False

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Configures the two players (see `GAN.compile`); each defaults to Adam(2e-4, beta_1=0.5). Their state
        is made for both stages' variables, so `train_stages` can change between fits."""
        stages, self._train_stages = self._train_stages, STAGES
        try:
            super().compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer, **kwargs)
        finally:
            self._train_stages = stages

    def optimizer_variables(self, name):
        """What a player updates now: of the stages in `train_stages` (and stage I's conditioning
        augmentation and text encoder with stage 1)."""
        stage1 = 1 in self._train_stages
        if name == "d_optimizer":
            owned = [self.stage_discriminator(stage) for stage in self._train_stages]
            owned += [self.text_encoder] if stage1 and self.train_text_encoder else []
        elif name == "g_optimizer":
            owned = [self.conditioning_augmentation] if stage1 else []
            owned += [getattr(self, f"stage{stage}_generator") for stage in self._train_stages]
        else:
            return super().optimizer_variables(name)
        return [variable for network in owned for variable in network.trainable_variables]

    def stage_discriminator(self, stage):
        """The discriminator of stage 1 or 2."""
        return self.stage1_discriminator if stage == 1 else self.stage2_discriminator

    def penalty_names(self):
        return ("kl_loss",)

    # --- the stacked generator ------------------------------------------------------
    def _stack(self, latent_points, vectors, training, stage_networks=None):
        """`(stage1_images, images, mean, log_var)` of latent points (z, eps) and condition vectors phi."""
        stage1_generator, stage2_generator, augmentation = stage_networks or (
            self.stage1_generator, self.stage2_generator, self.conditioning_augmentation)
        learns = (lambda stage: training) if stage_networks else (lambda stage: self._learns(stage, training))
        z, noise = latent_points[:, : self._z_dim], latent_points[:, self._z_dim :]
        mean, log_var = augmentation(vectors, training=learns(1))
        codes = augmented_conditions(mean, log_var, noise)
        stage1 = stage1_generator([z, codes], training=learns(1))
        images = stage2_generator([stage1, codes], training=learns(2))
        return stage1, images, mean, log_var

    def generator_pass(self, latent_points, fake_conditions, training):
        """`[images, stage1_images, mean, log_var]`: the stage-I images and c_hat's Gaussian ride along for the
        stage-I discriminator and the KL term."""
        stage1, images, mean, log_var = self._stack(latent_points, fake_conditions, training)
        return [images, stage1, mean, log_var]

    def _generate_from_embeddings(self, latent_points, embeddings):
        if not self._returning_stages:
            return self.generator([latent_points, embeddings], training=False)
        stage1, images, _, _ = self._stack(latent_points, embeddings, False)
        count = ops.shape(images)[0]
        return ops.concatenate([ops.reshape(stage1, (count, -1)), ops.reshape(images, (count, -1))], axis=1)

    def generate(self, num_images=None, *, latent_points=None, labels=None, conditions=None, temperature=1.0,
                 batch_size=256, embeddings=None, return_stages=False):
        """Generates images from (z, eps) and conditions, or phi(t) `embeddings` (see `SamplesFromPrior.generate`).

        Args:
            return_stages: True returns `(stage1_images, images)`: stage I's
                small images and the final ones, from the same latent points.

        Example:
        >>> classes = keras_gen.data.Condition.classes(3)
        >>> gan = StackGAN.for_images((16, 16, 1), classes, latent_dim=4, condition_dim=2, stage1_size=8, width=4)
        >>> small, images = gan.generate(2, conditions=[0, 2], return_stages=True)
        >>> small.shape, images.shape
        ((2, 8, 8, 1), (2, 16, 16, 1))
        """
        if not isinstance(return_stages, bool):
            # A ValueError like every other bad argument of generate(), so callers catch one type.
            raise ValueError(f"return_stages must be True or False, got {return_stages!r}.")  # noqa: TRY004
        options = {"latent_points": latent_points, "labels": labels, "conditions": conditions,
                   "temperature": temperature, "batch_size": batch_size, "embeddings": embeddings}
        if not return_stages:
            return super().generate(num_images, **options)
        self._returning_stages = True
        try:
            joined = super().generate(num_images, **options)
        finally:
            self._returning_stages = False
        stage1_shape = tuple(self.stage1_generator.output_shape)[1:]
        split = int(np.prod(stage1_shape))
        return (joined[:, :split].reshape(-1, *stage1_shape),
                joined[:, split:].reshape(-1, *self.image_shape))

    # --- the step -------------------------------------------------------------------
    def _judge(self, stage, images, vectors, training):
        """D_stage(images, phi): the stage's logits (its networks in inference mode when it is frozen)."""
        return self.stage_discriminator(stage)([images, vectors], training=self._learns(stage, training))

    def discriminate(self, images, conditions, training):
        return self._judge(2, images, conditions, training), None

    def _stage_reals(self, real):
        """The real images each stage's discriminator sees: shrunk to stage I's size, and as they are."""
        return {1: shrunk(real, self.stage_factor), 2: real}

    def _discriminator_step(self, real, conditions, update, fakes=None):
        """One update of the learning stages' discriminators, each on (real, t), (fake, t) and, matching-aware,
        (real, t'), in one call per discriminator; their GAN-CLS losses are summed."""
        if fakes is None:
            fakes = self._fakes(real, conditions, update, for_generator=False)
        count = ops.shape(real)[0]
        made, reals = {1: fakes.parts[0][:count], 2: fakes.images[:count]}, self._stage_reals(real)
        judgements = []
        for stage in self._train_stages:
            fake, fake_conditions = made[stage], conditions
            if self.matching_aware:
                fake = ops.concatenate([fake, reals[stage]], axis=0)
                fake_conditions = ops.concatenate([conditions, mismatched(conditions)], axis=0)
            real_targets, fake_targets = discriminator_targets(
                self.objective, ops.shape(fake)[0], self.label_smoothing, self.label_noise,
                replica_seed(self.seed_generator))

            def judge(images, seen, training, stage=stage):
                return self._judge(stage, images, self.embed_conditions(seen, training), training), None

            judgements.append(Judgement(
                judge, reals[stage], fake, conditions=conditions, fake_conditions=fake_conditions,
                real_targets=None if real_targets is None else real_targets[:count], fake_targets=fake_targets,
                augment=self.augmenter,
            ))
        d_loss, outcomes = self.discriminator_update(judgements, ("d_optimizer",), update)
        return d_loss, ([context for _, (context, _) in outcomes], {})

    def _generator_step(self, real, conditions, update, fakes=None):
        """One update of the generators and the conditioning augmentation, through the pass that made `fakes`:
        the learning stages' generator losses plus `kl_weight` * KL."""
        if fakes is None:
            fakes = self._fakes(real, conditions, update, for_generator=True)
        reals = self._stage_reals(real)

        def loss_of(outputs):
            images, (stage1, mean, log_var) = split_pass(outputs)
            made = {1: stage1, 2: images}
            kl = self.kl_weight * losses.gaussian_kl(mean, log_var)
            per_example, contexts = kl, []
            for stage in self._train_stages:
                logits = self._judge(stage, self._augmented(made[stage], update), fakes.conditions, update)
                contexts.append(losses.AdversarialContext(
                    reals[stage], made[stage], None, logits, conditions=conditions, fake_conditions=fakes.conditions))
                per_example = per_example + self.generator_objective(contexts[-1])
            return global_batch_mean(per_example), (contexts, {"kl_loss": kl})

        if not update:
            return loss_of(fakes.outputs())
        return minimize_through(fakes.forward, loss_of, self.g_optimizer)

    def mean_scores(self, context):
        """`(real_score, fake_score)` averaged over the learning stages' discriminator contexts."""
        scores = [super(StackGAN, self).mean_scores(stage_context) for stage_context in context]
        return (ops.mean(ops.stack([real for real, _ in scores])),
                ops.mean(ops.stack([fake for _, fake in scores])))

    def end_of_step(self, discriminator_context, generator_context, update):
        if self.matching_aware:
            scores = []
            for context in discriminator_context:
                count = ops.shape(context.real_logits)[0]
                scores.append(ops.mean(self.objective.score(context.fake_logits[count:])))
            self.mismatch_score_tracker.update_state(ops.mean(ops.stack(scores)))

    # --- saving ---------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        return {**config, "kl_weight": self.kl_weight, "train_stages": list(self._train_stages)}
