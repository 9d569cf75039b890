"""DRAW: a recurrent variational autoencoder that draws an image on a canvas, step by step, with attention."""

import math

import keras
import numpy as np
from keras import ops

from keras_gen import losses
from keras_gen.layers.draw_attention import (
    WINDOW_PARAMETERS,
    attention_window,
    gaussian_filterbank,
    read_glimpse,
    write_patch,
)
from keras_gen.layers.sampling import reparameterize
from keras_gen.models.autoencoders.encoder_decoder import NegativeElboMetrics
from keras_gen.models.base import GenerativeModel
from keras_gen.models.capabilities import (
    Generates,
    HasLikelihood,
    check_num_images,
    check_temperature,
    labels_or_conditions,
)
from keras_gen.models.pixel_decoder import reconstruction_data_scale
from keras_gen.networks.precision import float32_pin
from keras_gen.networks.stages import check_count
from keras_gen.training import compiled, global_batch_mean, minimize, replica_seed

RECONSTRUCTIONS = ("bernoulli",)
# Columns of a snapshot grid's rows (steps shown per sample) unless `columns` says otherwise.
GRID_STEPS = 8


def _checked_image_shape(image_shape):
    shape = tuple(image_shape) if isinstance(image_shape, (tuple, list)) else ()
    if len(shape) != 3:
        raise ValueError(f"image_shape must be (height, width, channels), got {image_shape!r}.")
    return tuple(check_count(side, "image_shape", "pixels or channels", minimum=1) for side in shape)


def _checked_window(size, name, attention, height, width):
    size = check_count(size, name, f"filters along each side of the {name.split('_')[0]} window", minimum=1)
    if attention and size > min(height, width):
        raise ValueError(
            f"{name}={size} is larger than the {height}x{width} images: an attention window has at most "
            f"min(height, width) = {min(height, width)} filters a side. Pass a smaller {name}, "
            "or attention=False to read and write whole images."
        )
    return size


def _steps_shown(steps, columns):
    """Evenly spaced step indices, `columns` of them (at most `steps`), the last one being the last step."""
    shown = min(steps, columns)
    return np.unique(np.round(np.linspace(steps / shown - 1, steps - 1, shown)).astype(int))


