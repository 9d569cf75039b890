"""The autoencoder family: the undercomplete autoencoder and the denoising autoencoder."""

import keras
from keras import ops

from keras_gen import losses, networks
from keras_gen.models.autoencoders.encoder_decoder import check_encoder_decoder
from keras_gen.models.base import GenerativeModel
from keras_gen.models.capabilities import Encodes, check_latent_points
from keras_gen.models.pixel_decoder import PixelDecoder, reconstruction_data_scale
from keras_gen.training import global_batch_mean, minimize, replica_seed, unscaled

NOISES = ("gaussian", "masking")


@keras.saving.register_keras_serializable(package="keras_gen")
class Autoencoder(Encodes, PixelDecoder, GenerativeModel):
    """An undercomplete autoencoder that trains with `model.fit()` on plain images.

    Goodfellow, Bengio & Courville, "Deep Learning" (2016), section 14.1: an
    encoder maps an image to a code smaller than the image, a decoder maps the
    code back, and both learn to make the reconstruction match the input. It
    has no prior, so it encodes and reconstructs but does not `generate`.

    The loss per image is the negative log-likelihood of the image under the
    decoder: binary cross-entropy summed over pixels (`"bernoulli"`, images in
    [0, 1]) or half the summed squared error (`"gaussian"`). The metric `mse`
    is the mean squared error per pixel. `compile()` without arguments uses
    Adam(1e-3).

    Args:
        encoder: a model from images to codes `(batch, latent_dim)`.
        decoder: a model from codes to decoder outputs shaped like the images:
            logits for `"bernoulli"`, means for `"gaussian"`.
        reconstruction: `"bernoulli"` or `"gaussian"`.
        data_scale: pixel range; (0, 1) for Bernoulli, default (-1, 1) for Gaussian.
        seed: seed of the model's `keras.random.SeedGenerator`.

    Example:
    >>> ae = Autoencoder.for_images((28, 28, 1), latent_dim=32, seed=0)
    >>> ae.compile()
    >>> history = ae.fit(np.zeros((8, 28, 28, 1), "float32"), batch_size=4, verbose=0)
    >>> ae.encode(np.zeros((2, 28, 28, 1), "float32")).shape
    TensorShape([2, 32])
    >>> ae.reconstruct(np.zeros((2, 28, 28, 1), "float32")).shape
    (2, 28, 28, 1)
    """

    network_names = ("encoder", "decoder")

    def __init__(self, encoder, decoder, reconstruction="bernoulli", data_scale=None, seed=None, **kwargs):
        data_scale = reconstruction_data_scale(reconstruction, data_scale, allowed=("bernoulli", "gaussian"))
        latent_dim, image_shape = check_encoder_decoder(encoder, decoder, variational=False)
        super().__init__(image_shape, data_scale=data_scale, seed=seed, **kwargs)
        self.latent_dim = latent_dim
        self.encoder = encoder
        self.decoder = decoder
        self.reconstruction = reconstruction
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mse_tracker = keras.metrics.Mean(name="mse")
        self.built = True

    @classmethod
    def for_images(cls, image_shape, latent_dim=32, width=32, hidden_units=256, layers_per_stage=1, **kwargs):
        """Builds the model with `keras_gen.networks.conv_encoder` / `conv_decoder`.

        Args:
            image_shape: `(height, width, channels)`, sides divisible by 4.
            latent_dim: size of the code.
            width: filters of the first encoder convolution.
            hidden_units: units of the dense hidden layers.
            layers_per_stage: depth of both networks: convolutions per resolution.
            **kwargs: the constructor's other arguments (`reconstruction`, `seed`, ...).
        """
        encoder = networks.conv_encoder(
            image_shape, latent_dim, width, hidden_units, layers_per_stage=layers_per_stage, variational=False
        )
        decoder = networks.conv_decoder(image_shape, latent_dim, width, hidden_units, layers_per_stage=layers_per_stage)
        return cls(encoder, decoder, **kwargs)

    # --- encoding -------------------------------------------------------------------
    def encode(self, images, labels=None, training=False):
        """The codes of a batch of images: `(batch, latent_dim)`. An autoencoder takes no labels."""
        images = self.checked_user_images(images)
        self.check_labels(labels, ops.shape(images)[0])
        return self.encoder(images, training=training)

    def decode(self, codes, labels=None, training=False):
        """Decodes codes `(batch, latent_dim)` into images in `data_scale`."""
        codes = check_latent_points(codes, self.latent_dim)
        self.check_labels(labels, codes.shape[0])
        return self._decoder_output_to_images(self.decoder(codes, training=training))

    def call(self, images, training=None):
        return self._decoder_output_to_images(self.decoder(self.encoder(images, training=training), training=training))

    # --- training -------------------------------------------------------------------
    def corrupt(self, images, seed=None):
        """The input the encoder sees in training: the images themselves for a plain autoencoder."""
        return images

    def _reconstruction_loss(self, clean, outputs):
        if self.reconstruction == "bernoulli":
            return -losses.bernoulli_log_likelihood(clean, outputs)
        return 0.5 * ops.sum(ops.reshape(ops.square(clean - outputs), (ops.shape(clean)[0], -1)), axis=-1)

    def _loss(self, clean, inputs, training):
        outputs = self.decoder(self.encoder(inputs, training=training), training=training)
        per_example = self._reconstruction_loss(clean, outputs)
        squared_error = ops.mean(ops.square(self._decoder_output_to_images(outputs) - clean))
        return global_batch_mean(per_example), squared_error

    def _record(self, loss, squared_error):
        self.loss_tracker.update_state(unscaled(loss))
        self.mse_tracker.update_state(squared_error)
        return {metric.name: metric.result() for metric in self.metrics}

    @property
    def metrics(self):
        return [self.loss_tracker, self.mse_tracker]

    def train_step(self, data):
        clean = self.unpack_batch(data)["images"]
        inputs = self.corrupt(clean)
        loss, squared_error = minimize(
            lambda: self._loss(clean, inputs, training=True), self.trainable_variables, self.optimizer
        )
        return self._record(loss, squared_error)

    def test_step(self, data):
        """Reports the loss of reconstructing clean images; no noise, no update."""
        clean = self.unpack_batch(data)["images"]
        return self._record(*self._loss(clean, clean, training=False))

    def get_config(self):
        return {**super().get_config(), "reconstruction": self.reconstruction}


