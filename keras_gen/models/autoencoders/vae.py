"""The variational autoencoder."""

import math

import keras
from keras import ops

from keras_gen import losses, networks
from keras_gen.layers.sampling import reparameterize
from keras_gen.models.autoencoders.encoder_decoder import check_encoder_decoder
from keras_gen.models.base import GenerativeModel
from keras_gen.models.capabilities import Encodes, HasLikelihood, SamplesFromPrior
from keras_gen.models.pixel_decoder import (
    LEVELS,
    PixelDecoder,
    check_on_pixel_grid,
    levels_to_unit_range,
    pixel_levels,
    reconstruction_data_scale,
)
from keras_gen.training import global_batch_mean, minimize, replica_seed, unscaled


@keras.saving.register_keras_serializable(package="keras_gen")
class VAE(SamplesFromPrior, Encodes, HasLikelihood, PixelDecoder, GenerativeModel):
    """A variational autoencoder that trains with `model.fit()`.

    Kingma & Welling, "Auto-Encoding Variational Bayes" (2013). The encoder
    gives the mean and log-variance of q(z|x); z is drawn with the
    reparameterization trick; the decoder gives the parameters of p(x|z). The
    loss is the negative ELBO with a weight on the KL term (beta-VAE, Higgins
    et al., 2017):

        loss = -log p(x|z) + beta * KL(q(z|x) || N(0, I)).

    `compile()` without arguments uses Adam(1e-3). `log_prob(images)` is the
    importance-weighted bound with 64 samples (Burda et al., 2016), in nats.

    Args:
        encoder: a model from images to `[mean, log_var]`, each `(batch, latent_dim)`.
        decoder: a model from `(batch, latent_dim)` to decoder outputs shaped like
            the images: logits for `"bernoulli"`, means for `"gaussian"`, the
            logistic's mean in [-1, 1] units of the pixel range for
            `"discretized_logistic"`.
        reconstruction: `"bernoulli"` (binary cross-entropy; images in [0, 1]),
            `"gaussian"` (squared error with fixed standard deviation) or
            `"discretized_logistic"`: 8-bit pixels, each the mass of a logistic
            on its bin (Kingma et al., "Improved Variational Inference with
            Inverse Autoregressive Flow", 2016), with a learned log-scale per
            sub-pixel. Its likelihood is of discrete 8-bit data, so its bits/dim
            compare with a PixelCNN's; images must lie on the 8-bit grid.
        beta: weight of the KL term.
        decoder_std: the Gaussian decoder's fixed standard deviation.
        data_scale: pixel range of the images; must be (0, 1) for Bernoulli.
        seed: seed of the model's `keras.random.SeedGenerator`.

    Example:
    >>> vae = VAE.for_images((28, 28, 1), latent_dim=2, width=8, seed=0)
    >>> vae.compile()  # Adam(1e-3)
    >>> history = vae.fit(np.zeros((8, 28, 28, 1), "float32"), batch_size=4, verbose=0)
    >>> sorted(history.history)
    ['kl_loss', 'loss', 'reconstruction_loss']
    >>> vae.reconstruct(np.zeros((2, 28, 28, 1), "float32")).shape
    (2, 28, 28, 1)
    """

    network_names = ("encoder", "decoder")
    likelihood_report = ("elbo", "iwae")
    # Whether the encoder and decoder also take labels (the conditional VAE).
    _conditional_networks = False

    def __init__(
        self,
        encoder,
        decoder,
        reconstruction="bernoulli",
        beta=1.0,
        decoder_std=1.0,
        data_scale=None,
        seed=None,
        **kwargs,
    ):
        data_scale = reconstruction_data_scale(reconstruction, data_scale)
        latent_dim, image_shape = check_encoder_decoder(
            encoder, decoder, variational=True, conditional=self._conditional_networks
        )
        super().__init__(image_shape, data_scale=data_scale, seed=seed, **kwargs)
        self.latent_dim = latent_dim
        if beta < 0 or decoder_std <= 0:
            raise ValueError(f"beta must be >= 0 and decoder_std > 0, got {beta}, {decoder_std}.")
        self.encoder = encoder
        self.decoder = decoder
        self.reconstruction = reconstruction
        self.beta = float(beta)
        self.decoder_std = float(decoder_std)
        if reconstruction == "discretized_logistic":
            self.decoder_log_scale = self.add_weight(
                shape=image_shape, initializer=keras.initializers.Constant(-2.0), name="decoder_log_scale"
            )
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")
        self.built = True

    @classmethod
    def for_images(
        cls, image_shape, latent_dim=16, width=32, hidden_units=256, layers_per_stage=1, **kwargs
    ):
        """Builds a VAE with `keras_gen.networks.conv_encoder` / `conv_decoder`.

        Args:
            image_shape: `(height, width, channels)`, sides divisible by 4.
            latent_dim: size of the latent vector.
            width: filters of the first encoder convolution.
            hidden_units: units of the dense hidden layers.
            layers_per_stage: depth of both networks: convolutions per resolution.
            **kwargs: the `VAE` arguments (`reconstruction`, `beta`, `seed`, ...).
        """
        encoder = networks.conv_encoder(
            image_shape, latent_dim, width, hidden_units, layers_per_stage=layers_per_stage
        )
        decoder = networks.conv_decoder(
            image_shape, latent_dim, width, hidden_units, layers_per_stage=layers_per_stage
        )
        return cls(encoder, decoder, **kwargs)

    # --- the probabilistic model ----------------------------------------------------
    @staticmethod
    def _inputs(tensor, labels):
        """A network's input: the tensor alone, or `[tensor, labels]` for a conditional model."""
        if labels is None:
            return tensor
        return [ops.convert_to_tensor(tensor), ops.convert_to_tensor(labels, "int32")]

    def _user_labels(self, labels, count):
        """Labels passed to a public method, checked (None for an unconditional model)."""
        labels = self.check_labels(labels, count, required=True)
        return None if labels is None else ops.convert_to_tensor(labels, "int32")

    def encode(self, images, labels=None, training=False):
        """Returns `(mean, log_var)` of q(z|x) (q(z|x, y) with labels) for a batch of images."""
        images = self.checked_user_images(images)
        labels = self._user_labels(labels, ops.shape(images)[0])
        mean, log_var = self.encoder(self._inputs(images, labels), training=training)
        return mean, log_var

    def decode(self, latent_points, labels=None, training=False):
        """Returns the decoder's mean image E[x|z] (E[x|z, y]) in `data_scale` for latent points."""
        latent_points = self.check_latent_points(latent_points)
        labels = self._user_labels(labels, latent_points.shape[0])
        return self._decoder_output_to_images(self.decoder(self._inputs(latent_points, labels), training=training))

    def _code(self, images, labels=None):
        # Reconstructions decode the posterior mean.
        return self.encode(images, labels)[0]

    def log_px_given_z(self, images, latent_points, labels=None, training=False):
        """log p(x|z) (log p(x|z, y)) in nats, summed over pixels: `(batch,)`."""
        outputs = self.decoder(self._inputs(latent_points, labels), training=training)
        if self.reconstruction == "bernoulli":
            return losses.bernoulli_log_likelihood(images, outputs)
        if self.reconstruction == "discretized_logistic":
            unit = levels_to_unit_range(pixel_levels(images, self.data_scale, "images"), outputs.dtype)
            log_scale = ops.maximum(ops.broadcast_to(self.decoder_log_scale, ops.shape(outputs)), losses.MIN_LOG_SCALE)
            return losses.discretized_logistic_mixture_log_likelihood(
                unit, ops.zeros_like(outputs)[..., None], outputs[..., None], log_scale[..., None], levels=LEVELS
            )
        return losses.gaussian_log_likelihood(images, outputs, math.log(self.decoder_std))

    def _prior(self, labels):
        """`(mean, log_var)` of the prior p(z) (p(z | y)), broadcastable to `(batch, latent_dim)`.

        `(None, None)` means N(0, I); a family with another prior overrides this.
        """
        return None, None

    def _kl(self, mean, log_var, labels):
        return losses.gaussian_kl(mean, log_var, *self._prior(labels))

    def elbo(self, images, labels=None):
        """One-sample ELBO estimate per image, in nats: `(batch,)`."""
        images = ops.convert_to_tensor(images, "float32")
        labels = self._user_labels(labels, ops.shape(images)[0])
        mean, log_var = self.encoder(self._inputs(images, labels))
        z = reparameterize(mean, log_var, self.seed_generator)
        return self.log_px_given_z(images, z, labels) - self._kl(mean, log_var, labels)

    def log_prob(self, images, labels=None, num_samples=64, batch_size=64):
        """The importance-weighted lower bound on log p(x) per image, in nats.

        Burda, Grosse & Salakhutdinov, "Importance Weighted Autoencoders"
        (2016), eq. 8, with `num_samples` draws from q(z|x) per image. It
        approaches log p(x) from below as `num_samples` grows; 1 gives the ELBO.
        A conditional VAE gives log p(x | y) and needs `labels`.
        """
        if int(num_samples) < 1:
            raise ValueError(f"num_samples must be at least 1, got {num_samples}.")
        return super().log_prob(images, labels, batch_size, samples=int(num_samples))

    def _log_prob_batch(self, images, labels=None, samples=64):
        mean, log_var = self.encoder(self._inputs(images, labels))
        count = ops.shape(images)[0]
        tiled = ops.repeat(images, samples, axis=0)
        tiled_labels = None if labels is None else ops.repeat(labels, samples, axis=0)
        mean, log_var = ops.repeat(mean, samples, axis=0), ops.repeat(log_var, samples, axis=0)
        z = reparameterize(mean, log_var, self.seed_generator)
        log_q = losses.gaussian_log_likelihood(z, mean, 0.5 * log_var)
        prior_mean, prior_log_var = self._prior(tiled_labels)
        if prior_mean is None:
            log_prior = losses.gaussian_log_likelihood(z, ops.zeros_like(z))
        else:
            log_prior = losses.gaussian_log_likelihood(z, prior_mean, 0.5 * prior_log_var)
        log_px = self.log_px_given_z(tiled, z, tiled_labels)
        log_weights = ops.reshape(log_px + log_prior - log_q, (count, samples))
        return ops.logsumexp(log_weights, axis=1) - math.log(samples)

    def call(self, inputs, training=None):
        images, labels = inputs if self.label_conditional else (inputs, None)
        mean, _ = self.encoder(self._inputs(images, labels), training=training)
        return self._decoder_output_to_images(self.decoder(self._inputs(mean, labels), training=training))

    def _generate_batch(self, latent_points, labels):
        return self._decoder_output_to_images(self.decoder(self._inputs(latent_points, labels), training=False))

    # --- training -------------------------------------------------------------------
    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def _negative_elbo(self, images, labels, training):
        mean, log_var = self.encoder(self._inputs(images, labels), training=training)
        z = reparameterize(mean, log_var, replica_seed(self.seed_generator))
        reconstruction_loss = -self.log_px_given_z(images, z, labels, training=training)
        kl_loss = self._kl(mean, log_var, labels)
        loss = global_batch_mean(reconstruction_loss + self.beta * kl_loss)
        return loss, (reconstruction_loss, kl_loss)

    def _record(self, loss, reconstruction_loss, kl_loss):
        self.loss_tracker.update_state(unscaled(loss))
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {metric.name: metric.result() for metric in self.metrics}

    def _images_and_labels(self, data):
        batch = self.unpack_batch(data)
        return batch["images"], batch.get("labels")

    def train_step(self, data):
        images, labels = self._images_and_labels(data)
        loss, (reconstruction_loss, kl_loss) = minimize(
            lambda: self._negative_elbo(images, labels, training=True), self.trainable_variables, self.optimizer
        )
        return self._record(loss, reconstruction_loss, kl_loss)

    def test_step(self, data):
        images, labels = self._images_and_labels(data)
        loss, (reconstruction_loss, kl_loss) = self._negative_elbo(images, labels, training=False)
        return self._record(loss, reconstruction_loss, kl_loss)

    def _check_image_array(self, data, role, expected_shape=None):
        super()._check_image_array(data, role, expected_shape)
        if self.reconstruction == "discretized_logistic":
            check_on_pixel_grid(data, self.data_scale, role, f"{type(self).__name__}(reconstruction='discretized_logistic')")

    def get_config(self):
        return {
            **super().get_config(),
            "reconstruction": self.reconstruction,
            "beta": self.beta,
            "decoder_std": self.decoder_std,
        }
