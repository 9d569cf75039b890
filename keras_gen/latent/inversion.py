"""Images into a latent space: the encoder, or GAN inversion by optimization.

`to_latent` encodes images with the model's encoder when it has one, else
finds latent points by `invert` (Zhu et al., 2016). `train_inversion_encoder`
learns an encoder for a GAN, a fast start for `invert`; `best_random_latents`
is the baseline inversion must beat.

Example:
>>> x_test, _ = keras_gen.data.load_numpy("fashion_mnist", "test", limit=16)
>>> gan = keras_gen.models.DCGAN.for_images((28, 28, 1), latent_dim=128, seed=0)  # then fit it
>>> result = invert(gan, x_test, steps=20)
>>> result.latent_points.shape  # and result.pixel_error, one per image
(16, 128)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import keras
import numpy as np
from keras import ops

from keras_gen.data.conditions import Condition, condition_rows
from keras_gen.latent.conditions import (
    Relaxation,
    best_starts,
    relax,
    relaxable_parts,
    relaxed_generator,
    start_parameters,
    whole_conditions,
)
from keras_gen.latent.space import (
    _check_latent_points,
    _generator,
    _labels_for,
    _latent_dim,
    _prior_points,
    decode_points,
)
from keras_gen.models.capabilities import Encodes, labels_or_conditions
from keras_gen.training import compiled, minimize

PIXEL_LOSSES = ("mse", "l1")


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
        conditions: the images' conditions, in the condition's own valid form
            (an array, or a dict of them): found by the joint search with
            `infer_conditions=True` (attributes clipped to their range,
            multi-hot bits rounded to 0/1, layouts the most probable region
            per cell), else the ones given (checked; None for unconditional
            models). The reconstructions are generated from them.
    """

    latent_points: np.ndarray
    reconstructions: np.ndarray
    pixel_error: np.ndarray
    feature_distance: np.ndarray | None
    history: dict
    conditions: np.ndarray | dict | None = None

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
    conditions=None,
    infer_conditions: bool = False,
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

    Conditional models: with `conditions` (or `labels`) they stay fixed and
    only z moves. `infer_conditions=True` searches (z, c) jointly, the
    projection of Karacan et al. (2016), starting from `conditions` or, when
    None, from neutral ones (attributes mid-range, multi-hot bits and layout
    cells uniform). During the search c is relaxed (attributes clipped to
    their range after each step, multi-hot bits and layouts as the sigmoid /
    softmax of logits); `Inversion.conditions` gives them back in their valid
    form. Captions and class ids cannot be relaxed (a ValueError).

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
        conditions: the images' conditions (`labels` is the same argument),
            captions as strings or ids; the start of the search with
            `infer_conditions`.
        infer_conditions: search the conditions too (see above).

    Returns:
        An `Inversion`: latent points, reconstructions, per-image errors, history.

    Example:
    >>> x_test, _ = keras_gen.data.load_numpy("fashion_mnist", "test", limit=16)
    >>> gan = keras_gen.models.DCGAN.for_images((28, 28, 1), latent_dim=128, seed=0)  # then fit it
    >>> result = invert(gan, x_test, steps=20)
    >>> result.latent_points.shape, result.pixel_error.shape
    ((16, 128), (16,))
    """
    generate = _generator(gan)
    images = gan.check_images(images)
    labels = labels_or_conditions(labels, conditions)
    if not isinstance(infer_conditions, bool):
        raise ValueError(f"infer_conditions is True or False, got {infer_conditions!r}.")  # noqa: TRY004
    search = None
    if infer_conditions:
        parts = relaxable_parts(gan)
        labels = None if labels is None else gan.check_conditions(labels, len(images), required=True)
        search = (parts, start_parameters(parts, labels, len(images)), relaxed_generator(gan, parts))
        labels = None
    else:
        labels = _labels_for(gan, labels, len(images))
    if loss not in PIXEL_LOSSES:
        raise ValueError(f"Unknown inversion loss {loss!r}; choose one of {PIXEL_LOSSES}.")
    for name, value, low in (("steps", steps, 0), ("batch_size", batch_size, 1), ("start_candidates", start_candidates, 1),
                             ("log_every", log_every, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate!r}.")
    start = _start(gan, generate, images, encoder, start_candidates, labels, seed, batch_size, search)
    parts, found = [], []
    for i in _progress(range(0, len(images), batch_size), steps, len(images), batch_size, verbose):
        relaxation = None if search is None else Relaxation(
            search[0], {part: values[i : i + batch_size] for part, values in search[1].items()})
        parts.append(_optimize_batch(
            generate if search is None else search[2], gan.data_scale, images[i : i + batch_size],
            start[i : i + batch_size], condition_rows(labels, i, i + batch_size),
            steps, loss, feature_model, feature_weight, learning_rate, log_every, relaxation,
        ))
        found.append(None if relaxation is None else relaxation.valid())
    if search is not None:
        labels = {part: np.concatenate([rows[part] for rows in found]) for part in search[0]}
        labels = whole_conditions(labels)
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
    return Inversion(points, reconstructions, pixel_error, feature_distance, history, labels)


def _start(gan, generate, images, encoder, start_candidates, labels, seed, batch_size, search):
    """Where the search starts: the encoder's guess, else the best of `start_candidates` random points."""
    if encoder is not None:
        start = np.concatenate([
            ops.convert_to_numpy(encoder(images[i : i + batch_size], training=False))
            for i in range(0, len(images), batch_size)
        ]).astype("float32")
        return _check_latent_points(gan, start, "encoder's outputs")
    if search is not None:  # each image's candidates decoded with its relaxed start conditions
        parts, parameters, generate = search
        relaxed = {part: ops.convert_to_numpy(relax(parts[part], ops.convert_to_tensor(values)))
                   for part, values in parameters.items()}
        return best_starts(generate, images, whole_conditions(relaxed), start_candidates,
                           gan.latent_dim, seed, batch_size)
    condition = gan.condition
    if labels is not None and not (isinstance(condition, Condition) and condition.kind == "classes"):
        return best_starts(generate, images, labels, start_candidates, gan.latent_dim, seed, batch_size)
    return best_random_latents(gan, images, start_candidates, labels, seed, batch_size)[0]


