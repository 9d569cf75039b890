"""MADE: a masked autoencoder of binary images, with connectivity- and order-agnostic training."""

import math

import keras
from keras import ops

from keras_gen.layers.made import MADENetwork
from keras_gen.models.autoregressive.binary import BinaryAutoregressive
from keras_gen.networks.precision import float32_pin


@keras.saving.register_keras_serializable(package="keras_gen")
class MADE(BinaryAutoregressive):
    """MADE: a masked MLP gives every conditional of a binary image in one pass; an exact likelihood.

    Germain, Gregor, Murray & Larochelle, "MADE: Masked Autoencoder for
    Distribution Estimation" (2015). The network (`keras_gen.layers.MADENetwork`)
    masks its weights so that output i sees only the sub-pixels before i in an
    ordering. With `num_masks > 1`, training is connectivity-agnostic: each
    training step uses the next of the `num_masks` mask sets (the place in the
    cycle is saved with the model); `order_agnostic=True` also gives each set
    its own random ordering. `log_prob` of a model with several mask sets is
    the log of the **mean of their probabilities**, the paper's ensemble, a
    normalized distribution itself. `compile()` without arguments uses Adam(1e-3).

    `hidden_units=()` is Frey's fully visible sigmoid belief network: logistic
    regression of each sub-pixel on the earlier ones (Frey, "Graphical Models
    for Machine Learning and Digital Communication", 1998).

    Images are binary, `data_scale=(0, 1)` (`keras_gen.data.load(...,
    binarize=True)`); grey levels are an error. Sub-pixels are flattened in
    raster order (row, column, channel). Calling the model on images gives the
    logits of the first mask set, shaped like the images; `generate(n)`
    samples along `orderings[0]` (one network pass per sub-pixel).

    Args:
        network: a `keras_gen.layers.MADENetwork` of `height x width x channels`
            inputs, one output per input.
        image_shape: `(height, width, channels)`.
        data_scale: `(0, 1)`, the only scale of binary pixels.
        seed: seed of the model's `keras.random.SeedGenerator` (sampling).

    Example:
    >>> model = MADE.for_images((8, 8, 1), hidden_units=(32,), num_masks=2, order_agnostic=True, seed=0)
    >>> model.compile()
    >>> images = (np.random.default_rng(0).random((32, 8, 8, 1)) > 0.5).astype("float32")
    >>> history = model.fit(images, batch_size=16, verbose=0)
    >>> model.orderings.shape
    (2, 64)
    >>> model.log_prob(images[:2]).shape
    (2,)
    """

    network_names = ("network",)

    def __init__(self, network, image_shape, data_scale=(0.0, 1.0), seed=None, **kwargs):
        super().__init__(image_shape, data_scale=data_scale, seed=seed, **kwargs)
        if not isinstance(network, MADENetwork):
            raise ValueError(f"network must be a keras_gen.layers.MADENetwork, got {type(network).__name__}.")  # noqa: TRY004
        if network.num_inputs != self.num_dims or network.outputs_per_input != 1 or network.context_units:
            raise ValueError(
                f"The network must take {self.num_dims} inputs (height x width x channels of {self.image_shape}) "
                f"and give one output per input, with no context; it takes {network.num_inputs}, gives "
                f"{network.outputs_per_input} per input, context_units={network.context_units}."
            )
        if not network.built:
            network.build((None, self.num_dims))
        self.network = network
        self._mask_step = self.add_weight(shape=(), dtype="int32", initializer="zeros", trainable=False,
                                          name="mask_step")
        self.built = True

    @classmethod
    def for_images(cls, image_shape, hidden_units=(500,), num_masks=1, order_agnostic=False, seed=None, **kwargs):
        """A MADE for binary images of `image_shape`.

        Args:
            image_shape: `(height, width, channels)`.
            hidden_units: sizes of the hidden layers; `()` for Frey's network.
            num_masks: mask sets cycled through in training (and averaged by `log_prob`).
            order_agnostic: give each mask set its own random ordering.
            seed: the model's seed, and the seed of the masks and orderings.
            **kwargs: the constructor's other arguments (`data_scale`).
        """
        image_shape = tuple(int(side) for side in image_shape)
        network = MADENetwork(math.prod(image_shape), hidden_units=hidden_units, num_masks=num_masks,
                              order_agnostic=order_agnostic, seed=seed, dtype=float32_pin(), name="made_network")
        return cls(network, image_shape, seed=seed, **kwargs)

    @property
    def num_masks(self):
        return self.network.num_masks

    @property
    def hidden_units(self):
        return self.network.hidden_units

    @property
    def order_agnostic(self):
        return self.network.order_agnostic

    @property
    def mask_step(self):
        """Training steps taken: the next step uses mask set `mask_step % num_masks`."""
        return int(ops.convert_to_numpy(self._mask_step))

    def _orderings_variable(self):
        return self.network.orderings

    def _flat_logits(self, flat_images, mask_index=0):
        return ops.cast(self.network(flat_images, mask_index=mask_index), "float32")

    def _training_mask_index(self):
        return 0 if self.num_masks == 1 else ops.mod(self._mask_step, self.num_masks)

    def _after_train_step(self):
        self._mask_step.assign_add(1)

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape}


def fully_visible_sigmoid_belief_network(image_shape, seed=None, **kwargs):
    """Frey's fully visible sigmoid belief network: `MADE.for_images(image_shape, hidden_units=())`.

    Example:
    >>> fully_visible_sigmoid_belief_network((8, 8, 1), seed=0).hidden_units
    ()
    """
    return MADE.for_images(image_shape, hidden_units=(), seed=seed, **kwargs)

