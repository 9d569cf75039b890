"""Wasserstein GANs: the weight-clipped critic (WGAN) and the gradient penalty (WGAN-GP).

Both are the shared adversarial step of `GAN` with the Wasserstein loss pair;
WGAN adds weight clipping after each critic update, WGAN-GP a gradient penalty.
"""

import keras

from keras_gen import losses, networks
from keras_gen.models.adversarial.gan import GAN, default_width
from keras_gen.training import input_gradients, replica_seed


def _critic_networks(image_shape, latent_dim, width, layers_per_stage, layer_norm):
    width = default_width(image_shape, width)
    generator = networks.dcgan_generator(image_shape, latent_dim, width, layers_per_stage=layers_per_stage)
    critic = networks.dcgan_discriminator(
        image_shape, width, dropout=0.0, layers_per_stage=layers_per_stage, layer_norm=layer_norm, name="critic"
    )
    return generator, critic


def _critic_defaults(kwargs, critic_steps, default_steps):
    """The Wasserstein loss and `default_steps` critic steps unless given; `critic_steps` aliases the latter."""
    kwargs.setdefault("loss", "wasserstein")
    if critic_steps is not None and kwargs.setdefault("discriminator_steps", critic_steps) != critic_steps:
        raise ValueError("critic_steps is another name for discriminator_steps; pass only one.")
    kwargs.setdefault("discriminator_steps", default_steps)


@keras.saving.register_keras_serializable(package="keras_gen")
class WGAN(GAN):
    """Wasserstein GAN with a weight-clipped critic.

    Arjovsky, Chintala & Bottou, "Wasserstein GAN" (2017), Algorithm 1: the
    critic D (no sigmoid) maximizes E[D(x)] - E[D(G(z))], the generator
    minimizes -E[D(G(z))]; after every critic update each critic weight is
    clipped to [-clip_value, clip_value]; `discriminator_steps` = 5 critic
    updates per generator update, each on new real images (1/5 of the batch
    from `fit`, so pass `batch_size=320` for the paper's 64 per update).
    `compile()` without arguments uses RMSprop(5e-5) for both players, as the
    paper does. `model.critic` is `model.discriminator`.

    Args:
        generator, discriminator: as for `GAN`; the critic outputs one score.
        clip_value: c, the clipping bound (0.01 in the paper).
        critic_steps: another name for `discriminator_steps`.
        **kwargs: the other `GAN` arguments (`seed`, `ema`, `augment`, ...).

    Example:
    >>> wgan = WGAN.for_images((28, 28, 1), latent_dim=16, width=8, seed=0)
    >>> wgan.compile()  # RMSprop(5e-5)
    >>> history = wgan.fit(np.zeros((20, 28, 28, 1), "float32"), batch_size=10, verbose=0)
    >>> wgan.generate(2).shape
    (2, 28, 28, 1)
    """

    def __init__(self, generator, discriminator, clip_value=0.01, critic_steps=None, **kwargs):
        _critic_defaults(kwargs, critic_steps, 5)
        if not clip_value > 0:
            raise ValueError(f"clip_value must be positive (the paper uses 0.01), got {clip_value}.")
        super().__init__(generator, discriminator, **kwargs)
        self.clip_value = float(clip_value)

    @property
    def critic(self):
        """The critic: the same network as `discriminator`."""
        return self.discriminator

    @property
    def critic_steps(self):
        return self.discriminator_steps

    @classmethod
    def for_images(cls, image_shape, latent_dim=128, width=None, layers_per_stage=1, **kwargs):
        """A WGAN with the DCGAN generator and a DCGAN critic without dropout (the paper's setup).

        `width`: filters of the generator's last and the critic's first stage;
        None (the default) is `DCGAN.for_images`' default (32 for images up to 32
        pixels a side, 64 for larger ones).
        """
        return cls(*_critic_networks(image_shape, latent_dim, width, layers_per_stage, False), **kwargs)

    def default_optimizer(self, name):
        return keras.optimizers.RMSprop(5e-5)

    def after_discriminator_update(self):
        for weight in self.discriminator.trainable_weights:
            weight.assign(keras.ops.clip(weight, -self.clip_value, self.clip_value))

    def get_config(self):
        return {**super().get_config(), "clip_value": self.clip_value}


