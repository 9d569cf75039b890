"""What users do with a latent space: walk it, traverse it, add concept vectors, invert a GAN, edit.

Every tool works on any keras_gen model with a latent space and asks only for
its capabilities (`keras_gen.models.capabilities`):

- images go *into* the latent space by the model's encoder when it `Encodes`
  (autoencoder, VAE, conditional VAE: the code, or the posterior mean), and by
  optimization (`invert`) when it only `SamplesFromPrior` (every GAN);
- latent points come *out* as images through `generate(latent_points=...)`
  (models with a prior) or `decode` (an autoencoder).

Class-conditional models (`num_classes` set) take `label=` (one class for a
walk or traversal) or `labels=` (one per image). Outputs are numpy arrays in
the model's `data_scale`; `save_image_grid` and `save_animation` write PNG
grids and GIF/MP4 walks.

Example:
>>> vae = keras_gen.models.VAE.for_images((28, 28, 1), seed=0)
>>> walk = keras_gen.latent.interpolate(vae, x_test[0], x_test[1], steps=8)  # (8, 28, 28, 1)
>>> boots = x_test[y_test == 9]; sneakers = x_test[y_test == 7]
>>> vector = keras_gen.latent.concept_vector(vae, boots, sneakers)
>>> edited = keras_gen.latent.edit(vae, sneakers[:16], vector)  # sneakers turned into boots
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable

import keras
import numpy as np
from keras import ops

from keras_gen.callbacks.image_snapshot import image_grid, save_grid
from keras_gen.models.capabilities import Encodes, SamplesFromPrior, check_latent_points
from keras_gen.training import compiled, minimize

METHODS = ("slerp", "linear")
PIXEL_LOSSES = ("mse", "l1")

__all__ = [
    "Inversion",
    "apply_vector",
    "best_random_latents",
    "blend",
    "concept_vector",
    "decode_points",
    "edit",
    "interpolate",
    "interpolation_path",
    "invert",
    "perceptual_path_length",
    "save_animation",
    "save_image_grid",
    "to_latent",
    "train_inversion_encoder",
    "traverse",
]


# --- checks ----------------------------------------------------------------------------
def _latent_dim(model) -> int:
    if not isinstance(model, (SamplesFromPrior, Encodes)):
        raise TypeError(
            f"{type(model).__name__} has no latent space (it neither samples from a prior nor "
            "encodes); latent tools work on autoencoders, VAEs and GANs."
        )
    return int(model.latent_dim)


def _labels_for(model, labels, count, what="images"):
    """One checked label per item for a conditional model; None for an unconditional one."""
    if labels is not None and np.ndim(labels) == 0:
        labels = np.full(count, labels)
    if model.label_conditional and labels is None:
        raise ValueError(
            f"{type(model).__name__} is class-conditional: pass the class of the {what} "
            f"(label=k for one class, labels=[...] for one per image), an integer in [0, {model.num_classes})."
        )
    return model.check_labels(labels, count, required=True)


def _prior_points(model, noise, labels=None) -> np.ndarray:
    """Standard-normal points mapped to the model's prior (p(z | y) with labels); unchanged for N(0, I)."""
    noise = np.asarray(noise, "float32")
    if labels is None or not hasattr(model, "prior_points"):
        return noise
    return keras.ops.convert_to_numpy(model.prior_points(noise, np.asarray(labels, "int32"))).astype("float32")


def _check_latent_points(model, points, what="latent points"):
    return ops.convert_to_numpy(check_latent_points(np.asarray(points), _latent_dim(model), what))


def _check_vector(model, vector):
    return _check_latent_points(model, np.asarray(vector, "float32").reshape(1, -1), "vector")[0]


