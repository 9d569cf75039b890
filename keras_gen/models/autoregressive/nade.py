"""NADE: the neural autoregressive distribution estimator of binary images."""

import keras
import numpy as np
from keras import ops

from keras_gen.models.autoregressive.binary import BinaryAutoregressive, check_ordering


@keras.saving.register_keras_serializable(package="keras_gen")
class NADE(BinaryAutoregressive):
    """NADE: binary images, one hidden layer shared by every conditional, an exact likelihood.

    Larochelle & Murray, "The Neural Autoregressive Distribution Estimator"
    (2011). Along an ordering o of the D sub-pixels,

        h_i = sigmoid(c + W[o_<i]^T x[o_<i]),
        p(x_{o_i} = 1 | x[o_<i]) = sigmoid(b_{o_i} + V_{o_i} . h_i),

    so the hidden pre-activations of step i + 1 are those of step i plus one
    column of W: an image costs O(D x H), and so does a sample. Trained by
    maximum likelihood (the loss is -log p(x) in nats per image; `bits_per_dim`
    is logged too); `compile()` without arguments uses Adam(1e-3).

    Images are binary, `data_scale=(0, 1)`: every value 0 or 1
    (`keras_gen.data.load(..., binarize=True)`); grey levels are an error.
    Calling the model on images gives the logits of each sub-pixel given the
    ones before it, shaped like the images. `log_prob(images)` is exact, in
    nats; `generate(n)` samples along the ordering.

    Args:
        image_shape: `(height, width, channels)`; sub-pixels are flattened in
            raster order (row, column, channel).
        hidden_units: H, the size of the shared hidden layer (500 in the paper).
        ordering: `"raster"`, or an integer seed of a fixed random ordering.
        data_scale: `(0, 1)`, the only scale of binary pixels.
        seed: seed of the model's `keras.random.SeedGenerator` (sampling).

    Example:
    >>> model = NADE.for_images((8, 8, 1), hidden_units=16, seed=0)
    >>> model.compile()
    >>> images = (np.random.default_rng(0).random((32, 8, 8, 1)) > 0.5).astype("float32")
    >>> history = model.fit(images, batch_size=16, verbose=0)
    >>> model.log_prob(images[:2]).shape
    (2,)
    >>> model.generate(2).shape
    (2, 8, 8, 1)
    """

    def __init__(self, image_shape, hidden_units=500, ordering="raster", data_scale=(0.0, 1.0), seed=None, **kwargs):
        super().__init__(image_shape, data_scale=data_scale, seed=seed, **kwargs)
        if isinstance(hidden_units, bool) or not isinstance(hidden_units, (int, np.integer)) or hidden_units < 1:
            raise ValueError(f"hidden_units must be an integer >= 1, got {hidden_units!r}.")
        order = check_ordering(ordering, self.num_dims)
        self.hidden_units = int(hidden_units)
        self.ordering = ordering if isinstance(ordering, str) else int(ordering)
        dims, units = self.num_dims, self.hidden_units
        self._ordering = self.add_weight(shape=(1, dims), dtype="int32", trainable=False, name="orderings",
                                         initializer=keras.initializers.Constant(order[None].astype("int32")))
        self.input_weights = self.add_weight(shape=(dims, units), initializer="glorot_uniform", name="input_weights")
        self.hidden_bias = self.add_weight(shape=(units,), initializer="zeros", name="hidden_bias")
        self.output_weights = self.add_weight(shape=(dims, units), initializer="glorot_uniform",
                                              name="output_weights")
        self.output_bias = self.add_weight(shape=(dims,), initializer="zeros", name="output_bias")
        self.built = True

    @classmethod
    def for_images(cls, image_shape, hidden_units=500, ordering="raster", seed=None, **kwargs):
        """A NADE for binary images of `image_shape` (the constructor's arguments)."""
        return cls(image_shape, hidden_units=hidden_units, ordering=ordering, seed=seed, **kwargs)

    def _orderings_variable(self):
        return self._ordering

    def _ordered(self):
        """The ordering, its inverse and the parameters in the ordering's order."""
        order = ops.convert_to_tensor(self._ordering)[0]
        return (order, ops.argsort(order), ops.take(self.input_weights, order, axis=0),
                ops.take(self.output_weights, order, axis=0), ops.take(self.output_bias, order, axis=0))

    def _flat_logits(self, flat_images, mask_index=0):
        order, inverse, input_weights, output_weights, output_bias = self._ordered()
        ordered = ops.take(ops.cast(flat_images, "float32"), order, axis=1)
        # Step i's pre-activation sums the columns of the sub-pixels before i: an exclusive cumulative sum.
        contributions = ordered[:, :, None] * input_weights[None]
        hidden = ops.sigmoid(self.hidden_bias + ops.cumsum(contributions, axis=1) - contributions)
        logits = output_bias + ops.sum(hidden * output_weights[None], axis=-1)
        return ops.take(logits, inverse, axis=1)

    def _sample_flat(self, noise, temperature):
        # The recursion of the paper: one column of W per step, O(H) per sub-pixel.
        order, inverse, input_weights, output_weights, output_bias = self._ordered()
        ordered_noise = ops.take(noise, order, axis=1)
        batch = ops.shape(noise)[0]

        def body(step, state):
            values, pre_activation = state
            hidden = ops.sigmoid(pre_activation)
            logit = ops.take(output_bias, step) + ops.matmul(hidden, ops.take(output_weights, step, axis=0))
            bit = self._draw(logit, ops.take(ordered_noise, step, axis=1), temperature)
            values = values + ops.one_hot(step, self.num_dims, dtype=values.dtype)[None, :] * bit[:, None]
            return values, pre_activation + bit[:, None] * ops.take(input_weights, step, axis=0)[None, :]

        start = (ops.zeros_like(noise), ops.zeros((batch, self.hidden_units)) + self.hidden_bias)
        values, _ = ops.fori_loop(0, self.num_dims, body, start)
        return ops.take(values, inverse, axis=1)

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape, "hidden_units": self.hidden_units,
                "ordering": self.ordering}
