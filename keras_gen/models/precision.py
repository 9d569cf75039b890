"""Moving a model to another precision: float32, mixed_bfloat16 or mixed_float16.

A model computes in the dtype policy it was built under (`keras.config.set_dtype_policy`
before building), and a `.keras` file keeps it: each layer's policy is part of its
config. `with_precision` makes the same model, weights, optimizer state and seed
state included, computing in another policy, for example to resume a bfloat16 run
in float32 or to sample from a bfloat16-trained model in float32.

The layers the network builders pin to float32 (image outputs, logits, heads
that feed a loss; `keras_gen.networks.float32_pin`) stay in float32 in every
policy: mixed precision as in Micikevicius et al., "Mixed Precision Training"
(2018), with the variables, the losses and the images in float32.
"""

import keras

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def check_precision(policy) -> str:
    """The name of `policy` (a name or a `keras.DTypePolicy`) if it is one of `PRECISIONS`, else a ValueError."""
    name = policy.name if isinstance(policy, keras.DTypePolicy) else policy
    if name not in PRECISIONS:
        raise ValueError(
            f"Unknown precision {policy!r}; choose one of {', '.join(repr(p) for p in PRECISIONS)} "
            "(float32 everywhere, or 16-bit compute with float32 variables)."
        )
    return name


def _with_layer_policies(config, policy):
    """A copy of a serialized model with every layer's plain dtype policy replaced by `policy`.

    Pinned layers (`keras_gen.networks.PinnedDTypePolicy`), input layers (whose
    "dtype" is the dtype of the tensor they take) and any other kind of policy
    (a quantized layer's) are left as they are.
    """
    if isinstance(config, list):
        return [_with_layer_policies(item, policy) for item in config]
    if not isinstance(config, dict):
        return config
    rewritten = {key: _with_layer_policies(value, policy) for key, value in config.items()}
    dtype = config.get("dtype")
    if isinstance(dtype, dict) and dtype.get("class_name") == "DTypePolicy":
        rewritten["dtype"] = keras.dtype_policies.serialize(keras.DTypePolicy(policy))
    return rewritten


def _without_loss_scaling(optimizer):
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer.inner_optimizer
    return optimizer


def _copy_variables(sources, targets, what):
    sources, targets = list(sources), list(targets)
    shapes = [tuple(v.shape) for v in sources]
    if shapes != [tuple(v.shape) for v in targets]:
        raise RuntimeError(
            f"The rebuilt model's {what} ({len(targets)} variables) do not match the model's "
            f"({len(sources)}); a layer may create variables outside its config. Save the model and "
            "load it under the new policy instead (keras.config.set_dtype_policy, then load_model)."
        )
    for source, target in zip(sources, targets):
        target.assign(keras.ops.cast(source, target.dtype))


def _copy_optimizer_state(source, target):
    """Optimizer variables (iterations, moments), and the loss scale when both scale losses."""
    both_scaled = all(isinstance(o, keras.optimizers.LossScaleOptimizer) for o in (source, target))
    if not both_scaled:
        source, target = _without_loss_scaling(source), _without_loss_scaling(target)
    _copy_variables(source.variables, target.variables, "optimizer variables")


def with_precision(model: keras.Model, policy: str) -> keras.Model:
    """The same model computing in another precision: a new model, the given one is unchanged.

    The new model has the same class, config, weights, seed state (so it draws
    the same random numbers next) and, when `model` is compiled, the same
    optimizers: their config and every variable (`iterations`, moments). Under
    "mixed_float16" each optimizer is wrapped in a `LossScaleOptimizer` (as
    `compile` does under that policy); under the others the wrapper is removed.
    Every layer computes in `policy`, except those the network builders pin to
    float32 (`keras_gen.networks.is_pinned`), which stay pinned.

    Args:
        model: a keras_gen model (or any Keras model with a config).
        policy: "float32", "mixed_bfloat16" or "mixed_float16".

    Returns:
        The converted model, compiled if `model` was.

    Example:
    >>> keras.config.set_dtype_policy("mixed_bfloat16")
    >>> gan = keras_gen.models.DCGAN.for_images((28, 28, 1), latent_dim=8, width=4, seed=0)
    >>> keras.config.set_dtype_policy("float32")
    >>> gan32 = with_precision(gan, "float32")
    >>> gan32.generator.get_layer("project").compute_dtype
    'float32'
    """
    policy = check_precision(policy)
    serialized = _with_layer_policies(keras.saving.serialize_keras_object(model), policy)
    compile_config = serialized.get("compile_config")
    names = tuple(getattr(model, "optimizer_names", ("optimizer",)))
    if compile_config and policy != "mixed_float16":
        for name in names:
            optimizer = getattr(model, name, None)
            if isinstance(optimizer, keras.optimizers.LossScaleOptimizer) and compile_config.get(name):
                compile_config[name] = keras.saving.serialize_keras_object(optimizer.inner_optimizer)
    # The global policy reaches what has no policy of its own in the config: the model
    # itself, its functional networks, the layers it creates, and compile()'s loss scaling.
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        converted = keras.saving.deserialize_keras_object(serialized)
    finally:
        keras.config.set_dtype_policy(previous)
    _copy_variables(model.variables, converted.variables, "weights and seed states")
    if compile_config:
        for name in names:
            if getattr(model, name, None) is not None:
                _copy_optimizer_state(getattr(model, name), getattr(converted, name))
    return converted
