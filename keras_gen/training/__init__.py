"""The backend-specific part of a train step: gradients and optimizer updates.

Models describe *what* to minimize as a closure; this module decides *how*
gradients are computed and applied on the active Keras backend. Only the
TensorFlow backend is implemented; another backend adds its branch here.
"""

import keras

from keras_gen.training.distribution import global_batch_mean

__all__ = ["global_batch_mean", "minimize"]


def minimize(loss_fn, variables, optimizer):
    """Runs `loss_fn`, differentiates its loss w.r.t. `variables`, applies it.

    The loss is scaled by the optimizer before differentiation (a
    `keras.optimizers.LossScaleOptimizer` under mixed precision does this;
    plain optimizers return the loss unchanged), and `optimizer.apply`
    unscales the gradients again.

    Args:
        loss_fn: a function of no arguments returning `(loss, aux)`, where
            `loss` is a scalar already averaged over the global batch.
        variables: the variables to update.
        optimizer: a built or unbuilt `keras.optimizers.Optimizer`.

    Returns:
        `(loss, aux)` as returned by `loss_fn`.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        from keras_gen.training.tensorflow import minimize as backend_minimize
    else:
        raise NotImplementedError(
            f"keras_gen trains on the TensorFlow backend; the active Keras backend is "
            f"'{backend}'. Set KERAS_BACKEND=tensorflow before importing keras."
        )
    return backend_minimize(loss_fn, variables, optimizer)
