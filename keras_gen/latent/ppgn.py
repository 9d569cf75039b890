"""Plug & play sampling: Langevin chains in a latent space, guided by a classifier.

Nguyen, Clune, Bengio, Dosovitskiy & Yosinski, "Plug & Play Generative
Networks: Conditional Iterative Generation of Images in Latent Space" (CVPR
2017; arXiv 2016), eq. 5 in the latent code h of a generator G:

    h <- h + eps1 * (R(h) - h) + eps2 * g + N(0, eps3^2),
    g = grad_h log p(target | G(h)),

where R is a denoising autoencoder of codes (`train_latent_denoiser`), whose
residual R(h) - h points up the codes' density (Alain & Bengio, 2014), and g
is scaled to unit RMS per chain. Without a denoiser the N(0, I) prior's own
score, -h, takes its place.

The guide (the classifier whose gradient steers the chain) and the judge
(the classifier that scores the results) must be different networks: guided
samples can be adversarial examples of their guide, images it is sure of and
no other network would call that class.

Example:
>>> gan = keras_gen.models.DCGAN.for_images((28, 28, 1), latent_dim=128, seed=0)  # then fit it
>>> guide = keras_gen.evaluation.domain_classifier("fashion_mnist")
>>> chain = ppgn_sample(gan, guide, ["sneaker"] * 4, steps=20)
>>> chain.images.shape, chain.target_probability.shape
((4, 28, 28, 1), (4,))
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from keras_gen.latent.inversion import to_latent
from keras_gen.latent.space import _check_latent_points, _latent_dim, _prior_points
from keras_gen.models.capabilities import Encodes, SamplesFromPrior
from keras_gen.training import compiled, input_gradients


@keras.saving.register_keras_serializable(package="keras_gen")
class LatentDenoiser(keras.Model):
    """R: a denoising autoencoder of latent codes, the learned prior of plug & play sampling.

    An MLP on codes `(batch, latent_dim)`. In training it first adds
    N(0, noise_stddev^2) to its input (a `GaussianNoise` layer) and learns to
    give the clean code back; at inference it maps a code to a nearby, more
    typical one. It is residual, R(h) = h + f(h), with f's last layer starting
    at zero, so an untrained R pulls nowhere; R(h) - h estimates
    noise_stddev^2 times the score grad log p(h) (Alain & Bengio, "What
    Regularized Auto-Encoders Learn from the Data-Generating Distribution",
    2014). Saves as `.keras`.

    Args:
        latent_dim: length of a code.
        hidden_units: units of the hidden ReLU layers.
        noise_stddev: the training noise's standard deviation.
        seed: seed of the weights and the training noise.

    Example:
    >>> denoiser = LatentDenoiser(16, hidden_units=(64, 64), seed=0)
    >>> denoiser(np.zeros((2, 16), "float32")).shape
    TensorShape([2, 16])
    """

    def __init__(self, latent_dim, hidden_units=(256, 256), noise_stddev=0.3, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = int(latent_dim)
        self.hidden_units = tuple(int(units) for units in hidden_units)
        self.noise_stddev = float(noise_stddev)
        self.seed = seed
        if self.latent_dim < 1 or not self.hidden_units or min(self.hidden_units) < 1:
            raise ValueError(
                f"LatentDenoiser needs latent_dim >= 1 and at least one hidden layer of >= 1 units, got "
                f"latent_dim={latent_dim}, hidden_units={hidden_units}."
            )
        if not (math.isfinite(self.noise_stddev) and self.noise_stddev > 0):
            raise ValueError(f"noise_stddev must be a positive number, got {noise_stddev!r}.")
        base = 0 if seed is None else int(seed) * 100
        self.noise = keras.layers.GaussianNoise(self.noise_stddev, seed=None if seed is None else base, name="noise")
        self.hidden = [
            keras.layers.Dense(units, activation="relu", name=f"hidden{index + 1}",
                               kernel_initializer=keras.initializers.HeNormal(
                                   seed=None if seed is None else base + index + 1))
            for index, units in enumerate(self.hidden_units)
        ]
        self.residual = keras.layers.Dense(self.latent_dim, kernel_initializer="zeros", name="residual")
        self.build((None, self.latent_dim))

    def build(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.hidden:
            layer.build(shape)
            shape = shape[:-1] + (layer.units,)
        self.residual.build(shape)
        self.built = True

    def call(self, latent_points, training=False):
        noisy = self.noise(latent_points, training=training)
        x = noisy
        for layer in self.hidden:
            x = layer(x)
        return noisy + self.residual(x)

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "hidden_units": list(self.hidden_units),
            "noise_stddev": self.noise_stddev,
            "seed": self.seed,
        }


def _check_count(value, name, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    return int(value)


def train_latent_denoiser(
    model,
    images,
    noise_stddev: float = 0.3,
    epochs: int = 20,
    batch_size: int = 256,
    seed: int = 0,
    hidden_units: Sequence[int] = (256, 256),
    learning_rate: float = 1e-3,
    conditions=None,
    verbose: int = 0,
    **invert_options,
) -> LatentDenoiser:
    """Learns the prior R of plug & play sampling: a `LatentDenoiser` on the codes of real images.

    The codes come from `to_latent`: the model's encoder when it encodes, else
    `invert` (every GAN; `**invert_options` such as `steps=` go to it). R is
    trained with Adam on the mean squared error of R(h + noise) against h.

    Args:
        model: a model with a latent space.
        images: real images `(n, H, W, C)` in the model's `data_scale`.
        noise_stddev: standard deviation of the noise added to the codes.
        epochs: passes over the codes.
        batch_size: codes per step.
        seed: seed of the weights, the noise and the shuffling.
        hidden_units: units of R's hidden layers.
        learning_rate: Adam's learning rate.
        conditions: the images' classes, for a class-conditional model.
        verbose: Keras' progress bar over all the passes (1), or none (0).
        **invert_options: `invert` arguments, for a model without an encoder.

    Returns:
        The trained `LatentDenoiser` (save it with `.save("denoiser.keras")`).

    Example:
    >>> x_train, _ = keras_gen.data.load_numpy("fashion_mnist", "train", limit=256)  # 2,000 or more
    >>> gan = keras_gen.models.DCGAN.for_images((28, 28, 1), latent_dim=128, seed=0)  # then fit it
    >>> denoiser = train_latent_denoiser(gan, x_train, epochs=2, steps=10)  # codes by inversion, 10 steps
    >>> denoiser.save("denoiser.keras")
    """
    dim = _latent_dim(model)
    epochs = _check_count(epochs, "epochs", 1)
    batch_size = _check_count(batch_size, "batch_size", 1)
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate!r}.")
    denoiser = LatentDenoiser(dim, hidden_units, noise_stddev, seed=seed, name="latent_denoiser")
    codes = to_latent(model, images, conditions, **invert_options)
    denoiser.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    rng = np.random.default_rng(seed)
    # A new seeded order per epoch (fit's shuffling would draw on the global seed), and the passes
    # in a row through one fit, which is then set up once.
    order = np.concatenate([rng.permutation(len(codes)) for _ in range(epochs)])
    denoiser.fit(codes[order], codes[order], batch_size=batch_size, epochs=1, shuffle=False, verbose=verbose)
    return denoiser


@dataclasses.dataclass
class LangevinChain:
    """What `ppgn_sample` drew: one chain per target.

    Attributes:
        images: the final images `G(latent_points)`, `(n, H, W, C)` in the model's data scale.
        latent_points: the final codes, `(n, latent_dim)`.
        target_probability: the guide's probability of each chain's target on
            its final image, `(n,)`.
        targets: the class index of each chain, `(n,)`.
        history: `{"step": [...], "target_probability": [...]}`, the mean
            target probability at the recorded steps (0, every `save_every`, the last).
        frames: the images at the recorded steps, `(n, len(history["step"]), H, W, C)`,
            ready for `keras_gen.visualization.save_animation`.
    """

    images: np.ndarray
    latent_points: np.ndarray
    target_probability: np.ndarray
    targets: np.ndarray
    history: dict
    frames: np.ndarray


def _class_key(name) -> str:
    return str(name).lower().replace(" ", "_").replace("/", "_").replace("-", "_")


def target_indices(targets, num_classes: int, class_names: Sequence[str] | None = None) -> np.ndarray:
    """One class index per chain from indices or class names: `(n,)` int32, or a ValueError naming the fix.

    Names match case-insensitively, with spaces, "/" and "-" read as "_"
    ("ankle_boot", "Ankle boot", "t_shirt_top").

    Example:
    >>> target_indices(["sneaker", 9], 10, keras_gen.data.info("fashion_mnist").class_names)
    array([7, 9], dtype=int32)
    """
    values = [targets] if isinstance(targets, (str, int, np.integer)) else list(np.asarray(targets, object).ravel())
    if not values:
        raise ValueError("targets is empty: give one class (an index or a name) per chain.")
    keys = None if class_names is None else [_class_key(n) for n in class_names]
    indices = []
    for value in values:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, str):
            if keys is None:
                raise ValueError(
                    f"target {value!r} is a class name, but the classifier knows no class names: pass class "
                    f"indices in [0, {num_classes}), or class_names=."
                )
            if _class_key(value) not in keys:
                raise ValueError(
                    f"target {value!r} is not one of the classifier's classes; they are {', '.join(keys)} "
                    f"(or their indices 0-{num_classes - 1})."
                )
            indices.append(keys.index(_class_key(value)))
            continue
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"targets must be class indices or names, got {value!r} ({type(value).__name__}).")  # noqa: TRY004 (one error type for every bad target)
        if not 0 <= value < num_classes:
            raise ValueError(
                f"target {value} is outside the classifier's {num_classes} classes; pass class indices in "
                f"[0, {num_classes})."
            )
        indices.append(int(value))
    return np.asarray(indices, "int32")


def _guide(classifier, model):
    """`(log_probabilities(images) -> (n, K), num_classes, class_names)` of a classifier or FeatureExtractor."""
    image_shape = tuple(model.image_shape)
    if hasattr(classifier, "probability_tensor"):  # a keras_gen.evaluation.FeatureExtractor
        if not classifier.has_classifier:
            raise ValueError(
                f"{classifier.name} outputs features only; plug & play sampling needs class probabilities: use "
                "keras_gen.evaluation.domain_classifier(<data set>) or a Keras model to class logits."
            )
        if tuple(classifier.input_shape[:2]) != image_shape[:2] or classifier.input_shape[2] not in (image_shape[2], 3):
            raise ValueError(
                f"{classifier.name} takes images of shape {classifier.input_shape}, but the model makes "
                f"{image_shape}: use the classifier of the model's data set."
            )
        scale = model.data_scale

        def log_probabilities(images):
            return ops.log(ops.maximum(classifier.probability_tensor(images, scale), 1e-30))

        return log_probabilities, classifier.num_classes, classifier.metadata.get("class_names") or None
    if not isinstance(classifier, keras.Model):
        raise TypeError(
            f"classifier must be a Keras model from images to class logits or a "
            f"keras_gen.evaluation.FeatureExtractor, got {type(classifier).__name__}."
        )
    last = classifier.layers[-1] if classifier.layers else None
    if isinstance(last, keras.layers.Softmax) or getattr(last, "activation", None) is keras.activations.softmax:
        raise ValueError(
            f"classifier {classifier.name!r} ends in a softmax, but ppgn_sample takes class logits (log p would "
            "saturate): pass the model without its softmax, or wrap it as keras_gen.evaluation.FeatureExtractor("
            "model, feature_layer=<a layer>, input_scale=<its pixel range>)."
        )
    shape = tuple(classifier.inputs[0].shape[1:]) if classifier.inputs else None
    if shape is not None and shape != image_shape:
        raise ValueError(
            f"classifier {classifier.name!r} takes images of shape {shape}, but the model makes {image_shape}."
        )
    num_classes = int(classifier.outputs[0].shape[-1]) if classifier.outputs else None
    if num_classes is None or num_classes < 2:
        raise ValueError(f"classifier {classifier.name!r} must output logits of at least 2 classes.")

    def log_probabilities(images):
        return ops.log_softmax(classifier(images, training=False), axis=-1)

    return log_probabilities, num_classes, None


def _generator(model):
    """`G(latent_points, conditions)`: the prior's generator, or an autoencoder's decoder."""
    if isinstance(model, SamplesFromPrior):
        return model._generate_batch
    if isinstance(model, Encodes):
        return lambda points, conditions: (model.decode(points) if conditions is None
                                           else model.decode(points, conditions))
    raise TypeError(
        f"{type(model).__name__} has no latent points to move (it neither samples from a prior nor decodes "
        "codes); plug & play sampling works on GANs, VAEs and autoencoders."
    )


def _check_step(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not (
        math.isfinite(value) and value >= 0
    ):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
    return float(value)


def ppgn_sample(
    model,
    classifier,
    targets,
    prior: keras.Model | None = None,
    steps: int = 200,
    prior_step: float = 0.1,
    class_step: float = 0.1,
    noise_step: float = 0.01,
    start=None,
    seed: int = 0,
    save_every: int | None = None,
    verbose: int = 0,
    class_names: Sequence[str] | None = None,
    conditions=None,
) -> LangevinChain:
    """Draws images of chosen classes by Langevin steps in a model's latent space (plug & play).

    Nguyen et al., "Plug & Play Generative Networks" (2017), eq. 5: every step is

        h <- h + prior_step * (R(h) - h) + class_step * g + N(0, noise_step^2),

    with g = grad_h log p(target | G(h)) scaled to unit RMS per chain (so
    `class_step` is the step's length whatever the classifier's confidence),
    R the denoiser `prior` and G the model's generator. `prior=None` uses the
    N(0, I) prior, whose score makes the first term -prior_step * h. All
    chains step together, each with its own target.

    The guide must not be the judge: the chains climb the guide's probability,
    and can reach images that fool it (adversarial examples) rather than
    images of the class. Score the results with another network, e.g.
    `domain_classifier(name, recipe=ClassifierRecipe.accurate())` when
    guided by the default feature network.

    Args:
        model: a model with latent points (a GAN, a VAE, an autoencoder with a `prior`).
        classifier: the guide: a Keras model from images in the model's
            `data_scale` to class logits, or a
            `keras_gen.evaluation.FeatureExtractor` with a classifier head
            (through its differentiable `probability_tensor`).
        targets: one class per chain: indices, or names when the classifier
            knows them (a domain classifier does) or `class_names` is given.
        prior: a `LatentDenoiser` (`train_latent_denoiser`) or any Keras model
            from codes to codes; None: N(0, I).
        steps: Langevin steps (0 returns the start).
        prior_step, class_step, noise_step: eps1, eps2, eps3.
        start: the chains' first codes `(n, latent_dim)`; default: draws from the prior with `seed`.
        seed: seed of the start and the noise.
        save_every: record a frame and the mean target probability every so
            many steps (always at 0 and at the last step); None: only those two.
        verbose: 1 shows a progress bar.
        class_names: the classifier's class names, for `targets` given by name.
        conditions: for a conditional model, one condition per chain (fixed).

    Returns:
        A `LangevinChain`: final `images`, `latent_points`, `target_probability`, `history`, `frames`.

    Example:
    >>> gan = keras_gen.models.DCGAN.for_images((28, 28, 1), latent_dim=128, seed=0)  # then fit it
    >>> guide = keras_gen.evaluation.domain_classifier("fashion_mnist")
    >>> chain = ppgn_sample(gan, guide, ["sneaker"] * 8, steps=20, save_every=5)  # prior=: a denoiser
    >>> chain.frames.shape  # 8 chains at steps 0, 5, 10, 15, 20
    (8, 5, 28, 28, 1)
    >>> keras_gen.visualization.save_animation(chain.frames, "chains.gif", gan.data_scale, bounce=False)
    'chains.gif'
    """
    generate = _generator(model)
    dim = _latent_dim(model)
    steps = _check_count(steps, "steps", 0)
    if save_every is not None:
        save_every = _check_count(save_every, "save_every", 1)
    prior_step, class_step, noise_step = (
        _check_step(name, value)
        for name, value in (("prior_step", prior_step), ("class_step", class_step), ("noise_step", noise_step))
    )
    log_probabilities, num_classes, known_names = _guide(classifier, model)
    targets = target_indices(targets, num_classes, class_names if class_names is not None else known_names)
    count = len(targets)
    condition_values = model.check_conditions(conditions, count, required=True)
    condition_tensors = (None if condition_values is None
                         else keras.tree.map_structure(ops.convert_to_tensor, condition_values))
    if prior is None and not isinstance(model, SamplesFromPrior):
        raise ValueError(
            f"{type(model).__name__} has no prior over its codes: pass prior=, a denoiser of its codes "
            "(keras_gen.latent.train_latent_denoiser(model, images))."
        )
    if prior is not None and getattr(prior, "latent_dim", dim) != dim:
        raise ValueError(
            f"The prior is a denoiser of {prior.latent_dim}-d codes, but the model's latent_dim is {dim}: "
            "train one on this model's codes with train_latent_denoiser(model, images)."
        )
    rng = np.random.default_rng(seed)
    if start is None:
        labels = condition_values if model.label_conditional else None  # a class prior p(z | y)
        start = _prior_points(model, rng.standard_normal((count, dim)), labels)
    start = _check_latent_points(model, start, "start points")
    if len(start) != count:
        raise ValueError(f"start has {len(start)} points, but there are {count} targets: give one per chain.")
    one_hot = ops.one_hot(ops.convert_to_tensor(targets), num_classes)

    def target_log_probability(points):
        return ops.sum(log_probabilities(generate(points, condition_tensors)) * one_hot, axis=1)

    def step(points, noise):
        gradient = input_gradients(target_log_probability, points)
        rms = ops.sqrt(ops.mean(ops.square(gradient), axis=1, keepdims=True))
        gradient = gradient / ops.maximum(rms, 1e-12)
        pull = -points if prior is None else prior(points, training=False) - points
        return points + prior_step * pull + class_step * gradient + noise_step * noise

    def probe(points):
        images = generate(points, condition_tensors)
        return images, ops.exp(ops.sum(log_probabilities(images) * one_hot, axis=1))

    step, probe = compiled(step), compiled(probe)
    points = ops.convert_to_tensor(start)
    history, frames = {"step": [], "target_probability": []}, []

    def record(index):
        images, probability = (ops.convert_to_numpy(value) for value in probe(points))
        history["step"].append(index)
        history["target_probability"].append(float(np.mean(probability)))
        frames.append(images.astype("float32"))
        return images, probability

    images, probability = record(0)
    bar = keras.utils.Progbar(steps, unit_name="step") if verbose and steps else None
    for index in range(1, steps + 1):
        noise = ops.convert_to_tensor(rng.standard_normal((count, dim)).astype("float32"))
        points = step(points, noise)
        if index == steps or (save_every is not None and index % save_every == 0):
            images, probability = record(index)
        if bar is not None:
            bar.update(index)
    return LangevinChain(
        images=images.astype("float32"),
        latent_points=ops.convert_to_numpy(points).astype("float32"),
        target_probability=probability.astype("float32"),
        targets=targets,
        history=history,
        frames=np.stack(frames, axis=1),
    )