@keras.saving.register_keras_serializable(package="keras_gen")
class DenoisingAutoencoder(Autoencoder):
    """An autoencoder that learns to undo noise: trained on corrupted inputs, clean targets.

    Vincent, Larochelle, Bengio & Manzagol, "Extracting and Composing Robust
    Features with Denoising Autoencoders" (2008). In each train step the input
    is corrupted with noise drawn from the model's seed generator, and the loss
    compares the reconstruction with the clean image. Noise is applied only in
    training: `encode`, `reconstruct`, `evaluate` and `predict` see the images as
    given. `corrupt(images, seed=...)` makes noisy test images.

    Args:
        encoder, decoder, reconstruction, data_scale, seed: as for `Autoencoder`.
        noise: `"gaussian"` (add N(0, noise_stddev^2) per pixel, then clip to
            `data_scale`) or `"masking"` (set each pixel to the low end of
            `data_scale` with probability `noise_rate`).
        noise_stddev: standard deviation of Gaussian noise, in pixel units of
            `data_scale`.
        noise_rate: the share of pixels masking noise drops.

    Example:
    >>> dae = DenoisingAutoencoder.for_images((28, 28, 1), latent_dim=32, noise="gaussian",
    ...                                       noise_stddev=0.5, seed=0)
    >>> dae.compile()
    >>> noisy = dae.corrupt(np.full((2, 28, 28, 1), 0.5, "float32"), seed=1)
    >>> dae.reconstruct(noisy).shape
    (2, 28, 28, 1)
    """

    def __init__(self, encoder, decoder, noise="gaussian", noise_stddev=0.5, noise_rate=0.5, **kwargs):
        if noise not in NOISES:
            raise ValueError(f"Unknown noise {noise!r}; choose one of {NOISES}.")
        if not noise_stddev > 0:
            raise ValueError(f"noise_stddev must be positive, got {noise_stddev}.")
        if not 0.0 < noise_rate < 1.0:
            raise ValueError(f"noise_rate must lie in (0, 1), got {noise_rate}.")
        super().__init__(encoder, decoder, **kwargs)
        self.noise = noise
        self.noise_stddev = float(noise_stddev)
        self.noise_rate = float(noise_rate)

    def corrupt(self, images, seed=None):
        """Noisy copies of `images`, still in `data_scale`.

        Args:
            images: a batch of images in `data_scale`.
            seed: None draws from the model's seed generator (as training does);
                an integer gives the same noise every call, without touching the
                model's random state.
        """
        seed = replica_seed(self.seed_generator) if seed is None else seed
        images = ops.convert_to_tensor(images, self.compute_dtype)
        low, high = self.data_scale
        if self.noise == "gaussian":
            noise = keras.random.normal(ops.shape(images), stddev=self.noise_stddev, dtype=images.dtype, seed=seed)
            return ops.clip(images + noise, low, high)
        keep = keras.random.uniform(ops.shape(images), dtype=images.dtype, seed=seed) >= self.noise_rate
        return ops.where(keep, images, ops.full_like(images, low))

    def reconstruction_rows(self, images, seed=0, labels=None):
        """Rows of noisy input | denoised output | clean image (the noise from `seed`)."""
        self.check_labels(labels, len(images))
        clean = self.check_images(images)
        noisy = ops.convert_to_numpy(self.corrupt(clean, seed=seed))
        return {"noisy": noisy, "denoised": self.reconstruct(noisy), "clean": clean}

    def get_config(self):
        return {
            **super().get_config(),
            "noise": self.noise,
            "noise_stddev": self.noise_stddev,
            "noise_rate": self.noise_rate,
        }
