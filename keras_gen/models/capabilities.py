"""Capabilities a model family has or has not, mixed into `GenerativeModel`.

Callbacks, evaluation and the CLI ask `isinstance(model, SamplesFromPrior)`,
never for a class name, so a new family gets every tool its capabilities allow.

- `Generates`: `generate(n, labels=None)`: new images, by whatever means.
- `SamplesFromPrior` (a `Generates`): `generate(latent_points=...)` too,
  `sample_latent(n)`: a latent space with a prior; conditional families set
  `num_classes`.
- `Encodes`: `encode(images)`, `decode(latent_points)`, `reconstruct(images)`.
- `Translates`: `translate(images)` maps input images to output images.
- `HasLikelihood`: `log_prob(images)` in nats per image (exact or a bound).
- `Completes`: `complete(images, known_rows=...)` fills in the rest of each
  image given its top rows (autoregressive models).
"""

import math

import keras
import numpy as np
from keras import ops

from keras_gen.networks.stages import check_count
from keras_gen.training import replica_seed


def _batched(function, arrays, batch_size):
    """Applies `function` to aligned slices of `arrays` (each an array or a dict of them) and concatenates
    numpy results."""
    count = len(keras.tree.flatten(arrays[0])[0])
    parts = [
        ops.convert_to_numpy(function(*(
            keras.tree.map_structure(lambda a, start=start: a[start : start + batch_size], a) for a in arrays)))
        for start in range(0, count, batch_size)
    ]
    return np.concatenate(parts, axis=0)


def labels_or_conditions(labels, conditions):
    """The conditions of a call that takes both names: `labels=` is `conditions=` for class-conditional models."""
    if labels is not None and conditions is not None:
        raise ValueError("labels= is conditions= for class-conditional models: pass one of them.")
    return conditions if labels is None else labels


def _batched_with_labels(function, images, labels, batch_size):
    """`function(images, labels)` over slices; `labels` None (unconditional) is passed as None."""
    if labels is None:
        return _batched(lambda x: function(x, None), [images], batch_size)
    return _batched(function, [images, labels], batch_size)


def check_latent_points(latent_points, latent_dim, what="latent points"):
    """Returns latent points (or codes) as float32 after checking they are `(n, latent_dim)`.

    Arrays and lists given by users are also checked for NaN and infinity
    (tensors inside a traced step are not: they come from the model).
    """
    if isinstance(latent_points, (np.ndarray, list, tuple)):
        values = np.asarray(latent_points)
        if values.dtype.kind not in "fiu":
            raise ValueError(f"The {what} must be numbers, got dtype {values.dtype}.")
        if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
            raise ValueError(f"The {what} contain NaN or infinite values.")
    latent_points = ops.convert_to_tensor(latent_points, dtype="float32")
    shape = tuple(latent_points.shape)
    if len(shape) != 2 or shape[1] != latent_dim:
        raise ValueError(
            f"The {what} must have shape (n, {latent_dim}) for this model "
            f"(latent_dim={latent_dim}), got {shape}."
        )
    return latent_points


def check_num_images(num_images) -> int:
    """The `num_images` of `generate` as an int: a whole number >= 1 (2.0 is taken as 2, 2.5 is an error).

    Example:
    >>> check_num_images(4.0)
    4
    """
    return check_count(num_images, "num_images", "images to make", minimum=1, whole_floats=True)


def check_temperature(temperature, latent_points=None):
    """`temperature` as a float after checking it: finite and >= 0, and 1 when `latent_points` are given."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.integer, np.floating)):
        # A ValueError like every other bad argument of generate(), so callers catch one type.
        raise ValueError(f"temperature must be a number >= 0, got {temperature!r}.")  # noqa: TRY004
    if not (math.isfinite(temperature) and temperature >= 0):
        raise ValueError(f"temperature must be a finite number >= 0 (1 samples the prior), got {temperature}.")
    if latent_points is not None and temperature != 1:
        raise ValueError(
            "temperature scales latent points the model draws; with latent_points= given, scale them "
            "yourself (or pass num_images= and temperature=)."
        )
    return float(temperature)


def fixed_latent_points(num_points, latent_dim, seed=0):
    """Latent points from N(0, I) that depend only on `seed`, for comparable grids."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((num_points, latent_dim)).astype("float32")


