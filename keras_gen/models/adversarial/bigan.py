"""BiGAN / ALI: a GAN that also learns an encoder, judged on (image, latent point) pairs."""

import keras
from keras import ops

from keras_gen import losses, networks
from keras_gen.models.adversarial.gan import GAN
from keras_gen.models.capabilities import Encodes, check_latent_points
from keras_gen.training import global_batch_mean

# Losses for which "the encoder's pair should look generated" is the generator loss of the
# negated logit: f(-l) (non-saturating: softplus(l); hinge/wasserstein: l).
_SYMMETRIC_LOSSES = ("non_saturating", "minimax", "hinge", "wasserstein")


@keras.saving.register_keras_serializable(package="keras_gen")
class BiGAN(Encodes, GAN):
    """BiGAN: a generator G: z -> x, an encoder E: x -> z, a discriminator on pairs (x, z).

    Donahue, Krähenbühl & Darrell, "Adversarial Feature Learning" (2017), and
    Dumoulin et al., "Adversarially Learned Inference" (ALI, 2017). The
    discriminator tells (x, E(x)) for real images x from (G(z), z) for prior
    points z; the generator and the encoder both try to fool it (eq. 3). At the
    optimum E inverts G, so E(x) is a representation learned without labels,
    and G(E(x)) reconstructs x. Three players: `compile(d_optimizer=...,
    g_optimizer=..., e_optimizer=...)`, each Adam(2e-4, beta_1=0.5) by default;
    the encoder updates on its own loss, logged as `e_loss`.

    `encode(images)` gives E(x), `decode(latent_points)` gives G(z),
    `reconstruct(images)` gives G(E(x)); `generate(n)` samples as any GAN.

    Args:
        generator: a model from `(latent_dim,)` to images.
        encoder: a model from images to `(latent_dim,)`.
        discriminator: a model from `[images, latent_points]` to one logit.
        **kwargs: the `GAN` arguments (`loss` one of non_saturating, minimax,
            hinge, wasserstein).

    Example:
    >>> images, _ = keras_gen.data.load_numpy("fashion_mnist", "test", limit=64)
    >>> bigan = BiGAN.for_images((28, 28, 1), latent_dim=64, width=8, seed=0)
    >>> bigan.compile()
    >>> history = bigan.fit(images, batch_size=32, epochs=1, verbose=0)
    >>> tuple(bigan.encode(images[:5]).shape)
    (5, 64)
    """

    network_names = ("generator", "encoder", "discriminator")
    optimizer_names = ("d_optimizer", "g_optimizer", "e_optimizer")

    def __init__(self, generator, encoder, discriminator, **kwargs):
        inputs = discriminator.input_shape
        if not isinstance(inputs, list) or len(inputs) != 2:
            raise ValueError(
                f"A BiGAN discriminator takes [images, latent_points]; its input shape is {inputs}. "
                "Build it with keras_gen.networks.joint_discriminator(...)."
            )
        if kwargs.get("loss", "non_saturating") not in _SYMMETRIC_LOSSES:
            raise ValueError(f"BiGAN supports loss= one of {_SYMMETRIC_LOSSES}, got {kwargs['loss']!r}.")
        super().__init__(generator, discriminator, **kwargs)
        if tuple(encoder.input_shape)[1:] != self.image_shape or tuple(encoder.output_shape) != (None, self.latent_dim):
            raise ValueError(
                f"The encoder must map images {self.image_shape} to latent points ({self.latent_dim},); it maps "
                f"{tuple(encoder.input_shape)[1:]} to {tuple(encoder.output_shape)[1:]}."
            )
        self.encoder = encoder
        self.e_optimizer = None

    @classmethod
    def for_images(cls, image_shape, latent_dim=64, width=32, hidden_units=256, batch_norm=True, dropout=0.3,
                   **kwargs):
        """Builds a BiGAN: DCGAN generator, convolutional encoder, joint discriminator.

        Args:
            image_shape: `(height, width, channels)`, sides divisible by 4.
            latent_dim: size of the latent vector.
            width: filters of the networks' outermost convolutions.
            hidden_units: units of the dense layers of the encoder and the discriminator.
            batch_norm: batch normalization in the generator.
            dropout: the discriminator's dropout rate.
            **kwargs: the `GAN` arguments.
        """
        generator = networks.dcgan_generator(image_shape, latent_dim, width, batch_norm=batch_norm)
        encoder = networks.conv_encoder(image_shape, latent_dim, width, hidden_units, variational=False)
        discriminator = networks.joint_discriminator(image_shape, latent_dim, width, hidden_units, dropout)
        return cls(generator, encoder, discriminator, **kwargs)

    # --- players --------------------------------------------------------------------
    def compile(self, d_optimizer=None, g_optimizer=None, e_optimizer=None, **kwargs):
        """Configures the three optimizers; each defaults to Adam(2e-4, beta_1=0.5)."""
        self._compile_players(
            {"d_optimizer": d_optimizer, "g_optimizer": g_optimizer, "e_optimizer": e_optimizer}, kwargs
        )

    def optimizer_variables(self, name):
        if name == "e_optimizer":
            return self.encoder.trainable_variables
        return super().optimizer_variables(name)

    # --- encoding -------------------------------------------------------------------
    def encode(self, images, labels=None, training=False):
        """E(x): the latent points of a batch of images, `(batch, latent_dim)`."""
        images = self.checked_user_images(images)
        self.check_labels(labels, ops.shape(images)[0])
        return self.encoder(images, training=training)

    def decode(self, latent_points, labels=None, training=False):
        """G(z): images in `data_scale` for latent points `(batch, latent_dim)`."""
        latent_points = check_latent_points(latent_points, self.latent_dim)
        self.check_labels(labels, latent_points.shape[0])
        return self._generate_batch(latent_points, None)

    # --- the step: GAN's, with (image, latent point) pairs -------------------------
    def discriminate(self, images, conditions, training):
        # `conditions` are the latent points paired with the images.
        return self.discriminator([images, conditions], training=training), None

    def conditions_of_real(self, real, conditions, training):
        """The pair of a real image: (x, E(x))."""
        return self.encoder(real, training=training)

    def conditions_of_fakes(self, latent_points, fake_conditions):
        """The pair of a generated image: (G(z), z)."""
        return latent_points

    def penalty_names(self):
        return (*super().penalty_names(), "e_loss")

    def _generator_step(self, real, conditions, update, fakes=None):
        """GAN's generator update, then the encoder's: it wants its pairs (x, E(x)) judged generated."""
        g_loss, (context, terms) = super()._generator_step(real, conditions, update, fakes)

        def encoder_loss():
            codes = self.conditions_of_real(real, conditions, update)
            real_logits, _ = self.discriminate(self._augmented(real, update), codes, update)
            # The generator loss of the negated logit: "generated" is what the encoder aims at.
            pairs = losses.AdversarialContext(real, None, None, -real_logits, conditions=codes)
            return global_batch_mean(self.objective.generator(pairs)), pairs

        e_loss, _ = self.update_players(encoder_loss, ("e_optimizer",), update)
        return g_loss, (context, {**terms, "e_loss": ops.reshape(e_loss, (1,))})
