"""Loss functions of the generative models, each a pure function of tensors citing its paper.

Every function returns one value per example (shape `(batch,)`) unless its
docstring says otherwise, so that callers decide how to average: the models
average over the global batch, which keeps them correct under `tf.distribute`.
Written with `keras.ops` only, so they run on every Keras backend.

- `likelihood`: the VAE's KL term and decoder likelihoods, the pixel models' log p(x);
- `reconstruction`: distances between images (L1, MSE, masked MSE, PSNR);
- `adversarial`: `AdversarialContext`, `AdversarialLoss`, `ADVERSARIAL_LOSSES` and the objectives;
- `penalties`: the gradient penalty and R1 on the discriminator's input gradients;
- `auxiliary`: class, information and feature-matching terms of the conditional GANs.

Every name is importable from `keras_gen.losses`.

Example:
>>> from keras_gen import losses
>>> losses.adversarial_loss("hinge").uses_targets
False
"""

from keras_gen.losses.adversarial import (
    ADVERSARIAL_LOSSES,
    AdversarialContext,
    AdversarialLoss,
    adversarial_loss,
    began_discriminator_loss,
    binary_cross_entropy_with_logits,
    discriminator_loss,
    generator_loss_minimax,
    generator_loss_non_saturating,
    hinge_discriminator_loss,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
    matching_aware,
    negated_score_generator_loss,
    smoothed_noisy_targets,
    wasserstein_discriminator_loss,
)
from keras_gen.losses.auxiliary import (
    class_cross_entropy,
    feature_matching_loss,
    masked_class_cross_entropy,
    mutual_information_loss,
    softmax_logit_of_real,
)
from keras_gen.losses.likelihood import (
    MIN_LOG_SCALE,
    bernoulli_log_likelihood,
    categorical_pixel_log_likelihood,
    discretized_logistic_log_probs,
    discretized_logistic_mixture_log_likelihood,
    gaussian_kl,
    gaussian_log_likelihood,
)
from keras_gen.losses.penalties import gradient_penalty, r1_penalty, random_interpolates
from keras_gen.losses.reconstruction import (
    masked_squared_error,
    mean_absolute_error,
    mean_squared_error,
    peak_signal_to_noise_ratio,
)

__all__ = [
    "ADVERSARIAL_LOSSES",
    "MIN_LOG_SCALE",
    "AdversarialContext",
    "AdversarialLoss",
    "adversarial_loss",
    "began_discriminator_loss",
    "bernoulli_log_likelihood",
    "binary_cross_entropy_with_logits",
    "categorical_pixel_log_likelihood",
    "class_cross_entropy",
    "discretized_logistic_log_probs",
    "discretized_logistic_mixture_log_likelihood",
    "discriminator_loss",
    "feature_matching_loss",
    "gaussian_kl",
    "gaussian_log_likelihood",
    "generator_loss_minimax",
    "generator_loss_non_saturating",
    "gradient_penalty",
    "hinge_discriminator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "masked_class_cross_entropy",
    "masked_squared_error",
    "matching_aware",
    "mean_absolute_error",
    "mean_squared_error",
    "mutual_information_loss",
    "negated_score_generator_loss",
    "peak_signal_to_noise_ratio",
    "r1_penalty",
    "random_interpolates",
    "smoothed_noisy_targets",
    "softmax_logit_of_real",
    "wasserstein_discriminator_loss",
]
