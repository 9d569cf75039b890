"""What NADE and MADE share: exact likelihoods of binary images along an ordering of the sub-pixels.

p(x) = prod_i p(x_{o_i} | x_{o_1}, ..., x_{o_{i-1}}) for an ordering o of the
D = height x width x channels sub-pixels (flattened in raster order: row,
column, channel), each conditional a Bernoulli given by a logit. A family
implements `_flat_logits(flat_images, mask_index)`: the `(batch, D)` logits,
in raster order, of mask set `mask_index` (NADE has one).
"""

import math

import keras
import numpy as np
from keras import ops

from keras_gen.models.autoregressive.exact_likelihood import ExactLikelihoodTraining
from keras_gen.models.base import GenerativeModel
from keras_gen.models.capabilities import (
    Generates,
    HasLikelihood,
    check_num_images,
    check_temperature,
    labels_or_conditions,
)
from keras_gen.training import checked_pixel_levels, compiled, global_batch_mean, minimize

BINARY_FIX = (
    "these models take binary images (every value 0 or 1). Binarize them: "
    "keras_gen.data.load(..., binarize=True), load_numpy(..., binarize=True) or keras_gen.data.binarize_images(x)"
)


def bernoulli_log_likelihood(flat_images, logits):
    """log p(x) in nats per row: sum_i x_i * l_i - softplus(l_i), for 0/1 values `x` and logits `l`.

    Example:
    >>> float(bernoulli_log_likelihood(np.zeros((1, 2), "float32"), np.zeros((1, 2), "float32"))[0])  # 2 * log(1/2)
    -1.3862943649291992
    """
    flat_images = ops.cast(flat_images, logits.dtype)
    return ops.sum(flat_images * logits - ops.softplus(logits), axis=-1)


def check_ordering(ordering, num_dims):
    """`ordering` ("raster" or an integer seed) -> the `(num_dims,)` permutation of raster indices it names."""
    if isinstance(ordering, str):
        if ordering != "raster":
            raise ValueError(f'ordering must be "raster" or an integer seed of a random ordering, got {ordering!r}.')
        return np.arange(num_dims)
    if isinstance(ordering, bool) or not isinstance(ordering, (int, np.integer)):
        # A ValueError like every other bad argument of the builders.
        raise ValueError(f'ordering must be "raster" or an integer seed of a random ordering, got {ordering!r}.')  # noqa: TRY004
    return np.random.default_rng(int(ordering)).permutation(num_dims)


