"""Attribute2Image: a conditional VAE on attribute vectors, with a layered foreground/background decoder."""

import math
import weakref
from collections.abc import Mapping

import keras
import numpy as np
from keras import ops

from keras_gen import losses, networks
from keras_gen.data.conditions import Condition
from keras_gen.layers.sampling import reparameterize
from keras_gen.losses.reduction import sum_over_features
from keras_gen.models.autoencoders.vae import VAE
from keras_gen.models.capabilities import (
    check_latent_points,
    fixed_latent_points,
    labels_or_conditions,
)
from keras_gen.training import (
    checked_equal_counts,
    checked_values,
    global_batch_mean,
    minimize,
    replica_seed,
)

CONDITION_KINDS = ("attributes", "multi_hot")
LAYER_NAMES = ("foreground", "mask", "background")
# The batch entry beside the attributes that carries the true garment mask (fashion_scenes' "mask").
MASK_PART = "mask"
# decoder -> the same decoder with its gating mask as a second output (every weight shared). Kept outside the
# model, so nothing is added to what it saves.
_MASK_DECODERS = weakref.WeakKeyDictionary()


@keras.saving.register_keras_serializable(package="keras_gen")
class Attribute2Image(VAE):
    """A conditional VAE on attributes: q(z | x, y) and p(x | y, z), trained with `fit(images, attributes)`.

    Yan, Yang, Sohn & Lee, "Attribute2Image: Conditional Image Generation from
    Visual Attributes" (2016). y is a vector of attributes (a
    `Condition.attributes` of floats, or a `Condition.multi_hot` of 0/1 bits);
    the loss is the negative ELBO, -log p(x | y, z) + beta * KL(q(z | x, y) ||
    N(0, I)), with a Bernoulli decoder on images in [0, 1].

    With `background_latent_dim > 0` the decoder is layered (the paper's
    disCVAE): z = (z_fg, z_bg), z_bg the last `background_latent_dim` entries
    of a latent point. A foreground branch maps (y, z_fg) to a foreground and
    a gating mask g in [0, 1]; a background branch maps z_bg alone to a
    background, so the attributes never move it; the image is
    g * fg + (1 - g) * bg. `generate_layers` returns the three layers and the
    image.

    With `mask_weight > 0` a batch may also carry the true mask of each image
    (`fit(images, {"attributes": a, "mask": m})`, or `fashion_scenes` loaded
    with `conditions=["attributes", "mask"]`): the loss then adds
    `mask_weight` times the binary cross-entropy between g (of the same
    posterior draw as the reconstruction) and the mask, summed over pixels,
    and logs it as `mask_loss`. Batches without a mask train as usual.

    Everything the `VAE` offers takes the attributes beside the images, as
    `conditions` (or `labels`, the same argument): `encode(images, conditions)`,
    `decode(latent_points, conditions)`, `reconstruct`, `log_prob(images,
    conditions)` (a bound on log p(x | y)), `generate(n, conditions=...)`.
    Conditions are required and checked against `model.condition`.

    Args:
        encoder: a model from `[images, attributes]` to `[mean, log_var]`
            (`keras_gen.networks.attribute_encoder`).
        decoder: a model from `[latent_points, attributes]` to logits
            (`keras_gen.networks.attribute_decoder`).
        condition: the `keras_gen.data.Condition` of the attributes.
        background_latent_dim: the background's share of a latent point; 0
            when the decoder is not layered.
        mask_weight: the weight of the mask's cross-entropy with the true
            mask of batches that carry one (0: none; needs the layered decoder).
        **kwargs: the `VAE` arguments (`beta`, `seed`, ...).

    Example:
    >>> images, values = keras_gen.data.load_numpy("fashion_captions", "heldout", scale=(0, 1),
    ...                                            conditions="attributes", limit=64)
    >>> condition = keras_gen.data.info("fashion_captions").conditions["attributes"]
    >>> model = Attribute2Image.for_images((28, 28, 1), condition, latent_dim=6, background_latent_dim=2,
    ...                                    width=8, hidden_units=32, seed=0)
    >>> model.compile()  # Adam(1e-3)
    >>> history = model.fit(images, values, batch_size=32, epochs=1, verbose=0)
    >>> sorted(model.generate_layers(latent_points=np.zeros((2, 6), "float32"), conditions=values[:2]))
    ['background', 'foreground', 'image', 'mask']
    """

    batch_kind = "images_conditions"
    _conditional_networks = True

    def __init__(self, encoder, decoder, condition, background_latent_dim=0, mask_weight=0.0, **kwargs):
        if isinstance(condition, dict):
            condition = keras.saving.deserialize_keras_object(condition)
        if not isinstance(condition, Condition) or condition.kind not in CONDITION_KINDS:
            raise ValueError(
                f"Attribute2Image is conditioned on a vector of attributes: pass condition= a "
                f"Condition.attributes(...) or Condition.multi_hot(...), got {condition!r}."
            )
        if background_latent_dim and kwargs.get("reconstruction", "bernoulli") != "bernoulli":
            raise ValueError("The layered decoder composes probabilities: it needs reconstruction='bernoulli'.")
        super().__init__(encoder, decoder, **kwargs)
        attribute_sizes = {tuple(encoder.input_shape[1])[-1], tuple(decoder.input_shape[1])[-1]}
        if attribute_sizes != {condition.shape[0]}:
            raise ValueError(
                f"The condition has {condition.shape[0]} attributes, but the networks take attribute vectors of "
                f"size {sorted(attribute_sizes)}; build them with condition_dim={condition.shape[0]}."
            )
        if isinstance(background_latent_dim, bool) or not isinstance(background_latent_dim, int) or not (
                0 <= background_latent_dim < self.latent_dim):
            raise ValueError(f"background_latent_dim must be an integer in [0, latent_dim={self.latent_dim}), "
                             f"got {background_latent_dim!r}.")
        if background_latent_dim:
            missing = [name for name in (*LAYER_NAMES, "image") if name not in {layer.name for layer in decoder.layers}]
            if missing:
                raise ValueError(f"A layered decoder names its layers {list(LAYER_NAMES)} and 'image' "
                                 f"(keras_gen.networks.attribute_decoder); this one lacks {missing}.")
        if isinstance(mask_weight, bool) or not isinstance(mask_weight, (int, float)) or not (
                math.isfinite(mask_weight) and mask_weight >= 0):
            raise ValueError(f"mask_weight must be a finite number >= 0 (0: no mask term), got {mask_weight!r}.")
        if mask_weight and not background_latent_dim:
            raise ValueError("mask_weight trains the gating mask of the layered decoder: build with layered=True "
                             "(background_latent_dim > 0), or leave mask_weight at 0.")
        self._condition = condition
        self.background_latent_dim = background_latent_dim
        self.mask_weight = float(mask_weight)
        self.mask_loss_tracker = keras.metrics.Mean(name="mask_loss")

    @classmethod
    def for_images(cls, image_shape, condition, latent_dim=16, background_latent_dim=None, width=32,
                   hidden_units=256, layers_per_stage=1, layered=True, **kwargs):
        """Builds the model with `keras_gen.networks.attribute_encoder` and `attribute_decoder`.

        Args:
            image_shape: `(height, width, channels)`, sides divisible by 4.
            condition: the attributes' `Condition` (e.g.
                `keras_gen.data.info("fashion_captions").conditions["attributes"]`).
            latent_dim: the length of a whole latent point, z_fg and z_bg.
            background_latent_dim: z_bg's length, the last entries of a point
                (with `layered=True`); None: half of `latent_dim`.
            width, hidden_units, layers_per_stage: the networks' size.
            layered: the disCVAE's foreground/background decoder; False: one
                decoder of (y, z).
            **kwargs: the `Attribute2Image` / `VAE` arguments (`mask_weight`,
                `beta`, `seed`, ...).
        """
        if not isinstance(condition, Condition) or condition.kind not in CONDITION_KINDS:
            raise ValueError(f"condition must be a Condition.attributes(...) or Condition.multi_hot(...), "
                             f"got {condition!r}.")
        if background_latent_dim is None:
            background_latent_dim = latent_dim // 2 if isinstance(latent_dim, int) else latent_dim
        background = background_latent_dim if layered else 0
        common = {"condition_dim": condition.shape[0], "latent_dim": latent_dim, "width": width,
                  "hidden_units": hidden_units, "layers_per_stage": layers_per_stage}
        encoder = networks.attribute_encoder(image_shape, **common)
        decoder = networks.attribute_decoder(image_shape, background_latent_dim=background, **common)
        return cls(encoder, decoder, condition, background_latent_dim=background, **kwargs)

    # --- condition vectors -----------------------------------------------------------
    # The decoder reads the attribute vector as it is (no learned embedding), so a condition's embedding is
    # the vector itself, as float32: walks between embeddings are walks between attribute vectors.
    embeds_conditions = True

    @property
    def embedding_shape(self):
        """`(A,)`: a condition's embedding is its attribute (or multi-hot) vector itself, as float32."""
        return tuple(self.condition.shape)

    def _embed_conditions_batch(self, conditions, training=False):
        return ops.cast(conditions, "float32")

    def _generate_from_embeddings(self, latent_points, embeddings):
        return self._generate_batch(latent_points, embeddings)

    # --- the VAE's methods, with conditions ------------------------------------------
    def encode(self, images, conditions=None, training=False, *, labels=None):
        """`(mean, log_var)` of q(z | x, y)."""
        return super().encode(images, labels_or_conditions(labels, conditions), training=training)

    def decode(self, latent_points, conditions=None, training=False, *, labels=None):
        """The images p(x | y, z) gives the latent points, in `data_scale`."""
        return super().decode(latent_points, labels_or_conditions(labels, conditions), training=training)

    def reconstruct(self, images, conditions=None, batch_size=256, *, labels=None):
        """Decodes each image's posterior mean with its conditions."""
        return super().reconstruct(images, labels=labels_or_conditions(labels, conditions), batch_size=batch_size)

    def generate_layers(self, *, latent_points, conditions):
        """`{"foreground", "mask", "background", "image"}` of the layered decoder, numpy arrays.

        The image is what `generate(latent_points=..., conditions=...)` returns;
        the background depends on the latent points' last `background_latent_dim`
        entries alone.
        """
        if not self.background_latent_dim:
            raise ValueError("generate_layers needs the layered decoder: build with layered=True "
                             "(background_latent_dim > 0).")
        latent_points = check_latent_points(latent_points, self.latent_dim)
        checked = self.check_conditions(conditions, latent_points.shape[0], required=True)
        parts = keras.Model(self.decoder.inputs, [self.decoder.get_layer(name).output for name in LAYER_NAMES])
        values = parts([latent_points, ops.convert_to_tensor(checked)], training=False)
        layers = {name: ops.convert_to_numpy(value).astype("float32") for name, value in zip(LAYER_NAMES, values)}
        layers["image"] = self.generate(latent_points=ops.convert_to_numpy(latent_points), conditions=checked)
        return layers

    # --- training, with the true mask when the batch has one ---------------------------
    @property
    def auxiliary_conditions(self) -> tuple:
        """The data set's conditions its training batches also carry: `("mask",)` with `mask_weight > 0`.

        `keras_gen.recipes.load_training_data` (and so `keras-gen train`) loads
        them beside the model's own condition, e.g. from `fashion_scenes`.
        """
        return (MASK_PART,) if self.mask_weight else ()

    @property
    def metrics(self):
        return [*super().metrics, *([self.mask_loss_tracker] if self.mask_weight else [])]

    def _split_mask(self, conditions):
        """`(attribute values, mask)` of a batch's conditions that carry the true mask; `(conditions, None)` else."""
        if not (isinstance(conditions, Mapping) and MASK_PART in conditions):
            return conditions, None
        rest = [values for part, values in conditions.items() if part != MASK_PART]
        if len(rest) != 1:
            raise ValueError(f"{type(self).__name__} trains on (images, conditions) batches; with the true mask the "
                             f"conditions are a dict of the attributes and {MASK_PART!r}, e.g. {{'attributes': a, "
                             f"'mask': m}}; got the keys {sorted(conditions)}.")
        if not self.mask_weight:
            raise ValueError(f"The batch carries the true {MASK_PART!r}, but mask_weight is 0, so nothing would use "
                             "it: build with mask_weight > 0 to train the gating mask on it, or load the batches "
                             "without the mask.")
        self._check_mask_shape(tuple(conditions[MASK_PART].shape))
        return rest[0], conditions[MASK_PART]

    def _check_mask_shape(self, shape):
        height, width = self.image_shape[:2]
        if shape[1:] not in ((height, width), (height, width, 1)):
            raise ValueError(f"{type(self).__name__} takes the true mask as (batch, {height}, {width}) of 0 "
                             f"(background) and 1 (garment), as fashion_scenes' 'mask'; got shape {shape}.")

    def _check_second_part(self, x, y, role):
        conditions, mask = self._split_mask(y)
        if mask is not None and isinstance(x, np.ndarray):
            mask = np.asarray(mask)
            if len(mask) != len(x):
                raise ValueError(f"fit(x, y) got {len(x)} images and {len(mask)} masks; pass one mask per image.")
            if not np.isin(mask, (0, 1)).all():
                raise ValueError(f"The {MASK_PART!r} must hold 0 (background) and 1 (garment) only; got values in "
                                 f"[{mask.min()}, {mask.max()}].")
        return super()._check_second_part(x, conditions, role)

    def _images_conditions_mask(self, data):
        """`(images, conditions, mask)` of a batch that carries the true mask; the mask `(batch, H, W, 1)` float32
        of 0/1."""
        x, y, weights = keras.utils.unpack_x_y_sample_weight(data)
        conditions, mask = self._split_mask(y)
        batch = self.unpack_batch((x, conditions, weights))
        return batch["images"], batch["conditions"], self._checked_mask_batch(mask, batch["images"])

    def _checked_mask_batch(self, mask, images):
        height, width = self.image_shape[:2]
        mask = checked_equal_counts(mask, images, f"images and {MASK_PART!r}")
        mask = checked_values(ops.cast(mask, "float32"), 0, 1, repr(MASK_PART), binary=True)
        return ops.reshape(mask, (-1, height, width, 1))

    def _mask_decoder(self):
        """The decoder with its gating mask as a second output: `[logits, g]` in one pass."""
        model = _MASK_DECODERS.get(self.decoder)
        if model is None:
            model = keras.Model(self.decoder.inputs, [self.decoder.output, self.decoder.get_layer("mask").output])
            _MASK_DECODERS[self.decoder] = model
        return model

    def _negative_elbo_with_mask(self, images, conditions, mask, training):
        """The negative ELBO plus `mask_weight` x the gating mask's cross-entropy with `mask`, from one draw."""
        seed = replica_seed(self.seed_generator)
        mean, log_var = self.encoder(self._inputs(images, conditions), training=training)
        z = reparameterize(mean, log_var, seed)
        logits, gate = self._mask_decoder()(self._inputs(z, conditions), training=training)
        reconstruction_loss = -losses.bernoulli_log_likelihood(images, logits)
        kl_loss = self._kl(mean, log_var, conditions)
        mask_loss = sum_over_features(keras.losses.binary_crossentropy(mask, ops.cast(gate, "float32")))
        loss = global_batch_mean(reconstruction_loss + self.beta * kl_loss + self.mask_weight * mask_loss)
        return loss, (reconstruction_loss, kl_loss, mask_loss)

    def _record_with_mask(self, loss, reconstruction_loss, kl_loss, mask_loss):
        self.mask_loss_tracker.update_state(mask_loss)
        return self._record(loss, reconstruction_loss, kl_loss)

    def _carries_mask(self, data):
        """Whether the batch's conditions are a dict with the true mask (`_split_mask` checks the rest)."""
        conditions = keras.utils.unpack_x_y_sample_weight(data)[1]
        return isinstance(conditions, Mapping) and MASK_PART in conditions

    def train_step(self, data):
        if not self._carries_mask(data):  # the VAE's step, which unpacks and checks the batch itself
            return super().train_step(data)
        images, conditions, mask = self._images_conditions_mask(data)
        loss, parts = minimize(lambda: self._negative_elbo_with_mask(images, conditions, mask, True),
                               self.trainable_variables, self.optimizer)
        return self._record_with_mask(loss, *parts)

    def test_step(self, data):
        if not self._carries_mask(data):
            return super().test_step(data)
        images, conditions, mask = self._images_conditions_mask(data)
        loss, parts = self._negative_elbo_with_mask(images, conditions, mask, False)
        return self._record_with_mask(loss, *parts)

    def grid_samples(self, n=64, seed=0, columns=None, temperature=1.0):
        """Attributes with a brightness (fashion_captions'): a row per class, brightness swept from low to high
        along it, one latent point per row. Otherwise a row per attribute: attribute k set (at `high`), the
        others at their range's low end (multi-hot) or middle (attributes); each column keeps one latent point,
        so rows differ by the attributes alone."""
        from keras_gen.models.capabilities import check_temperature
        from keras_gen.models.conditional.gan_cls import attribute_sweep, sweep_grid

        sweep = attribute_sweep(self.condition, columns or max(2, -(-n // 10)))
        if sweep is not None:
            return sweep_grid(self, sweep, seed, check_temperature(temperature))

        count = self.condition.shape[0]
        columns = columns or max(1, -(-n // count))
        low, high = (0.0, 1.0) if self.condition.kind == "multi_hot" else (self.condition.low, self.condition.high)
        base = low if self.condition.kind == "multi_hot" else (low + high) / 2
        rows = np.full((count, count), base, "float32")
        rows[np.arange(count), np.arange(count)] = high
        conditions = np.repeat(rows, columns, axis=0)
        points = fixed_latent_points(columns, self.latent_dim, seed) * np.float32(check_temperature(temperature))
        points = np.tile(points, (count, 1))
        return self.generate(latent_points=points, conditions=conditions), columns

    def get_config(self):
        return {**super().get_config(), "condition": keras.saving.serialize_keras_object(self._condition),
                "background_latent_dim": self.background_latent_dim, "mask_weight": self.mask_weight}