# --- into and out of the latent space ------------------------------------------------
def to_latent(model, images, labels=None, **invert_options) -> np.ndarray:
    """The latent points of `images`, `(n, latent_dim)`: encoded, or found by `invert` for a GAN.

    Args:
        model: a model that encodes or samples from a prior.
        images: `(n, height, width, channels)` in the model's `data_scale`.
        labels: the images' classes, for a class-conditional model.
        **invert_options: `invert` arguments, used when the model has no encoder.
    """
    _latent_dim(model)
    images = model.check_images(images)
    labels = _labels_for(model, labels, len(images))
    if isinstance(model, Encodes):
        if invert_options:
            raise ValueError(
                f"{type(model).__name__} encodes images itself; the inversion options "
                f"{sorted(invert_options)} apply only to models without an encoder (GANs)."
            )
        return model.latent_codes(images, labels)
    return invert(model, images, labels=labels, **invert_options).latent_points


def decode_points(model, latent_points, labels=None, batch_size=256) -> np.ndarray:
    """Images `(n, height, width, channels)` of latent points: `generate` or, without a prior, `decode`."""
    points = _check_latent_points(model, latent_points)
    labels = _labels_for(model, labels, len(points), "latent points")
    if isinstance(model, SamplesFromPrior):
        return model.generate(latent_points=points, labels=labels, batch_size=batch_size)
    parts = []
    for start in range(0, len(points), batch_size):
        part_labels = None if labels is None else labels[start : start + batch_size]
        decoded = model.decode(points[start : start + batch_size], part_labels)
        parts.append(ops.convert_to_numpy(decoded))
    return np.concatenate(parts).astype("float32")


# --- walks ---------------------------------------------------------------------------
def blend(start, end, fractions, method="slerp") -> np.ndarray:
    """Points at `fractions` of the way from `start` to `end`, row by row: `(n, latent_dim)`.

    `start`, `end`: `(n, latent_dim)`; `fractions`: `(n,)`. `"slerp"` moves on
    the great circle (White, "Sampling Generative Networks", 2016), falling
    back to the line for parallel or zero points; `"linear"` on the line.
    """
    if method not in METHODS:
        raise ValueError(f"Unknown interpolation method {method!r}; choose one of {METHODS}.")
    start, end = np.asarray(start, "float64"), np.asarray(end, "float64")
    fractions = np.asarray(fractions, "float64").reshape(-1, 1)
    linear = (1.0 - fractions) * start + fractions * end
    if method == "linear":
        return linear
    norms = np.linalg.norm(start, axis=1, keepdims=True) * np.linalg.norm(end, axis=1, keepdims=True)
    cosine = np.sum(start * end, axis=1, keepdims=True) / np.where(norms == 0.0, 1.0, norms)
    omega = np.arccos(np.clip(cosine, -1.0, 1.0))
    sine = np.sin(omega)
    safe = np.where(sine < 1e-6, 1.0, sine)
    spherical = (np.sin((1.0 - fractions) * omega) * start + np.sin(fractions * omega) * end) / safe
    return np.where((sine < 1e-6) | (norms == 0.0), linear, spherical)


