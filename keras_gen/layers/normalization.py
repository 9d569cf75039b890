"""Batch normalization computed by one fused kernel where the backend has one."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gen")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """`keras.layers.BatchNormalization`, computed in training by TensorFlow's fused kernel.

    The same layer, arguments, weights and results as Keras' (Ioffe & Szegedy,
    2015): the batch is normalized with its own mean and (biased) variance, and
    the moving statistics move by `momentum`. Keras 3 computes a training
    step's normalization as separate moments, normalization and their
    gradients; on a CPU that took about three times as long as TensorFlow's
    fused batch-norm kernel (Keras 2's default), and the generators' batch
    normalization was about a third of the default DCGAN generator's work
    (docs/benchmarks.md, "Where the step's time goes"). This layer uses the
    fused kernel on the TensorFlow backend, in training, for inputs normalized
    over their last axis of rank 2 or 4; everything else (inference, other
    backends, masks, `renorm`, `synchronized`) is Keras' own code. Outputs and
    gradients agree with Keras' layer to float32 rounding.

    Args:
        **kwargs: the arguments of `keras.layers.BatchNormalization`.

    Example:
    >>> layer = FusedBatchNormalization(momentum=0.9)
    >>> x = np.random.default_rng(0).normal(size=(8, 4, 4, 3)).astype("float32")
    >>> y = keras.ops.convert_to_numpy(layer(x, training=True))
    >>> bool(np.allclose(y.mean(axis=(0, 1, 2)), 0.0, atol=1e-5))
    True
    """

    def _fusable(self, inputs, training, mask):
        rank = len(inputs.shape)
        return (
            keras.backend.backend() == "tensorflow"
            and training
            and self.trainable
            and mask is None
            and not self.renorm
            and not getattr(self, "synchronized", False)
            and rank in (2, 4)
            and self.axis in (-1, rank - 1)
        )

    def call(self, inputs, training=None, mask=None):
        if not self._fusable(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        channels = inputs.shape[-1]
        # The kernel takes NHWC; a (batch, features) input is a batch of 1x1 images.
        images = ops.cast(inputs if len(inputs.shape) == 4 else ops.reshape(inputs, (-1, 1, 1, channels)), "float32")
        gamma = ops.cast(self.gamma, "float32") if self.scale else ops.ones((channels,), "float32")
        beta = ops.cast(self.beta, "float32") if self.center else ops.zeros((channels,), "float32")
        empty = tf.constant([], "float32")
        outputs, mean, unbiased_variance, _, _, _ = tf.raw_ops.FusedBatchNormV3(
            x=images, scale=gamma, offset=beta, mean=empty, variance=empty, epsilon=self.epsilon,
            exponential_avg_factor=1.0, data_format="NHWC", is_training=True,
        )
        # The kernel returns the variance with Bessel's correction; Keras' moving variance uses the biased one.
        count = ops.cast(ops.prod(ops.shape(images)[:3]), "float32")
        variance = unbiased_variance * (count - 1.0) / ops.maximum(count, 1.0)
        self.moving_mean.assign(
            ops.cast(self.moving_mean, "float32") * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(
            ops.cast(self.moving_variance, "float32") * self.momentum + variance * (1.0 - self.momentum))
        if len(inputs.shape) == 2:
            outputs = ops.reshape(outputs, (-1, channels))
        return ops.cast(outputs, self.compute_dtype)
