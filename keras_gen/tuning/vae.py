"""`VAEHyperModel`: a search space over VAEs, scored by the validation negative ELBO."""

from __future__ import annotations

import inspect
from typing import Any

import keras
import keras_tuner

from keras_gen import data as gen_data
from keras_gen.models.autoencoders.cvae import ConditionalVAE
from keras_gen.models.autoencoders.vae import VAE
from keras_gen.tuning.base import GenerativeHyperModel


class NegativeELBOLog(keras.callbacks.Callback):
    """Writes `val_negative_elbo = val_reconstruction_loss + val_kl_loss` into the logs.

    The VAE's `val_loss` is `reconstruction + beta * KL`, which depends on
    beta; trials with different betas are compared on the negative ELBO
    itself (beta = 1), in nats per image.
    """

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and "val_reconstruction_loss" in logs and "val_kl_loss" in logs:
            logs["val_negative_elbo"] = float(logs["val_reconstruction_loss"]) + float(logs["val_kl_loss"])


class VAEHyperModel(GenerativeHyperModel):
    """Searches VAE sizes, beta and the Adam optimizer; minimizes the validation negative ELBO.

    The objective is `val_negative_elbo` (nats per image, lower is better),
    the negative ELBO of Kingma & Welling (2013) on the validation data with
    beta = 1, so that trials with different KL weights compare fairly. Pass
    `validation_data=` to `tuner.search()`.

    The search space:

    | name | values | default |
    | --- | --- | --- |
    | `latent_dim` | 8, 16, 32, 64 | 32 (16 for the conditional VAE) |
    | `width` | 16, 32, 64 (filters of the first encoder convolution) | 32 |
    | `hidden_units` | 128, 256, 512 | 256 |
    | `layers_per_stage` | 1, 2 (convolutions per resolution in both networks) | 1 |
    | `beta` | log-uniform in [0.5, 2] | 1.0 |
    | `learning_rate` | log-uniform in [1e-4, 3e-3] | 1e-3 |
    | `beta_1` | 0.5, 0.7, 0.9 (Adam's first-moment decay) | 0.9 |
    | `prior` | `"vamp"`, `"standard"`, `"two_stage"` | `"vamp"` |
    | `posterior` | `"gaussian"`, `"iaf"` | `"gaussian"` |
    | `residual_blocks` | 0, 1 | 0 |

    The first trial is `VAE.for_images`' default: the VampPrior, which won the
    VAE options at equal budget (docs/benchmarks.md, "VAE options at equal
    budget"). Two latent layers are left out of the space: they lost there,
    and they do not combine with the flow.

    The encoder and decoder have two resolution stages and one dense layer
    (`keras_gen.networks.conv_encoder`); their width and the depth of each
    stage (`layers_per_stage`) are tuned.

    Args:
        image_shape: `(height, width, channels)`, sides divisible by 4.
        reconstruction: `"bernoulli"` (data in [0, 1]) or `"gaussian"` (data in
            [-1, 1]); not tuned, since it fixes the data scale.
        seed: seed of each model's `keras.random.SeedGenerator`.
        name: optional name of the HyperModel.
        tunable: keras-tuner's flag (see `GenerativeHyperModel`).

    Example:
    >>> hypermodel = VAEHyperModel((28, 28, 1), seed=0)
    >>> hp = keras_tuner.HyperParameters()
    >>> hp.Fixed("latent_dim", 16)  # narrow the space
    >>> tuner = keras_tuner.BayesianOptimization(
    ...     hypermodel, objective=hypermodel.objective, max_trials=20,
    ...     hyperparameters=hp, directory="runs", project_name="vae")
    >>> tuner.search(train_ds, validation_data=val_ds, epochs=10)
    >>> best_vae = tuner.get_best_models(1)[0]
    """

    model_class = VAE
    objective_name = "val_negative_elbo"
    objective_direction = "min"

    def __init__(
        self,
        image_shape: tuple[int, int, int],
        *,
        reconstruction: str = "bernoulli",
        seed: int | None = None,
        name: str | None = None,
        tunable: bool = True,
    ):
        super().__init__(image_shape, seed=seed, name=name, tunable=tunable)
        self.reconstruction = reconstruction

    @property
    def data_scale(self) -> tuple[float, float]:
        """The pixel range the models train on: (0, 1) for Bernoulli, else (-1, 1)."""
        return (0.0, 1.0) if self.reconstruction == "bernoulli" else (-1.0, 1.0)

    def model_kwargs(self, hp: keras_tuner.HyperParameters) -> dict[str, Any]:
        # The first trial's latent size is the builder's default (32 for the VAE, 16 for the conditional VAE).
        latent_dim = inspect.signature(self.model_class.for_images).parameters["latent_dim"].default
        return {
            "latent_dim": hp.Choice("latent_dim", [8, 16, 32, 64], default=latent_dim),
            "width": hp.Choice("width", [16, 32, 64], default=32),
            "hidden_units": hp.Choice("hidden_units", [128, 256, 512], default=256),
            "layers_per_stage": hp.Int("layers_per_stage", 1, 2, default=1),
            "beta": hp.Float("beta", 0.5, 2.0, sampling="log", default=1.0),
            "reconstruction": self.reconstruction,
            **self.option_kwargs(hp),
        }

    def option_kwargs(self, hp: keras_tuner.HyperParameters) -> dict[str, Any]:
        """The VAE options of the space (`prior`, `posterior`, `residual_blocks`), defaults first."""
        return {
            "prior": hp.Choice("prior", ["vamp", "standard", "two_stage"], default="vamp"),
            "posterior": hp.Choice("posterior", ["gaussian", "iaf"], default="gaussian"),
            "residual_blocks": hp.Choice("residual_blocks", [0, 1], default=0),
        }

    def compile_kwargs(self, hp: keras_tuner.HyperParameters) -> dict[str, Any]:
        learning_rate = hp.Float("learning_rate", 1e-4, 3e-3, sampling="log", default=1e-3)
        beta_1 = hp.Choice("beta_1", [0.5, 0.7, 0.9], default=0.9)
        return {"optimizer": keras.optimizers.Adam(learning_rate, beta_1=beta_1)}

    def trial_callbacks(self, hp, callbacks, fit_kwargs):
        if fit_kwargs.get("validation_data") is None and not fit_kwargs.get("validation_split"):
            raise keras_tuner.errors.FatalValueError(
                f"{type(self).__name__} scores trials by the validation negative ELBO, "
                "but tuner.search() got no validation data. " + self.objective_hint()
            )
        return [NegativeELBOLog(), *callbacks]

    def objective_hint(self) -> str:
        return (
            "Pass held-out images to the search, e.g. tuner.search(train_ds, "
            "validation_data=keras_gen.data.load(name, split='test', scale=(0, 1)), epochs=...)."
        )


