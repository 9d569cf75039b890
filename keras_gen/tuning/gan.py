"""`GANHyperModel` and `DCGANHyperModel`: GAN search spaces scored by a generative metric."""

from __future__ import annotations

import copy
from typing import Any

import keras
import keras_tuner
import numpy as np

from keras_gen.callbacks.generative_metrics import GenerativeMetrics
from keras_gen.models.adversarial.gan import DCGAN, GAN
from keras_gen.tuning.base import GenerativeHyperModel

# Generative metrics a GAN search can minimize (lower is better for both).
GAN_OBJECTIVES = ("kid", "fid")


class GANHyperModel(GenerativeHyperModel):
    """What every GAN search shares: the adversarial recipe, two Adams, a metric objective.

    The objective is `val_kid` (default) or `val_fid`, direction `"min"`,
    written into the epoch logs by a `keras_gen.callbacks.GenerativeMetrics`
    callback. Each trial gets one that evaluates every `every` epochs and
    always on the last, so the tuner always gets the final value, unless the
    callbacks given to `tuner.search()` already hold a `GenerativeMetrics`
    that computes the metric. The real images it compares with are
    `real_images` or, when that is None, the `validation_data` given to
    `tuner.search()`. The callback's feature network and real features are
    computed once and shared by all trials.

    KID (Binkowski et al., 2018) is the default: it is unbiased, so scores
    from a few hundred samples compare fairly across trials; FID is biased
    upwards at small sample sizes.

    Shared search space (a subclass adds its networks' sizes):

    | name | values | default |
    | --- | --- | --- |
    | `latent_dim` | 32, 64, 128 | 128 |
    | `label_smoothing` | 0 to 0.2, step 0.05 | 0.1 |
    | `label_noise` | 0 to 0.1, step 0.05 | 0.05 |
    | `discriminator_steps` | 1, 2, 3 | 1 |
    | `loss` | non_saturating, least_squares, hinge | non_saturating |
    | `r1_weight` | 0, 0.1, 1 (R1 penalty gamma; 0 is off) | 0 |
    | `ema` | False, True (a 0.999 moving average of the generator) | False (DCGAN: True) |
    | `d_learning_rate` | log-uniform in [5e-5, 1e-3] | 2e-4 (DCGAN: 4e-4) |
    | `g_learning_rate` | log-uniform in [5e-5, 1e-3] | 2e-4 (DCGAN: 6e-4) |
    | `beta_1` | 0.0, 0.5, 0.9 (both Adams' first-moment decay) | 0.5 |

    Args:
        image_shape: `(height, width, channels)` of the images.
        real_images: a data set name (its test split is used) or an array of
            real images in [-1, 1]; None takes them from `validation_data`.
        dataset: the data set whose cached domain classifier embeds the
            images (`keras_gen.evaluation.domain_classifier`); defaults to
            `real_images` when that is a name. Not needed when
            `metrics_options` holds a `feature_extractor`.
        metric: `"kid"` or `"fid"`: the objective is `val_<metric>`.
        num_samples: generated images per evaluation (at least 6).
        every: evaluate every `every` epochs (and always on the last).
        metrics_options: other `GenerativeMetrics` arguments, e.g.
            `feature_extractor` or `kid_subset_size`.
        seed: seed of each model's `keras.random.SeedGenerator`.
        name: optional name of the HyperModel.
        tunable: keras-tuner's flag (see `GenerativeHyperModel`).
    """

    objective_direction = "min"
    data_scale = (-1.0, 1.0)
    ema_by_default = False  # the `ema` hyperparameter's default (the first trial's value)

    def __init__(
        self,
        image_shape: tuple[int, int, int],
        *,
        real_images: str | np.ndarray | None = None,
        dataset: str | None = None,
        metric: str = "kid",
        num_samples: int = 1000,
        every: int = 1,
        metrics_options: dict[str, Any] | None = None,
        seed: int | None = None,
        name: str | None = None,
        tunable: bool = True,
    ):
        super().__init__(image_shape, seed=seed, name=name, tunable=tunable)
        if metric not in GAN_OBJECTIVES:
            raise ValueError(
                f"Unknown GAN objective metric {metric!r}; choose one of {GAN_OBJECTIVES} "
                "(both are minimized)."
            )
        self.metric = metric
        self.objective_name = f"val_{metric}"
        self.real_images = real_images
        self.dataset = dataset
        self.num_samples = int(num_samples)
        self.every = int(every)
        self.metrics_options = dict(metrics_options or {})
        self._metrics_template = None

    @classmethod
    def for_search(cls, image_shape, *, dataset=None, num_samples=1000, metrics_options=None, seed=None):
        return cls(
            image_shape, dataset=dataset, num_samples=num_samples, metrics_options=metrics_options, seed=seed
        )

    def search_kwargs(self, held_out) -> dict[str, Any]:
        # Scored by the metric against held-out images; no validation pass needed.
        self.real_images = held_out
        return {}

    def model_kwargs(self, hp: keras_tuner.HyperParameters) -> dict[str, Any]:
        return {
            "latent_dim": hp.Choice("latent_dim", [32, 64, 128], default=128),
            "label_smoothing": hp.Float("label_smoothing", 0.0, 0.2, step=0.05, default=0.1),
            "label_noise": hp.Float("label_noise", 0.0, 0.1, step=0.05, default=0.05),
            "discriminator_steps": hp.Int("discriminator_steps", 1, 3, default=1),
            # The objective and the stabilizers of docs/objectives.md.
            "loss": hp.Choice("loss", ["non_saturating", "least_squares", "hinge"], default="non_saturating"),
            "r1_weight": hp.Choice("r1_weight", [0.0, 0.1, 1.0], default=0.0),
            "ema": 0.999 if hp.Boolean("ema", default=self.ema_by_default) else None,
        }

    def compile_kwargs(self, hp: keras_tuner.HyperParameters) -> dict[str, Any]:
        # The first trial's rates are `compile()`'s: the model class's (`GAN`'s where none is set).
        model_class = self.model_class or GAN
        d_rate = hp.Float("d_learning_rate", 5e-5, 1e-3, sampling="log", default=model_class.default_rate("d_optimizer"))
        g_rate = hp.Float("g_learning_rate", 5e-5, 1e-3, sampling="log", default=model_class.default_rate("g_optimizer"))
        beta_1 = hp.Choice("beta_1", [0.0, 0.5, 0.9], default=0.5)
        return {
            "d_optimizer": keras.optimizers.Adam(d_rate, beta_1=beta_1),
            "g_optimizer": keras.optimizers.Adam(g_rate, beta_1=beta_1),
        }

    # --- the objective --------------------------------------------------------------
    def trial_callbacks(self, hp, callbacks, fit_kwargs):
        if any(
            isinstance(callback, GenerativeMetrics) and self.objective_name in callback.log_keys
            for callback in callbacks
        ):
            return callbacks
        if self._metrics_template is None:
            real_images = self.real_images
            if real_images is None:
                real_images = _images_of(fit_kwargs.get("validation_data"))
            if real_images is None:
                raise keras_tuner.errors.FatalValueError(
                    f"{type(self).__name__} scores trials by {self.objective_name}, which "
                    "needs real images to compare samples with. " + self.objective_hint()
                )
            self._metrics_template = self.metrics_callback(real_images)
        # A copy per trial, like the tuner's copies of the user's callbacks; the
        # copies share the feature network and the real images' features.
        return [copy.deepcopy(self._metrics_template), *callbacks]

    def metrics_callback(self, real_images: str | np.ndarray) -> GenerativeMetrics:
        """The `GenerativeMetrics` callback that writes this search's objective."""
        return GenerativeMetrics(
            real_images,
            metrics=(self.metric,),
            every=self.every,
            num_samples=self.num_samples,
            dataset=self.dataset,
            data_scale=self.data_scale,
            **self.metrics_options,
        )

    def objective_hint(self) -> str:
        return (
            "Give the HyperModel real_images= (a data set name or images in [-1, 1]), pass "
            "validation_data= to tuner.search(), or add a keras_gen.callbacks."
            f"GenerativeMetrics computing '{self.metric}' to its callbacks."
        )


