"""Walks through a latent space: interpolation, traversal, concept vectors and editing.

Every function takes any keras_gen model with a latent space; images go in
through `keras_gen.latent.to_latent` (the encoder, or `invert` for a GAN) and
come out through `decode_points`.

Example:
>>> x_test, y_test = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(0, 1), limit=100)
>>> vae = keras_gen.models.VAE.for_images((28, 28, 1), seed=0)  # then vae.compile(), vae.fit(...)
>>> walk = interpolate(vae, x_test[0], x_test[1], steps=8)  # (8, 28, 28, 1)
>>> boots, sneakers = x_test[y_test == 9], x_test[y_test == 7]
>>> vector = concept_vector(vae, boots, sneakers)
>>> edited = edit(vae, sneakers[:16], vector)
"""

from __future__ import annotations

import numpy as np

from keras_gen.latent.inversion import to_latent
from keras_gen.latent.space import (
    _check_latent_points,
    _check_vector,
    _generator,
    _labels_for,
    _latent_dim,
    _prior_points,
    decode_points,
    repeat_each,
    repeated_condition,
)
from keras_gen.models.capabilities import SamplesFromPrior

METHODS = ("slerp", "linear")


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
        return to_latent(model, value[None], repeated_condition(model, label, 1), **invert_options)[0]
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
        label: the condition of the walk, for a conditional model: one
            example's (a class, a caption, an attribute vector, a layout, or a
            dict of parts). To walk between two conditions, see
            `interpolate_conditions`.
        **invert_options: `invert` arguments for image endpoints of a GAN.

    Example:
    >>> gan = keras_gen.models.DCGAN.for_images((28, 28, 1), latent_dim=128, seed=0)
    >>> walk = interpolate(gan, np.zeros(128), np.ones(128), steps=10)
    >>> walk.shape
    (10, 28, 28, 1)
    """
    path = interpolation_path(
        _endpoint(model, start, label, invert_options), _endpoint(model, end, label, invert_options), steps, method
    )
    return decode_points(model, path, repeated_condition(model, label, len(path)))


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
        label: the condition, for a conditional model: one example's (a class,
            a caption, an attribute vector, a layout, or a dict of parts).
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
        base = _prior_points(model, np.zeros((1, dim), "float32"), repeated_condition(model, label, 1))[0]
    base = _check_latent_points(model, np.asarray(base, "float32").reshape(1, -1), "base")[0]
    points = np.repeat(base[None], len(dims) * len(values), axis=0).reshape(len(dims), len(values), dim)
    for row, d in enumerate(dims):
        points[row, :, d] = values
    images = decode_points(model, points.reshape(-1, dim), repeated_condition(model, label, len(dims) * len(values)))
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
    repeated = repeat_each(labels, len(strengths))
    edited = decode_points(model, moved.reshape(-1, points.shape[1]), repeated)
    return edited.reshape((len(images), len(strengths)) + edited.shape[1:])


def edit(model, images, vector, strength=1.0, labels=None, **invert_options) -> np.ndarray:
    """Encodes (or inverts) images, moves them by `strength * vector`, decodes: `(n, H, W, C)`.

    Example:
    >>> x_test, y_test = keras_gen.data.load_numpy("fashion_mnist", "test", scale=(0, 1), limit=100)
    >>> boots_set, sneakers_set = x_test[y_test == 9], x_test[y_test == 7]
    >>> vae = keras_gen.models.VAE.for_images((28, 28, 1), seed=0)  # then vae.compile(), vae.fit(...)
    >>> boots = edit(vae, sneakers_set[:4], concept_vector(vae, boots_set, sneakers_set))
    >>> boots.shape
    (4, 28, 28, 1)
    """
    if not np.isfinite(strength):
        raise ValueError(f"strength must be a finite number, got {strength!r}.")
    return apply_vector(model, images, vector, [float(strength)], labels, **invert_options)[:, 0]
