"""`ModeCollapseMonitor`: how many classes the samples cover, and their recall, every epoch."""

from __future__ import annotations

import math
import warnings

from keras_gen.callbacks.generative_metrics import GenerativeMetrics
from keras_gen.evaluation.features import FeatureExtractor


class ModeCollapseWarning(UserWarning):
    """The samples of a GAN cover fewer classes than before: a sign of mode collapse."""


class ModeCollapseMonitor(GenerativeMetrics):
    """Logs the classes the samples cover and their recall each epoch; warns when coverage drops.

    Mode collapse, the failure GAN users fear, is a generator that keeps
    producing a few kinds of images. Each evaluated epoch this callback draws
    `num_samples` images, labels them with the data set's classifier and
    counts the classes that receive at least `min_share` of a uniform share
    (`classes_covered`, out of `num_classes`), and measures the recall of the
    samples against real images (Kynkäänniemi et al., 2019): the share of real
    images whose neighbourhood the samples reach, which falls when variety is
    lost even within classes. Both go into the logs (`classes_covered`,
    `class_coverage`, `recall`, and the label entropy). When the classes
    covered fall below the best seen so far by at least `tolerance` classes,
    or below `min_classes`, it issues a `ModeCollapseWarning` naming the epoch
    and the numbers (and, with `stop_training=True`, stops training).

    Works with every model that has `generate` (every keras_gen GAN).

    Args:
        real_images: a data set name (its test split) or real images, as for `GenerativeMetrics`.
        num_samples: samples per evaluation.
        every: evaluate every `every` epochs (plus the first and the last).
        min_classes: warn whenever fewer classes are covered (default: all of them).
        tolerance: warn when coverage drops this many classes below its best.
        stop_training: stop `fit` at a warning.
        feature_extractor, dataset, data_dir, batch_size, seed, verbose: as for `GenerativeMetrics`.

    Example:
    >>> monitor = keras_gen.callbacks.ModeCollapseMonitor("fashion_mnist", num_samples=2000)
    >>> gan.fit(train_ds, epochs=20, callbacks=[monitor])
    >>> history.history["classes_covered"]
    [10.0, 10.0, 9.0, ...]
    """

    def __init__(
        self,
        real_images="fashion_mnist",
        num_samples: int = 2000,
        every: int = 1,
        min_classes: int | None = None,
        tolerance: int = 1,
        stop_training: bool = False,
        feature_extractor: FeatureExtractor | None = None,
        dataset: str | None = None,
        data_dir: str | None = None,
        batch_size: int = 256,
        seed: int = 0,
        verbose: int = 0,
    ) -> None:
        super().__init__(
            real_images, metrics=("class_coverage", "recall"), every=every, num_samples=num_samples,
            feature_extractor=feature_extractor, dataset=dataset, prefix="", fill_value=math.nan,
            batch_size=batch_size, seed=seed, data_dir=data_dir, verbose=verbose,
        )
        if int(tolerance) < 1:
            raise ValueError(f"tolerance must be at least 1 class, got {tolerance}.")
        if min_classes is not None and int(min_classes) < 1:
            raise ValueError(f"min_classes must be None or a positive number of classes, got {min_classes}.")
        self.min_classes = None if min_classes is None else int(min_classes)
        self.tolerance = int(tolerance)
        self.stop_training = bool(stop_training)
        self.best_classes_covered = 0
        self.warnings: list[str] = []

    @property
    def log_keys(self) -> list[str]:
        return ["classes_covered", *super().log_keys]

    def on_train_begin(self, logs=None) -> None:
        super().on_train_begin(logs)
        self.best_classes_covered = 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs if logs is not None else {}
        evaluated = self.should_evaluate(epoch)
        super().on_epoch_end(epoch, logs)
        if not evaluated:
            logs["classes_covered"] = math.nan
            return
        num_classes = self._reference.feature_extractor.num_classes
        covered = round(logs["class_coverage"] * num_classes)
        logs["classes_covered"] = float(covered)
        self.last_results["classes_covered"] = float(covered)
        floor = num_classes if self.min_classes is None else self.min_classes
        problems = []
        if covered <= self.best_classes_covered - self.tolerance:
            problems.append(f"down from {self.best_classes_covered}")
        if covered < floor:
            problems.append(f"below {floor}")
        self.best_classes_covered = max(self.best_classes_covered, covered)
        if problems:
            message = (
                f"Possible mode collapse at epoch {epoch + 1}: the samples cover {covered} of {num_classes} "
                f"classes ({', '.join(problems)}); recall {logs['recall']:.3f}. Consider a lower learning rate, "
                "another loss (hinge, WGAN-GP), spectral_norm=True, r1_weight or augment."
            )
            self.warnings.append(message)
            warnings.warn(message, ModeCollapseWarning, stacklevel=2)
            if self.stop_training:
                self.model.stop_training = True

    def get_config(self):
        config = super().get_config()
        for key in ("metrics", "prefix", "fill_value", "data_scale", "kid_subset_size", "kid_num_subsets"):
            config.pop(key, None)
        return {**config, "min_classes": self.min_classes, "tolerance": self.tolerance,
                "stop_training": self.stop_training}
