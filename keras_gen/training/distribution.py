"""Averaging over the global batch under `tf.distribute` strategies."""

import keras
from keras import ops


def global_batch_mean(per_example):
    """Mean of per-example values, scaled so replica gradients sum correctly.

    Under a `tf.distribute` strategy each replica sees 1/num_replicas of the
    global batch and gradients are summed across replicas, so the local mean is
    divided by the number of replicas (what Keras' own `compute_loss` does).

    Args:
        per_example: `(batch,)` tensor of losses.

    Returns:
        A scalar tensor in float32 (kept in full precision under mixed precision).
    """
    loss = ops.mean(ops.cast(per_example, "float32"))
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if replicas > 1:
            loss = loss / replicas
    return loss


def unscaled(loss):
    """Undoes `global_batch_mean`'s replica scaling, for metrics and logs."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if replicas > 1:
            return loss * replicas
    return loss
