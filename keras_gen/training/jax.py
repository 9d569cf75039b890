"""The backend seam on JAX: stateless gradients over `keras.StatelessScope`, and the trainer of every family.

Keras' JAX trainer calls `train_step(state, data)` with the model's state as
arrays and carries one optimizer's variables. keras_gen's families have
several players, each with its own optimizer, and write their steps as
`train_step(data)` against variables, as on TensorFlow. `PlayersTrainer` joins
the two once for every family: the state it carries holds every player's
optimizer variables, and its compiled step runs the family's own
`train_step(data)` inside a `StatelessScope` that maps each variable to its
value in the state; the scope's values after the step are the new state.

Inside that scope `minimize` differentiates a loss closure with `jax.vjp` over
the values of the variables it updates (a child scope maps them to the traced
values and starts from the current values of everything else), then
`optimizer.apply` writes the new values into the scope, as
`optimizer.stateless_apply` does. What the closure changes besides
(seed generators, batch-norm statistics) is written into the scope too.

The in-step data checks are `jax.debug.callback`s that raise a marked
`ValueError`; `data_errors_as_value_errors` turns the runtime error back into
the check's message. The compiled step waits for its logs, so a bad batch
stops `fit` at that step, and the state it returned is never kept: the model's
variables hold the values after the last good step.
"""

import contextlib
import logging
import os
import re

import jax
import jax.numpy as jnp
import keras
from keras.src.backend.common.stateless_scope import get_stateless_scope

from keras_gen.training.messages import off_grid_message

# Marks the messages of keras_gen's in-step data checks, so they can be raised again as ValueErrors.
DATA_ERROR_MARK = "keras_gen data error: "


class _ChildScope(keras.StatelessScope):
    """A stateless scope that starts from the active scope's values and records the variables it touches.

    Args:
        overrides: `[(variable, value), ...]` replacing the values inherited.
    """

    def __init__(self, overrides=()):
        super().__init__()
        parent = get_stateless_scope()
        if parent is not None:
            self.state_mapping.update(parent.state_mapping)
        for variable, value in overrides:
            self.state_mapping[id(variable)] = value
        self.touched, self.updated = {}, {}

    def get_current_value(self, variable):
        self.touched[id(variable)] = variable
        return super().get_current_value(variable)

    def add_update(self, update):
        variable = update[0]
        self.touched[id(variable)] = self.updated[id(variable)] = variable
        super().add_update(update)

    def value_of(self, variable):
        """The variable's value in this scope, without recording a read."""
        value = self.state_mapping.get(id(variable))
        return variable.value if value is None else value


def _is_array(leaf):
    return isinstance(leaf, (jax.Array, jax.core.Tracer))


def _split_arrays(tree):
    """`(arrays, rebuild)`: the array leaves of `tree` and a function that puts new ones in their place."""
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    positions = [index for index, leaf in enumerate(leaves) if _is_array(leaf)]

    def rebuild(arrays):
        rebuilt = list(leaves)
        for index, array in zip(positions, arrays):
            rebuilt[index] = array
        return jax.tree_util.tree_unflatten(treedef, rebuilt)

    return [leaves[index] for index in positions], rebuild


@contextlib.contextmanager
def _in_scope():
    """The active stateless scope, or a new one whose changes are written to the variables on exit."""
    if get_stateless_scope() is not None:
        yield
        return
    with _ChildScope() as scope:
        yield
    for key, variable in scope.updated.items():
        variable.assign(scope.state_mapping[key])


def minimize_players(loss_fn, players):
    """JAX implementation of `keras_gen.training.minimize_players`."""
    with _in_scope():
        return _minimize_players(loss_fn, players)


def _vjp_keeping_state(function, primals, variables=()):
    """`jax.vjp` of `function(primals) -> (primary, aux)`, run in a child scope; what it changes besides is kept.

    `variables`, when given, take the values `primals` in the child scope (the
    closure reads them as variables). The values the run gave other variables
    (seed generators, batch-norm statistics) are written into the active
    scope once; the array leaves of `aux` come back out of the trace.

    Returns:
        `(primary, backward, aux)`.
    """
    differentiated = {id(variable) for variable in variables}
    found = {}

    def traced(values):
        with _ChildScope(zip(variables, values)) as scope:
            primary, aux = function(values)
        found["changed"] = [variable for key, variable in scope.updated.items() if key not in differentiated]
        arrays, found["rebuild"] = _split_arrays(aux)
        return primary, (arrays, [scope.state_mapping[id(variable)] for variable in found["changed"]])

    primary, backward, (arrays, changed_values) = jax.vjp(traced, primals, has_aux=True)
    for variable, value in zip(found["changed"], changed_values):
        variable.assign(value)
    return primary, backward, found["rebuild"](arrays)


