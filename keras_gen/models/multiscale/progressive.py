"""Progressive GAN: a Wasserstein GAN whose networks grow, resolution by resolution, as it sees images."""

import keras
from keras import ops

from keras_gen import losses
from keras_gen.models.adversarial.gan import GAN
from keras_gen.models.adversarial.wgan import WGANGP
from keras_gen.networks.progressive import (
    ProgressiveDiscriminator,
    ProgressiveGenerator,
    enlarged,
    faded,
    growth_resolutions,
    progressive_networks,
    shrunk,
)
from keras_gen.networks.stages import check_count
from keras_gen.training import input_gradients, replica_seed

# Real images per phase when `for_images` gets none: at the step rates measured on 2 CPU cores (7x7 about
# 3x, 14x14 about 1.5x as fast as 28x28), growth to 28x28 ends within about a third of a 15-minute budget.
# Not yet compared with other values at equal time (docs/multiscale.md, "Measured").
DEFAULT_IMAGES_PER_PHASE = 30_000


def growth_at(images_seen: int, images_per_phase: int, last_stage: int) -> tuple[int, float]:
    """`(stage, alpha)` of the growth schedule after `images_seen` real images.

    Stage 0 trains for P = `images_per_phase` images; each further stage
    fades in over P images (alpha rising linearly from 0 to 1), then trains
    stable for P images; the last stage stays stable. So stage =
    min(last, floor((n + P) / 2P)) and alpha = clip((n - (2 stage - 1) P) / P,
    0, 1) for stage >= 1 (alpha = 1 at stage 0).

    Example:
    >>> stage, alpha = growth_at(512, 300, last_stage=2)
    >>> stage, round(alpha, 2)
    (1, 0.71)
    """
    stage = min(last_stage, (images_seen + images_per_phase) // (2 * images_per_phase))
    if stage == 0:
        return 0, 1.0
    return stage, min(1.0, max(0.0, (images_seen - (2 * stage - 1) * images_per_phase) / images_per_phase))


class _FollowGrowth(keras.callbacks.Callback):
    """Moves the networks to the stage the schedule has reached, and has `fit` trace the new path."""

    def on_train_begin(self, logs=None):
        self.model.follow_growth()

    def on_train_batch_end(self, batch, logs=None):
        if hasattr(self.model, "jax_state_sync"):
            self.model.jax_state_sync()  # on JAX, `fit` keeps the step's state apart from the variables
        if self.model.follow_growth():
            self.model.make_train_function()


@keras.saving.register_keras_serializable(package="keras_gen")
class ProgressiveGAN(WGANGP):
    """Progressive GAN: the networks grow from a low resolution to the final one while `fit` trains them.

    Karras, Aila, Laine & Lehtinen, "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation" (2018). The generator and the
    discriminator (`keras_gen.networks.ProgressiveGenerator` /
    `ProgressiveDiscriminator`) hold every stage's layers from construction
    and use those of the current `stage`. The schedule counts the real images
    the model has trained on (`images_seen`), with P = `images_per_phase`:
    stage 0 trains for P images; each further stage fades in over P images,
    with `alpha` rising linearly from 0 to 1, then trains stable for P
    images; the last stage stays stable (`growth_at`). `fit` follows the
    schedule by itself (no callback to add): a batch trains at the stage and
    alpha of the images seen before it, and after a change of stage or phase
    the traced step is traced again for the new path.

    `fit` takes final-size images; the model shrinks them (average pooling)
    to the current resolution and, during a fade-in, blends them with the
    previous resolution as the generator's output is blended. `generate`
    always returns final-size images: the current output enlarged (nearest
    neighbour). `stage`, `alpha` and `images_seen` are saved with the
    weights, so a run stopped in the middle of a fade-in resumes there.

    The objective is the paper's: the Wasserstein loss, a gradient penalty
    (`gradient_penalty_weight`, 10; computed at the current resolution,
    logged as `gradient_penalty`), the drift term `drift_weight` * D(x)^2 on
    real images (0.001, logged as `drift`), and one critic update per
    generator update. Equalized learning rate, pixel normalization in the
    generator, and the minibatch standard deviation in the discriminator's
    last block. `compile()` without arguments gives both players Adam(1e-3,
    beta_1=0, beta_2=0.99, epsilon=1e-8). `for_images` keeps a 0.99 moving
    average of the generator for `generate` (the paper used 0.999 over far
    longer runs; `ema=None` turns it off). In the 15-minute benchmark on
    Fashion-MNIST (docs/multiscale.md) the average gave FID 34.5 against 33.4
    for the raw generator, and 17.4 against 18.2 after 30 minutes: about even
    early, better once training settles, so it stays. The default
    `images_per_phase`, 30,000, ends growth after 120,000 images, about the
    first 5 of those 15 minutes.

    Args:
        generator: a `ProgressiveGenerator`.
        discriminator: a `ProgressiveDiscriminator` with the same resolutions.
        images_per_phase: P, real images per phase of the schedule.
        drift_weight: epsilon_drift of the drift term.
        gradient_penalty_weight: lambda of the gradient penalty.
        **kwargs: the other `GAN` arguments (`seed`, `ema`, `data_scale`, ...).

    Example:
    >>> gan = ProgressiveGAN.for_images((8, 8, 1), latent_dim=8, width=4, images_per_phase=8, seed=0)
    >>> gan.compile()  # Adam(1e-3, beta_1=0, beta_2=0.99) for both players
    >>> history = gan.fit(np.zeros((16, 8, 8, 1), "float32"), batch_size=4, verbose=0)
    >>> gan.images_seen, gan.stage, gan.alpha
    (16, 1, 1.0)
    >>> gan.generate(2).shape  # always the final size
    (2, 8, 8, 1)
    """

    def __init__(self, generator, discriminator, images_per_phase=DEFAULT_IMAGES_PER_PHASE, drift_weight=0.001,
                 **kwargs):
        self.images_per_phase = check_count(images_per_phase, "images_per_phase",
                                            "real images per phase of the growth schedule", minimum=1)
        if not drift_weight >= 0:
            raise ValueError(f"drift_weight must be >= 0 (the paper uses 0.001), got {drift_weight}.")
        super().__init__(generator, discriminator, **kwargs)
        self.drift_weight = float(drift_weight)
        self._images_seen = self.add_weight(shape=(), dtype="int32", initializer="zeros", trainable=False,
                                            name="images_seen")
        self._every_stage = False
        self.follow_growth()

    @staticmethod
    def _network_shapes(generator, discriminator):
        if not isinstance(generator, ProgressiveGenerator) or not isinstance(discriminator, ProgressiveDiscriminator):
            # A ValueError as for every other mismatch of networks, so callers catch one type.
            raise ValueError(  # noqa: TRY004
                "ProgressiveGAN takes a keras_gen.networks.ProgressiveGenerator and a ProgressiveDiscriminator "
                f"(keras_gen.networks.progressive_networks builds both), got {type(generator).__name__} and "
                f"{type(discriminator).__name__}."
            )
        if generator.resolutions != discriminator.resolutions or generator.image_shape != discriminator.image_shape:
            raise ValueError(
                f"The generator grows through {generator.resolutions} to {generator.image_shape} but the "
                f"discriminator through {discriminator.resolutions} to {discriminator.image_shape}; build both "
                "for the same image shape."
            )
        return generator.latent_dim, generator.image_shape

    @classmethod
    def for_images(cls, image_shape, latent_dim=128, width=None, images_per_phase=DEFAULT_IMAGES_PER_PHASE,
                   ema=0.99, **kwargs):
        """Builds a Progressive GAN for square `(side, side, channels)` images.

        Args:
            image_shape: e.g. `(28, 28, 1)` (grows 7 -> 14 -> 28) or `(32, 32, 3)`
                (4 -> 8 -> 16 -> 32): the first side is the final one halved while
                it stays even and the half is >= 4.
            latent_dim: size of the latent points.
            width: feature maps at the final resolution, doubling per coarser
                stage up to 8x; None: 12 for images up to 32 pixels a side, 32
                for larger ones (CPU sizes; the paper used 512 at low resolutions).
            images_per_phase: real images per phase of the schedule
                (`DEFAULT_IMAGES_PER_PHASE` by default: 28x28 reaches its last
                stage after 4 phases).
            ema: decay of the moving average of the generator that `generate`
                samples; None turns it off.
            **kwargs: the other `ProgressiveGAN` / `GAN` arguments (`seed`,
                `drift_weight`, `gradient_penalty_weight`, ...).
        """
        resolutions = growth_resolutions(image_shape)
        check_count(images_per_phase, "images_per_phase", "real images per phase of the growth schedule", minimum=1)
        if width is None:
            width = 12 if resolutions[-1] <= 32 else 32
        generator, discriminator = progressive_networks(image_shape, latent_dim, width)
        return cls(generator, discriminator, images_per_phase=images_per_phase, ema=ema, **kwargs)

    def default_optimizer(self, name):
        return keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.99, epsilon=1e-8)

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Configures both players' optimizers, with state for every stage's weights (built once).

        Args:
            d_optimizer: the discriminator's optimizer; default Adam(1e-3,
                beta_1=0, beta_2=0.99, epsilon=1e-8) (Karras et al., 2018).
            g_optimizer: the generator's optimizer; the same default.
            **kwargs: passed to `keras.Model.compile`.
        """
        self._every_stage = True
        try:
            super().compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer, **kwargs)
        finally:
            self._every_stage = False

    def optimizer_variables(self, name):
        """The variables the player `name` updates at the current stage (when compiling: every stage's).

        Weights of stages not grown yet, and the previous stage's image
        layers after its fade-in, get no gradient; leaving them out keeps
        them as they are.
        """
        variables = super().optimizer_variables(name)
        if getattr(self, "_every_stage", True):
            return variables
        idle = {id(v) for v in self.idle_variables()}
        return [v for v in variables if id(v) not in idle]

    # --- the growth schedule ---------------------------------------------------------
    @property
    def resolutions(self) -> list[int]:
        """The sides the networks grow through, coarsest first."""
        return self.generator.resolutions

    @property
    def images_seen(self) -> int:
        """Real images the model has trained on (read-only; saved with the weights)."""
        return int(ops.convert_to_numpy(self._images_seen))

    @property
    def stage(self) -> int:
        """The stage the schedule has reached (0: the first resolution)."""
        return growth_at(self.images_seen, self.images_per_phase, len(self.resolutions) - 1)[0]

    @property
    def alpha(self) -> float:
        """How far the current stage has faded in, in [0, 1] (1 outside fade-ins)."""
        return growth_at(self.images_seen, self.images_per_phase, len(self.resolutions) - 1)[1]

    def _networks(self):
        return [network for network in (self.generator, self.discriminator, self.generator_ema) if network is not None]

    def follow_growth(self) -> bool:
        """Puts the networks at the stage and alpha of `images_seen`; True when the stage or phase changed.

        `fit` calls this after every batch (and traces its step again on a
        change); call it yourself after assigning weights by hand.
        """
        stage, alpha = growth_at(self.images_seen, self.images_per_phase, len(self.resolutions) - 1)
        fading = alpha < 1.0
        changed = (self.generator.stage, self.generator.fading) != (stage, fading)
        for network in self._networks():
            network.set_growth(stage, fading)
            network.alpha.assign(alpha)
        if changed:
            # Steps traced for the old path must not be reused.
            self.train_function = self.test_function = self.predict_function = None
        return changed

    def idle_variables(self):
        """The trainable variables the current stage does not use (later stages', and a finished fade-in's)."""
        in_use = {id(v) for network in (self.generator, self.discriminator)
                  for part in network.parts_in_use() for v in part.trainable_variables}
        every = [*self.generator.trainable_variables, *self.discriminator.trainable_variables]
        return [v for v in every if id(v) not in in_use]

    def _alpha_of_step(self):
        """alpha as a tensor from `images_seen` before this batch, for the stage the step was traced at."""
        stage = self.generator.stage
        if stage == 0:
            return ops.ones((), "float32")
        seen = ops.cast(self._images_seen, "float32")
        phase = float(self.images_per_phase)
        return ops.clip((seen - (2 * stage - 1) * phase) / phase, 0.0, 1.0)

    def at_current_resolution(self, images):
        """Final-size images as the discriminator sees real ones now: shrunk to the current resolution
        (blended with the previous one during a fade-in), then enlarged back (nearest neighbour)."""
        stage = self.generator.stage
        factor = self.image_shape[0] // self.resolutions[stage]
        images = shrunk(images, factor)
        if self.generator.fading:
            old = enlarged(shrunk(images, 2), 2)
            images = faded(old, images, self.generator.alpha)
        return enlarged(images, factor)

    # --- the step ----------------------------------------------------------------------
    def fit(self, x=None, y=None, *args, **kwargs):
        callbacks = kwargs.get("callbacks")
        if isinstance(callbacks, (list, tuple, type(None))):
            kwargs["callbacks"] = [*(callbacks or []), _FollowGrowth()]
        return super().fit(x, y, *args, **kwargs)

    def train_on_batch(self, *args, **kwargs):
        self.follow_growth()
        return super().train_on_batch(*args, **kwargs)

    def unpack_batch(self, data):
        batch = super().unpack_batch(data)
        batch["images"] = self.at_current_resolution(batch["images"])
        return batch

    def train_step(self, data):
        alpha = self._alpha_of_step()
        for network in self._networks():
            network.alpha.assign(alpha)
        logs = super().train_step(data)
        count = ops.shape(keras.utils.unpack_x_y_sample_weight(data)[0])[0]
        self._images_seen.assign_add(ops.cast(count, "int32"))
        return logs

    def penalty_names(self):
        return ("gradient_penalty", "drift", *GAN.penalty_names(self))

    def discriminator_regularization(self, context, training):
        """The gradient penalty at the current resolution, the drift term, and R1 when `r1_weight` is set.

        The penalty differentiates the critic with respect to the images at
        the current resolution, as the paper's networks see them: taken at the
        final size (where each pixel is repeated), gradient norms would shrink
        by the enlargement factor.
        """
        factor = self.image_shape[0] // self.resolutions[self.generator.stage]
        interpolates = losses.random_interpolates(
            shrunk(context.real, factor), shrunk(context.fake, factor), replica_seed(self.seed_generator))
        gradients = input_gradients(
            lambda images: self.discriminate(enlarged(images, factor), context.conditions, training)[0], interpolates)
        drift = ops.reshape(ops.square(ops.cast(context.real_logits, "float32")), (-1,))
        return {
            "gradient_penalty": self.gradient_penalty_weight * losses.gradient_penalty(gradients),
            "drift": self.drift_weight * drift,
            **GAN.discriminator_regularization(self, context, training),
        }

    # --- saving ------------------------------------------------------------------------
    def load_own_variables(self, store):
        super().load_own_variables(store)
        self.follow_growth()

    def get_config(self):
        return {**super().get_config(), "images_per_phase": self.images_per_phase, "drift_weight": self.drift_weight}