class BinaryAutoregressive(ExactLikelihoodTraining, Generates, HasLikelihood, GenerativeModel):
    """Base of NADE and MADE: binary images, exact `log_prob`, sampling along `orderings[0]`.

    Calling the model on images gives the logits of p(x_i = 1 | the sub-pixels
    before i), shaped like the images, for the first mask set.
    """

    # Data loaders (`keras-gen train`, `evaluate`) binarize the images of models that say so.
    binary_pixels = True
    # Sampling runs the model once per sub-pixel; sample metrics are asked for, not automatic.
    sample_metrics_by_default = False

    def __init__(self, image_shape, data_scale=(0.0, 1.0), seed=None, **kwargs):
        if tuple(float(v) for v in data_scale) != (0.0, 1.0):
            raise ValueError(
                f"{type(self).__name__} models binary pixels 0 and 1: data_scale must be (0, 1), got {data_scale}."
            )
        super().__init__(image_shape, data_scale=data_scale, seed=seed, **kwargs)
        self._build_trackers()
        # One compiled sampler per temperature.
        self._samplers = {}

    @property
    def num_masks(self):
        return 1

    def _orderings_variable(self):
        raise NotImplementedError

    @property
    def orderings(self):
        """`(num_masks, D)` ints: row k lists the raster indices in the order mask set k models them."""
        return ops.convert_to_numpy(self._orderings_variable()).astype("int64")

    def _flat_logits(self, flat_images, mask_index=0):
        raise NotImplementedError

    # --- data -------------------------------------------------------------------------
    def _check_image_array(self, data, role, expected_shape=None):
        super()._check_image_array(data, role, expected_shape)
        values = np.asarray(data)
        not_binary = int(np.count_nonzero((values != 0.0) & (values != 1.0)))
        if not_binary:
            raise ValueError(
                f"{not_binary} {role} pixel values are neither 0 nor 1 (grey levels); {type(self).__name__} "
                f"models binary images. Binarize them: keras_gen.data.load(..., binarize=True), "
                "load_numpy(..., binarize=True) or keras_gen.data.binarize_images(x)."
            )

    def _flat_binary(self, images, what="training images"):
        """`(batch, D)` 0/1 values of images, checked in the step to be binary."""
        flat = ops.reshape(ops.cast(images, "float32"), (-1, self.num_dims))
        return ops.cast(checked_pixel_levels(flat, 2, what, BINARY_FIX), "float32")

    def call(self, images, training=None):
        logits = self._flat_logits(ops.reshape(ops.cast(images, "float32"), (-1, self.num_dims)), 0)
        return ops.reshape(logits, (-1, *self.image_shape))

    # --- training ---------------------------------------------------------------------
    def _training_mask_index(self):
        """The mask set a training step uses (MADE cycles through its sets)."""
        return 0

    def _negative_log_likelihood(self, data, mask_index):
        flat = self._flat_binary(self.unpack_batch(data)["images"])
        nll = -bernoulli_log_likelihood(flat, self._flat_logits(flat, mask_index))
        return global_batch_mean(nll), nll

    def train_step(self, data):
        mask_index = self._training_mask_index()
        loss, nll = minimize(lambda: self._negative_log_likelihood(data, mask_index), self.trainable_variables,
                             self.optimizer)
        self._after_train_step()
        return self._record(loss, nll)

    def _after_train_step(self):
        """Hook after each training step (MADE moves to its next mask set)."""

    def test_step(self, data):
        # Validation uses the model's own distribution: the mean over the mask sets.
        flat = self._flat_binary(self.unpack_batch(data)["images"], "validation images")
        nll = -self._flat_log_prob(flat)
        return self._record(global_batch_mean(nll), nll)

    # --- likelihood -------------------------------------------------------------------
    def _flat_log_prob(self, flat):
        """log p(x) per row: with several mask sets, log of the mean of their probabilities."""
        if self.num_masks == 1:
            return bernoulli_log_likelihood(flat, self._flat_logits(flat, 0))
        per_set = ops.stack(
            [bernoulli_log_likelihood(flat, self._flat_logits(flat, k)) for k in range(self.num_masks)], axis=0
        )
        return ops.logsumexp(per_set, axis=0) - math.log(self.num_masks)

    def log_prob(self, images, labels=None, batch_size=64):
        """log p(x) per image in nats, exact (several mask sets: the log of their mean probability)."""
        return super().log_prob(images, labels, batch_size)

    def mask_set_log_prob(self, images, mask_set=0, batch_size=64):
        """log p_k(x) per image in nats under mask set `mask_set` alone (its ordering and connectivity).

        `log_prob` is the log of the mean of these probabilities over the mask sets.
        """
        if isinstance(mask_set, bool) or int(mask_set) != mask_set or not 0 <= mask_set < self.num_masks:
            raise ValueError(f"mask_set must be an integer in [0, {self.num_masks}), got {mask_set!r}.")
        images = self.check_images(images)
        flat = images.reshape(len(images), -1)
        parts = [ops.convert_to_numpy(bernoulli_log_likelihood(part, self._flat_logits(part, int(mask_set))))
                 for part in (flat[start : start + batch_size] for start in range(0, len(flat), batch_size))]
        return np.concatenate(parts).astype("float64")

    def _log_prob_batch(self, images, labels=None):
        return self._flat_log_prob(ops.reshape(ops.cast(images, "float32"), (-1, self.num_dims)))

    # --- sampling ---------------------------------------------------------------------
    def _sample_flat(self, noise, temperature):
        """Sub-pixel by sub-pixel along `orderings[0]`: `(batch, D)` 0/1 values from uniform `noise`.

        Each step runs the network on the values drawn so far; families with a
        cheaper recursion (NADE) override this.
        """
        order = ops.convert_to_tensor(self._orderings_variable())[0]

        def body(step, values):
            index = ops.take(order, step)
            logit = ops.take(self._flat_logits(values, 0), index, axis=1)
            bit = self._draw(logit, ops.take(noise, index, axis=1), temperature)
            return values + ops.one_hot(index, self.num_dims, dtype=values.dtype)[None, :] * bit[:, None]

        return ops.fori_loop(0, self.num_dims, body, ops.zeros_like(noise))

    @staticmethod
    def _draw(logit, uniform, temperature):
        """1 where `uniform` < sigmoid(logit / temperature); temperature 0 takes the likelier value."""
        if temperature == 0:
            return ops.cast(logit > 0, "float32")
        return ops.cast(uniform < ops.sigmoid(logit / temperature), "float32")

    def generate(self, num_images=None, *, labels=None, conditions=None, temperature=1.0, seed=None, batch_size=256):
        """Samples binary images sub-pixel by sub-pixel along `orderings[0]`.

        Args:
            num_images: how many images to draw.
            labels: unconditional models take none.
            conditions: the same as `labels` (`model.condition` says what it holds).
            temperature: divides the logits: below 1, likelier and less varied
                images (0: the likelier value at every step).
            seed: None draws from the model's seed generator (a seeded model
                repeats its samples); an integer gives the same images every call.
            batch_size: images sampled at once.

        Returns:
            A float32 array `(num_images, height, width, channels)` of 0s and 1s.
        """
        labels = labels_or_conditions(labels, conditions)
        num_images = check_num_images(num_images)
        self.check_labels(labels, num_images)
        temperature = check_temperature(temperature)
        generator = self.seed_generator if seed is None else keras.random.SeedGenerator(seed)
        noise = keras.random.uniform((num_images, self.num_dims), seed=generator)
        if temperature not in self._samplers:
            self._samplers[temperature] = compiled(lambda u: self._sample_flat(u, temperature))
        sample = self._samplers[temperature]
        parts = [ops.convert_to_numpy(sample(noise[start : start + batch_size]))
                 for start in range(0, num_images, int(batch_size))]
        return np.concatenate(parts, axis=0).reshape(num_images, *self.image_shape).astype("float32")

    def sample(self, num_images=None, **options):
        """Same as `generate`."""
        return self.generate(num_images, **options)

    def grid_samples(self, n=64, seed=0, columns=None, temperature=1.0):
        """`(images, columns)`: `n` samples that depend only on `seed`."""
        return self.generate(n, seed=seed, temperature=temperature), columns
