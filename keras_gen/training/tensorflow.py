"""Gradient computation and optimizer updates with `tf.GradientTape`."""

import tensorflow as tf


def minimize(loss_fn, variables, optimizer):
    """TensorFlow implementation of `keras_gen.training.minimize`."""
    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
        scaled_loss = optimizer.scale_loss(loss)
    gradients = tape.gradient(scaled_loss, variables)
    optimizer.apply(gradients, variables)
    return loss, aux


def input_gradients(fn, inputs):
    """TensorFlow implementation of `keras_gen.training.input_gradients`."""
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        total = tf.reduce_sum(fn(inputs))
    return tape.gradient(total, inputs)
