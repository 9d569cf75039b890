"""`GenerativeMetrics`: FID, KID, precision/recall, ... in the epoch logs during training."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from keras_gen.evaluation.classifiers import domain_classifier
from keras_gen.evaluation.features import FeatureExtractor
from keras_gen.evaluation.report import (
    SAMPLE_METRICS,
    check_metric_names,
    compute_sample_metrics,
)

DEFAULT_CALLBACK_METRICS = (
    "fid",
    "kid",
    "precision",
    "recall",
    "density",
    "coverage",
    "classifier_score",
    "class_coverage",
)


class _RealReference:
    """The fixed side of the comparison: feature network and real features, computed once.

    Shared (not copied) between deep copies of a `GenerativeMetrics`, so a
    keras-tuner search embeds the real images once for all trials.
    """

    def __init__(self) -> None:
        self.feature_extractor: FeatureExtractor | None = None
        self.features: np.ndarray | None = None
        self.data_scale: tuple[float, float] | None = None

    def __deepcopy__(self, memo: dict) -> _RealReference:
        return self


class GenerativeMetrics(keras.callbacks.Callback):
    """Scores generated samples every N epochs and writes the scores into the epoch logs.

    At the end of evaluated epochs it draws `num_samples` images with
    `model.generate`, embeds them with a fixed feature network, compares them
    with fixed real images (embedded once, at the start of training) and adds
    `<prefix><metric>` entries such as `val_fid`, `val_kid`, `val_precision`,
    `val_recall`, `val_density`, `val_coverage`, `val_classifier_score` and
    `val_class_coverage` to the logs. Callbacks listed after it, and the
    `History`, progress bar, `TensorBoard`, `EarlyStopping`, `ModelCheckpoint`
    and keras-tuner, all see them. Custom metrics have no known direction, so
    give those callbacks `mode` explicitly (`metric_direction("val_fid")` says
    "min").

    Which epochs are evaluated: the first epoch of each `fit`, every epoch
    with `(epoch + 1) % every == 0`, and the last epoch (`params["epochs"]`),
    so a tuner always gets the final value. On other epochs each key is set to
    `fill_value` (NaN by default), never to a stale score: NaN is never an
    improvement, so `ModelCheckpoint(save_best_only=True)` does not save and
    `EarlyStopping` counts the epoch towards its patience (choose a patience of
    at least `every`). With `fill_value=None` the keys are left out instead;
    then `History` lists hold only evaluated epochs and keras-tuner cannot
    align them with epochs, so prefer the default there.

    The callback deep-copies cheaply (keras-tuner copies callbacks per trial):
    copies share the feature network and the real features.

    Args:
        real_images: a data set name (its test split is loaded with
            `keras_gen.data.load_numpy`) or an array of real images in
            `data_scale`.
        metrics: names from `keras_gen.evaluation.SAMPLE_METRICS`.
        every: evaluate every `every` epochs (plus the first and last).
        num_samples: generated images per evaluation; also the number of real
            images loaded for a named data set. 2,000 to 10,000 is typical:
            FID's bias shrinks with more samples, but each evaluation costs
            generating and embedding them.
        feature_extractor: defaults to `domain_classifier(dataset)` (cached).
        dataset: data set of the default feature network; defaults to
            `real_images` when that is a name.
        data_scale: pixel range of the model's images; defaults to
            `model.data_scale`, else (-1, 1).
        prefix: prepended to every key in the logs.
        fill_value: written on epochs that are not evaluated; None omits keys.
        batch_size: images per generator / feature-network call.
        kid_subset_size, kid_num_subsets: see `keras_gen.evaluation.kid`.
        seed: seed of KID's subset sampling.
        data_dir: passed to `keras_gen.data.load_numpy`.
        verbose: 1 prints the scores and the time they took.

    Example:
    ```python
    metrics = keras_gen.callbacks.GenerativeMetrics(
        "fashion_mnist", metrics=("fid", "kid", "precision", "recall"), every=5
    )
    model.fit(
        train_ds,
        epochs=50,
        callbacks=[
            metrics,  # before the callbacks that read its values
            keras.callbacks.EarlyStopping("val_fid", mode="min", patience=15),
            keras.callbacks.ModelCheckpoint(
                "best.keras", monitor="val_fid", mode="min", save_best_only=True
            ),
        ],
    )
    ```
    """

    def __init__(
        self,
        real_images: str | np.ndarray = "fashion_mnist",
        metrics: Sequence[str] = DEFAULT_CALLBACK_METRICS,
        every: int = 1,
        num_samples: int = 2000,
        feature_extractor: FeatureExtractor | None = None,
        dataset: str | None = None,
        data_scale: Sequence[float] | None = None,
        prefix: str = "val_",
        fill_value: float | None = math.nan,
        batch_size: int = 256,
        kid_subset_size: int = 1000,
        kid_num_subsets: int = 50,
        seed: int = 0,
        data_dir: str | None = None,
        verbose: int = 0,
    ) -> None:
        super().__init__()
        if isinstance(metrics, str):
            metrics = (metrics,)
        unsupported = [m for m in metrics if m in ("elbo", "iwae")]
        if unsupported:
            raise ValueError(
                f"GenerativeMetrics computes sample metrics only, not {unsupported}. A VAE's "
                "validation loss already tracks the ELBO; for IWAE use "
                "keras_gen.evaluation.likelihood_metrics after training."
            )
        self.metrics = check_metric_names(metrics, tuple(SAMPLE_METRICS))
        if int(every) < 1:
            raise ValueError(f"every must be a positive number of epochs, got {every}.")
        if int(num_samples) < 6:
            raise ValueError(
                f"num_samples must be at least 6 (k-NN metrics need k + 1 samples), got "
                f"{num_samples}; use thousands for meaningful scores."
            )
        if isinstance(real_images, str):
            dataset = dataset or real_images
        elif feature_extractor is None and dataset is None:
            raise ValueError(
                "With real images given as an array, pass dataset='<name>' (for the cached "
                "domain classifier) or a feature_extractor."
            )
        self.real_images = real_images
        self.every = int(every)
        self.num_samples = int(num_samples)
        self.dataset = dataset
        self.data_scale = None if data_scale is None else tuple(float(v) for v in data_scale)
        self.prefix = prefix
        self.fill_value = fill_value
        self.batch_size = int(batch_size)
        self.kid_subset_size = int(kid_subset_size)
        self.kid_num_subsets = int(kid_num_subsets)
        self.seed = int(seed)
        self.data_dir = data_dir
        self.verbose = int(verbose)
        self.last_results: dict[str, float] = {}
        self._reference = _RealReference()
        self._reference.feature_extractor = feature_extractor
        self._evaluated_this_fit = False

    def __deepcopy__(self, memo: dict) -> GenerativeMetrics:
        copied = self.__class__.__new__(self.__class__)
        memo[id(self)] = copied
        for key, value in self.__dict__.items():
            if key in ("_model", "real_images"):
                # The model being trained and the (read-only) real images are shared.
                copied.__dict__[key] = value
            else:
                copied.__dict__[key] = copy.deepcopy(value, memo)
        return copied

    @property
    def log_keys(self) -> list[str]:
        """The keys this callback writes into the logs, e.g. `["val_fid", ...]`."""
        return [self.prefix + key for name in self.metrics for key in SAMPLE_METRICS[name]]

    # --- the fixed real side ----------------------------------------------------------
    def _model_data_scale(self) -> tuple[float, float]:
        if self.data_scale is not None:
            return self.data_scale
        model = getattr(self, "_model", None)
        return tuple(float(v) for v in getattr(model, "data_scale", (-1.0, 1.0)))

    def _prepare_reference(self) -> None:
        reference, data_scale = self._reference, self._model_data_scale()
        if reference.features is not None and reference.data_scale == data_scale:
            return
        if reference.feature_extractor is None:
            reference.feature_extractor = domain_classifier(
                self.dataset, data_dir=self.data_dir, verbose=max(self.verbose, 1)
            )
        needs_classifier = {"classifier_score", "class_coverage"} & set(self.metrics)
        if needs_classifier and not reference.feature_extractor.has_classifier:
            raise ValueError(
                f"{sorted(needs_classifier)} need a feature network with a classifier head; "
                f"{reference.feature_extractor.name} has none. Remove them from metrics."
            )
        if isinstance(self.real_images, str):
            from keras_gen import data

            images, _ = data.load_numpy(
                self.real_images,
                split="test",
                scale=data_scale,
                limit=self.num_samples,
                data_dir=self.data_dir,
                # Samples of a model of binary pixels are compared with binary images.
                binarize=getattr(getattr(self, "_model", None), "binary_pixels", False),
            )
        else:
            images = np.asarray(self.real_images, np.float32)
        reference.features = reference.feature_extractor.features(
            images, data_scale, self.batch_size
        )
        reference.data_scale = data_scale

    # --- Keras hooks --------------------------------------------------------------------
    def on_train_begin(self, logs: dict | None = None) -> None:
        self._evaluated_this_fit = False
        self._prepare_reference()

    def should_evaluate(self, epoch: int) -> bool:
        """Whether the metrics are computed at the end of `epoch` (0-based)."""
        if not self._evaluated_this_fit or (epoch + 1) % self.every == 0:
            return True
        epochs = (self.params or {}).get("epochs")
        return epochs is not None and epoch + 1 >= epochs

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs if logs is not None else {}
        if not self.should_evaluate(epoch):
            if self.fill_value is not None:
                logs.update({key: self.fill_value for key in self.log_keys})
            return
        start = time.perf_counter()
        results = self.compute()
        self._evaluated_this_fit = True
        self.last_results = {self.prefix + key: value for key, value in results.items()}
        logs.update(self.last_results)
        if self.verbose:
            scores = ", ".join(f"{k}={v:.4g}" for k, v in self.last_results.items())
            print(f"\nEpoch {epoch + 1}: {scores} ({time.perf_counter() - start:.1f} s)")

    def compute(self) -> dict[str, float]:
        """Generates `num_samples` images now and scores them (keys without prefix)."""
        self._prepare_reference()
        model = self.model
        if not hasattr(model, "generate"):
            raise TypeError(
                f"GenerativeMetrics needs a model with generate(num_images, batch_size=...); "
                f"{type(model).__name__} has none. Use it with a keras_gen model."
            )
        reference = self._reference
        fake = np.asarray(model.generate(self.num_samples, batch_size=self.batch_size))
        fake_features, fake_probabilities = reference.feature_extractor.features_and_probabilities(
            fake, reference.data_scale, self.batch_size
        )
        return compute_sample_metrics(
            reference.features,
            fake_features,
            fake_probabilities,
            self.metrics,
            kid_subset_size=self.kid_subset_size,
            kid_num_subsets=self.kid_num_subsets,
            seed=self.seed,
        )

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, except arrays and the feature extractor."""
        return {
            "real_images": self.real_images if isinstance(self.real_images, str) else None,
            "metrics": list(self.metrics),
            "every": self.every,
            "num_samples": self.num_samples,
            "dataset": self.dataset,
            "data_scale": self.data_scale,
            "prefix": self.prefix,
            "fill_value": self.fill_value,
            "batch_size": self.batch_size,
            "kid_subset_size": self.kid_subset_size,
            "kid_num_subsets": self.kid_num_subsets,
            "seed": self.seed,
            "data_dir": self.data_dir,
            "verbose": self.verbose,
        }
