"""The masked multilayer perceptron of MADE, with several mask sets and orderings.

Germain, Gregor, Murray & Larochelle, "MADE: Masked Autoencoder for
Distribution Estimation" (2015). Each of `num_masks` mask sets gives the inputs
an ordering and every hidden unit a degree; a weight is kept where the degree
it feeds is at least the degree it comes from (strictly greater for the
outputs), so output i depends only on the inputs before i in that ordering.
The masks are drawn once from `seed` and kept as non-trainable weights, so a
saved layer restores them exactly.
"""

import itertools

import keras
import numpy as np
from keras import ops

ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu")


def made_degrees(orderings, hidden_units, rng):
    """Per mask set: the inputs' degrees (1..D, by position in the ordering) and each hidden layer's.

    A hidden unit's degree is drawn uniformly from [lowest degree of the layer
    below, D - 1] (section 4 of the paper), so every unit connects to something.

    Returns:
        A list, one per mask set, of `[input degrees, hidden layer 1's, ...]`.
    """
    orderings = np.asarray(orderings)
    num_inputs = orderings.shape[1]
    degrees = []
    for ordering in orderings:
        layers = [np.empty(num_inputs, "int64")]
        layers[0][ordering] = np.arange(1, num_inputs + 1)
        for units in hidden_units:
            low = min(int(layers[-1].min()), num_inputs - 1)
            layers.append(rng.integers(low, num_inputs, size=units) if num_inputs > 1 else np.zeros(units, "int64"))
        degrees.append(layers)
    return degrees


def made_masks(degrees, outputs_per_input=1):
    """The 0/1 masks of every layer, per mask set: `[(num_masks, fan_in, fan_out), ...]`.

    Hidden layers keep `degree_out >= degree_in`; the output layer keeps
    `degree_input > degree_hidden` (with no hidden layer, the input's own degree:
    output i sees inputs strictly before i). Each input has `outputs_per_input`
    outputs, side by side (unit `i * outputs_per_input + p`).
    """
    masks = []
    for layer in range(len(degrees[0])):
        per_set = []
        for layers in degrees:
            below = layers[layer]
            if layer + 1 < len(layers):
                per_set.append(layers[layer + 1][None, :] >= below[:, None])
            else:
                outputs = np.repeat(layers[0], outputs_per_input)
                per_set.append(outputs[None, :] > below[:, None])
        masks.append(np.stack(per_set).astype("float32"))
    return masks