class ConditionalVAEHyperModel(VAEHyperModel):
    """The `VAEHyperModel` search space over conditional VAEs, plus the label encoding.

    Trains on `(images, labels)` and is scored by the validation negative ELBO
    of log p(x | y): pass `validation_data=(images, labels)`. Adds
    `label_encoding` (`"one_hot"` or `"embedding"`), `label_planes` (8 or 0
    label feature maps before every decoder stage) and `prior` (`"learned"`
    or `"standard"`) to the VAE's space.

    Args:
        image_shape: `(height, width, channels)`, sides divisible by 4.
        num_classes: how many classes the labels index.
        reconstruction: as for `VAEHyperModel`.
        seed: seed of each model's `keras.random.SeedGenerator`.

    Example:
    >>> hypermodel = ConditionalVAEHyperModel((28, 28, 1), num_classes=10, seed=0)
    >>> tuner = keras_tuner.RandomSearch(hypermodel, objective=hypermodel.objective, max_trials=5)
    >>> tuner.search(keras_gen.data.load("fashion_mnist", labels=True, scale=(0, 1)),
    ...              validation_data=(x_test, y_test), epochs=3)
    """

    model_class = ConditionalVAE

    def option_kwargs(self, hp: keras_tuner.HyperParameters) -> dict[str, Any]:
        # The conditional VAE has its own prior (learned or standard, below) and none of the VAE's options.
        return {}

    def __init__(self, image_shape, *, num_classes: int, reconstruction="bernoulli", seed=None, name=None,
                 tunable=True):
        super().__init__(image_shape, reconstruction=reconstruction, seed=seed, name=name, tunable=tunable)
        self.num_classes = int(num_classes)

    @classmethod
    def for_search(cls, image_shape, *, dataset=None, num_samples=1000, metrics_options=None, seed=None):
        num_classes = gen_data.info(dataset).num_classes if dataset else None
        if not num_classes:
            raise ValueError(f"A conditional VAE needs a labelled data set; {dataset!r} has no class labels.")
        return cls(image_shape, num_classes=num_classes, seed=seed)

    def model_kwargs(self, hp: keras_tuner.HyperParameters) -> dict[str, Any]:
        return {
            **super().model_kwargs(hp),
            "num_classes": self.num_classes,
            "label_encoding": hp.Choice("label_encoding", ["one_hot", "embedding"], default="one_hot"),
            "label_planes": hp.Choice("label_planes", [8, 0], default=8),
            "prior": hp.Choice("prior", ["learned", "standard"], default="learned"),
        }

    def objective_hint(self) -> str:
        return (
            "Pass held-out images and labels to the search, e.g. tuner.search(train_ds, "
            "validation_data=keras_gen.data.load_numpy(name, 'test', scale=(0, 1)), epochs=...)."
        )
