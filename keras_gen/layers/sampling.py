"""The reparameterization trick as a pure function and as a layer."""

import keras
from keras import ops


def reparameterize(mean, log_var, seed):
    """Draws z = mean + exp(log_var / 2) * eps with eps ~ N(0, I).

    Kingma & Welling, "Auto-Encoding Variational Bayes" (2013), section 2.4.

    Args:
        mean: tensor of posterior means, shape `(batch, latent_dim)`.
        log_var: tensor of posterior log-variances, same shape as `mean`.
        seed: a `keras.random.SeedGenerator` (or an integer seed).

    Returns:
        A tensor shaped like `mean`.
    """
    eps = keras.random.normal(ops.shape(mean), dtype=mean.dtype, seed=seed)
    return mean + ops.exp(0.5 * log_var) * eps


@keras.saving.register_keras_serializable(package="keras_gen")
class Sampling(keras.layers.Layer):
    """Draws z = mean + exp(log_var / 2) * eps, the reparameterization trick.

    Kingma & Welling, "Auto-Encoding Variational Bayes" (2013). Use it at the
    end of a custom VAE encoder; `keras_gen.models.VAE` samples with the same
    function from its own seed generator.

    Args:
        seed: integer seed for the layer's `keras.random.SeedGenerator`.

    Call arguments:
        inputs: a pair `(mean, log_var)` of tensors of equal shape.

    Example:
    >>> z = Sampling(seed=0)([keras.ops.zeros((2, 8)), keras.ops.zeros((2, 8))])
    >>> tuple(z.shape)
    (2, 8)
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        mean, log_var = inputs
        return reparameterize(mean, log_var, self.seed_generator)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