def _minimize_players(loss_fn, players):
    variables = []
    for player_variables, _ in players:
        variables.extend(player_variables)
    loss, backward, aux = _vjp_keeping_state(lambda values: loss_fn(), [v.value for v in variables], variables)
    one = jnp.ones((), loss.dtype)
    if not any(isinstance(optimizer, keras.optimizers.LossScaleOptimizer) for _, optimizer in players):
        # No loss scaling: one backward pass serves every player.
        gradients = [backward(one)[0]] * len(players)
    else:
        # Each player's gradients of its own scaled loss (mixed_float16).
        gradients = [backward(jnp.asarray(optimizer.scale_loss(one), loss.dtype))[0] for _, optimizer in players]
    start = 0
    for (player_variables, optimizer), player_gradients in zip(players, gradients):
        count = len(player_variables)
        optimizer.apply(player_gradients[start : start + count], player_variables)
        start += count
    return loss, aux


def minimize(loss_fn, variables, optimizer):
    """JAX implementation of `keras_gen.training.minimize`."""
    return minimize_players(loss_fn, [(list(variables), optimizer)])


def forward_for_update(fn, variables):
    """JAX implementation of `keras_gen.training.forward_for_update`: `jax.vjp` over the variables' values."""
    with _in_scope():
        outputs, backward, _ = _vjp_keeping_state(lambda values: (fn(), None), [v.value for v in variables], variables)
    return jax.lax.stop_gradient(outputs), (backward, outputs, variables)


def minimize_through(pass_, loss_fn, optimizer):
    """JAX implementation of `keras_gen.training.minimize_through`."""
    backward, outputs, variables = pass_
    with _in_scope():
        loss, loss_backward, aux = _vjp_keeping_state(loss_fn, outputs)
        cotangent = jnp.ones((), loss.dtype)
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            cotangent = jnp.asarray(optimizer.scale_loss(cotangent), loss.dtype)
        gradients = backward(loss_backward(cotangent)[0])[0]
        optimizer.apply(gradients, variables)
    return loss, aux


def input_gradients(fn, inputs):
    """JAX implementation of `keras_gen.training.input_gradients`.

    `fn` runs in a child scope whose changes are dropped (a penalty's extra
    pass must not move batch-norm statistics or seeds a second time).
    """

    def total(values):
        with _ChildScope():
            return jnp.sum(fn(values).astype("float32"))

    return jax.grad(total)(inputs)


def _not_a_data_error(record):
    """False for JAX's log of a failed data check (its traceback would repeat the error raised)."""
    error = record.exc_info[1] if record.exc_info else None
    return not (error is not None and DATA_ERROR_MARK in str(error))


@contextlib.contextmanager
def data_errors_as_value_errors(error_class):
    """JAX implementation of `keras_gen.training.data_errors_as_value_errors`."""
    callback_log = logging.getLogger("jax._src.debugging")
    callback_log.addFilter(_not_a_data_error)
    try:
        yield
    except error_class:
        raise
    except Exception as err:  # the runtime wraps the check's ValueError in its own error type
        text = str(err)
        if DATA_ERROR_MARK not in text:
            raise
        message = text.split(DATA_ERROR_MARK, 1)[1].splitlines()[0].strip().strip("'\"")
        raise error_class(message.rstrip(".") + ".") from None
    finally:
        callback_log.removeFilter(_not_a_data_error)


def _check(ok, message):
    """Raises the marked ValueError when `ok` is false, from inside a compiled step."""

    def raise_unless(ok):
        if not bool(ok):
            raise ValueError(DATA_ERROR_MARK + message)

    jax.debug.callback(raise_unless, ok)


def checked_finite(images, what):
    """JAX implementation of `keras_gen.training.checked_finite`."""
    _check(jnp.all(jnp.isfinite(images)),
           f"The {what} hold NaN or infinite values; clean or drop them in the data pipeline")
    return images


def checked_pixel_levels(values, levels, what, fix=None):
    """JAX implementation of `keras_gen.training.checked_pixel_levels`."""
    # Non-finite values are `checked_finite`'s to report: all checks of a step run, and its error must win.
    values = jnp.where(jnp.isfinite(values), values, 0)
    rounded = jnp.round(values)
    _check(jnp.max(jnp.abs(values - rounded)) <= 0.01, off_grid_message(levels, what, fix))
    _check(jnp.min(rounded) >= 0, f"The {what} lie below the model's data_scale")
    _check(jnp.max(rounded) <= levels - 1, f"The {what} lie above the model's data_scale")
    return rounded.astype("int32")


