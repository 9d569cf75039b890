"""BEGAN: a GAN whose discriminator is an autoencoder, balanced by a control variable."""

import keras
from keras import ops

from keras_gen import losses, networks
from keras_gen.layers import ReconstructionError
from keras_gen.models.adversarial.gan import GAN
from keras_gen.training import synchronized_mean


def autoencoder_discriminator(image_shape, hidden_dim=64, width=32, name="discriminator"):
    """BEGAN's discriminator: an autoencoder whose output is each image's L1 reconstruction error.

    Returns a model from images to `(batch, 1)`: mean |x - decoder(encoder(x))|, the
    L(v) of Berthelot et al. (2017) with eta = 1. The autoencoder itself is
    `model.get_layer("autoencoder")`.
    """
    encoder = networks.conv_encoder(image_shape, hidden_dim, width, hidden_dim, variational=False, name="d_encoder")
    decoder = networks.conv_decoder(image_shape, hidden_dim, width, hidden_dim, name="d_decoder")
    images = keras.Input(tuple(image_shape), name="image")
    autoencoder = keras.Model(images, decoder(encoder(images)), name="autoencoder")
    inputs = keras.Input(tuple(image_shape), name="image")
    # The error is the loss itself: float32 under mixed precision.
    error = ReconstructionError(dtype=networks.float32_pin(), name="l1_error")([inputs, autoencoder(inputs)])
    return keras.Model(inputs, error, name=name)


@keras.saving.register_keras_serializable(package="keras_gen")
class BEGAN(GAN):
    """Boundary Equilibrium GAN with the equilibrium control variable k_t.

    Berthelot, Schumm & Metz, "BEGAN: Boundary Equilibrium Generative
    Adversarial Networks" (2017), section 3. The discriminator is an autoencoder
    and its output is the reconstruction loss L(v) = mean |v - D(v)|:

        L_D = L(x) - k_t L(G(z_D)),   L_G = L(G(z_G)),
        k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z_G))), 0, 1),

    and the convergence measure M_global = L(x) + |gamma L(x) - L(G(z_G))|. k_t
    is a non-trainable variable of the model (saved and restored with it); the
    metrics `k_t` and `m_global` are logged every step (epoch means).
    `real_score` / `fake_score` are L(x) and L(G(z)). `compile()` without
    arguments uses Adam(1e-4, beta_1=0.5) for both players.

    Args:
        generator: a model from `(latent_dim,)` to images.
        discriminator: a model from images to `(batch, 1)` reconstruction errors,
            such as `autoencoder_discriminator`.
        gamma: the diversity ratio gamma = E[L(G(z))] / E[L(x)] the control aims at.
        k_learning_rate: lambda_k, the step size of the k_t update.
        **kwargs: the other `GAN` arguments (`seed`, `ema`, ...).

    Example:
    >>> began = BEGAN.for_images((28, 28, 1), latent_dim=16, width=8, seed=0)
    >>> began.compile()
    >>> history = began.fit(np.zeros((8, 28, 28, 1), "float32"), batch_size=4, verbose=0)
    >>> 0.0 <= history.history["k_t"][-1] <= 1.0
    True
    """

    default_learning_rate = 1e-4  # `compile()`: Adam(1e-4, beta_1=0.5) for both players

    def __init__(self, generator, discriminator, gamma=0.5, k_learning_rate=0.001, **kwargs):
        if not 0.0 < gamma <= 1.0:
            raise ValueError(f"gamma must lie in (0, 1] (the paper uses 0.3 to 0.7), got {gamma}.")
        if not k_learning_rate > 0:
            raise ValueError(f"k_learning_rate must be positive (the paper uses 0.001), got {k_learning_rate}.")
        kwargs.setdefault("label_smoothing", 0.0)
        kwargs.setdefault("label_noise", 0.0)
        super().__init__(generator, discriminator, loss="wasserstein", **kwargs)
        self.gamma = float(gamma)
        self.k_learning_rate = float(k_learning_rate)
        self.k_t = self.add_weight(shape=(), initializer="zeros", trainable=False, name="k_t")
        self.k_tracker = keras.metrics.Mean(name="k_t")
        self.convergence_tracker = keras.metrics.Mean(name="m_global")

    @classmethod
    def for_images(cls, image_shape, latent_dim=64, width=32, hidden_dim=64, **kwargs):
        """BEGAN with a convolutional generator (the decoder's architecture, tanh output) and
        an autoencoder discriminator with a `hidden_dim`-sized code."""
        generator = networks.conv_decoder(
            image_shape, latent_dim, width, hidden_dim * 4, output_activation="tanh", name="generator"
        )
        discriminator = autoencoder_discriminator(image_shape, hidden_dim, width)
        return cls(generator, discriminator, **kwargs)

    @property
    def objective(self):
        k_t = ops.convert_to_tensor(self.k_t)
        return losses.AdversarialLoss(
            lambda context: losses.began_discriminator_loss(context.real_logits, context.fake_logits, k_t),
            lambda context: ops.mean(context.fake_logits, axis=-1),
            score=lambda values: values,
        )

    @property
    def metrics(self):
        return [*super().metrics, self.k_tracker, self.convergence_tracker]

    def end_of_step(self, discriminator_context, generator_context, update):
        # Means over the global batch, the same on every replica, so every replica's copy of k_t moves alike.
        real_loss = synchronized_mean(discriminator_context.real_logits)
        fake_loss = synchronized_mean(generator_context.fake_logits)
        balance = self.gamma * real_loss - fake_loss
        if update:
            self.k_t.assign(ops.clip(self.k_t + self.k_learning_rate * balance, 0.0, 1.0))
        self.k_tracker.update_state(self.k_t)
        self.convergence_tracker.update_state(real_loss + ops.abs(balance))

    def get_config(self):
        config = super().get_config()
        for key in ("loss", "label_smoothing", "label_noise"):
            config.pop(key)
        return {**config, "gamma": self.gamma, "k_learning_rate": self.k_learning_rate}