class Generates:
    """Capability: draws new images, `generate(n, labels=None)`.

    Sample grids, sample metrics (FID, KID, ...) and `keras-gen sample` need
    only this. Families with a latent prior get it from `SamplesFromPrior`;
    others (autoregressive models) implement `generate` and `grid_samples`.
    """

    # Whether `keras_gen.evaluation.evaluate` computes sample metrics (thousands of
    # samples) when no metrics are named; families with slow sampling say False.
    sample_metrics_by_default = True

    def generate(self, num_images=None, *, labels=None, conditions=None, batch_size=256):
        raise NotImplementedError

    def grid_samples(self, n=64, seed=0, columns=None, temperature=1.0):
        """`(images, columns)` of a snapshot grid of about `n` samples that depend only on `seed`.

        `temperature` is `generate`'s: below 1, more typical and less varied samples.
        """
        raise NotImplementedError


class SamplesFromPrior(Generates):
    """Capability: draws new images from a prior over `latent_dim`-sized points.

    A family sets `self.latent_dim` and implements `_generate_batch(latent_points,
    labels)`. Conditional families set `self.num_classes`; their `generate` takes
    integer labels (None: the classes in turn).
    """

    latent_dim: int

    def sample_latent(self, num_points, labels=None, temperature=1.0):
        """Draws `num_points` latent points from the prior with the model's seed generator.

        The prior is N(0, I) unless the family's `prior_points` moves it (a
        class-conditional prior p(z | y) needs `labels`, one per point).
        `temperature` scales the standard-normal noise before that (1: the prior).
        """
        noise = keras.random.normal((num_points, self.latent_dim), seed=replica_seed(self.seed_generator))
        if temperature != 1.0:
            noise = noise * temperature
        return noise if labels is None else self.prior_points(noise, labels)

    def prior_points(self, noise, labels=None):
        """Maps standard-normal points `(n, latent_dim)` to points of the prior (of p(z | y) with labels).

        N(0, I) priors return `noise` unchanged; a family with a learned
        Gaussian prior returns `mean + exp(log_var / 2) * noise`. Zero noise
        gives the prior's mode. Latent tools use it to draw, start from and
        walk between prior points.
        """
        return noise

    def check_latent_points(self, latent_points):
        """Returns `latent_points` as float32 after checking their shape."""
        return check_latent_points(latent_points, self.latent_dim)

    # Families whose generation reads a vector of each condition (a condition encoder's phi(t), or the
    # attribute vector itself) set this and implement `embedding_shape`, `_embed_conditions_batch` and
    # `_generate_from_embeddings`; `embed_conditions` and `generate(embeddings=...)` follow.
    embeds_conditions = False

    def embed_conditions(self, conditions, training=False, batch_size=256):
        """The vectors generation reads from `conditions`, `(n, *embedding_shape)`: what condition walks move.

        `generate(latent_points=z, embeddings=model.embed_conditions(c))` equals
        `generate(latent_points=z, conditions=c)`. Arrays, lists and strings
        from users are checked as `generate` checks conditions and give a
        float32 numpy array; tensors (a family's own step) pass unchecked and
        give a tensor. Families without condition vectors (the class-conditional
        ones, which read class ids directly) raise a ValueError.
        """
        self._require_embeddings()
        if ops.is_tensor(conditions):
            return self._embed_conditions_batch(conditions, training)
        count = len(next(iter(conditions.values())) if isinstance(conditions, dict) else conditions)
        checked = self.check_conditions(conditions, count, required=True)
        tensors = keras.tree.map_structure(ops.convert_to_tensor, checked)
        return _batched(lambda c: self._embed_conditions_batch(c, training), [tensors], batch_size).astype("float32")

    def _require_embeddings(self):
        if self.embeds_conditions:
            return
        name = type(self).__name__
        if self.condition is None:
            raise ValueError(f"{name} is not conditional: it has no conditions to embed.")
        raise ValueError(
            f"{name} reads its conditions ({self.condition!r}) directly, not as vectors, so it has no condition "
            "embeddings; walk its latent points instead (keras_gen.latent.interpolate), or use a family with "
            "condition vectors (GANCLS, StackGAN, Attribute2Image, ConditionalGAN with condition=).")

    @property
    def embedding_shape(self) -> tuple:
        """The shape of one condition's embedding, e.g. `(128,)` (families with `embeds_conditions`)."""
        self._require_embeddings()
        raise NotImplementedError

    def _embed_conditions_batch(self, conditions, training=False):
        raise NotImplementedError

    def _generate_from_embeddings(self, latent_points, embeddings):
        raise NotImplementedError

    def _checked_embeddings(self, embeddings, count):
        self._require_embeddings()
        if not ops.is_tensor(embeddings):
            values = np.asarray(embeddings)
            if values.dtype.kind not in "fiu" or not np.all(np.isfinite(values)):
                raise ValueError("embeddings must be finite numbers, as model.embed_conditions(conditions) gives.")
        embeddings = ops.convert_to_tensor(embeddings, "float32")
        size = tuple(self.embedding_shape)
        if tuple(embeddings.shape) != (count, *size):
            raise ValueError(f"Pass one embedding per latent point, shape ({', '.join(map(str, (count, *size)))}) "
                             f"as model.embed_conditions gives; got {tuple(embeddings.shape)}.")
        return embeddings

    def generate(self, num_images=None, *, latent_points=None, labels=None, conditions=None, temperature=1.0,
                 batch_size=256, embeddings=None):
        """Generates images from the prior, in `data_scale`, as a numpy array.

        Args:
            num_images: how many images to draw (latent points come from the
                model's seed generator).
            latent_points: alternatively, the latent points to decode, shape
                `(n, latent_dim)`; the same points give the same images.
            labels: for conditional models, one integer class per image (None:
                the classes in turn); unconditional models take none.
            conditions: what each image is conditioned on, as `model.condition`
                says (for class-conditional models the same as `labels`;
                families conditioned on captions, attributes or layouts require
                it). With `latent_points`, the same points and conditions give
                the same images.
            temperature: scales the prior's standard-normal noise when points
                are drawn: 1 samples the model; below 1 trades variety for
                typical images (the "truncation" of Brock et al., 2019, in its
                simplest form; Kingma & Dhariwal, 2018, call it temperature).
            batch_size: how many images to compute at once.
            embeddings: instead of `conditions`, the vectors generation reads
                (`embed_conditions(conditions)`, or points between them), for
                families with `embeds_conditions`; needs `latent_points`.

        Returns:
            A float32 array of shape `(n, height, width, channels)`.
        """
        if (num_images is None) == (latent_points is None):
            raise ValueError("Pass either num_images or latent_points to generate(), not both.")
        temperature = check_temperature(temperature, latent_points)
        conditions = labels_or_conditions(labels, conditions)
        if embeddings is not None:
            if conditions is not None or latent_points is None:
                raise ValueError("generate(embeddings=...) takes latent_points= and no conditions= (or labels=): "
                                 "the embeddings stand for the conditions.")
            latent_points = self.check_latent_points(latent_points)
            embeddings = self._checked_embeddings(embeddings, latent_points.shape[0])
            return _batched(self._generate_from_embeddings, [latent_points, embeddings], batch_size).astype("float32")
        if latent_points is None:
            count = check_num_images(num_images)
            conditions = self.check_conditions(conditions, count)
            tensors = None if conditions is None else keras.tree.map_structure(ops.convert_to_tensor, conditions)
            latent_points = self.sample_latent(count, tensors, temperature)
        else:
            latent_points = self.check_latent_points(latent_points)
            conditions = self.check_conditions(conditions, latent_points.shape[0])
        if conditions is None:
            images = _batched(lambda z: self._generate_batch(z, None), [latent_points], batch_size)
        else:
            conditions = keras.tree.map_structure(ops.convert_to_tensor, conditions)
            images = _batched(self._generate_batch, [latent_points, conditions], batch_size)
        return images.astype("float32")

    def grid_samples(self, n=64, seed=0, columns=None, temperature=1.0):
        """`(images, columns)` of a snapshot grid of about `n` samples from `fixed_latent_points(seed)`.

        Class-conditional models get one row per class (`n` rounded up to
        fill whole rows); families with codes override this. `temperature`
        scales the fixed standard-normal points before the prior maps them.
        """
        temperature = check_temperature(temperature)
        labels = None
        if self.label_conditional:
            columns = columns or max(1, -(-n // self.num_classes))
            labels = np.repeat(np.arange(self.num_classes, dtype="int32"), columns)
            n = len(labels)
        points = fixed_latent_points(n, self.latent_dim, seed) * np.float32(temperature)
        if labels is not None:
            points = ops.convert_to_numpy(self.prior_points(points, ops.convert_to_tensor(labels, "int32")))
        return self.generate(latent_points=points, labels=labels), columns

    def sample(self, num_images=None, *, latent_points=None, labels=None, conditions=None, temperature=1.0,
               batch_size=256):
        """Same as `generate`: draws new images from the model."""
        return self.generate(num_images, latent_points=latent_points, labels=labels, conditions=conditions,
                             temperature=temperature, batch_size=batch_size)

    def _generate_batch(self, latent_points, labels):
        raise NotImplementedError


class Encodes:
    """Capability: maps images to latent codes and back.

    A family implements `encode(images, labels=None)` and `decode(latent_points,
    labels=None)`; `reconstruct`, `latent_codes` and `reconstruction_rows`
    follow. Class-conditional families (`num_classes` set) need the labels in
    each call; the others take none.
    """

    def encode(self, images, labels=None):
        raise NotImplementedError

    def decode(self, latent_points, labels=None):
        raise NotImplementedError

    def _code(self, images, labels=None):
        """The latent code `reconstruct` decodes (the encoder's output, or its mean)."""
        return self.encode(images) if labels is None else self.encode(images, labels)

    def latent_codes(self, images, labels=None, batch_size=256):
        """The latent point each image maps to (a VAE: the posterior mean), `(n, latent_dim)`."""
        images = self.check_images(images)
        labels = self.check_labels(labels, len(images), required=True)
        return _batched_with_labels(self._code, images, labels, batch_size).astype("float32")

    def reconstruct(self, images, labels=None, batch_size=256):
        """Encodes images and decodes their codes, as a numpy array in `data_scale`."""
        images = self.check_images(images)
        labels = self.check_labels(labels, len(images), required=True)

        def round_trip(x, y):
            return self.decode(self._code(x, y)) if y is None else self.decode(self._code(x, y), y)

        return _batched_with_labels(round_trip, images, labels, batch_size).astype("float32")

    def reconstruction_rows(self, images, seed=0, labels=None):
        """The rows of a reconstruction grid for `images`: `{row name: images}`.

        `seed` fixes whatever randomness a family adds (a denoising
        autoencoder's noise), so grids of different epochs compare.
        """
        images = self.check_images(images)
        return {"input": images, "reconstruction": self.reconstruct(images, labels=labels)}


class Translates:
    """Capability: maps input images to output images (`translate(images)`).

    A family implements `_translate_batch(images, **options)`; its inputs have
    `input_image_shape`, its outputs `image_shape`. `translation_rows` gives
    the snapshot grid of input | output | target.
    """

    def translate(self, images, batch_size=256, **options):
        """Translates input images; returns a numpy array in `data_scale`.

        Args:
            images: `(n,) + input_image_shape` images in `data_scale`.
            batch_size: how many images to compute at once.
            **options: the family's own (`stochastic=True` for pix2pix,
                `direction="b_to_a"` for CycleGAN).
        """
        images = self.check_images(images, expected_shape=self.input_image_shape)
        return _batched(lambda x: self._translate_batch(x, **options), [images], batch_size).astype("float32")

    def _translate_batch(self, images, **options):
        raise NotImplementedError

    def translation_rows(self, inputs, targets=None, **options):
        """The rows of a translation grid: `{"input", "output"}` and `"target"` when given.

        Inputs smaller than the outputs (super-resolution) are shown enlarged
        to the outputs' size (nearest neighbour), so the rows line up.
        """
        inputs = np.asarray(inputs, "float32")
        outputs = self.translate(inputs, **options)
        shown = inputs
        if inputs.shape[1:3] != outputs.shape[1:3]:
            repeat = outputs.shape[1] // inputs.shape[1]
            shown = np.repeat(np.repeat(inputs, repeat, axis=1), repeat, axis=2)
        if shown.shape[-1] != outputs.shape[-1]:
            shown = np.repeat(shown.mean(axis=-1, keepdims=True), outputs.shape[-1], axis=-1)
        rows = {"input": shown, "output": outputs}
        if targets is not None:
            rows["target"] = np.asarray(targets, "float32")
        return rows


class HasLikelihood:
    """Capability: `log_prob(images)`, log p(x) in nats per image (exact or a lower bound).

    A family implements `_log_prob_batch(images)`; `bits_per_dim` follows.
    """

    # The metrics `keras_gen.evaluation.evaluate` reports for this family by default.
    likelihood_report = ("nll",)

    def log_prob(self, images, labels=None, batch_size=256, **options):
        """log p(x) per image in nats (for a VAE, the importance-weighted lower bound).

        Class-conditional families give log p(x | y) and need `labels`.
        """
        images = self.check_images(images)
        labels = self.check_labels(labels, len(images), required=True)
        return _batched_with_labels(
            lambda x, y: self._log_prob_batch(x, y, **options), images, labels, batch_size
        ).astype("float64")

    def bits_per_dim(self, images, labels=None, **log_prob_options):
        """-log2 p(x) divided by the number of pixel values, per image (per clip or voxel grid: `data_shape`)."""
        log_prob = self.log_prob(images, labels, **log_prob_options)
        return -log_prob / (math.log(2.0) * math.prod(self.data_shape))

    def _log_prob_batch(self, images, labels=None, **options):
        raise NotImplementedError


class Completes:
    """Capability: completes images from their top rows, `complete(images, known_rows=14)`.

    A family implements `complete`; `occluded` and `completion_rows` (the grid
    of known part | completions | original) follow.
    """

    def complete(self, images, known_rows=None, num_samples=1, labels=None, **options):
        raise NotImplementedError

    def default_known_rows(self):
        """The rows `complete` keeps when none are given: the top half."""
        return self.image_shape[0] // 2

    def occluded(self, images, known_rows):
        """A copy of `images` with every row from `known_rows` on set to the lowest pixel value."""
        hidden = np.array(images, "float32")
        hidden[:, known_rows:] = self.data_scale[0]
        return hidden

    def completion_rows(self, images, seed=0, labels=None, known_rows=None, num_samples=1, **options):
        """The rows of a completion grid for `images`: `{row name: images}`.

        The known part (`known_rows`, default the top half), `num_samples`
        completions ("completion", or "completion 1", "completion 2", ...), the
        original. `options` go to `complete` (e.g. `temperature`, `verbose`).
        """
        known_rows = self.default_known_rows() if known_rows is None else known_rows
        completed = self.complete(images, known_rows=known_rows, num_samples=num_samples, labels=labels, seed=seed,
                                  **options)
        completed = completed.reshape(len(completed), num_samples, *self.image_shape)
        rows = {"known": self.occluded(images, known_rows)}
        for index in range(num_samples):
            rows["completion" if num_samples == 1 else f"completion {index + 1}"] = completed[:, index]
        rows["original"] = np.asarray(images, "float32")
        return rows


class PredictsFrames:
    """Capability: continues clips from given frames, `predict_next(frames)` and `rollout(first_frames)`.

    A family of clips implements both; `prediction_clips` (the snapshot's
    grid of real clips beside continuations of their first frames) follows.
    """

    def predict_next(self, frames, num_samples=1, latent_points=None, batch_size=256):
        raise NotImplementedError

    def rollout(self, first_frames, num_frames=None, num_samples=1, latent_points=None, batch_size=256, **options):
        raise NotImplementedError

    def fixed_motion_codes(self, count, num_samples, seed=0):
        """Codes for `rollout` that depend only on `seed`: `(count, num_samples, latent_dim)` from N(0, I), or
        None for a model without codes (a deterministic predictor)."""
        if not getattr(self, "stochastic", False):
            return None
        return fixed_latent_points(count * num_samples, self.latent_dim, seed).reshape(count, num_samples, -1)

    def prediction_clips(self, clips, num_samples=3, seed=0):
        """`(clips, columns)` of a prediction grid: each real clip, then `num_samples` continuations of its
        first frame from `fixed_motion_codes(seed)`, as many frames long; one real clip per grid row.

        Example:
        >>> model = keras_gen.models.CrossConvCVAE.for_videos((4, 16, 16, 1), latent_dim=4, num_kernels=4, width=8,
        ...                                                   hidden_units=16, seed=0)
        >>> grid_clips, columns = model.prediction_clips(np.zeros((2, 4, 16, 16, 1), "float32"))
        >>> grid_clips.shape, columns   # 2 rows: the real clip, then 3 continuations
        ((8, 4, 16, 16, 1), 4)
        """
        clips = np.asarray(clips, "float32")
        rolled = self.rollout(clips[:, 0], num_frames=clips.shape[1], num_samples=num_samples,
                              latent_points=self.fixed_motion_codes(len(clips), num_samples, seed))
        rows = np.concatenate([clips[:, None], np.asarray(rolled, "float32")], axis=1)
        return rows.reshape(-1, *rows.shape[2:]), 1 + num_samples


CAPABILITIES = {
    "completes": Completes,
    "predicts_frames": PredictsFrames,
    "samples": Generates,
    "encodes": Encodes,
    "translates": Translates,
    "likelihood": HasLikelihood,
}


def capabilities(model) -> list[str]:
    """The names of the capabilities `model` has, e.g. `["encodes", "samples"]`.

    Example:
    >>> capabilities(keras_gen.models.VAE.for_images((28, 28, 1)))
    ['encodes', 'likelihood', 'samples']
    """
    return sorted(name for name, capability in CAPABILITIES.items() if isinstance(model, capability))
