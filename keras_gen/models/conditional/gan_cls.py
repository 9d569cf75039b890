"""GAN-CLS and GAN-INT: a GAN conditioned on captions (or any condition vector), Reed et al. (2016)."""

import math

import keras
import numpy as np
from keras import ops

from keras_gen import losses, networks
from keras_gen.data.conditions import Condition
from keras_gen.models.adversarial.gan import GAN
from keras_gen.models.adversarial.update import Judgement, discriminator_targets
from keras_gen.models.capabilities import fixed_latent_points
from keras_gen.networks.text import CONDITION_VECTOR_KINDS
from keras_gen.training import replica_seed

GRID_ROWS = 10


def mismatched(values):
    """Each example's condition replaced by the next one's in the batch (rolled by one): the wrong captions
    of the matching-aware discriminator, and GAN-INT's second caption.

    Example:
    >>> ops.convert_to_numpy(mismatched(ops.arange(4)))
    array([3, 0, 1, 2], dtype=int32)
    """
    return ops.roll(values, 1, axis=0)


# The snapshot grid of attribute conditions with a brightness (fashion_captions' attributes): a row per class,
# brightness swept from low to high along the row. The "measured" attributes are not rows of their own.
SWEPT_ATTRIBUTE = "brightness"
MEASURED_ATTRIBUTES = ("brightness", "size")


def attribute_sweep(condition, columns: int):
    """`(rows, columns, A)` conditions of a sweep grid, or None when `condition` has no brightness attribute.

    Each row sets one attribute that is not a measured one (in
    fashion_captions, the class one-hot) to `high` and the others to `low`;
    the measured attributes sit mid-range, and brightness runs from low to high
    along the row.

    Example:
    >>> attribute_sweep(keras_gen.data.info("fashion_captions").conditions["attributes"], 5).shape
    (10, 5, 12)
    """
    names = list(getattr(condition, "names", None) or ())
    if getattr(condition, "kind", None) != "attributes" or SWEPT_ATTRIBUTE not in names:
        return None
    rows = [index for index, name in enumerate(names) if name not in MEASURED_ATTRIBUTES]
    if not rows:
        return None
    low, high = condition.low, condition.high
    values = np.full((len(rows), columns, len(names)), low, "float32")
    for name in MEASURED_ATTRIBUTES:
        if name in names:
            values[..., names.index(name)] = (low + high) / 2
    values[np.arange(len(rows)), :, rows] = high
    values[..., names.index(SWEPT_ATTRIBUTE)] = np.linspace(low, high, columns, dtype="float32")
    return values


def sweep_grid(model, sweep, seed, temperature):
    """`(images, columns)` of `attribute_sweep` values: one fixed latent point per row, so that a row moves by
    brightness alone."""
    rows, columns = sweep.shape[:2]
    points = np.repeat(fixed_latent_points(rows, model.latent_dim, seed) * np.float32(temperature), columns, axis=0)
    return model.generate(latent_points=points, conditions=sweep.reshape(rows * columns, -1)), columns


def grid_conditions(condition, rows=GRID_ROWS):
    """One condition per snapshot-grid row: each class; each attribute high and the others at mid-range
    (multi-hot: each bit alone); for captions, single-word captions of the vocabulary's last `rows` words
    (in fashion_captions the garment, brightness and size words)."""
    if condition.kind == "classes":
        return np.arange(condition.num_classes, dtype="int32")
    if condition.kind == "tokens":
        words = condition.vocabulary[-rows:]
        return condition.tokenize(list(words))
    count = condition.shape[0]
    low, high = (0.0, 1.0) if condition.kind == "multi_hot" else (condition.low, condition.high)
    values = np.full((count, count), low if condition.kind == "multi_hot" else (low + high) / 2, "float32")
    values[np.arange(count), np.arange(count)] = high
    return values


