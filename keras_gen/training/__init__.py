"""The backend seam: the only place that knows how gradients are taken and applied.

Families describe *what* to minimize as a loss closure: a function of no
arguments that calls the networks on tensors already in hand and returns
`(loss, aux)`. They never take gradients themselves. This module decides *how*
on the active Keras backend:

- `minimize(loss_fn, variables, optimizer)`: one optimizer update;
- `forward_for_update(fn, variables)` and `minimize_through(pass_, loss_fn,
  optimizer)`: one forward pass serving two updates (a GAN's generator pass:
  constants for the discriminator's update, differentiated for its own);
- `input_gradients(fn, inputs)`: gradients of `sum(fn(inputs))` w.r.t. the
  inputs, for penalties such as the gradient penalty and R1;
- `stateless_loss(loss_fn, state)`: the same closure evaluated with variable
  values substituted and no variable changed (`keras.StatelessScope`), which is
  what a stateless trainer (JAX's `value_and_grad` over each network's values)
  differentiates. See docs/architecture.md.

Two backends implement it: `tensorflow.py` (`GradientTape`) and `jax.py`
(`jax.vjp` over `StatelessScope` values, and `PlayersTrainer`, the base class
that fits every family to Keras' JAX trainer: `BackendTrainer` here). Another
backend adds a module beside them with the same functions.
"""

import importlib

import keras

from keras_gen.training.distribution import (
    global_batch_mean,
    replica_seed,
    synchronized_mean,
    unscaled,
)

__all__ = ["BackendTrainer", "DataError", "checked_equal_counts", "checked_finite", "checked_labels", "checked_masks", "checked_pixel_levels", "checked_values", "compiled", "data_errors_as_value_errors", "enable_determinism", "forward_for_update", "global_batch_mean", "input_gradients", "minimize", "minimize_players", "minimize_through", "prepare_fit", "replica_seed", "stateless_loss", "synchronized_mean", "unscaled"]

_BACKENDS = {"tensorflow": "keras_gen.training.tensorflow", "jax": "keras_gen.training.jax"}


def _backend_module():
    backend = keras.backend.backend()
    if backend not in _BACKENDS:
        raise NotImplementedError(
            f"keras_gen trains on the {' and '.join(_BACKENDS)} backends; the active Keras backend is "
            f"'{backend}'. Set KERAS_BACKEND to one of them before importing keras."
        )
    return importlib.import_module(_BACKENDS[backend])


def _backend_trainer():
    """The mixin that fits `GenerativeModel` to the backend's trainer: nothing for TensorFlow, whose
    trainer calls the family's `train_step(data)` itself; `keras_gen.training.jax.PlayersTrainer` for JAX."""
    if keras.backend.backend() == "jax":
        from keras_gen.training.jax import PlayersTrainer

        return PlayersTrainer

    class BackendTrainer:
        """Nothing to add on this backend."""

    return BackendTrainer


BackendTrainer = _backend_trainer()


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
    return _backend_module().minimize(loss_fn, variables, optimizer)


def minimize_players(loss_fn, players):
    """One loss, several players: each `(variables, optimizer)` of `players` takes its own update.

    For a loss that several networks share, each with its own optimizer
    (CycleGAN's two generators, its two discriminators): the loss is computed
    once and differentiated for each player.

    Args:
        loss_fn: a loss closure as for `minimize`.
        players: `[(variables, optimizer), ...]`.

    Returns:
        `(loss, aux)` as returned by `loss_fn`.
    """
    return _backend_module().minimize_players(loss_fn, players)


def forward_for_update(fn, variables):
    """Runs `fn` once and keeps what is needed to update `variables` from its outputs later.

    For a step that uses one forward pass twice: a GAN's generated images are
    judged by the discriminator's update (as constants) and then, after that
    update, by the generator's own (through the generator). Today's networks
    run the generator once per step instead of twice; `minimize_through`
    finishes the update with a vector-Jacobian product through the pass
    recorded here. What `fn` changes besides (batch-norm statistics, seeds)
    changes once.

    Args:
        fn: a function of no arguments returning one tensor (e.g. `G(z)`) or a
            list of tensors (a generator with several outputs).
        variables: the variables the later update will change.

    Returns:
        `(outputs, pass_)`: `fn`'s outputs, which no gradient reaches from
        other losses, and the recorded pass to give `minimize_through`.

    Example:
    >>> fake, generated = training.forward_for_update(lambda: g(z, training=True), g.trainable_variables)
    >>> ...  # the discriminator's update sees `fake` as a constant
    >>> g_loss, aux = training.minimize_through(generated, lambda images: loss_of(images), g_optimizer)
    """
    return _backend_module().forward_for_update(fn, list(variables))


def minimize_through(pass_, loss_fn, optimizer):
    """Finishes the update that `forward_for_update` started: differentiates `loss_fn(outputs)` through the pass.

    The gradient of the loss w.r.t. the recorded outputs is taken with the
    other networks as they are now (a discriminator already updated this
    step), then carried back through the recorded pass to its variables, and
    `optimizer` applies it. The result equals `minimize(lambda:
    loss_fn(fn()), variables, optimizer)` when `fn` is deterministic, without
    running `fn` again.

    Args:
        pass_: the second value `forward_for_update` returned; used once.
        loss_fn: `outputs -> (loss, aux)`, a loss closure of the outputs.
        optimizer: the optimizer of the variables given to `forward_for_update`.

    Returns:
        `(loss, aux)` as returned by `loss_fn`.
    """
    return _backend_module().minimize_through(pass_, loss_fn, optimizer)