@keras.saving.register_keras_serializable(package="keras_gen")
class DRAW(NegativeElboMetrics, Generates, HasLikelihood, GenerativeModel):
    """DRAW: a recurrent VAE that draws an image over `steps`, reading and writing with attention.

    Gregor, Danihelka, Graves, Rezende & Wierstra, "DRAW: A Recurrent Neural
    Network For Image Generation" (2015). At each step t = 1..T an encoder
    LSTM reads the image and the error image x - sigmoid(c_{t-1}), draws a
    latent z_t from q(z_t | h_enc_t) = N(mean_t, exp(log_var_t)), a decoder LSTM
    takes z_t, and what it writes is added to the canvas c_t (eq. 3-8, with
    c_0 = 0 and zero initial states). With `attention=True` the reads are
    `read_size` x `read_size` glimpses and the writes `write_size` x
    `write_size` patches through grids of Gaussian filters whose position,
    stride, width and intensity the decoder chooses each step (sec. 3.2,
    `keras_gen.layers.draw_attention`); `attention=False` reads the whole
    image and error image and writes the whole canvas (sec. 3.1).

    Pixels are Bernoulli with means sigmoid(c_T), so images lie in [0, 1]
    (grey levels or binarized). The loss is the negative ELBO summed over the
    steps (eq. 9-12), logged as `loss`, `reconstruction_loss` (-log p(x | c_T))
    and `kl_loss` (the sum over t of KL(q(z_t | ...) || N(0, I))).
    `log_prob(images)` is the importance-weighted bound over whole trajectories
    (Burda et al., 2016), in nats. `generate(n)` runs the decoder alone from
    z_t ~ N(0, I); `generate(n, return_steps=True)` shows the canvas after every
    step. The latent is one z_t per step, so DRAW has no single latent point to
    decode (it `Generates`; it does not sample from one prior point).
    `compile()` without arguments uses Adam(1e-3).

    Args:
        image_shape: `(height, width, channels)` of the images.
        steps: T, the number of drawing steps, an integer >= 1 (8 to 16 on a CPU).
        units: units of the encoder LSTM and of the decoder LSTM.
        latent_dim: size of each step's latent z_t.
        attention: Gaussian read and write attention (True) or whole images (False).
        read_size: filters along each side of the read glimpse (at most min(height, width)).
        write_size: filters along each side of the written patch (at most min(height, width)).
        reconstruction: the pixel distribution; only `"bernoulli"`.
        data_scale: the pixel range, (0, 1) (the default; the only one a Bernoulli decoder takes).
        seed: seed of the model's `keras.random.SeedGenerator`.

    Example:
    >>> draw = DRAW.for_images((8, 8, 1), steps=4, units=16, latent_dim=4, seed=0)
    >>> draw.compile()  # Adam(1e-3)
    >>> history = draw.fit(np.zeros((8, 8, 8, 1), "float32"), batch_size=4, verbose=0)
    >>> sorted(history.history)
    ['kl_loss', 'loss', 'reconstruction_loss']
    >>> draw.generate(2, return_steps=True).shape  # the canvas after each of the 4 steps
    (2, 4, 8, 8, 1)
    >>> draw.log_prob(np.zeros((2, 8, 8, 1), "float32"), num_samples=8).shape
    (2,)
    """

    network_names = ()

    def __init__(self, image_shape, steps=16, units=256, latent_dim=16, attention=True, read_size=2, write_size=5,
                 reconstruction="bernoulli", data_scale=None, seed=None, **kwargs):
        data_scale = reconstruction_data_scale(reconstruction, data_scale, allowed=RECONSTRUCTIONS)
        height, width, channels = _checked_image_shape(image_shape)
        steps = check_count(steps, "steps", "drawing steps, each adding to the canvas", minimum=1)
        units = check_count(units, "units", "units of each LSTM", minimum=1)
        latent_dim = check_count(latent_dim, "latent_dim", "size of each step's latent", minimum=1)
        if not isinstance(attention, (bool, np.bool_)):
            raise ValueError(f"attention must be True or False, got {attention!r}.")  # noqa: TRY004
        read_size = _checked_window(read_size, "read_size", attention, height, width)
        write_size = _checked_window(write_size, "write_size", attention, height, width)
        super().__init__((height, width, channels), data_scale=data_scale, seed=seed, **kwargs)
        self.steps, self.units, self.latent_dim = steps, units, latent_dim
        self.attention, self.read_size, self.write_size = bool(attention), read_size, write_size
        self.reconstruction = reconstruction
        read_pixels = read_size**2 if attention else height * width
        write_pixels = write_size**2 if attention else height * width
        # The encoder reads [glimpse of x, glimpse of the error image, h_dec_{t-1}] (eq. 4).
        self.encoder_cell = keras.layers.LSTMCell(units, dtype=self.dtype_policy, name="encoder_lstm")
        self.encoder_cell.build((None, 2 * channels * read_pixels + units))
        self.posterior = keras.layers.Dense(2 * latent_dim, dtype=float32_pin(), name="posterior")
        self.posterior.build((None, units))
        self.decoder_cell = keras.layers.LSTMCell(units, dtype=self.dtype_policy, name="decoder_lstm")
        self.decoder_cell.build((None, latent_dim))
        self.writer = keras.layers.Dense(channels * write_pixels, dtype=float32_pin(), name="write")
        self.writer.build((None, units))
        self.read_window = self.write_window = None
        if attention:
            self.read_window = keras.layers.Dense(WINDOW_PARAMETERS, dtype=float32_pin(), name="read_window")
            self.read_window.build((None, units))
            self.write_window = keras.layers.Dense(WINDOW_PARAMETERS, dtype=float32_pin(), name="write_window")
            self.write_window.build((None, units))
        self._make_elbo_metrics()
        self._log_prob_steps = {}
        self.built = True

    @classmethod
    def for_images(cls, image_shape, steps=16, units=256, latent_dim=16, attention=True, read_size=2, write_size=5,
                   reconstruction="bernoulli", seed=None, **kwargs):
        """Builds DRAW for `(height, width, channels)` images; the arguments are the constructor's.

        The paper's MNIST model had 64 steps, 256 units, a 100-d latent and
        2x2 reads with 5x5 writes; 16 steps and a 16-d latent train in minutes
        on a CPU.
        """
        return cls(image_shape, steps=steps, units=units, latent_dim=latent_dim, attention=attention,
                   read_size=read_size, write_size=write_size, reconstruction=reconstruction, seed=seed, **kwargs)

    # --- reading and writing --------------------------------------------------------
    def _window(self, layer, state, size):
        """`(filter_x, filter_y, intensity)` of the window `layer` places from the decoder's state."""
        height, width = self.image_shape[:2]
        grid_x, grid_y, stride, variance, intensity = attention_window(
            ops.cast(layer(state), "float32"), height, width, size)
        filter_x, filter_y = gaussian_filterbank(grid_x, grid_y, stride, variance, size, height, width)
        return filter_x, filter_y, intensity[:, None, None, None]

    def _read(self, images, error, decoder_state):
        """What the encoder reads: gamma * [glimpse of x, glimpse of x - sigmoid(c)], flattened (eq. 17, 27)."""
        both = ops.concatenate([images, error], axis=-1)
        if self.attention:
            filter_x, filter_y, intensity = self._window(self.read_window, decoder_state, self.read_size)
            both = read_glimpse(both, filter_x, filter_y) * intensity
        return ops.reshape(both, (ops.shape(images)[0], -1))

    def _write(self, decoder_state):
        """What the decoder adds to the canvas: 1 / gamma * F_Y^T w F_X, or the whole image (eq. 18, 28-29)."""
        patch = ops.cast(self.writer(decoder_state), "float32")
        if not self.attention:
            return ops.reshape(patch, (-1, *self.image_shape))
        filter_x, filter_y, intensity = self._window(self.write_window, decoder_state, self.write_size)
        patch = ops.reshape(patch, (-1, self.write_size, self.write_size, self.image_shape[-1]))
        return write_patch(patch, filter_x, filter_y) / intensity

    def _zeros(self, count):
        return ops.zeros((count, self.units), "float32")

    def _draw(self, images, seed, training=False):
        """Runs the encoder and decoder over the steps on `images`.

        `seed` (a seed generator) draws each z_t from q; None takes its mean
        (a deterministic reconstruction). Returns `(canvas logits c_T, [(z_t,
        mean_t, log_var_t) for each step])`.
        """
        count = ops.shape(images)[0]
        encoder_state, decoder_state = [self._zeros(count)] * 2, [self._zeros(count)] * 2
        canvas = ops.zeros_like(images)
        draws = []
        for _ in range(self.steps):
            error = images - ops.sigmoid(canvas)
            read = self._read(images, error, decoder_state[0])
            _, encoder_state = self.encoder_cell(
                ops.concatenate([read, decoder_state[0]], axis=-1), encoder_state, training=training)
            mean, log_var = ops.split(ops.cast(self.posterior(encoder_state[0]), "float32"), 2, axis=-1)
            z = mean if seed is None else reparameterize(mean, log_var, seed)
            _, decoder_state = self.decoder_cell(z, decoder_state, training=training)
            canvas = canvas + self._write(decoder_state[0])
            draws.append((z, mean, log_var))
        return canvas, draws

    def _canvases(self, count, temperature, seed, windows=None):
        """The canvas logits after each step of the decoder alone, from z_t ~ N(0, temperature^2 I).

        A list given as `windows` receives each step's written extent (`_write_extent`).
        """
        decoder_state = [self._zeros(count)] * 2
        canvas = ops.zeros((count, *self.image_shape), "float32")
        canvases = []
        for _ in range(self.steps):
            z = keras.random.normal((count, self.latent_dim), seed=seed) * temperature
            _, decoder_state = self.decoder_cell(z, decoder_state)
            canvas = canvas + self._write(decoder_state[0])
            canvases.append(canvas)
            if windows is not None:
                windows.append(self._write_extent(decoder_state[0], count))
        return canvases

    def _write_extent(self, decoder_state, count):
        """`(count, 4)`: (left, top, right, bottom) in 0-based pixels of the patch a step writes.

        The filter centres span the grid's centre +- (N - 1) / 2 strides; half a
        stride more on each side. Without attention a step writes the whole image.
        """
        height, width = self.image_shape[:2]
        if not self.attention:
            whole = np.array([-0.5, -0.5, width - 0.5, height - 0.5], "float32")
            return np.tile(whole, (count, 1))
        grid_x, grid_y, stride, _, _ = (ops.convert_to_numpy(value) for value in attention_window(
            ops.cast(self.write_window(decoder_state), "float32"), height, width, self.write_size))
        half = (self.write_size - 1) / 2 * stride + stride / 2
        # The filterbank counts pixels from 1.
        return np.stack([grid_x - 1 - half, grid_y - 1 - half, grid_x - 1 + half, grid_y - 1 + half],
                        axis=-1).astype("float32")

    def call(self, images, training=None):
        """The reconstruction sigmoid(c_T) of images, drawn from each step's posterior mean."""
        canvas, _ = self._draw(ops.convert_to_tensor(images, "float32"), None, training=training)
        return ops.sigmoid(canvas)

    # --- training -------------------------------------------------------------------
    @property
    def metrics(self):
        return self._elbo_metrics()

    def _negative_elbo(self, images, training):
        canvas, draws = self._draw(images, replica_seed(self.seed_generator), training=training)
        reconstruction_loss = -losses.bernoulli_log_likelihood(images, canvas)
        kl_loss = sum(losses.gaussian_kl(mean, log_var) for _, mean, log_var in draws)
        loss = global_batch_mean(reconstruction_loss + kl_loss)
        return loss, (reconstruction_loss, kl_loss)

    def train_step(self, data):
        images = self.unpack_batch(data)["images"]
        loss, (reconstruction_loss, kl_loss) = minimize(
            lambda: self._negative_elbo(images, training=True), self.trainable_variables, self.optimizer
        )
        return self._record(loss, reconstruction_loss, kl_loss)

    def test_step(self, data):
        images = self.unpack_batch(data)["images"]
        loss, (reconstruction_loss, kl_loss) = self._negative_elbo(images, training=False)
        return self._record(loss, reconstruction_loss, kl_loss)

    # --- likelihood -----------------------------------------------------------------
    def log_prob(self, images, labels=None, num_samples=64, batch_size=16):
        """The importance-weighted lower bound on log p(x) per image, in nats.

        Burda, Grosse & Salakhutdinov, "Importance Weighted Autoencoders"
        (2016), eq. 8, over DRAW's whole trajectories: `num_samples` runs of
        the encoder, each drawing z_1..z_T from q, weighted by
        log p(x | c_T) + sum_t [log N(z_t; 0, I) - log q(z_t | ...)]; the bound
        is their log-mean-exp. It approaches log p(x) from below as
        `num_samples` grows; 1 gives a one-sample ELBO.

        Args:
            images: `(n, height, width, channels)` in [0, 1].
            labels: none (DRAW is not conditional).
            num_samples: trajectories per image.
            batch_size: images per pass (each pass runs `batch_size * num_samples` trajectories).
        """
        samples = check_count(num_samples, "num_samples", "trajectories drawn per image", minimum=1)
        batch_size = check_count(batch_size, "batch_size", "images per pass", minimum=1)
        return super().log_prob(images, labels, batch_size, samples=samples)

    def _log_prob_batch(self, images, labels=None, samples=64):
        if samples not in self._log_prob_steps:
            self._log_prob_steps[samples] = compiled(lambda x: self._importance_weighted_bound(x, samples))
        return self._log_prob_steps[samples](ops.convert_to_tensor(images, "float32"))

    def _importance_weighted_bound(self, images, samples):
        count = ops.shape(images)[0]
        tiled = ops.repeat(images, samples, axis=0)
        canvas, draws = self._draw(tiled, self.seed_generator)
        log_weights = losses.bernoulli_log_likelihood(tiled, canvas)
        for z, mean, log_var in draws:
            log_prior = losses.gaussian_log_likelihood(z, ops.zeros_like(z))
            log_weights = log_weights + log_prior - losses.gaussian_log_likelihood(z, mean, 0.5 * log_var)
        log_weights = ops.reshape(log_weights, (count, samples))
        return ops.logsumexp(log_weights, axis=1) - math.log(samples)

    # --- sampling -------------------------------------------------------------------
    def generate(self, num_images=None, *, labels=None, conditions=None, temperature=1.0, seed=None, batch_size=256,
                 return_steps=False):
        """Draws new images, the Bernoulli means sigmoid(c_T), as a numpy array.

        Args:
            num_images: how many images to draw.
            labels: none (DRAW is not conditional).
            conditions: the same as `labels` (`model.condition` says what it holds).
            temperature: scales each step's standard-normal z_t: 1 samples the
                model, below 1 gives more typical, less varied images.
            seed: None draws from the model's seed generator (a seeded model
                repeats its samples); an integer gives the same images every call.
            batch_size: images drawn at once.
            return_steps: True returns the canvas after every step,
                sigmoid(c_t) for t = 1..T, the last being the images.

        Returns:
            float32 `(num_images, height, width, channels)` in [0, 1], or
            `(num_images, steps, height, width, channels)` with `return_steps`.
        """
        labels = labels_or_conditions(labels, conditions)
        num_images = check_num_images(num_images)
        self.check_labels(labels, num_images)
        temperature = check_temperature(temperature)
        batch_size = check_count(batch_size, "batch_size", "images drawn at once", minimum=1)
        if not isinstance(return_steps, (bool, np.bool_)):
            # A ValueError like every other bad argument of generate(), so callers catch one type.
            raise ValueError(f"return_steps must be True or False, got {return_steps!r}.")  # noqa: TRY004
        if seed is not None:
            seed = keras.random.SeedGenerator(check_count(seed, "seed", "the seed of the draws"))
        generator = self.seed_generator if seed is None else seed
        parts = []
        for start in range(0, num_images, batch_size):
            canvases = self._canvases(min(batch_size, num_images - start), temperature, generator)
            shown = canvases if return_steps else canvases[-1:]
            parts.append(ops.convert_to_numpy(ops.sigmoid(ops.stack(shown, axis=1))))
        images = np.concatenate(parts).astype("float32")
        return images if return_steps else images[:, 0]

    def drawing(self, num_images, *, temperature=1.0, seed=None):
        """The canvas after every step and where each step wrote: the pictures of Gregor et al.'s figure 7.

        Args:
            num_images: how many images to draw.
            temperature: as for `generate`.
            seed: as for `generate`; the same integer gives the same canvases
                as `generate(num_images, seed=seed, return_steps=True)`.

        Returns:
            `(canvases, windows)`: canvases float32 `(num_images, steps, height,
            width, channels)` in [0, 1], and windows float32 `(num_images, steps, 4)`,
            the extent `(left, top, right, bottom)` in 0-based pixels of the patch
            each step wrote (the whole image without attention).

        Example:
        >>> draw = DRAW.for_images((8, 8, 1), steps=3, units=8, latent_dim=2, write_size=3, seed=0)
        >>> canvases, windows = draw.drawing(2, seed=1)
        >>> canvases.shape, windows.shape
        ((2, 3, 8, 8, 1), (2, 3, 4))
        """
        num_images = check_num_images(num_images)
        temperature = check_temperature(temperature)
        generator = (self.seed_generator if seed is None
                     else keras.random.SeedGenerator(check_count(seed, "seed", "the seed of the draws")))
        windows = []
        canvases = self._canvases(num_images, temperature, generator, windows)
        return (ops.convert_to_numpy(ops.sigmoid(ops.stack(canvases, axis=1))).astype("float32"),
                np.stack(windows, axis=1).astype("float32"))

    def sample(self, num_images=None, **options):
        """Same as `generate`."""
        return self.generate(num_images, **options)

    def grid_samples(self, n=64, seed=0, columns=None, temperature=1.0):
        """`(images, columns)`: a row per sample showing its canvas as it is drawn, left to right.

        Each row holds sigmoid(c_t) after `columns` evenly spaced steps (default
        8, at most `steps`), the last column being the finished sample; about
        `n` images in all, so `n / columns` samples, drawn with `seed`.
        """
        temperature = check_temperature(temperature)
        shown = _steps_shown(self.steps, GRID_STEPS if columns is None else max(1, int(columns)))
        samples = max(1, -(-n // len(shown)))
        canvases = self.generate(samples, seed=seed, temperature=temperature, return_steps=True)[:, shown]
        return canvases.reshape(samples * len(shown), *self.image_shape), len(shown)

    # --- saving ---------------------------------------------------------------------
    def get_config(self):
        return {
            **super().get_config(),
            # Its layers are made from these arguments, not deserialized: the precision it computes in
            # (its LSTMs'; the heads are pinned to float32) travels with the model's own policy.
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "image_shape": self.image_shape,
            "steps": self.steps,
            "units": self.units,
            "latent_dim": self.latent_dim,
            "attention": self.attention,
            "read_size": self.read_size,
            "write_size": self.write_size,
            "reconstruction": self.reconstruction,
        }