def _progress(batches, steps, count, batch_size, verbose):
    if not verbose:
        yield from batches
        return
    bar = keras.utils.Progbar(count, unit_name="image")
    for start in batches:
        yield start
        bar.add(min(batch_size, count - start))


def _optimize_batch(generate, data_scale, images, start, labels, steps, loss, feature_model, feature_weight,
                    learning_rate, log_every, relaxation=None):
    """Adam on the batch's z (and, with a `Relaxation`, its relaxed conditions): `(points, history)`."""
    targets = ops.convert_to_tensor(images)
    label_tensor = None if labels is None else keras.tree.map_structure(ops.convert_to_tensor, labels)
    target_features = None
    if feature_model is not None:
        target_features = ops.stop_gradient(_features(feature_model, targets, data_scale))
    latent = keras.Variable(start, name="latent_points")
    variables = [latent, *([] if relaxation is None else relaxation.variables)]
    optimizer = keras.optimizers.Adam(learning_rate)
    optimizer.build(variables)

    def per_image(points):
        generated = generate(points, label_tensor if relaxation is None else relaxation.relaxed())
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
        pixel = minimize(loss_fn, variables, optimizer)[1]
        if relaxation is not None:
            relaxation.project()
        return ops.mean(pixel)

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
    >>> x_train, _ = keras_gen.data.load_numpy("fashion_mnist", "train", limit=128)
    >>> gan = keras_gen.models.DCGAN.for_images((28, 28, 1), latent_dim=128, seed=0)  # then fit it
    >>> encoder = train_inversion_encoder(gan, x_train, epochs=1, width=8)
    >>> result = invert(gan, x_train[:8], encoder=encoder, steps=10)
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