def checked_labels(labels, count, num_classes, lowest=0):
    """JAX implementation of `keras_gen.training.checked_labels`."""
    labels = jnp.asarray(labels).astype("int32")
    _check(jnp.asarray(labels.shape[0]) == jnp.asarray(count),
           "The batch holds a different number of labels than images; pass one label per image")
    _check(jnp.min(labels) >= lowest,
           f"Labels must lie in [0, {num_classes})" + (" or be -1 (unlabelled)" if lowest < 0 else "")
           + f"; a batch holds a label below {lowest}")
    _check(jnp.max(labels) < num_classes,
           f"Labels must lie in [0, {num_classes}) for num_classes={num_classes}; a batch holds a larger label")
    return labels


def checked_values(values, low, high, what, binary, fix=None):
    """JAX implementation of `keras_gen.training.checked_values`."""
    advice = f"; {fix}" if fix else ""
    if jnp.issubdtype(values.dtype, jnp.floating):
        _check(jnp.all(jnp.isfinite(values)),
               f"The {what} hold NaN or infinite values; clean or drop them in the data pipeline")
        values_or_low = jnp.where(jnp.isfinite(values), values, low)
    else:
        values_or_low = values
    _check(jnp.min(values_or_low) >= low,
           f"The {what} must lie between {low:g} and {high:g}; a batch holds a smaller value{advice}")
    _check(jnp.max(values_or_low) <= high,
           f"The {what} must lie between {low:g} and {high:g}; a batch holds a larger value{advice}")
    if binary:
        _check(jnp.all((values == 0) | (values == 1)),
               f"The {what} must hold only 0 and 1; threshold them in the data pipeline")
    return values


def checked_masks(masks, what):
    """JAX implementation of `keras_gen.training.checked_masks`."""
    _check(jnp.all((masks == 0) | (masks == 1)),
           f"The {what} must hold only 0 (known pixel) and 1 (missing pixel); binarize them, e.g. masks = (masks > 0.5)")
    return masks


def checked_equal_counts(first, second, what):
    """JAX implementation of `keras_gen.training.checked_equal_counts`."""
    if first.shape[0] != second.shape[0]:
        raise ValueError(
            DATA_ERROR_MARK + f"The batch holds different numbers of {what}; pass one of each per example"
        )
    return first


def prepare_fit(model):
    """JAX implementation of `keras_gen.training.prepare_fit`: nothing to prepare."""


def enable_determinism():
    """JAX implementation of `keras_gen.training.enable_determinism`.

    XLA's CPU kernels are deterministic; on GPUs the flag below takes effect
    when it is set before JAX starts its backend.
    """
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_gpu_deterministic_ops" not in flags:
        os.environ["XLA_FLAGS"] = (flags + " --xla_gpu_deterministic_ops=true").strip()


def compiled(function):
    """JAX implementation of `keras_gen.training.compiled`: `jax.jit` over the variables the function uses.

    The first call runs eagerly and records which variables the function
    reads and writes; later calls run a jitted pure function of their values
    and write the new values back.
    """
    state = {}

    def pure(values, args, kwargs):
        with _ChildScope(zip(state["variables"], values)) as scope:
            outputs = function(*args, **kwargs)
        return outputs, [scope.value_of(variable) for variable in state["variables"]]

    def call(*args, **kwargs):
        if "variables" not in state:
            with _ChildScope() as scope:
                outputs = function(*args, **kwargs)
            for key, variable in scope.updated.items():
                variable.assign(scope.state_mapping[key])
            state["variables"] = list(scope.touched.values())
            state["jitted"] = jax.jit(pure)
            return outputs
        outputs, values = state["jitted"]([variable.value for variable in state["variables"]], args, kwargs)
        for variable, value in zip(state["variables"], values):
            variable.assign(value)
        return outputs

    return call


def data_replicas():
    """How many replicas share each global batch under the active `keras.distribution` (1 without one)."""
    distribution = keras.distribution.distribution()
    mesh = getattr(distribution, "device_mesh", None)
    batch_axis = getattr(distribution, "batch_dim_name", None)
    if mesh is None or batch_axis not in mesh.axis_names:
        return 1
    return int(mesh.shape[list(mesh.axis_names).index(batch_axis)])


