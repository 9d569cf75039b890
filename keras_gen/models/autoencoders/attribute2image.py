"""Attribute2Image: a conditional VAE on attribute vectors, with a layered foreground/background decoder."""

import keras
import numpy as np
from keras import ops

from keras_gen import networks
from keras_gen.data.conditions import Condition
from keras_gen.models.autoencoders.vae import VAE
from keras_gen.models.capabilities import (
    check_latent_points,
    fixed_latent_points,
    labels_or_conditions,
)

CONDITION_KINDS = ("attributes", "multi_hot")
LAYER_NAMES = ("foreground", "mask", "background")


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

    def __init__(self, encoder, decoder, condition, background_latent_dim=0, **kwargs):
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
        self._condition = condition
        self.background_latent_dim = background_latent_dim

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
            **kwargs: the `Attribute2Image` / `VAE` arguments (`beta`, `seed`, ...).
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

    def grid_samples(self, n=64, seed=0, columns=None, temperature=1.0):
        """A row per attribute: attribute k set (at `high`), the others at their range's low end (multi-hot)
        or middle (attributes); each column keeps one latent point, so rows differ by the attributes alone."""
        from keras_gen.models.capabilities import check_temperature

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
                "background_latent_dim": self.background_latent_dim}
