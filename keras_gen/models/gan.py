"""The GAN base class, which owns the adversarial train step, and DCGAN on it."""

import keras
from keras import ops

from keras_gen import losses, networks
from keras_gen.models.base import GenerativeModel, deserialize_networks, serialize_networks
from keras_gen.training import global_batch_mean, minimize
from keras_gen.training.distribution import unscaled


@keras.saving.register_keras_serializable(package="keras_gen")
class AdversarialChain(keras.Model):
    """The chained model `discriminator(generator(z))` with the discriminator frozen.

    The generator learns through this chain: its `trainable_weights` are the
    generator's only, so gradients and the generator's optimizer never touch
    the discriminator. The discriminator itself stays trainable for its own
    step; only inside this chain are its weights non-trainable (the Keras
    book's `discriminator.trainable = False` without the global switch).

    Args:
        generator: a model mapping latent points to images.
        discriminator: a model mapping images to logits.

    Example:
    >>> g = keras_gen.networks.dcgan_generator((28, 28, 1), latent_dim=8, width=8)
    >>> d = keras_gen.networks.dcgan_discriminator((28, 28, 1), width=8)
    >>> chain = AdversarialChain(g, d)
    >>> len(chain.trainable_weights) == len(g.trainable_weights)
    True
    """

    def __init__(self, generator, discriminator, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.built = True

    @property
    def trainable_weights(self):
        return self.generator.trainable_weights if self.trainable else []

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_weights(self):
        learning = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in learning]

    @property
    def non_trainable_variables(self):
        learning = {id(v) for v in self.trainable_weights}
        return [v for v in self.variables if id(v) not in learning]

    def call(self, latent_points, training=None):
        return self.discriminator(self.generator(latent_points, training=training), training=training)

    def get_config(self):
        return {**serialize_networks(self, GAN.network_names), "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**deserialize_networks(config, GAN.network_names))


def _image_batch(data):
    """The images of a batch that may be `x`, `(x,)`, `(x, y)` or `(x, y, w)`."""
    images, _, _ = keras.utils.unpack_x_y_sample_weight(data)
    return images


@keras.saving.register_keras_serializable(package="keras_gen")
class GAN(GenerativeModel):
    """A generative adversarial network that trains with `model.fit()`.

    Goodfellow et al., "Generative Adversarial Nets" (2014), Algorithm 1. Each
    train step updates the discriminator `discriminator_steps` times on the
    real batch against fresh generated batches (one pass over real and fake
    images concatenated), then updates the generator once through
    `self.adversarial`, the chain `discriminator(generator(z))` in which the
    discriminator is frozen. Latent points come from N(0, I), drawn from the
    model's seed generator.

    Args:
        generator: a model from `(latent_dim,)` to images.
        discriminator: a model from images to one logit per image.
        generator_loss: `"non_saturating"` (-log D(G(z)), the default) or
            `"minimax"` (log(1 - D(G(z))), the original objective).
        discriminator_steps: discriminator updates per generator update (k
            in Algorithm 1). Each reuses the real batch with new latent points.
        label_smoothing: one-sided label smoothing: real targets become
            `1 - label_smoothing` (Salimans et al., 2016).
        label_noise: each discriminator target moves towards the other class
            by U(0, label_noise).
        data_scale: pixel range of the images (tanh generators: (-1, 1)).
        seed: seed of the model's `keras.random.SeedGenerator`.

    Example:
    >>> gan = GAN(keras_gen.networks.dcgan_generator((28, 28, 1), 16, width=8),
    ...           keras_gen.networks.dcgan_discriminator((28, 28, 1), width=8), seed=0)
    >>> gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    ...             g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    >>> gan.generate(4).shape
    (4, 28, 28, 1)
    """

    network_names = ("generator", "discriminator")

    def __init__(
        self,
        generator,
        discriminator,
        generator_loss="non_saturating",
        discriminator_steps=1,
        label_smoothing=0.1,
        label_noise=0.05,
        data_scale=(-1.0, 1.0),
        seed=None,
        **kwargs,
    ):
        latent_dim, image_shape = self._network_shapes(generator, discriminator)
        super().__init__(latent_dim, image_shape, data_scale=data_scale, seed=seed, **kwargs)
        if generator_loss not in losses.GENERATOR_LOSSES:
            raise ValueError(
                f"Unknown generator_loss {generator_loss!r}; choose one of "
                f"{sorted(losses.GENERATOR_LOSSES)}."
            )
        if int(discriminator_steps) < 1:
            raise ValueError(f"discriminator_steps must be >= 1, got {discriminator_steps}.")
        if not 0.0 <= label_smoothing < 0.5 or not 0.0 <= label_noise < 0.5:
            raise ValueError(
                "label_smoothing and label_noise must lie in [0, 0.5), got "
                f"{label_smoothing} and {label_noise}."
            )
        self.generator = generator
        self.discriminator = discriminator
        self.adversarial = AdversarialChain(generator, discriminator, name="adversarial")
        self.generator_loss = generator_loss
        self.discriminator_steps = int(discriminator_steps)
        self.label_smoothing = float(label_smoothing)
        self.label_noise = float(label_noise)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.real_score_tracker = keras.metrics.Mean(name="real_score")
        self.fake_score_tracker = keras.metrics.Mean(name="fake_score")
        self.d_optimizer = None
        self.g_optimizer = None
        self.built = True

    @staticmethod
    def _network_shapes(generator, discriminator):
        latent_shape = tuple(generator.input_shape)
        image_shape = tuple(generator.output_shape)[1:]
        if len(latent_shape) != 2:
            raise ValueError(
                f"The generator must take latent vectors of shape (batch, latent_dim), "
                f"its input shape is {latent_shape}."
            )
        disc_input = tuple(discriminator.input_shape)[1:]
        if disc_input != image_shape:
            raise ValueError(
                f"The generator makes images of shape {image_shape} but the "
                f"discriminator takes {disc_input}; build both for the same image shape."
            )
        return latent_shape[1], image_shape

    # --- compile and its serialization ----------------------------------------------
    def compile(self, d_optimizer="adam", g_optimizer="adam", **kwargs):
        """Configures the two optimizers (and any `keras.Model.compile` option).

        Args:
            d_optimizer: the discriminator's optimizer (instance or name).
            g_optimizer: the generator's optimizer (instance or name).
            **kwargs: passed to `keras.Model.compile`, e.g. `jit_compile`,
                `steps_per_execution`, `run_eagerly`. `loss`/`metrics` are
                not accepted: the losses are part of the model.
        """
        for key in ("loss", "optimizer", "metrics"):
            if key in kwargs:
                raise ValueError(
                    f"{type(self).__name__}.compile() takes d_optimizer and g_optimizer; "
                    f"'{key}' is not used: the adversarial losses are part of the model."
                )
        # No `optimizer`: Keras would otherwise create (and save) an unused RMSprop.
        super().compile(optimizer=None, **kwargs)
        self.d_optimizer = _loss_scaled(keras.optimizers.get(d_optimizer))
        self.g_optimizer = _loss_scaled(keras.optimizers.get(g_optimizer))
        # The networks exist from construction, so the optimizer state can too:
        # load_model, BackupAndRestore and load_weights then find it to restore.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.adversarial.trainable_variables)
        self._gan_compile_options = kwargs

    def get_compile_config(self):
        if self.d_optimizer is None:
            return None
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            **self._gan_compile_options,
        }

    def compile_from_config(self, config):
        config = dict(config)
        d_optimizer = keras.saving.deserialize_keras_object(config.pop("d_optimizer"))
        g_optimizer = keras.saving.deserialize_keras_object(config.pop("g_optimizer"))
        self.compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer, **config)

    # --- the adversarial step -------------------------------------------------------
    @property
    def metrics(self):
        return [
            self.d_loss_tracker,
            self.g_loss_tracker,
            self.real_score_tracker,
            self.fake_score_tracker,
        ]

    def call(self, latent_points, training=None):
        return self.generator(latent_points, training=training)

    def _generate_batch(self, latent_points):
        return self.generator(latent_points, training=False)

    def _discriminator_targets(self, batch_size):
        shape = (batch_size, 1)
        real = losses.smoothed_noisy_targets(
            shape, 1, self.label_smoothing, self.label_noise, self.seed_generator
        )
        fake = losses.smoothed_noisy_targets(shape, 0, 0.0, self.label_noise, self.seed_generator)
        return real, fake

    def discriminator_loss(self, real_logits, fake_logits, real_targets, fake_targets):
        """Per-example discriminator loss; subclasses (e.g. WGAN) override it."""
        return losses.discriminator_loss(real_logits, fake_logits, real_targets, fake_targets)

    def generator_loss_fn(self, fake_logits):
        """Per-example generator loss; subclasses override it."""
        return losses.GENERATOR_LOSSES[self.generator_loss](fake_logits)

    def _discriminator_step(self, real, batch_size, update):
        fake = self.generator(self.sample_latent(batch_size), training=update)
        real_targets, fake_targets = self._discriminator_targets(batch_size)

        def loss_fn():
            logits = self.discriminator(ops.concatenate([real, fake], axis=0), training=update)
            real_logits, fake_logits = logits[:batch_size], logits[batch_size:]
            per_example = self.discriminator_loss(real_logits, fake_logits, real_targets, fake_targets)
            return global_batch_mean(per_example), (real_logits, fake_logits)

        if update:
            return minimize(loss_fn, self.discriminator.trainable_variables, self.d_optimizer)
        return loss_fn()

    def _generator_step(self, batch_size, update):
        latent_points = self.sample_latent(batch_size)

        def loss_fn():
            fake_logits = self.adversarial(latent_points, training=update)
            return global_batch_mean(self.generator_loss_fn(fake_logits)), fake_logits

        if update:
            return minimize(loss_fn, self.adversarial.trainable_variables, self.g_optimizer)
        return loss_fn()

    def _step(self, data, update):
        real = _image_batch(data)
        self.check_image_batch(real)
        real = ops.cast(real, self.compute_dtype)
        batch_size = ops.shape(real)[0]
        for _ in range(self.discriminator_steps if update else 1):
            d_loss, (real_logits, fake_logits) = self._discriminator_step(real, batch_size, update)
        g_loss, _ = self._generator_step(batch_size, update)
        self.d_loss_tracker.update_state(unscaled(d_loss))
        self.g_loss_tracker.update_state(unscaled(g_loss))
        self.real_score_tracker.update_state(ops.mean(ops.sigmoid(real_logits)))
        self.fake_score_tracker.update_state(ops.mean(ops.sigmoid(fake_logits)))
        return {metric.name: metric.result() for metric in self.metrics}

    def train_step(self, data):
        return self._step(data, update=True)

    def test_step(self, data):
        """Reports both losses on a batch without updating any weights."""
        return self._step(data, update=False)

    def get_config(self):
        return {
            **super().get_config(),
            "generator_loss": self.generator_loss,
            "discriminator_steps": self.discriminator_steps,
            "label_smoothing": self.label_smoothing,
            "label_noise": self.label_noise,
        }


