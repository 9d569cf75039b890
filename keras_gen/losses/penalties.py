"""Penalties on the discriminator's input gradients: WGAN-GP's gradient penalty and R1.

The gradients come from `keras_gen.training.input_gradients`; these functions
hold only the math, per example, before the penalty's weight.
"""

import keras
from keras import ops


def random_interpolates(real, fake, seed):
    """x_hat = eps * x + (1 - eps) * G(z) with one eps ~ U(0, 1) per example.

    Gulrajani et al., "Improved Training of Wasserstein GANs" (2017), Algorithm 1.
    """
    shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
    eps = keras.random.uniform(shape, dtype=real.dtype, seed=seed)
    return eps * real + (1.0 - eps) * fake


def gradient_penalty(gradients):
    """(||grad D(x_hat)||_2 - 1)^2 per example: WGAN-GP's penalty before its weight.

    Gulrajani et al. (2017), eq. 3. `gradients` are D's input gradients at the
    interpolates (`keras_gen.training.input_gradients`).

    Returns:
        `(batch,)` penalties.
    """
    flat = ops.reshape(gradients, (ops.shape(gradients)[0], -1))
    norms = ops.sqrt(ops.sum(ops.square(flat), axis=-1) + 1e-12)
    return ops.square(norms - 1.0)


def r1_penalty(gradients):
    """||grad D(x)||_2^2 per example on real images, before the weight gamma / 2.

    Mescheder, Geiger & Nowozin, "Which Training Methods for GANs do actually
    Converge?" (2018), eq. 9.

    Returns:
        `(batch,)` penalties.
    """
    flat = ops.reshape(gradients, (ops.shape(gradients)[0], -1))
    return ops.sum(ops.square(flat), axis=-1)
