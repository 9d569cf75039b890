"""LAPGAN: a Laplacian pyramid of GANs, coarse to fine (Denton et al., 2015).

The pyramid maths (`laplacian_pyramid`, `reconstruct_from_pyramid`) and the
networks of the levels are `keras_gen.networks.laplacian`'s; the discriminator
update and the objective are `keras_gen.models.adversarial.update`'s.
"""

import keras
import numpy as np
from keras import ops

from keras_gen import losses
from keras_gen.models.adversarial.gan import default_width
from keras_gen.models.adversarial.update import Adversarial, Judgement, discriminator_targets
from keras_gen.models.base import GenerativeModel, primary_input_shape
from keras_gen.models.capabilities import (
    SamplesFromPrior,
    check_num_images,
    check_temperature,
    fixed_latent_points,
    labels_or_conditions,
)
from keras_gen.networks.laplacian import (
    gaussian_pyramid,
    lapgan_networks,
    pyramid_sizes,
    pyramid_up,
)
from keras_gen.training import (
    forward_for_update,
    global_batch_mean,
    minimize_through,
    replica_seed,
    unscaled,
)


@keras.saving.register_keras_serializable(package="keras_gen")
class LAPGAN(Adversarial, SamplesFromPrior, GenerativeModel):
    """A Laplacian pyramid of GANs that trains with `model.fit()`, coarse to fine.

    Denton, Chintala, Szlam & Fergus, "Deep Generative Image Models using a
    Laplacian Pyramid of Adversarial Networks" (2015). An image I_{L-1} of the
    last level is split into a pyramid: I_{k-1} = down(I_k) (2x2 average
    pooling) and the band-pass residuals h_k = I_k - up(I_{k-1}) (up: a fixed
    bilinear upsampling). Level 0 is an unconditional GAN of the coarsest
    images; each finer level k is a conditional GAN whose generator makes
    h_k from noise and up(I_{k-1}), and whose discriminator judges h_k given
    up(I_{k-1}). `fit` takes final-size images and builds their pyramid; every
    train step updates every level's discriminator (one update of their summed
    losses, `d_optimizer`) and then every level's generator (`g_optimizer`).
    The levels train independently, as in the paper: level k's generator is
    conditioned on the real up(I_{k-1}). The generators run once per step:
    their update differentiates through the pass that made the discriminators'
    fakes (`keras_gen.training.forward_for_update`). Logged: `d_loss` and
    `g_loss` summed over the levels, `real_score` and `fake_score` averaged
    over them.

    Sampling runs coarse to fine: I_0 = G_0(z_0), then I_k = up(I_{k-1}) +
    G_k(z_k, up(I_{k-1})), each level clipped to `data_scale` before the next
    is conditioned on it. A latent point is the levels' noises joined in level
    order: `z = [z_0 (the coarsest generator's latent_dim), z_1, ..., z_{L-1}
    (noise_dim each)]` (their sizes: `latent_sizes`), so `latent_dim` is their
    total and `generate(latent_points=z)` is deterministic. `generate(n, return_pyramid=True)` gives every level's
    images, coarsest first; snapshot grids show each sample's levels in a row.
    `levels` counts the levels; `generators` and `discriminators` list their
    networks, coarsest first (also the attributes `generator_k` and
    `discriminator_k`, the `network_names`).

    The paper trained with SGD with momentum; `compile()` without arguments
    gives both players Adam(2e-4, beta_1=0.5), as every GAN here. There is no
    moving average of the generators and no gradient penalty.

    Args:
        generators: one model per level, coarsest first: level 0 maps
            `(latent_dim_0,)` to the coarsest images, level k maps
            `[noise (noise_dim_k,), upsampled (h_k, w_k, c)]` to residuals of
            that shape (e.g. `keras_gen.networks.lapgan_networks`).
        discriminators: one model per level: level 0 maps images to a logit,
            level k maps `[residual, upsampled]` to a logit.
        loss: a name in `keras_gen.losses.ADVERSARIAL_LOSSES`, used at every
            level; `"non_saturating"` by default.
        label_smoothing: one-sided label smoothing of the real targets
            (Salimans et al., 2016); cross-entropy losses only.
        label_noise: each target moves towards the other class by U(0, label_noise).
        data_scale: pixel range of the images (tanh generators: (-1, 1)).
        seed: seed of the model's `keras.random.SeedGenerator`.

    Example:
    >>> lapgan = LAPGAN.for_images((28, 28, 1), levels=3, latent_dim=16, width=8, seed=0)
    >>> lapgan.compile()  # Adam(2e-4, beta_1=0.5) for both players
    >>> lapgan.latent_dim  # 16 for the 7x7 level, then 16 for each finer level's noise
    48
    >>> [level.shape for level in lapgan.generate(2, return_pyramid=True)]
    [(2, 7, 7, 1), (2, 14, 14, 1), (2, 28, 28, 1)]
    """

    optimizer_names = ("d_optimizer", "g_optimizer")

    def __init__(self, generators, discriminators, loss="non_saturating", label_smoothing=0.1, label_noise=0.05,
                 data_scale=(-1.0, 1.0), seed=None, **kwargs):
        generators, discriminators = list(generators), list(discriminators)
        image_shape = tuple(generators[-1].output_shape)[1:] if generators else ()
        super().__init__(image_shape, data_scale=data_scale, seed=seed, **kwargs)
        self.latent_sizes = self._check_levels(generators, discriminators)
        losses.adversarial_loss(loss)  # an unknown name fails here
        if not 0.0 <= label_smoothing < 0.5 or not 0.0 <= label_noise < 0.5:
            raise ValueError(
                f"label_smoothing and label_noise must lie in [0, 0.5), got {label_smoothing} and {label_noise}."
            )
        self.levels = len(generators)
        # One attribute per network (`generator_0`, ..., `discriminator_0`, ...), as every family names its
        # networks in `network_names`: saving, precision conversion and the tests find them there.
        self.network_names = (*(f"generator_{level}" for level in range(self.levels)),
                              *(f"discriminator_{level}" for level in range(self.levels)))
        for name, network in zip(self.network_names, [*generators, *discriminators]):
            setattr(self, name, network)
        self.latent_dim = sum(self.latent_sizes)
        self.loss_name = loss
        self.label_smoothing = float(label_smoothing)
        self.label_noise = float(label_noise)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("d_loss", "g_loss", "real_score",
                                                                           "fake_score")}
        self.d_optimizer = None
        self.g_optimizer = None
        self.built = True

    @staticmethod
    def _check_levels(generators, discriminators):
        """The size of each level's block of a latent point, after checking that the networks make one pyramid."""
        if len(generators) < 2 or len(generators) != len(discriminators):
            raise ValueError(
                f"LAPGAN takes one generator and one discriminator per level, at least 2 levels; got "
                f"{len(generators)} generators and {len(discriminators)} discriminators."
            )
        sizes = pyramid_sizes(tuple(generators[-1].output_shape)[1:], len(generators))
        latent_sizes = []
        for level, (generator, discriminator, size) in enumerate(zip(generators, discriminators, sizes)):
            conditional = level > 0
            inputs = generator.input_shape if isinstance(generator.input_shape, list) else [generator.input_shape]
            expected = [("noise_dim",), size] if conditional else [("latent_dim",)]
            made = tuple(generator.output_shape)[1:]
            if len(inputs) != len(expected) or len(inputs[0]) != 2 or made != size or (
                    conditional and tuple(inputs[1])[1:] != size):
                raise ValueError(
                    f"LAPGAN's generator of level {level} must map {expected} to {size} "
                    f"({'residuals' if conditional else 'images'}), it maps "
                    f"{[tuple(shape)[1:] for shape in inputs]} to {made}."
                )
            judged = discriminator.input_shape if conditional else [discriminator.input_shape]
            if [tuple(shape)[1:] for shape in judged] != [size] * len(expected):
                raise ValueError(
                    f"LAPGAN's discriminator of level {level} must take {[size] * len(expected)} "
                    f"({'[residual, upsampled]' if conditional else 'images'}), it takes "
                    f"{[tuple(shape)[1:] for shape in judged]}."
                )
            latent_sizes.append(primary_input_shape(generator)[0])
        return tuple(latent_sizes)

    @classmethod
    def for_images(cls, image_shape, levels=3, latent_dim=64, width=None, seed=None, noise_dim=16, coarse_units=256,
                   batch_norm=True, dropout=0.3, **kwargs):
        """Builds a LAPGAN with `keras_gen.networks.lapgan_networks` for `(height, width, channels)` images.

        `(28, 28, 1)` with 3 levels gives 7 -> 14 -> 28, `(32, 32, 3)` gives
        8 -> 16 -> 32. The image sides must be divisible by 2^(levels - 1) and
        the coarsest side at least 2: a ValueError that names the largest
        `levels` that fits says so before any network is built.

        Args:
            image_shape: `(height, width, channels)` of the final images.
            levels: levels of the pyramid, an integer >= 2.
            latent_dim: size of the coarsest level's latent vector; the model's
                `latent_dim` adds `noise_dim` per finer level.
            width: filters of the finer levels' networks; None: half DCGAN's
                default, 16 for images up to 32 pixels a side, 32 for larger
                ones. At 28x28 (3 levels) a traced step of 64 images then took
                0.11 to 0.13 s of CPU time, the default DCGAN's 0.13 to 0.15 s
                (width 32: 0.18 s; `fit` on 20 batches, 2 busy cores, 2026-12-03).
            seed: seed of the model's seed generator.
            noise_dim: size of each finer level's noise vector.
            coarse_units: units of the coarsest level's fully connected networks.
            batch_norm: batch normalization in the residual generators.
            dropout: the discriminators' dropout rate.
            **kwargs: the `LAPGAN` arguments (`loss`, `label_smoothing`, ...).
        """
        generators, discriminators = lapgan_networks(
            image_shape, levels, latent_dim, noise_dim, default_width(image_shape) // 2 if width is None else width,
            coarse_units, batch_norm, dropout,
        )
        return cls(generators, discriminators, seed=seed, **kwargs)

    @property
    def generators(self) -> list:
        """The levels' generators, coarsest first."""
        return [getattr(self, f"generator_{level}") for level in range(self.levels)]

    @property
    def discriminators(self) -> list:
        """The levels' discriminators, coarsest first."""
        return [getattr(self, f"discriminator_{level}") for level in range(self.levels)]

    # --- players --------------------------------------------------------------------
    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Configures the two optimizers: `d_optimizer` updates every level's discriminator,
        `g_optimizer` every level's generator; each defaults to Adam(2e-4, beta_1=0.5)."""
        self._compile_players({"d_optimizer": d_optimizer, "g_optimizer": g_optimizer}, kwargs)

    def optimizer_variables(self, name):
        networks = {"d_optimizer": self.discriminators, "g_optimizer": self.generators}.get(name)
        if networks is None:
            return super().optimizer_variables(name)
        return [variable for network in networks for variable in network.trainable_variables]

    @property
    def metrics(self):
        return list(self.trackers.values())

    # --- generation -----------------------------------------------------------------
    def _noises(self, latent_points):
        """The levels' blocks of latent points, coarsest first."""
        ends = np.cumsum(self.latent_sizes)
        return [latent_points[:, end - size : end] for end, size in zip(ends, self.latent_sizes)]

    def _pyramid(self, latent_points, training=False):
        """Each level's images, coarsest first, each clipped to `data_scale` before the next builds on it."""
        low, high = self.data_scale
        noises = self._noises(latent_points)
        images = [ops.clip(self.generators[0](noises[0], training=training), low, high)]
        for generator, noise in zip(self.generators[1:], noises[1:]):
            upsampled = pyramid_up(images[-1])
            residual = generator([noise, upsampled], training=training)
            images.append(ops.clip(upsampled + residual, low, high))
        return images

    def call(self, latent_points, training=None):
        return self._pyramid(latent_points, training=training)[-1]

    def _generate_batch(self, latent_points, labels):
        return self._pyramid(latent_points)[-1]

    def generate(self, num_images=None, *, latent_points=None, labels=None, conditions=None, temperature=1.0, batch_size=256,
                 return_pyramid=False):
        """Generates images from the prior, in `data_scale`, as a numpy array (see `SamplesFromPrior.generate`).

        Args:
            num_images, latent_points, labels, temperature, batch_size: as for
                every model that samples from a prior; `latent_points` join the
                levels' noises (the class docstring gives the layout).
            return_pyramid: True returns a list of `levels` arrays, coarsest
                first: the images of every level (not the residuals), the last
                being the final images.

        Example:
        >>> lapgan = LAPGAN.for_images((8, 8, 1), levels=3, latent_dim=4, width=4, seed=0)
        >>> [level.shape for level in lapgan.generate(3, return_pyramid=True)]
        [(3, 2, 2, 1), (3, 4, 4, 1), (3, 8, 8, 1)]
        """
        labels = labels_or_conditions(labels, conditions)
        if not isinstance(return_pyramid, bool):
            # A ValueError like every other bad argument of generate(), so callers catch one type.
            raise ValueError(f"return_pyramid must be True or False, got {return_pyramid!r}.")  # noqa: TRY004
        if not return_pyramid:
            return super().generate(num_images, latent_points=latent_points, labels=labels,
                                    temperature=temperature, batch_size=batch_size)
        if (num_images is None) == (latent_points is None):
            raise ValueError("Pass either num_images or latent_points to generate(), not both.")
        temperature = check_temperature(temperature, latent_points)
        if latent_points is None:
            count = check_num_images(num_images)
            self.check_labels(labels, count)
            latent_points = self.sample_latent(count, None, temperature)
        else:
            latent_points = self.check_latent_points(latent_points)
            self.check_labels(labels, latent_points.shape[0])
        parts = [self._pyramid(latent_points[start : start + batch_size])
                 for start in range(0, latent_points.shape[0], batch_size)]
        return [np.concatenate([ops.convert_to_numpy(part[level]) for part in parts]).astype("float32")
                for level in range(self.levels)]

    def grid_samples(self, n=64, seed=0, columns=None, temperature=1.0):
        """`(images, columns)`: about `n` images, each sample's levels in a row, coarsest first.

        Every level is enlarged to the final size (nearest neighbour). Samples
        come from `fixed_latent_points(seed)`; `columns` (default `levels`, one
        sample per row) is rounded down to whole samples per row.
        """
        temperature = check_temperature(temperature)
        samples = max(1, -(-n // self.levels))
        points = fixed_latent_points(samples, self.latent_dim, seed) * np.float32(temperature)
        pyramid = self.generate(latent_points=points, return_pyramid=True)
        height, width = self.image_shape[:2]
        enlarged = [np.repeat(np.repeat(level, height // level.shape[1], axis=1), width // level.shape[2], axis=2)
                    for level in pyramid]
        images = np.stack(enlarged, axis=1).reshape(samples * self.levels, *self.image_shape)
        return images, self.levels * max(1, (columns or self.levels) // self.levels)

    # --- the step -------------------------------------------------------------------
    def _discriminate(self, level):
        """`(images, conditions, training) -> (logits, None)` of the level's discriminator."""
        discriminator = self.discriminators[level]
        if level == 0:
            return lambda images, _, training: (discriminator(images, training=training), None)
        return lambda residuals, upsampled, training: (discriminator([residuals, upsampled], training=training), None)

    def _fakes(self, latent_points, upsampled, update):
        """Every level's generated images (level 0) and residuals, from one generator pass.

        The pass returns them flattened and joined, so one recorded pass serves
        the generators' update (`keras_gen.training.forward_for_update`).
        Returns `(fakes, pass_)`; `pass_` is None outside training.
        """
        noises = self._noises(latent_points)

        def run_generators():
            made = [self.generators[0](noises[0], training=update)]
            made += [generator([noise, condition], training=update)
                     for generator, noise, condition in zip(self.generators[1:], noises[1:], upsampled)]
            return ops.concatenate([ops.reshape(part, (ops.shape(part)[0], -1)) for part in made], axis=1)

        if update:
            return forward_for_update(run_generators, self.optimizer_variables("g_optimizer"))
        return run_generators(), None

    def _split(self, fakes):
        """The joined fakes of `_fakes`, back in the levels' shapes."""
        sizes = pyramid_sizes(self.image_shape, self.levels)
        ends = np.cumsum([int(np.prod(size)) for size in sizes])
        return [ops.reshape(fakes[:, end - int(np.prod(size)) : end], (-1, *size)) for end, size in zip(ends, sizes)]

    def _step(self, data, update):
        real = self.unpack_batch(data)["images"]
        count = ops.shape(real)[0]
        latent_points = self.sample_latent(count)
        images = gaussian_pyramid(real, self.levels)
        upsampled = [pyramid_up(coarser) for coarser in images[:-1]]
        # What each level's discriminator judges as real: the coarsest images, then the residuals.
        real_parts = images[:1] + [finer - up for finer, up in zip(images[1:], upsampled)]
        conditions = [None, *upsampled]
        joined, forward = self._fakes(latent_points, upsampled, update)
        fakes = self._split(joined)
        judgements = []
        for level in range(self.levels):
            real_targets, fake_targets = discriminator_targets(
                self.objective, count, self.label_smoothing, self.label_noise, replica_seed(self.seed_generator))
            judgements.append(Judgement(
                self._discriminate(level), real_parts[level], fakes[level], conditions[level], conditions[level],
                real_targets, fake_targets,
            ))
        d_loss, outcomes = self.discriminator_update(judgements, ("d_optimizer",), update)

        def generator_loss(joined):
            total = 0.0
            for level, fake in enumerate(self._split(joined)):
                logits, _ = self._discriminate(level)(fake, conditions[level], update)
                context = losses.AdversarialContext(real_parts[level], fake, None, logits, conditions=conditions[level])
                total = total + global_batch_mean(self.objective.generator(context))
            return total, None

        g_loss, _ = minimize_through(forward, generator_loss, self.g_optimizer) if update else generator_loss(joined)
        scores = [self.mean_scores(context) for _, (context, _) in outcomes]
        values = {"d_loss": unscaled(d_loss), "g_loss": unscaled(g_loss),
                  "real_score": ops.mean(ops.stack([score for score, _ in scores])),
                  "fake_score": ops.mean(ops.stack([score for _, score in scores]))}
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def train_step(self, data):
        return self._step(data, update=True)

    def test_step(self, data):
        """Reports the losses on a batch without updating any weights."""
        return self._step(data, update=False)

    # --- saving ---------------------------------------------------------------------
    def get_config(self):
        # The networks are saved as `generator_0`, ..., `discriminator_0`, ... (`network_names`).
        return {
            **super().get_config(),
            "loss": self.loss_name,
            "label_smoothing": self.label_smoothing,
            "label_noise": self.label_noise,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        networks = {}
        for kind in ("generator", "discriminator"):
            names = sorted((key for key in config if key.startswith(f"{kind}_")), key=lambda key: int(key.split("_")[1]))
            networks[f"{kind}s"] = [keras.saving.deserialize_keras_object(config.pop(name)) for name in names]
        return cls(**networks, **config)