@keras.saving.register_keras_serializable(package="keras_gen")
class MADENetwork(keras.layers.Layer):
    """A masked MLP whose output i depends only on the inputs before i in an ordering (MADE).

    Germain et al., "MADE: Masked Autoencoder for Distribution Estimation"
    (2015). `num_masks` mask sets give connectivity-agnostic training: pass
    `mask_index` to choose one per call. With `order_agnostic=True` each set
    also has its own random ordering; otherwise all use the raster order.
    `hidden_units=()` is a single masked linear layer: logistic regression on
    the earlier inputs, Frey's fully visible sigmoid belief network (Frey,
    "Graphical Models for Machine Learning and Digital Communication", 1998).

    `context_units` adds an unmasked input (a context vector, as the inverse
    autoregressive flow of Kingma et al., 2016, conditions on) to the first
    hidden layer.

    Args:
        num_inputs: D, the length of the input vectors.
        hidden_units: sizes of the hidden layers.
        num_masks: how many mask sets (and orderings) the layer has.
        order_agnostic: give each mask set its own random ordering.
        outputs_per_input: outputs per input (1 for a logit; 2 for a mean and a scale).
        context_units: size of the context vector, or None.
        activation: of the hidden layers, one of `ACTIVATIONS`.
        seed: seed of the orderings and the hidden units' degrees.

    Call arguments:
        inputs: `(batch, num_inputs)`.
        mask_index: which mask set to use (an int or an int tensor).
        context: `(batch, context_units)` when the layer has a context.

    Example:
    >>> layer = MADENetwork(4, hidden_units=(8,), num_masks=2, seed=0)
    >>> tuple(layer(np.ones((3, 4), "float32"), mask_index=1).shape)
    (3, 4)
    """

    def __init__(
        self,
        num_inputs,
        hidden_units=(500,),
        num_masks=1,
        order_agnostic=False,
        outputs_per_input=1,
        context_units=None,
        activation="relu",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, value in (("num_inputs", num_inputs), ("num_masks", num_masks),
                            ("outputs_per_input", outputs_per_input)):
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")
        if isinstance(hidden_units, (int, np.integer)):
            hidden_units = (hidden_units,)
        hidden_units = tuple(hidden_units)
        if any(isinstance(u, bool) or int(u) != u or u < 1 for u in hidden_units):
            raise ValueError(f"hidden_units must be a tuple of integers >= 1 (() for none), got {hidden_units!r}.")
        if context_units is not None and (int(context_units) != context_units or context_units < 1 or not hidden_units):
            raise ValueError(
                f"context_units must be None or an integer >= 1, and needs a hidden layer; got {context_units!r} "
                f"with hidden_units={hidden_units}."
            )
        if activation not in ACTIVATIONS:
            raise ValueError(f"Unknown activation {activation!r}; choose one of {ACTIVATIONS}.")
        self.num_inputs = int(num_inputs)
        self.hidden_units = tuple(int(u) for u in hidden_units)
        self.num_masks = int(num_masks)
        self.order_agnostic = bool(order_agnostic)
        self.outputs_per_input = int(outputs_per_input)
        self.context_units = None if context_units is None else int(context_units)
        self.activation = activation
        self.seed = seed

    def initial_orderings_and_masks(self):
        """`(orderings, masks)` drawn from `seed`: `(num_masks, D)` ints and each layer's `(num_masks, in, out)`."""
        rng = np.random.default_rng(self.seed)
        orderings = np.tile(np.arange(self.num_inputs), (self.num_masks, 1))
        if self.order_agnostic:
            orderings = np.stack([rng.permutation(self.num_inputs) for _ in range(self.num_masks)])
        degrees = made_degrees(orderings, self.hidden_units, rng)
        return orderings, made_masks(degrees, self.outputs_per_input)

    def build(self, input_shape=None):
        orderings, masks = self.initial_orderings_and_masks()
        self.orderings = self.add_weight(
            shape=orderings.shape, dtype="int32", trainable=False, name="orderings",
            initializer=keras.initializers.Constant(orderings.astype("int32")),
        )
        sizes = [self.num_inputs, *self.hidden_units, self.num_inputs * self.outputs_per_input]
        self.kernels, self.biases, self.masks = [], [], []
        for index, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            self.kernels.append(self.add_weight(shape=(fan_in, fan_out), initializer="glorot_uniform",
                                                name=f"kernel_{index}"))
            self.biases.append(self.add_weight(shape=(fan_out,), initializer="zeros", name=f"bias_{index}"))
            self.masks.append(self.add_weight(
                shape=masks[index].shape, trainable=False, name=f"mask_{index}",
                initializer=keras.initializers.Constant(masks[index]),
            ))
        if self.context_units is not None:
            self.context_kernel = self.add_weight(shape=(self.context_units, self.hidden_units[0]),
                                                  initializer="glorot_uniform", name="context_kernel")
        self.built = True

    def call(self, inputs, mask_index=0, context=None):
        if (context is None) != (self.context_units is None):
            raise ValueError(
                f"This MADENetwork was built with context_units={self.context_units}; "
                + ("pass context=." if context is None else "it takes no context.")
            )
        x = ops.cast(inputs, self.compute_dtype)
        last = len(self.kernels) - 1
        for index, (kernel, bias, mask) in enumerate(zip(self.kernels, self.biases, self.masks)):
            chosen = ops.cast(ops.take(mask, mask_index, axis=0), self.compute_dtype)
            x = ops.matmul(x, ops.cast(kernel, self.compute_dtype) * chosen) + ops.cast(bias, self.compute_dtype)
            if index == 0 and context is not None:
                x = x + ops.matmul(ops.cast(context, self.compute_dtype), ops.cast(self.context_kernel, self.compute_dtype))
            if index < last:
                x = keras.activations.get(self.activation)(x)
        return x

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_inputs * self.outputs_per_input)

    def get_config(self):
        return {
            **super().get_config(),
            "num_inputs": self.num_inputs,
            "hidden_units": self.hidden_units,
            "num_masks": self.num_masks,
            "order_agnostic": self.order_agnostic,
            "outputs_per_input": self.outputs_per_input,
            "context_units": self.context_units,
            "activation": self.activation,
            "seed": self.seed,
        }