def interpolation_path(start, end, steps=8, method="slerp") -> np.ndarray:
    """`steps` latent points from `start` to `end`, both included: `(steps, latent_dim)`.

    `"slerp"` follows the great circle between the two points (White, "Sampling
    Generative Networks", 2016): under a Gaussian prior, points on the straight
    line have a smaller norm than typical samples, so linear paths pass
    through improbable, blurry images in high dimensions. `"linear"` is the
    straight line. Slerp falls back to the line when the points are parallel.

    Example:
    >>> interpolation_path(np.array([1.0, 0.0]), np.array([0.0, 1.0]), steps=3)[1]
    array([0.70710677, 0.70710677], dtype=float32)
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 2:
        raise ValueError(f"steps must be an integer >= 2 (both endpoints are included), got {steps!r}.")
    start, end = np.asarray(start, "float64").reshape(1, -1), np.asarray(end, "float64").reshape(1, -1)
    fractions = np.linspace(0.0, 1.0, int(steps))
    path = blend(np.repeat(start, steps, 0), np.repeat(end, steps, 0), fractions, method)
    path[0], path[-1] = start[0], end[0]  # exact endpoints
    return path.astype("float32")


def perceptual_path_length(model, feature_model, num_pairs=2000, method="slerp", epsilon=1e-4, seed=0,
                           labels=None, batch_size=256) -> float:
    """Perceptual path length (Karras, Laine & Aila, 2019, sec. 3), in a feature network's space.

    The mean of d(G(p(t)), G(p(t + epsilon))) / epsilon^2 over random pairs of
    prior points and t ~ U(0, 1), where p is the slerp or linear path and d the
    squared Euclidean distance of the images' features (the paper uses
    LPIPS/VGG; offline, the library's domain feature network stands in). As
    in the paper, the lowest and highest 1 % are dropped. Lower: a smoother
    latent space.

    Args:
        model: a model that samples from a prior.
        feature_model: a `keras_gen.evaluation.FeatureExtractor`.
        num_pairs: pairs of latent points.
        method: `"slerp"` or `"linear"`.
        epsilon: the step along the path.
        seed: seed of the points and positions.
        labels: one class per pair, for a class-conditional model.
        batch_size: images per feature-network call.
    """
    _generator(model)
    rng = np.random.default_rng(seed)
    start, end = (rng.standard_normal((num_pairs, model.latent_dim)) for _ in range(2))
    t = rng.uniform(0.0, 1.0 - epsilon, num_pairs)
    labels = None if labels is None else _labels_for(model, labels, num_pairs)
    # The path runs between standard-normal points; a learned prior maps each path point into its own.
    first, second = (_prior_points(model, blend(start, end, fraction, method), labels)
                     for fraction in (t, t + epsilon))
    features = [
        feature_model.features(decode_points(model, points.astype("float32"), labels), model.data_scale, batch_size)
        for points in (first, second)
    ]
    distances = np.sum((features[0].astype("float64") - features[1]) ** 2, axis=1) / epsilon**2
    low, high = np.percentile(distances, [1, 99])
    return float(distances[(distances >= low) & (distances <= high)].mean())


def _endpoint(model, value, label, invert_options):
    value = np.asarray(value, dtype="float32")
    dim = _latent_dim(model)
    if value.shape == (dim,):
        return value
    if value.shape == tuple(model.image_shape):
        labels = None if label is None else [label]
        return to_latent(model, value[None], labels, **invert_options)[0]
    raise ValueError(
        f"An endpoint must be one latent point of shape ({dim},) or one image of shape "
        f"{tuple(model.image_shape)}, got shape {value.shape}. For a batch, call interpolate once per pair."
    )


def interpolate(model, start, end, steps=8, method="slerp", label=None, **invert_options) -> np.ndarray:
    """The images along a latent path from `start` to `end`, both included: `(steps, H, W, C)`.

    Args:
        model: a model with a latent space.
        start, end: each a latent point `(latent_dim,)` or an image `(H, W, C)`
            (encoded, or inverted for a GAN).
        steps: how many images, the endpoints included.
        method: `"slerp"` (default, for Gaussian priors) or `"linear"`.
        label: the class of the walk, for a class-conditional model.
        **invert_options: `invert` arguments for image endpoints of a GAN.

    Example:
    >>> walk = interpolate(gan, np.zeros(128), np.ones(128), steps=10)
    >>> walk.shape
    (10, 28, 28, 1)
    """
    path = interpolation_path(
        _endpoint(model, start, label, invert_options), _endpoint(model, end, label, invert_options), steps, method
    )
    return decode_points(model, path, None if label is None else np.full(len(path), label))


def traverse(model, dims=(0, 1), values=None, base=None, label=None) -> np.ndarray:
    """Moves one latent dimension at a time: images `(len(dims), len(values), H, W, C)`.

    Row i sets dimension `dims[i]` of `base` to each of `values` in turn, the
    other dimensions fixed (the InfoGAN and beta-VAE pictures). `base` defaults
    to the prior's mode, the origin; an autoencoder has no prior, so it needs
    one (e.g. `to_latent(model, image[None])[0]`).

    Args:
        model: a model with a latent space.
        dims: the latent dimensions to move.
        values: the values each dimension takes; default `np.linspace(-2, 2, 5)`.
        base: one latent point `(latent_dim,)`.
        label: the class, for a class-conditional model.
    """
    dim = _latent_dim(model)
    values = np.linspace(-2.0, 2.0, 5) if values is None else np.asarray(values, "float32")
    if values.ndim != 1 or len(values) == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"values must be a non-empty 1-D sequence of finite numbers, got {values!r}.")
    dims = [int(d) for d in np.atleast_1d(dims)]
    if not dims or any(d < 0 or d >= dim for d in dims):
        raise ValueError(f"dims must be latent dimensions in [0, {dim}), got {dims}.")
    if base is None:
        if not isinstance(model, SamplesFromPrior):
            raise ValueError(
                f"{type(model).__name__} has no prior, so it has no mode to start from: pass base=, "
                "one latent point, e.g. keras_gen.latent.to_latent(model, image[None])[0]."
            )
        base = _prior_points(model, np.zeros((1, dim), "float32"), None if label is None else [label])[0]
    base = _check_latent_points(model, np.asarray(base, "float32").reshape(1, -1), "base")[0]
    points = np.repeat(base[None], len(dims) * len(values), axis=0).reshape(len(dims), len(values), dim)
    for row, d in enumerate(dims):
        points[row, :, d] = values
    labels = None if label is None else np.full(points.shape[0] * points.shape[1], label)
    images = decode_points(model, points.reshape(-1, dim), labels)
    return images.reshape((len(dims), len(values)) + images.shape[1:])


# --- concept vectors and editing -----------------------------------------------------
def concept_vector(model, images_with, images_without, labels_with=None, labels_without=None, **invert_options):
    """The mean latent difference between two sets of images: `(latent_dim,)`.

    The "smile vector" of the lectures (White, 2016; Larsen et al., 2016):
    mean code of images that show a concept minus the mean code of images that
    do not. Adding it to another image's code adds the concept.

    Args:
        model: a model with a latent space.
        images_with, images_without: `(n, H, W, C)` and `(m, H, W, C)`.
        labels_with, labels_without: their classes, for a class-conditional model.
        **invert_options: `invert` arguments for a GAN.
    """
    with_points = to_latent(model, images_with, labels_with, **invert_options)
    without_points = to_latent(model, images_without, labels_without, **invert_options)
    return (with_points.mean(axis=0) - without_points.mean(axis=0)).astype("float32")


def apply_vector(model, images, vector, strengths=(0.0, 0.5, 1.0, 1.5), labels=None, **invert_options):
    """Each image moved along `vector` by each strength: `(n, len(strengths), H, W, C)`.

    Strength 0 shows the model's own reconstruction of the image (encoded or
    inverted), so the columns differ only by the edit.
    """
    vector = _check_vector(model, vector)
    strengths = np.asarray(strengths, "float32").reshape(-1)
    if len(strengths) == 0 or not np.all(np.isfinite(strengths)):
        raise ValueError(f"strengths must be a non-empty sequence of finite numbers, got {strengths!r}.")
    images = model.check_images(images)
    labels = _labels_for(model, labels, len(images))
    points = to_latent(model, images, labels, **invert_options)
    moved = points[:, None, :] + strengths[None, :, None] * vector
    repeated = None if labels is None else np.repeat(labels, len(strengths))
    edited = decode_points(model, moved.reshape(-1, points.shape[1]), repeated)
    return edited.reshape((len(images), len(strengths)) + edited.shape[1:])


def edit(model, images, vector, strength=1.0, labels=None, **invert_options) -> np.ndarray:
    """Encodes (or inverts) images, moves them by `strength * vector`, decodes: `(n, H, W, C)`.

    Example:
    >>> boots = edit(vae, sneakers, concept_vector(vae, boots_set, sneakers_set))
    """
    if not np.isfinite(strength):
        raise ValueError(f"strength must be a finite number, got {strength!r}.")
    return apply_vector(model, images, vector, [float(strength)], labels, **invert_options)[:, 0]


# --- GAN inversion ------------------------------------------------------------------
@dataclasses.dataclass
class Inversion:
    """What `invert` found: latent points, their images and how close they come.

    Attributes:
        latent_points: `(n, latent_dim)`.
        reconstructions: `G(latent_points)`, `(n, H, W, C)` in the model's data scale.
        pixel_error: per-image mean squared pixel error of the reconstructions.
        feature_distance: per-image Euclidean distance in the feature model's
            space, when a `feature_model` was given; else None.
        history: `{"step": [...], "pixel_error": [...]}`, the mean pixel error
            at the logged steps (for error-versus-steps curves).
    """

    latent_points: np.ndarray
    reconstructions: np.ndarray
    pixel_error: np.ndarray
    feature_distance: np.ndarray | None
    history: dict

    @property
    def errors(self) -> np.ndarray:
        """The per-image reconstruction error (the pixel MSE)."""
        return self.pixel_error


def _pixel_loss(kind, images, targets):
    difference = images - targets
    per_pixel = ops.square(difference) if kind == "mse" else ops.abs(difference)
    return ops.mean(ops.reshape(per_pixel, (ops.shape(images)[0], -1)), axis=1)


def _features(feature_model, images, data_scale):
    if hasattr(feature_model, "feature_tensor"):
        return feature_model.feature_tensor(images, data_scale)
    features = feature_model(images)
    return ops.reshape(features, (ops.shape(features)[0], -1))


def _generator(model):
    if not isinstance(model, SamplesFromPrior):
        raise TypeError(f"{type(model).__name__} has no generator to invert (it does not sample from a prior).")
    return model._generate_batch


def best_random_latents(gan, images, candidates=1000, labels=None, seed=0, batch_size=256):
    """For each image, the best of `candidates` random prior points by pixel MSE: `(points, errors)`.

    The baseline inversion must beat, and a cheap start for it.
    """
    _latent_dim(gan)
    images = gan.check_images(images)
    labels = _labels_for(gan, labels, len(images))
    rng = np.random.default_rng(seed)
    points = rng.standard_normal((int(candidates), gan.latent_dim)).astype("float32")
    best_points = np.zeros((len(images), gan.latent_dim), "float32")
    best_errors = np.full(len(images), np.inf)
    flat_images = images.reshape(len(images), -1)
    # Unconditional models: one group; conditional ones: the candidates decoded with each label in turn.
    groups = [(np.ones(len(images), bool), None)] if labels is None else [(labels == k, k) for k in np.unique(labels)]
    for rows, label in groups:
        candidate_labels = None if label is None else np.full(len(points), label)
        candidates_of_label = _prior_points(gan, points, candidate_labels)
        flat = decode_points(gan, candidates_of_label, candidate_labels, batch_size).reshape(len(points), -1)
        distances = _squared_distances(flat_images[rows], flat)
        index = distances.argmin(axis=1)
        best_points[rows], best_errors[rows] = candidates_of_label[index], distances[np.arange(rows.sum()), index]
    return best_points, best_errors


def _squared_distances(images, candidates):
    """Mean squared pixel error of every image against every candidate: `(n, m)`."""
    cross = images @ candidates.T
    squared = (images**2).sum(1)[:, None] + (candidates**2).sum(1)[None, :] - 2.0 * cross
    return np.maximum(squared, 0.0) / images.shape[1]


def invert(
    gan,
    images,
    steps: int = 200,
    loss: str = "mse",
    feature_model=None,
    feature_weight: float = 1.0,
    encoder: keras.Model | Callable | None = None,
    start_candidates: int = 16,
    learning_rate: float = 0.05,
    labels=None,
    batch_size: int = 256,
    seed: int = 0,
    log_every: int = 10,
    verbose: int = 0,
) -> Inversion:
    """Projects real images into a GAN's latent space by optimization.

    Zhu, Krähenbühl, Shechtman & Efros, "Generative Visual Manipulation on the
    Natural Image Manifold" (2016), eq. 1: z* = argmin_z L(G(z), x), with L a
    pixel loss plus, when `feature_model` is given, `feature_weight` times the
    squared distance of the images' features (the library's domain feature
    network, `keras_gen.evaluation.domain_classifier(name)`, is the natural
    choice offline). Adam on z, every image independently.

    The start: the encoder's guess `encoder(images)` when an encoder is given
    (`train_inversion_encoder` learns one, so that G(E(x)) ~ x; `steps=0` then
    uses the encoder alone), else the best of `start_candidates` random prior
    points per image.

    Args:
        gan: any model that samples from a prior (every GAN; a VAE too).
        images: `(n, H, W, C)` in the model's `data_scale`.
        steps: optimizer steps (0: no optimization).
        loss: pixel loss, `"mse"` or `"l1"`.
        feature_model: a `keras_gen.evaluation.FeatureExtractor` or a Keras
            model from images (in the model's data scale) to features.
        feature_weight: weight of the feature term.
        encoder: a model from images to latent points, the start.
        start_candidates: random starts tried per image without an encoder.
        learning_rate: Adam's learning rate on z.
        labels: the images' classes, for a class-conditional model.
        batch_size: images optimized at once.
        seed: seed of the random starts.
        log_every: steps between `history` entries.
        verbose: 1 shows a progress bar.

    Returns:
        An `Inversion`: latent points, reconstructions, per-image errors, history.

    Example:
    >>> result = invert(gan, x_test[:100], steps=300)
    >>> result.latent_points.shape, result.pixel_error.mean()
    """
    generate = _generator(gan)
    images = gan.check_images(images)
    labels = _labels_for(gan, labels, len(images))
    if loss not in PIXEL_LOSSES:
        raise ValueError(f"Unknown inversion loss {loss!r}; choose one of {PIXEL_LOSSES}.")
    for name, value, low in (("steps", steps, 0), ("batch_size", batch_size, 1), ("start_candidates", start_candidates, 1),
                             ("log_every", log_every, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate!r}.")
    if encoder is not None:
        start = np.concatenate([
            ops.convert_to_numpy(encoder(images[i : i + batch_size], training=False))
            for i in range(0, len(images), batch_size)
        ]).astype("float32")
        start = _check_latent_points(gan, start, "encoder's outputs")
    else:
        start, _ = best_random_latents(gan, images, start_candidates, labels, seed, batch_size)
    parts = [
        _optimize_batch(
            generate, gan.data_scale, images[i : i + batch_size], start[i : i + batch_size],
            None if labels is None else labels[i : i + batch_size],
            steps, loss, feature_model, feature_weight, learning_rate, log_every,
        )
        for i in _progress(range(0, len(images), batch_size), steps, len(images), batch_size, verbose)
    ]
    points = np.concatenate([p[0] for p in parts])
    history_steps = parts[0][1]["step"]
    weights = np.array([len(p[0]) for p in parts], "float64") / len(points)
    history = {
        "step": history_steps,
        "pixel_error": list(np.sum([w * np.array(p[1]["pixel_error"]) for w, p in zip(weights, parts)], axis=0)),
    }
    reconstructions = decode_points(gan, points, labels, batch_size)
    pixel_error = np.mean((reconstructions - images).reshape(len(images), -1) ** 2, axis=1)
    feature_distance = None
    if feature_model is not None:
        feature_distance = np.concatenate([
            np.linalg.norm(
                ops.convert_to_numpy(_features(feature_model, reconstructions[i : i + batch_size], gan.data_scale))
                - ops.convert_to_numpy(_features(feature_model, images[i : i + batch_size], gan.data_scale)),
                axis=1,
            )
            for i in range(0, len(images), batch_size)
        ])
    return Inversion(points, reconstructions, pixel_error, feature_distance, history)


def _progress(batches, steps, count, batch_size, verbose):
    if not verbose:
        yield from batches
        return
    bar = keras.utils.Progbar(count, unit_name="image")
    for start in batches:
        yield start
        bar.add(min(batch_size, count - start))


def _optimize_batch(generate, data_scale, images, start, labels, steps, loss, feature_model, feature_weight,
                    learning_rate, log_every):
    targets = ops.convert_to_tensor(images)
    label_tensor = None if labels is None else ops.convert_to_tensor(labels, "int32")
    target_features = None
    if feature_model is not None:
        target_features = ops.stop_gradient(_features(feature_model, targets, data_scale))
    latent = keras.Variable(start, name="latent_points")
    optimizer = keras.optimizers.Adam(learning_rate)
    optimizer.build([latent])

    def per_image(points):
        generated = generate(points, label_tensor)
        pixel = _pixel_loss(loss, generated, targets)
        total = pixel
        if target_features is not None:
            difference = _features(feature_model, generated, data_scale) - target_features
            total = total + feature_weight * ops.mean(ops.square(difference), axis=1)
        return total, pixel

    def loss_fn():
        total, pixel = per_image(latent)
        # The sum keeps each image's gradient its own; Adam normalizes the scale.
        return ops.sum(total), pixel

    def step():
        return ops.mean(minimize(loss_fn, [latent], optimizer)[1])

    step = compiled(step)
    history = {"step": [0], "pixel_error": [float(ops.convert_to_numpy(ops.mean(per_image(latent)[1])))]}
    for index in range(1, steps + 1):
        error = step()
        if index % log_every == 0 or index == steps:
            history["step"].append(index)
            history["pixel_error"].append(float(ops.convert_to_numpy(error)))
    return ops.convert_to_numpy(latent.value).astype("float32"), history


def train_inversion_encoder(
    gan,
    images,
    epochs: int = 5,
    batch_size: int = 64,
    latent_weight: float = 1.0,
    encoder: keras.Model | None = None,
    width: int = 32,
    learning_rate: float = 1e-3,
    labels=None,
    seed: int = 0,
    verbose: int = 0,
) -> keras.Model:
    """Learns an encoder E with G(E(x)) ~ x, a fast start for `invert` (Zhu et al., 2016, sec. 3.2).

    The generator stays fixed. Each step lowers the pixel MSE of G(E(x)) on a
    batch of real images plus `latent_weight` times the latent regression
    error |E(G(z)) - z|^2 on a batch of generated ones (whose true codes are
    known). The encoder is a plain Keras model (save it with `.save`).

    Args:
        gan: an unconditional model that samples from a prior.
        images: real training images `(n, H, W, C)` in the model's data scale.
        epochs: passes over `images`.
        batch_size: images per step.
        latent_weight: weight of the latent regression term.
        encoder: a model from images to `(batch, latent_dim)`; default
            `keras_gen.networks.conv_encoder(..., variational=False)`.
        width: filters of the default encoder's first convolution.
        learning_rate: Adam's learning rate.
        labels: not supported yet for class-conditional models (a clear error).
        seed: seed of the shuffling and the latent draws.
        verbose: 1 prints the loss after each epoch.

    Example:
    >>> encoder = train_inversion_encoder(gan, x_train, epochs=3)
    >>> result = invert(gan, x_test[:100], encoder=encoder, steps=50)
    """
    from keras_gen import networks

    generate = _generator(gan)
    if gan.label_conditional or labels is not None:
        raise ValueError(
            "train_inversion_encoder learns an encoder for unconditional models; for a class-conditional "
            "model, invert by optimization with invert(model, images, labels=...)."
        )
    images = gan.check_images(images)
    if encoder is None:
        encoder = networks.conv_encoder(
            gan.image_shape, gan.latent_dim, width, hidden_units=256, variational=False, name="inversion_encoder"
        )
    optimizer = keras.optimizers.Adam(learning_rate)
    optimizer.build(encoder.trainable_variables)
    seed_generator = keras.random.SeedGenerator(seed)

    def step(real):
        def loss_fn():
            pixel = ops.mean(_pixel_loss("mse", generate(encoder(real, training=True), None), real))
            codes = keras.random.normal((ops.shape(real)[0], gan.latent_dim), seed=seed_generator)
            regression = ops.mean(ops.square(encoder(generate(codes, None), training=True) - codes))
            return pixel + latent_weight * regression, pixel

        return minimize(loss_fn, encoder.trainable_variables, optimizer)[1]

    step = compiled(step)
    rng = np.random.default_rng(seed)
    for epoch in range(int(epochs)):
        order = rng.permutation(len(images))
        errors = [
            float(ops.convert_to_numpy(step(ops.convert_to_tensor(images[order[i : i + batch_size]]))))
            for i in range(0, len(images) - batch_size + 1, batch_size)
        ]
        if verbose:
            print(f"inversion encoder, epoch {epoch + 1}/{epochs}: pixel MSE {np.mean(errors):.4f}", flush=True)
    return encoder


# --- pictures ------------------------------------------------------------------------
def save_image_grid(images, path, data_scale=(-1.0, 1.0), columns=None) -> str:
    """Writes images as one PNG grid; `(rows, columns, H, W, C)` arrays keep their layout.

    Example:
    >>> save_image_grid(traverse(vae, dims=[0, 1]), "traversal.png", vae.data_scale)
    'traversal.png'
    """
    images = np.asarray(images)
    if images.ndim == 5:
        columns = images.shape[1]
        images = images.reshape((-1,) + images.shape[2:])
    if images.ndim != 4:
        raise ValueError(
            f"save_image_grid takes (n, H, W, C) or (rows, columns, H, W, C) images, got shape {images.shape}."
        )
    return save_grid(image_grid(images, data_scale, columns), path)


def save_animation(walks, path, data_scale=(-1.0, 1.0), fps=8, columns=None, bounce=True) -> str:
    """Writes latent walks as an animated GIF (or MP4) with imageio: frame t shows step t of each walk.

    Args:
        walks: one walk `(steps, H, W, C)` or several `(n, steps, H, W, C)`.
        path: `.gif`, or `.mp4` (needs the `imageio-ffmpeg` package).
        data_scale: the images' pixel range.
        fps: frames per second.
        columns: walks per row of each frame.
        bounce: play the walk forward, then back, so the loop is seamless.
    """
    import imageio.v3 as iio

    walks = np.asarray(walks)
    if walks.ndim == 4:
        walks = walks[None]
    if walks.ndim != 5 or walks.shape[1] < 1:
        raise ValueError(f"save_animation takes (steps, H, W, C) or (n, steps, H, W, C) walks, got {walks.shape}.")
    extension = os.path.splitext(path)[1].lower()
    if extension not in (".gif", ".mp4"):
        raise ValueError(f"save_animation writes .gif or .mp4 files, got {path!r}.")
    frames = [image_grid(walks[:, step], data_scale, columns) for step in range(walks.shape[1])]
    if bounce and len(frames) > 2:
        frames = frames + frames[-2:0:-1]
    frames = np.stack(frames)
    if frames.shape[-1] == 1:
        frames = frames[..., 0]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if extension == ".gif":
        iio.imwrite(path, frames, duration=1000.0 / fps, loop=0)
    else:
        try:
            import imageio_ffmpeg  # noqa: F401
        except ImportError:
            raise ValueError(
                "Writing MP4 needs the imageio-ffmpeg package: pip install imageio-ffmpeg, or write a .gif."
            ) from None
        if frames.ndim == 3:
            frames = np.repeat(frames[..., None], 3, axis=-1)
        iio.imwrite(path, frames, fps=fps, macro_block_size=1)
    return path
