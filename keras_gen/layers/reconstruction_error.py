"""`ReconstructionError`: the per-image L1 error between two image batches."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gen")
class ReconstructionError(keras.layers.Layer):
    """mean |a - b| over each image's pixels, as a `(batch, 1)` tensor.

    The output of BEGAN's autoencoder discriminator, L(v) = |v - D(v)| with
    eta = 1 (Berthelot, Schumm & Metz, 2017).

    Call arguments:
        inputs: `[images, reconstructions]`, both `(batch, height, width, channels)`.

    Example:
    >>> keras.ops.convert_to_numpy(ReconstructionError()([np.ones((2, 4, 4, 1)), np.zeros((2, 4, 4, 1))]))
    array([[1.], [1.]], dtype=float32)
    """

    def call(self, inputs):
        images, reconstructions = inputs
        errors = ops.abs(images - reconstructions)
        return ops.mean(ops.reshape(errors, (ops.shape(errors)[0], -1)), axis=-1, keepdims=True)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)

    def get_config(self):
        # Written out: Keras derives a config by itself only from plain constructor arguments, and a
        # builder passes a dtype policy object (`keras_gen.networks.float32_pin`).
        return super().get_config()