def input_gradients(fn, inputs):
    """Gradients of `sum(fn(inputs))` with respect to `inputs`, differentiable again.

    Penalties on the discriminator's input gradients (WGAN-GP's gradient
    penalty, R1) call this inside a loss closure; the result stays on the tape,
    so the penalty's own gradient w.r.t. the discriminator's weights exists.

    Args:
        fn: a function of one tensor returning per-example outputs.
        inputs: the tensor to differentiate with respect to.

    Returns:
        A tensor shaped like `inputs`.
    """
    return _backend_module().input_gradients(fn, inputs)


def stateless_loss(loss_fn, state):
    """Evaluates a loss closure with the variable values in `state`, changing no variable.

    Args:
        loss_fn: a loss closure as for `minimize`.
        state: `[(variable, value), ...]`: the values to use, e.g. candidate
            weights of one network and the current seed state.

    Returns:
        `(loss, aux, updates)`, where `updates` maps each variable of `state`
        to its value after the closure ran (seed generators advance; weights
        stay as given).

    Example:
    >>> loss, _, updates = stateless_loss(loss_fn, [(v, v.value * 0) for v in net.weights])
    """
    with keras.StatelessScope(state_mapping=state) as scope:
        loss, aux = loss_fn()
    updates = [(variable, scope.get_current_value(variable)) for variable, _ in state]
    return loss, aux, updates


def checked_labels(labels, count, num_classes, lowest=0):
    """`labels` after checking their values in the step: in `[lowest, num_classes)`, `count` of them.

    A bad value stops the step before any update, with an error that says so
    (a one-hot encoding would otherwise silently turn it into zeros).
    """
    return _backend_module().checked_labels(labels, count, num_classes, lowest)


def checked_values(values, low, high, what, binary=False, fix=None):
    """`values` after checking in the step that they lie in `[low, high]` (with `binary`, are 0 or 1).

    The values of a condition (attributes, word ids, region ids), or clips
    and voxel grids outside the model's data_scale, stop the step before any
    update with an error that names `what` (and `fix`, how to mend the data
    when given), instead of being clipped or looked up out of range.
    """
    return _backend_module().checked_values(values, low, high, what, binary, fix)


class DataError(ValueError):
    """Bad values inside the training data, found by a check in the step (NaN, a label out of range)."""


def data_errors_as_value_errors():
    """A context in which the failure of an in-graph data check is raised as a `DataError` (a ValueError).

    Checks such as `checked_labels` run inside the compiled step; the backend
    reports them as its own error type, with its graph context around the
    message. `fit` and `evaluate` run in this context, so users get the
    check's message as a plain ValueError.
    """
    return _backend_module().data_errors_as_value_errors(DataError)


def checked_finite(images, what="training images"):
    """`images` after checking in the step that every value is finite.

    A NaN or infinity inside a user's `tf.data` pipeline stops the step before
    any update with an error that says so (numpy input is checked before `fit`).
    """
    return _backend_module().checked_finite(images, what)


def checked_masks(masks, what="inpainting masks"):
    """`masks` after checking in the step that they hold only 0 and 1 (1: a missing pixel).

    Soft or rescaled masks stop the step before any update with an error that
    says so, instead of blending the hole into the known pixels.
    """
    return _backend_module().checked_masks(masks, what)


def checked_equal_counts(first, second, what="inputs and targets"):
    """`first` after checking in the step that `first` and `second` hold as many examples."""
    return _backend_module().checked_equal_counts(first, second, what)


def checked_pixel_levels(values, levels, what="training images", fix=None):
    """Integer pixel levels of `values` (pixel values rescaled to `[0, levels - 1]`), checked in the step.

    Models of discrete pixels (PixelCNN, the discretized VAE) need images on
    the grid of `levels` values, e.g. 8-bit data scaled by 1/255. Values off
    the grid (resized, blurred or dequantized images) stop the step before any
    update with an error that says so, instead of being rounded silently.
    `fix` replaces the advice of that error (how to load 8-bit images), e.g.
    for models of binary pixels (`levels=2`).
    """
    return _backend_module().checked_pixel_levels(values, levels, what, fix)


def prepare_fit(model):
    """What the backend's `fit` of `model` needs before it starts, for the strategy it was built under.

    On TensorFlow, Keras 3's `fit` cannot average the scalar logs of a step
    across the workers of a `MultiWorkerMirroredStrategy`
    (tensorflow/tensorflow#72388); under that strategy this makes it average
    them over the replicas. `GenerativeModel.fit` calls it.
    """
    _backend_module().prepare_fit(model)


def enable_determinism(seed=None):
    """The backend's deterministic mode (see `keras_gen.enable_determinism`), and the seeds when given."""
    _backend_module().enable_determinism()
    if seed is not None:
        keras.utils.set_random_seed(int(seed))


def compiled(function):
    """`function` compiled for the backend (a `tf.function` on TensorFlow), for loops of many steps.

    Tools that optimize outside `fit` (GAN inversion, the inversion encoder)
    run each step through this so that a step costs a graph call, not an
    eager trace.
    """
    return _backend_module().compiled(function)