def _loss_scaled(optimizer):
    """Wraps an optimizer for loss scaling under the mixed_float16 policy, as Keras does."""
    policy = keras.config.dtype_policy().name
    if policy == "mixed_float16" and not isinstance(
        optimizer, keras.optimizers.LossScaleOptimizer
    ):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


@keras.saving.register_keras_serializable(package="keras_gen")
class DCGAN(GAN):
    """A deep convolutional GAN (Radford et al., 2015) with the practical recipe.

    The same adversarial step as `GAN`; `DCGAN.for_images` builds networks with
    `keras_gen.networks.dcgan_generator` / `dcgan_discriminator` (tanh output,
    LeakyReLU, strided convolutions with kernel 4 and stride 2, batch
    normalization in the generator, dropout in the discriminator), and the
    defaults keep label noise and one-sided label smoothing on.

    Example:
    >>> gan = DCGAN.for_images((28, 28, 1), latent_dim=16, width=8, seed=0)
    >>> gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    ...             g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    >>> history = gan.fit(np.zeros((8, 28, 28, 1), "float32"), batch_size=4, verbose=0)
    >>> sorted(history.history)
    ['d_loss', 'fake_score', 'g_loss', 'real_score']
    """

    @classmethod
    def for_images(
        cls,
        image_shape,
        latent_dim=128,
        width=64,
        batch_norm=True,
        dropout=0.3,
        layers_per_stage=1,
        **kwargs,
    ):
        """Builds a DCGAN with recipe networks for `(height, width, channels)` images.

        Args:
            image_shape: e.g. `(28, 28, 1)`, `(32, 32, 3)` or `(64, 64, 3)`.
            latent_dim: size of the latent vector.
            width: filters of the generator's last and the discriminator's first stage.
            batch_norm: batch normalization in the generator.
            dropout: the discriminator's dropout rate.
            layers_per_stage: depth of both networks: convolutions per resolution.
            **kwargs: the `GAN` arguments (`seed`, `label_smoothing`, ...).
        """
        generator = networks.dcgan_generator(
            image_shape, latent_dim, width, batch_norm=batch_norm, layers_per_stage=layers_per_stage
        )
        discriminator = networks.dcgan_discriminator(
            image_shape, width, dropout=dropout, layers_per_stage=layers_per_stage
        )
        return cls(generator, discriminator, **kwargs)
