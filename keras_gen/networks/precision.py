"""Layers pinned to float32 under mixed precision, and the record that says so.

Under `mixed_bfloat16` or `mixed_float16` most layers compute in 16 bits, but
the layers whose outputs are images or feed a loss (logits, the heads of a
VAE's posterior, a PixelCNN's distribution parameters) compute in float32, so
that images stay exact and losses are summed in full precision (Micikevicius
et al., "Mixed Precision Training", 2018, section 3.3). Every builder in
`keras_gen.networks` pins those layers with `dtype=float32_pin()`.

A pin is the layer's own dtype policy, `PinnedDTypePolicy`, so it is part of
the layer's config: it survives `.keras` files, `get_config` / `from_config`
and `keras_gen.models.with_precision`, which moves every other layer to a new
policy and leaves pinned ones alone. A plain `dtype="float32"` could not say
this: in a model trained in float32 every layer's policy is "float32".
"""

import contextlib

import keras


@keras.saving.register_keras_serializable(package="keras_gen")
class PinnedDTypePolicy(keras.dtype_policies.DTypePolicyMap):
    """The dtype policy of a layer that computes in `name` (float32) whatever the model's precision.

    It computes and stores variables as `keras.DTypePolicy(name)` does. It is a
    `DTypePolicyMap` (an empty one, whose default is `name`) because Keras keeps
    maps as they are when it rebuilds a layer from its config, where it would
    turn any other policy back into its plain name and lose the pin.

    Args:
        name: the policy the layer keeps, "float32" by default.

    Example:
    >>> layer = keras.layers.Dense(1, dtype=PinnedDTypePolicy())
    >>> layer.compute_dtype, is_pinned(layer)
    ('float32', True)
    """

    def __init__(self, name="float32"):
        super().__init__(default_policy=keras.DTypePolicy(name))

    @property
    def name(self):
        return self.default_policy.name

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

    def __eq__(self, other):
        return type(other) is type(self) and other.name == self.name

    def __hash__(self):
        return hash((type(self).__name__, self.name))

    def __repr__(self):
        return f'<PinnedDTypePolicy "{self.name}">'


def float32_pin() -> PinnedDTypePolicy:
    """A new float32 pin for one layer's `dtype=` (each layer gets its own: a policy map is mutable)."""
    return PinnedDTypePolicy("float32")


def is_pinned(layer) -> bool:
    """Whether a builder pinned `layer` to float32 (its policy is a `PinnedDTypePolicy`)."""
    return isinstance(layer.dtype_policy, PinnedDTypePolicy)


@contextlib.contextmanager
def layers_in_policy(policy):
    """Layers made inside the block get `policy` as theirs (through the global policy, restored after).

    For a network that makes many layers from its own arguments instead of
    deserializing them (Progressive GAN's growing networks): made under its own
    policy, which its config records, a reloaded one computes in the precision
    it was saved in, whatever the global policy is then. (DRAW, with two such
    layers, passes them `dtype=self.dtype_policy` instead.)

    Example:
    >>> with layers_in_policy("mixed_bfloat16"):
    ...     layer = keras.layers.Dense(1)
    >>> layer.compute_dtype, keras.config.dtype_policy().name
    ('bfloat16', 'float32')
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