def _images_of(data) -> np.ndarray | None:
    """The images of `validation_data` as numpy: an array, `(x, y)`, or a tf.data.Dataset."""
    if data is None:
        return None
    if isinstance(data, (tuple, list)):
        data = data[0]
    if isinstance(data, np.ndarray):
        return data
    if hasattr(data, "as_numpy_iterator"):
        batches = [
            batch[0] if isinstance(batch, (tuple, list)) else batch
            for batch in data.as_numpy_iterator()
        ]
        return np.concatenate(batches) if batches else None
    return np.asarray(data)


class DCGANHyperModel(GANHyperModel):
    """Searches DCGANs (Radford et al., 2015) for the lowest KID or FID.

    The shared GAN space of `GANHyperModel` plus the networks':

    | name | values | default |
    | --- | --- | --- |
    | `width` | 32, 64, 128 (filters of the generator's last stage) | 32 |
    | `batch_norm` | True, False (in the generator) | True |
    | `dropout` | 0 to 0.5, step 0.1 (in the discriminator) | 0.1 |
    | `layers_per_stage` | 1, 2 (convolutions per resolution in both networks) | 1 |
    | `spectral_norm` | False, True (in the discriminator) | False |

    The number of stride-2 stages is fixed by the image size (2 for 28x28, 3
    for 32x32); their depth, `layers_per_stage`, is searched.

    Example:
    >>> hypermodel = DCGANHyperModel((28, 28, 1), real_images="fashion_mnist", metric="kid")
    >>> tuner = keras_tuner.RandomSearch(hypermodel, objective=hypermodel.objective,
    ...                                  max_trials=10, directory="runs")
    >>> tuner.search(keras_gen.data.load("fashion_mnist"), epochs=5)
    """

    model_class = DCGAN
    ema_by_default = True  # the first trial is DCGAN.for_images' defaults: width 32, EMA on

    def model_kwargs(self, hp: keras_tuner.HyperParameters) -> dict[str, Any]:
        return {
            **super().model_kwargs(hp),
            "width": hp.Choice("width", [32, 64, 128], default=32),
            "batch_norm": hp.Boolean("batch_norm", default=True),
            "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=0.1),
            "layers_per_stage": hp.Int("layers_per_stage", 1, 2, default=1),
            "spectral_norm": hp.Boolean("spectral_norm", default=False),
        }
