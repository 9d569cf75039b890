"""How the losses reduce a tensor to one value per example: sums and means over every axis but the batch axis."""

from keras import ops


def sum_over_features(values):
    """Sums every axis but the first (the batch axis): log-likelihoods of whole images.

    Example:
    >>> keras.ops.convert_to_numpy(sum_over_features(keras.ops.ones((2, 3, 4))))
    array([12., 12.], dtype=float32)
    """
    return ops.sum(ops.reshape(values, (ops.shape(values)[0], -1)), axis=-1)


def mean_over_features(values):
    """Averages every axis but the batch axis: one logit, a patch of them, or the pixels of an image.

    Example:
    >>> keras.ops.convert_to_numpy(mean_over_features(keras.ops.ones((2, 3, 4))))
    array([1., 1.], dtype=float32)
    """
    return ops.mean(ops.reshape(values, (ops.shape(values)[0], -1)), axis=-1)