def _uneven_batch_error(batch, replicas):
    return ValueError(
        f"A global batch of {batch} examples cannot be split evenly over {replicas} replicas "
        f"(keras.distribution.{type(keras.distribution.distribution()).__name__}); use a batch size that is a "
        f"multiple of {replicas}, and drop the last partial batch of a tf.data pipeline "
        "(batch(..., drop_remainder=True)) or of arrays (a number of examples that the batch size divides)."
    )


@contextlib.contextmanager
def _uneven_batches_named():
    """Keras' sharding error for a batch the replicas cannot share (raised when it places the batch on the
    devices, before any step) as an error that names both numbers and the fix."""
    try:
        yield
    except ValueError as err:
        found = re.search(r"full shape: \((\d+)", str(err))
        if data_replicas() == 1 or "evenly divide" not in str(err) or not found:
            raise
        raise _uneven_batch_error(int(found.group(1)), data_replicas()) from None


class PlayersTrainer:
    """Keras' JAX trainer for models with one optimizer per player, running each family's `train_step(data)`.

    Mixed into `keras_gen.models.GenerativeModel` on the JAX backend. The state
    `fit` carries is `(trainable, non-trainable, every player's optimizer
    variables, metric variables)`; the variables keep their values during an
    epoch (Keras frees them), so a step stopped by a data check leaves the
    model as it was after the last good step.
    """

    def _players_optimizer_variables(self):
        seen, variables = set(), []
        for name in self.optimizer_names:
            optimizer = getattr(self, name, None)
            for variable in [] if optimizer is None else optimizer.variables:
                if id(variable) not in seen:
                    seen.add(id(variable))
                    variables.append(variable)
        return variables

    def _state_groups(self, optimizer_variables=True):
        groups = [self.trainable_variables, self.non_trainable_variables]
        if optimizer_variables:
            groups.append(self._players_optimizer_variables())
        return [*groups, self.metrics_variables]

    def _stateless_step(self, step, groups, state, data):
        mapping = [(variable, value) for variables, values in zip(groups, state) for variable, value in zip(variables, values)]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            logs = step(data)
        return logs, tuple([scope.get_current_value(variable) for variable in variables] for variables in groups)

    def _stateless_function(self, step, optimizer_variables):
        groups = self._state_groups(optimizer_variables)

        def stateless(state, data):
            return self._stateless_step(step, groups, state, data)

        if not self.run_eagerly and self.jit_compile:
            out_shardings = None
            if keras.distribution.distribution() is not None:
                shardings = list(self._get_state_sharding_spec())
                if not optimizer_variables:
                    del shardings[2]
                out_shardings = (None, tuple(shardings))
            stateless = jax.jit(stateless, out_shardings=out_shardings)

        def checked(state, data):
            logs, state = stateless(state, data)
            # An in-step data check fails here, before `fit` keeps the new state.
            jax.block_until_ready(logs)
            return logs, state

        return self._make_function(checked)

    def fit(self, *args, **kwargs):
        with _uneven_batches_named():
            return super().fit(*args, **kwargs)

    def evaluate(self, *args, **kwargs):
        with _uneven_batches_named():
            return super().evaluate(*args, **kwargs)

    def make_train_function(self, force=False):
        if self.train_function is None or force:
            self.train_function = self._stateless_function(self.train_step, optimizer_variables=True)

    def make_test_function(self, force=False):
        if self.test_function is None or force:
            self.test_function = self._stateless_function(self.test_step, optimizer_variables=False)

    def _get_jax_state(self, trainable_variables=False, non_trainable_variables=False, optimizer_variables=False,
                       metrics_variables=False, purge_model_variables=False):
        groups = []
        if trainable_variables:
            groups.append(self.trainable_variables)
        if non_trainable_variables:
            groups.append(self.non_trainable_variables)
        if optimizer_variables:
            groups.append(self._players_optimizer_variables())
        if metrics_variables:
            groups.append(self.metrics_variables)
        return tuple([variable.value for variable in variables] for variables in groups)

    def _purge_model_variables(self, *args, **kwargs):
        """Keeps every variable's value: a failed step leaves the model as it was."""

    def jax_state_sync(self):
        state = getattr(self, "_jax_state", None)
        if not state or self._jax_state_synced:
            return
        groups = {
            "trainable_variables": self.trainable_variables,
            "non_trainable_variables": self.non_trainable_variables,
            "optimizer_variables": self._players_optimizer_variables(),
            "metrics_variables": self.metrics_variables,
        }
        for key, variables in groups.items():
            for variable, value in zip(variables, state.get(key) or ()):
                variable.assign(value)
        self._jax_state_synced = True

    def _get_state_sharding_spec(self):
        return tuple([variable.value.sharding for variable in variables] for variables in self._state_groups())