@keras.saving.register_keras_serializable(package="keras_gen")
class GANCLS(GAN):
    """GAN-CLS with GAN-INT: a GAN whose players read a caption's vector phi(t), Reed et al. (2016).

    Reed, Akata, Yan, Logeswaran, Schiele & Lee, "Generative Adversarial Text
    to Image Synthesis" (2016). A condition encoder phi (`text_encoder`) maps
    each condition to a vector: captions through `keras_gen.networks.text_encoder`
    (word embeddings, a bidirectional GRU, the mean over words), classes to
    one-hot vectors, attributes and multi-hot bits as they are. The generator
    draws G(z, phi(t)) and the discriminator judges D(x, phi(t)).

    - Matching-aware discriminator (GAN-CLS, `matching_aware=True`): s_r =
      D(x, phi(t)), s_w = D(x, phi(t')) with t' another example's condition in
      the batch (rolled by one), s_f = D(G(z, phi(t)), phi(t)); the
      discriminator minimizes l(s_r, real) + 1/2 [l(s_w, fake) + l(s_f, fake)]
      with l the `loss=` objective's (`keras_gen.losses.matching_aware`), in
      one discriminator call. The mean score of s_w is logged as `mismatch_score`.
      `matching_aware=False` is the plain conditional loss.
    - GAN-INT (`text_interpolation=beta`): the generator also learns on
      beta * phi(t1) + (1 - beta) * phi(t2), t1 the batch's conditions and t2
      the batch's rolled by one, from the same generator pass as its other
      fakes (the generator batch is twice the real one); its loss is the
      objective's mean over both halves. The discriminator never sees them.
      None turns it off.
    - Players: `d_optimizer` updates the discriminator and the text encoder
      (with `train_text_encoder`); `g_optimizer` the generator only, which
      reads phi without updating it. `compile()`: Adam(2e-4, beta_1=0.5) each.

    Training data is `(images, conditions)` of `condition`: `fit(images,
    captions)` or `keras_gen.data.load_batches("fashion_captions",
    "images_conditions", conditions="captions")`. `generate(n, conditions=...)`
    takes ids or, for captions, strings (`Condition.tokenize`; unknown words
    become the unknown id). The condition, vocabulary included, is saved with
    the model.

    Args:
        generator: a model from `[latent_points, condition_vectors]` to images
            (`keras_gen.networks.gan_cls_generator`).
        discriminator: a model from `[images, condition_vectors]` to one logit
            (`keras_gen.networks.gan_cls_discriminator`).
        text_encoder: a model from conditions of `condition` to vectors
            (`keras_gen.networks.condition_encoder`).
        condition: the `keras_gen.data.Condition` (kind classes, attributes,
            multi_hot or tokens).
        matching_aware: the GAN-CLS discriminator loss (True) or the plain one.
        text_interpolation: beta of GAN-INT in [0, 1], or None (off).
        train_text_encoder: whether the discriminator's player trains the
            text encoder; False keeps a pretrained one fixed.
        grid_conditions: the conditions of the snapshot grid's rows (strings
            allowed for captions); None: `grid_conditions(condition)`.
        mode_seeking: the weight of Mao et al.'s (2019) mode-seeking term
            against a generator that ignores z (0: off; see
            `generator_regularization`).
        **kwargs: the `GAN` arguments (`loss`, `seed`, `ema`, `r1_weight`, ...).

    Example:
    >>> captions = keras_gen.data.info("fashion_captions").conditions["captions"]
    >>> images, ids = keras_gen.data.load_numpy("fashion_captions", "heldout", conditions="captions", limit=64)
    >>> gan = GANCLS.for_images((28, 28, 1), captions, latent_dim=8, width=8, embedding_dim=8, seed=0)
    >>> gan.compile()  # Adam(2e-4, beta_1=0.5) for both players
    >>> history = gan.fit(images, ids, batch_size=32, epochs=1, verbose=0)
    >>> sorted(history.history)
    ['d_loss', 'fake_score', 'g_loss', 'mismatch_score', 'real_score']
    >>> gan.generate(2, conditions=["a large dark ankle boot", "a small light sandal"]).shape
    (2, 28, 28, 1)
    """

    batch_kind = "images_conditions"
    network_names = ("generator", "discriminator", "text_encoder")

    def __init__(self, generator, discriminator, text_encoder, condition, matching_aware=True, text_interpolation=0.5,
                 train_text_encoder=True, grid_conditions=None, mode_seeking=0.0, **kwargs):
        if isinstance(condition, dict):
            condition = keras.saving.deserialize_keras_object(condition)
        if not isinstance(condition, Condition) or condition.kind not in CONDITION_VECTOR_KINDS:
            raise ValueError(f"GANCLS is conditioned on one Condition of kind {list(CONDITION_VECTOR_KINDS)} "
                             f"(e.g. keras_gen.data.info('fashion_captions').conditions['captions']), got {condition!r}.")
        if not isinstance(matching_aware, bool) or not isinstance(train_text_encoder, bool):
            raise ValueError(f"matching_aware and train_text_encoder are True or False, got {matching_aware!r} and "  # noqa: TRY004
                             f"{train_text_encoder!r}.")
        if text_interpolation is not None and (isinstance(text_interpolation, bool) or not (
                isinstance(text_interpolation, (int, float)) and 0.0 <= text_interpolation <= 1.0)):
            raise ValueError(f"text_interpolation is GAN-INT's beta in [0, 1] (0.5 in Reed et al.), or None to turn "
                             f"it off; got {text_interpolation!r}.")
        if isinstance(mode_seeking, bool) or not isinstance(mode_seeking, (int, float)) or not (
                math.isfinite(mode_seeking) and mode_seeking >= 0):
            raise ValueError(f"mode_seeking is the weight of the mode-seeking term (Mao et al., 2019), a number >= 0 "
                             f"(0: off); got {mode_seeking!r}.")
        self._check_vector_networks(generator, discriminator, text_encoder, condition)
        self.mode_seeking = float(mode_seeking)  # before the GAN's __init__, which makes a tracker per penalty
        super().__init__(generator, discriminator, **kwargs)
        self.matching_aware = matching_aware
        self._condition = condition
        if condition.kind == "classes":
            self.num_classes = condition.num_classes  # class ids check as labels do
        self.text_encoder = text_encoder
        self.text_interpolation = None if text_interpolation is None else float(text_interpolation)
        self.train_text_encoder = train_text_encoder
        self.grid_conditions = None if grid_conditions is None else condition.check(
            list(grid_conditions) if isinstance(grid_conditions, tuple) else grid_conditions)
        self.mismatch_score_tracker = keras.metrics.Mean(name="mismatch_score")

    @staticmethod
    def _check_vector_networks(generator, discriminator, text_encoder, condition):
        expected = (None, *condition.shape)
        if tuple(text_encoder.input_shape) != expected:
            raise ValueError(f"The text encoder takes {tuple(text_encoder.input_shape)}, but the condition is "
                             f"{condition.describe()}; build it with keras_gen.networks.condition_encoder(condition).")
        vector = tuple(text_encoder.output_shape)
        for role, network, rebuild in (("generator", generator, "gan_cls_generator"),
                                       ("discriminator", discriminator, "gan_cls_discriminator")):
            shapes = network.input_shape
            if not (isinstance(shapes, list) and len(shapes) == 2 and tuple(shapes[1]) == vector):
                raise ValueError(f"The {role} must take [{'latent_points' if role == 'generator' else 'images'}, "
                                 f"condition_vectors of shape {vector}]; its input shape is {shapes}. Build it with "
                                 f"keras_gen.networks.{rebuild}(..., condition_dim={vector[-1]}).")

    @classmethod
    def for_images(cls, image_shape, condition, latent_dim=100, width=32, embedding_dim=128, matching_aware=True,
                   text_interpolation=0.5, text_encoder=None, train_text_encoder=True, batch_norm=True, dropout=0.3,
                   layers_per_stage=1, spectral_norm=False, **kwargs):
        """Builds GAN-CLS with DCGAN-recipe networks (`keras_gen.networks.gan_cls_generator` and
        `gan_cls_discriminator`).

        Args:
            image_shape: `(height, width, channels)`.
            condition: the `Condition` (e.g. fashion_captions' `captions`).
            latent_dim: size of z (100 in Reed et al.).
            width: filters of the generator's last and the discriminator's first stage.
            embedding_dim: the size phi is compressed to in both networks
                (128 in Reed et al.), and, for captions, of the built text
                encoder's word vectors and phi.
            matching_aware, text_interpolation, train_text_encoder: as for `GANCLS`.
            text_encoder: a (pretrained) encoder of the conditions; None builds
                `keras_gen.networks.condition_encoder(condition, embedding_dim)`.
            batch_norm, dropout, layers_per_stage, spectral_norm: as for `DCGAN.for_images`.
            **kwargs: the `GANCLS` and `GAN` arguments (`seed`, `loss`, ...).
        """
        if text_encoder is None:
            text_encoder = networks.condition_encoder(condition, embedding_dim)
        condition_dim = int(text_encoder.output_shape[-1])
        generator = networks.gan_cls_generator(image_shape, condition_dim, latent_dim, width, embedding_dim,
                                               batch_norm=batch_norm, layers_per_stage=layers_per_stage)
        discriminator = networks.gan_cls_discriminator(image_shape, condition_dim, width, embedding_dim,
                                                       dropout=dropout, layers_per_stage=layers_per_stage,
                                                       spectral_norm=spectral_norm)
        return cls(generator, discriminator, text_encoder, condition, matching_aware=matching_aware,
                   text_interpolation=text_interpolation, train_text_encoder=train_text_encoder, **kwargs)

    # --- players --------------------------------------------------------------------
    def optimizer_variables(self, name):
        if name == "d_optimizer":
            encoder = self.text_encoder.trainable_variables if self.train_text_encoder else []
            return [*self.discriminator.trainable_variables, *encoder]
        return super().optimizer_variables(name)

    @property
    def objective(self):
        """The `loss=` objective, matching-aware (`keras_gen.losses.matching_aware`) when `matching_aware`."""
        objective = super().objective
        return losses.matching_aware(objective) if self.matching_aware else objective

    @property
    def metrics(self):
        return [*super().metrics, *([self.mismatch_score_tracker] if self.matching_aware else [])]

    # --- phi and the step -----------------------------------------------------------
    embeds_conditions = True

    @property
    def embedding_shape(self):
        """phi(t)'s shape, `(embedding_dim,)` with the built text encoder."""
        return tuple(self.text_encoder.output_shape[1:])

    def _embed_conditions_batch(self, conditions, training=False):
        """phi(t): the text encoder's vectors of checked conditions (a tensor); `embed_conditions` is public."""
        return self.text_encoder(conditions, training=training)

    def _generate_from_embeddings(self, latent_points, embeddings):
        return super()._generate_batch(latent_points, embeddings)

    def conditions_of(self, batch):
        return batch["conditions"]

    def _generate_batch(self, latent_points, conditions):
        return self._generate_from_embeddings(latent_points, self._embed_conditions_batch(conditions))

    def _fakes(self, real, conditions, update, for_generator):
        """The fakes G(z, phi(t)); for the generator's update (GAN-INT) also G(z', beta phi(t1) + (1 - beta)
        phi(t2)) in the same pass. phi is a constant here: the generator never updates the text encoder."""
        vectors = ops.stop_gradient(self._embed_conditions_batch(conditions))
        given = vectors
        if for_generator and self.text_interpolation is not None:
            beta = self.text_interpolation
            vectors = ops.concatenate([vectors, beta * vectors + (1.0 - beta) * mismatched(vectors)], axis=0)
        if for_generator and self.mode_seeking:
            vectors = ops.concatenate([vectors, given], axis=0)  # the same conditions again, with other z
        return self._generated(self.sample_latent(ops.shape(vectors)[0]), vectors, update, for_generator)

    # --- the mode-seeking term -------------------------------------------------------
    def penalty_names(self):
        return (*super().penalty_names(), *(("mode_seeking_loss",) if self.mode_seeking else ()))

    def generator_regularization(self, context, training):
        """With `mode_seeking`: the term of Mao et al. (2019), `mode_seeking / (d_I / d_z + 1e-5)` with d_I
        the mean absolute difference of two images of the same conditions and d_z that of their latent
        points, batch means; the generator's batch ends with the real batch's conditions again for it. A
        generator that ignores z (each caption one image) pays for it."""
        terms = super().generator_regularization(context, training)
        if not self.mode_seeking or context.fake_latent_points is None:
            return terms
        count = ops.shape(context.real)[0]
        fake, points = ops.cast(context.fake, "float32"), ops.cast(context.fake_latent_points, "float32")
        image_distance = ops.mean(ops.abs(fake[:count] - fake[-count:]))
        latent_distance = ops.mean(ops.abs(points[:count] - points[-count:]))
        term = self.mode_seeking / (image_distance / latent_distance + 1e-5)
        # One value per generated example, so that the batch mean of the generator's loss adds `term` once.
        terms["mode_seeking_loss"] = ops.ones_like(ops.cast(context.fake_logits[:, 0], "float32")) * term
        return terms

    def _discriminate_conditions(self, images, conditions, training):
        """D(x, phi(t)) from the conditions themselves: the text encoder runs inside the discriminator's loss,
        so its player's gradients reach it."""
        return self.discriminate(images, self._embed_conditions_batch(conditions, training), training)

    def _scorer(self, conditions, training):
        return lambda images: self._discriminate_conditions(images, conditions, training)[0]

    def _discriminator_step(self, real, conditions, update, fakes=None):
        """One update on (real, t), (G(z, phi(t)), t) and, matching-aware, (real, t') in one discriminator call."""
        if fakes is None:
            fakes = self._fakes(real, conditions, update, for_generator=False)
        count = ops.shape(real)[0]
        fake, fake_conditions = fakes.images[:count], conditions
        if self.matching_aware:
            fake = ops.concatenate([fake, real], axis=0)
            fake_conditions = ops.concatenate([conditions, mismatched(conditions)], axis=0)
        real_targets, fake_targets = discriminator_targets(
            self.objective, ops.shape(fake)[0], self.label_smoothing, self.label_noise,
            replica_seed(self.seed_generator))
        judgement = Judgement(
            self._discriminate_conditions, real, fake, conditions=conditions, fake_conditions=fake_conditions,
            real_targets=None if real_targets is None else real_targets[:count], fake_targets=fake_targets,
            augment=self.augmenter, regularization=self.discriminator_regularization,
        )
        d_loss, [(_, outcome)] = self.discriminator_update([judgement], ("d_optimizer",), update)
        return d_loss, outcome

    def mean_scores(self, context):
        """`(real_score, fake_score)`: of s_r and s_f (the mismatched pairs' scores are `mismatch_score`)."""
        count = ops.shape(context.real_logits)[0]
        return ops.mean(self.objective.score(context.real_logits)), ops.mean(
            self.objective.score(context.fake_logits[:count]))

    def end_of_step(self, discriminator_context, generator_context, update):
        if self.matching_aware:
            count = ops.shape(discriminator_context.real_logits)[0]
            self.mismatch_score_tracker.update_state(
                ops.mean(self.objective.score(discriminator_context.fake_logits[count:])))

    # --- grids and saving -----------------------------------------------------------
    def grid_samples(self, n=64, seed=0, columns=None, temperature=1.0):
        """A row per condition of `grid_conditions` (one per class, attribute or caption word by default),
        each column one fixed latent point, so rows differ by their condition alone; attributes with a
        brightness (fashion_captions'): a row per class, brightness swept along it (`attribute_sweep`)."""
        from keras_gen.models.capabilities import check_temperature

        if self.grid_conditions is None:
            sweep = attribute_sweep(self.condition, columns or max(2, -(-n // 10)))
            if sweep is not None:
                return sweep_grid(self, sweep, seed, check_temperature(temperature))
        rows = self.grid_conditions if self.grid_conditions is not None else grid_conditions(self.condition)
        columns = columns or max(1, -(-n // len(rows)))
        points = fixed_latent_points(columns, self.latent_dim, seed) * np.float32(check_temperature(temperature))
        conditions = np.repeat(rows, columns, axis=0)
        return self.generate(latent_points=np.tile(points, (len(rows), 1)), conditions=conditions), columns

    def get_config(self):
        return {
            **super().get_config(),
            "condition": keras.saving.serialize_keras_object(self._condition),
            "matching_aware": self.matching_aware,
            "text_interpolation": self.text_interpolation,
            "train_text_encoder": self.train_text_encoder,
            "grid_conditions": None if self.grid_conditions is None else self.grid_conditions.tolist(),
            "mode_seeking": self.mode_seeking,
        }