@keras.saving.register_keras_serializable(package="keras_gen")
class WGANGP(GAN):
    """Wasserstein GAN with a gradient penalty on the critic.

    Gulrajani, Ahmed, Arjovsky, Dumoulin & Courville, "Improved Training of
    Wasserstein GANs" (2017), Algorithm 1: the Wasserstein losses plus
    lambda * (||grad D(x_hat)||_2 - 1)^2 at x_hat = eps x + (1 - eps) G(z), one
    eps ~ U(0, 1) per example. The weighted penalty is logged as
    `gradient_penalty`. The critic of `for_images` uses layer normalization,
    not batch normalization, since the penalty is per example.

    Two defaults differ from the paper's Algorithm 1, for speed at a fixed
    budget: one critic update per generator update (the paper: 5), and
    `compile()` without arguments gives the critic Adam(3e-4, beta_1=0,
    beta_2=0.9) and the generator the paper's Adam(1e-4, beta_1=0, beta_2=0.9)
    (the two time-scale update rule of Heusel et al., 2017, which they apply to
    WGAN-GP). In 15 minutes on a 2-core CPU the paper's settings reached FID
    51.6 on Fashion-MNIST, these 19.9 (docs/benchmarks.md).
    `critic_steps=5` with `compile(d_optimizer=keras.optimizers.Adam(1e-4,
    beta_1=0.0, beta_2=0.9))` is the paper's setup; each critic update then
    sees new real images, 1/5 of the batch from `fit`.

    Args:
        generator, discriminator: as for `GAN`; the critic outputs one score.
        gradient_penalty_weight: lambda (10 in the paper).
        critic_steps: another name for `discriminator_steps` (default 1).
        **kwargs: the other `GAN` arguments.

    Example:
    >>> wgan = WGANGP.for_images((28, 28, 1), latent_dim=16, width=8, seed=0)
    >>> wgan.compile()  # critic Adam(3e-4, 0, 0.9), generator Adam(1e-4, 0, 0.9)
    >>> history = wgan.fit(np.zeros((20, 28, 28, 1), "float32"), batch_size=10, verbose=0)
    >>> "gradient_penalty" in history.history
    True
    """

    def __init__(self, generator, discriminator, gradient_penalty_weight=10.0, critic_steps=None, **kwargs):
        if not gradient_penalty_weight > 0:
            raise ValueError(
                f"gradient_penalty_weight must be positive (the paper uses 10), got {gradient_penalty_weight}."
            )
        _critic_defaults(kwargs, critic_steps, 1)
        super().__init__(generator, discriminator, **kwargs)
        self.gradient_penalty_weight = float(gradient_penalty_weight)

    critic = WGAN.critic
    critic_steps = WGAN.critic_steps

    @classmethod
    def for_images(cls, image_shape, latent_dim=128, width=None, layers_per_stage=1, **kwargs):
        """A WGAN-GP with the DCGAN generator and a layer-normalized DCGAN critic.

        `width`: as for `WGAN.for_images` (None: 32 for images up to 32 pixels a
        side, 64 for larger ones).
        """
        return cls(*_critic_networks(image_shape, latent_dim, width, layers_per_stage, True), **kwargs)

    def default_optimizer(self, name):
        # Two time-scale update rule (Heusel et al., 2017): the critic learns 3x faster.
        rate = 3e-4 if name == "d_optimizer" else 1e-4
        return keras.optimizers.Adam(rate, beta_1=0.0, beta_2=0.9)

    def penalty_names(self):
        return ("gradient_penalty", *super().penalty_names())

    def discriminator_regularization(self, context, training):
        interpolates = losses.random_interpolates(context.real, context.fake, replica_seed(self.seed_generator))
        gradients = input_gradients(self._scorer(context.conditions, training), interpolates)
        penalty = self.gradient_penalty_weight * losses.gradient_penalty(gradients)
        return {"gradient_penalty": penalty, **super().discriminator_regularization(context, training)}

    def get_config(self):
        return {**super().get_config(), "gradient_penalty_weight": self.gradient_penalty_weight}
