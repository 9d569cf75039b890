"""Gradient computation and optimizer updates with `tf.GradientTape`."""

import contextlib

import tensorflow as tf

from keras_gen.training.messages import off_grid_message


def minimize(loss_fn, variables, optimizer):
    """TensorFlow implementation of `keras_gen.training.minimize`."""
    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
        scaled_loss = optimizer.scale_loss(loss)
    gradients = tape.gradient(scaled_loss, variables)
    optimizer.apply(gradients, variables)
    return loss, aux


def forward_for_update(fn, variables):
    """TensorFlow implementation of `keras_gen.training.forward_for_update`."""
    with tf.GradientTape() as tape:
        outputs = fn()
    return tf.nest.map_structure(tf.stop_gradient, outputs), (tape, outputs, variables)


def minimize_through(pass_, loss_fn, optimizer):
    """TensorFlow implementation of `keras_gen.training.minimize_through`."""
    tape, outputs, variables = pass_
    with tf.GradientTape() as outer:
        outer.watch(outputs)
        loss, aux = loss_fn(outputs)
        scaled_loss = optimizer.scale_loss(loss)
    # Zeros, not None, for outputs the loss does not read (StackGAN's stage-I images while stage I is frozen):
    # the pass's tape cannot take None output gradients.
    output_gradients = outer.gradient(scaled_loss, outputs, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    gradients = tape.gradient(outputs, variables, output_gradients=output_gradients)
    optimizer.apply(gradients, variables)
    return loss, aux


def input_gradients(fn, inputs):
    """TensorFlow implementation of `keras_gen.training.input_gradients`."""
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        total = tf.reduce_sum(fn(inputs))
    return tape.gradient(total, inputs)


# Marks the messages of keras_gen's in-graph data checks, so they can be raised again as ValueErrors.
DATA_ERROR_MARK = "keras_gen data error: "


@contextlib.contextmanager
def data_errors_as_value_errors(error_class):
    """TensorFlow implementation of `keras_gen.training.data_errors_as_value_errors`."""
    try:
        yield
    except tf.errors.InvalidArgumentError as err:
        lines = [line for line in str(err.message).splitlines() if DATA_ERROR_MARK in line]
        if not lines:
            raise
        # TensorFlow appends "] [Condition x < y ...] [values]" to the message;
        # assert_all_finite appends " : Tensor had NaN values".
        message = lines[0].split(DATA_ERROR_MARK, 1)[1].split("]", 1)[0].split(" : Tensor had", 1)[0].strip()
        raise error_class(message.rstrip(".") + ".") from None


def checked_finite(images, what):
    """TensorFlow implementation of `keras_gen.training.checked_finite`."""
    return tf.debugging.assert_all_finite(
        images, DATA_ERROR_MARK + f"The {what} hold NaN or infinite values; clean or drop them in the data pipeline"
    )


def enable_determinism():
    """TensorFlow implementation of `keras_gen.training.enable_determinism`."""
    tf.config.experimental.enable_op_determinism()


def checked_pixel_levels(values, levels, what, fix=None):
    """TensorFlow implementation of `keras_gen.training.checked_pixel_levels`."""
    rounded = tf.round(values)
    checks = [
        tf.debugging.assert_less_equal(
            tf.reduce_max(tf.abs(values - rounded)), tf.cast(0.01, values.dtype),
            message=DATA_ERROR_MARK + off_grid_message(levels, what, fix),
        ),
        tf.debugging.assert_greater_equal(
            tf.reduce_min(rounded), tf.cast(0, values.dtype),
            message=DATA_ERROR_MARK + f"The {what} lie below the model's data_scale",
        ),
        tf.debugging.assert_less_equal(
            tf.reduce_max(rounded), tf.cast(levels - 1, values.dtype),
            message=DATA_ERROR_MARK + f"The {what} lie above the model's data_scale",
        ),
    ]
    with tf.control_dependencies(checks):
        return tf.cast(rounded, "int32")


def checked_labels(labels, count, num_classes, lowest=0):
    """TensorFlow implementation of `keras_gen.training.checked_labels`."""
    labels = tf.cast(labels, "int32")
    checks = [
        tf.debugging.assert_equal(
            tf.shape(labels)[0], tf.cast(count, "int32"),
            message=DATA_ERROR_MARK + "The batch holds a different number of labels than images; pass one label per image",
        ),
        tf.debugging.assert_greater_equal(
            labels, lowest,
            message=DATA_ERROR_MARK + f"Labels must lie in [0, {num_classes})"
            + (" or be -1 (unlabelled)" if lowest < 0 else "") + f"; a batch holds a label below {lowest}",
        ),
        tf.debugging.assert_less(
            labels, num_classes,
            message=DATA_ERROR_MARK + f"Labels must lie in [0, {num_classes}) for num_classes={num_classes}; "
            "a batch holds a larger label",
        ),
    ]
    with tf.control_dependencies(checks):
        return tf.identity(labels)


def compiled(function):
    """TensorFlow implementation of `keras_gen.training.compiled`."""
    # No autograph: these steps have no tensor-dependent Python control flow.
    return tf.function(function, reduce_retracing=True, autograph=False)


def minimize_players(loss_fn, players):
    """TensorFlow implementation of `keras_gen.training.minimize_players`."""
    with tf.GradientTape(persistent=True) as tape:
        loss, aux = loss_fn()
        scaled = [optimizer.scale_loss(loss) for _, optimizer in players]
    for (variables, optimizer), scaled_loss in zip(players, scaled):
        optimizer.apply(tape.gradient(scaled_loss, variables), variables)
    del tape
    return loss, aux


def checked_values(values, low, high, what, binary, fix=None):
    """TensorFlow implementation of `keras_gen.training.checked_values`."""
    advice = f"; {fix}" if fix else ""
    checks = [
        tf.debugging.assert_greater_equal(
            tf.reduce_min(values), tf.cast(low, values.dtype),
            message=DATA_ERROR_MARK + f"The {what} must lie between {low:g} and {high:g}; a batch holds a smaller "
            f"value{advice}",
        ),
        tf.debugging.assert_less_equal(
            tf.reduce_max(values), tf.cast(high, values.dtype),
            message=DATA_ERROR_MARK + f"The {what} must lie between {low:g} and {high:g}; a batch holds a larger "
            f"value{advice}",
        ),
    ]
    if values.dtype.is_floating:
        checks.append(tf.debugging.assert_all_finite(
            values, DATA_ERROR_MARK + f"The {what} hold NaN or infinite values; clean or drop them in the data pipeline"))
    if binary:
        checks.append(tf.debugging.assert_equal(
            tf.reduce_all(tf.logical_or(tf.equal(values, 0), tf.equal(values, 1))), True,
            message=DATA_ERROR_MARK + f"The {what} must hold only 0 and 1; threshold them in the data pipeline",
        ))
    with tf.control_dependencies(checks):
        return tf.identity(values)


def checked_captions(ids, what):
    """TensorFlow implementation of `keras_gen.training.checked_captions`."""
    check = tf.debugging.assert_equal(
        tf.reduce_all(tf.reduce_any(tf.not_equal(ids, 0), axis=1)), True,
        message=DATA_ERROR_MARK + f"The {what} hold an empty caption (padding only); every caption needs a word",
    )
    with tf.control_dependencies([check]):
        return tf.identity(ids)


def checked_masks(masks, what):
    """TensorFlow implementation of `keras_gen.training.checked_masks`."""
    check = tf.debugging.assert_equal(
        tf.reduce_all(tf.logical_or(tf.equal(masks, 0), tf.equal(masks, 1))), True,
        message=DATA_ERROR_MARK + f"The {what} must hold only 0 (known pixel) and 1 (missing pixel); "
        "binarize them, e.g. masks = (masks > 0.5)",
    )
    with tf.control_dependencies([check]):
        return tf.identity(masks)


def checked_equal_counts(first, second, what):
    """TensorFlow implementation of `keras_gen.training.checked_equal_counts`."""
    check = tf.debugging.assert_equal(
        tf.shape(first)[0], tf.shape(second)[0],
        message=DATA_ERROR_MARK + f"The batch holds different numbers of {what}; pass one of each per example",
    )
    with tf.control_dependencies([check]):
        return tf.identity(first)


def prepare_fit(model):
    """TensorFlow implementation of `keras_gen.training.prepare_fit`."""
    strategy = getattr(model, "distribute_strategy", None) or tf.distribute.get_strategy()
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        _average_scalar_logs_across_workers()


def _average_scalar_logs_across_workers():
    """Lets Keras 3's TensorFlow `fit` reduce scalar logs under MultiWorkerMirroredStrategy.

    Keras (3.15) averages each train step's logs across workers with
    `strategy.reduce("MEAN", value, axis=0)`, which fails on the scalar losses
    and metric results every model returns ("Invalid reduction dimension 0 for
    input with 0 dimensions"; tensorflow/tensorflow#72388). Scalars are averaged
    over the replicas instead (`axis=None`), everything else as Keras does.
    Patches Keras' private `reduce_per_replica`, once per process.
    """
    import keras
    from keras.src.backend.tensorflow import trainer

    keras_reduce = trainer.reduce_per_replica
    if getattr(keras_reduce, "averages_scalars", False):
        return

    def reduce_per_replica(values, strategy, reduction):
        if reduction != "auto" or not trainer._collective_all_reduce_multi_worker(strategy):
            return keras_reduce(values, strategy, reduction)

        def mean(value):
            scalar = strategy.experimental_local_results(value)[0].shape.rank == 0
            return strategy.reduce("MEAN", value, axis=None if scalar else 0)

        return keras.tree.map_structure(mean, values)

    reduce_per_replica.averages_scalars = True
    trainer.reduce_per_replica = reduce_per_replica
