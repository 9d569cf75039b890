"""The domain classifier: a small CNN trained once per data set and recipe, and cached.

FID, KID, precision/recall and class scores need a fixed feature network.
ImageNet's InceptionV3 (`keras_gen.evaluation.inception_features`) must be
downloaded and suits 28x28 grayscale images poorly, so `domain_classifier`
trains a small CNN on the data set itself, with a fixed seed and recipe
(`ClassifierRecipe`), caches it (`default_cache_dir`) and wraps it in a
`FeatureExtractor`, so every later evaluation uses exactly the same features.
`content_network` serves the same network as a frozen model for perceptual
losses (SRGAN's content loss).

Example:
>>> extractor = domain_classifier("fashion_mnist")  # trained once, then loaded
>>> features = extractor.features(images, data_scale=(-1, 1))  # (N, 128)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from keras_gen.evaluation.features import CLASSIFIER_INPUT_SCALE, FEATURE_LAYER, FeatureExtractor
from keras_gen.networks.stages import check_count
from keras_gen.run_files import save_atomically, write_json

CACHE_SUBDIR = os.path.join("keras_gen", "feature_networks")
CACHE_DIR_ENV_VAR = "KERAS_GEN_FEATURE_CACHE"
# Data sets with so few training images that a few epochs are not enough.
_SMALL_DATASET_EPOCHS = {"digits": 60}


@dataclasses.dataclass(frozen=True)
class ClassifierRecipe:
    """How the domain classifier is built and trained; a cache entry is tied to one recipe.

    Two strided 3x3 convolutions, a dense feature layer (the features used by
    the metrics) and a softmax head, trained with Adam on the data set's train
    split in [-1, 1], seeded so the same recipe gives the same weights.

    Args:
        version: bump when the architecture or training code changes; part of
            the cache file name (`<dataset>-v<version>.keras`).
        epochs: passes over the training set. `None` picks the data set's
            default (5, or 60 for the 1,437-image "digits").
        batch_size: images per gradient step.
        learning_rate: Adam's learning rate.
        filters: output channels of the strided convolutions.
        feature_dim: size of the feature layer (the penultimate layer).
        dropout: dropout rate before and after the feature layer.
        train_limit: train on only the first `train_limit` images (for fast
            tests); `None` uses the whole train split.
        seed: seed of weight initialization, dropout and shuffling.
        convs_per_stage: 3x3 convolutions per stage; all but the last keep
            the resolution, the last is strided. 1 (the default) is the
            original two-layer network; `accurate()` uses 2.

    Example:
    >>> fast = ClassifierRecipe(epochs=1, train_limit=2000)
    >>> extractor = domain_classifier("fashion_mnist", recipe=fast)
    """

    version: int = 1
    epochs: int | None = None
    batch_size: int = 128
    learning_rate: float = 1e-3
    filters: tuple[int, ...] = (32, 64)
    feature_dim: int = 128
    dropout: float = 0.3
    train_limit: int | None = None
    seed: int = 0
    convs_per_stage: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "filters", tuple(int(f) for f in self.filters))
        if self.epochs is not None and self.epochs < 1:
            raise ValueError(f"ClassifierRecipe.epochs must be >= 1 or None, got {self.epochs}.")
        if self.train_limit is not None and self.train_limit < 1:
            raise ValueError(
                f"ClassifierRecipe.train_limit must be >= 1 or None, got {self.train_limit}."
            )
        check_count(
            self.convs_per_stage, "ClassifierRecipe.convs_per_stage", "3x3 convolutions per stage", minimum=1
        )
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"ClassifierRecipe.dropout must be in [0, 1), got {self.dropout}.")

    @classmethod
    def accurate(cls) -> ClassifierRecipe:
        """A deeper classifier trained longer: for judging class accuracy, not for features.

        Two 3x3 convolutions per stage (the second strided), dropout 0.4, 15
        epochs: on Fashion-MNIST it labels 0.923 of the test images correctly
        where the default feature network labels 0.900, in about 7 minutes on
        two CPU cores instead of one. The default recipe stays the feature
        network behind every published FID (changing it would change them
        all); use this one where the question is "is the sample recognisably
        of its class", whose ceiling is the judge's own accuracy on real images.

        Example:
        >>> judge = domain_classifier("fashion_mnist", recipe=ClassifierRecipe.accurate())
        """
        return cls(filters=(32, 64), convs_per_stage=2, epochs=15, dropout=0.4)

    def resolved_epochs(self, dataset: str) -> int:
        """The number of epochs used for `dataset` (fills in the default)."""
        if self.epochs is not None:
            return self.epochs
        return _SMALL_DATASET_EPOCHS.get(dataset, 5)

    def cache_stem(self, dataset: str) -> str:
        """File name without extension: `<dataset>-v<version>`, plus a hash if not the default.

        Example:
        >>> ClassifierRecipe().cache_stem("mnist")
        'mnist-v1'
        >>> ClassifierRecipe().cache_stem("voxel_shapes")  # its examples' revision 2
        'voxel_shapes-v1-r2'
        """
        stem = f"{_safe_name(dataset)}-v{self.version}"
        revision = _data_revision(dataset)
        if revision > 1:  # examples remade since revision 1: not the cached network of the old ones
            stem = f"{stem}-r{revision}"
        if dataclasses.replace(self, version=ClassifierRecipe.version) == ClassifierRecipe():
            return stem
        settings = json.dumps(dataclasses.asdict(self), sort_keys=True)
        return f"{stem}-{hashlib.sha1(settings.encode()).hexdigest()[:10]}"


def _data_revision(dataset: str) -> int:
    """The registered data set's `revision` (1 for TFDS and unknown names)."""
    from keras_gen.data.pipeline import is_tfds_name, registered

    if is_tfds_name(dataset):
        return 1
    try:
        return registered(dataset)[0].revision
    except (ValueError, KeyError):
        return 1


def _safe_name(dataset: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in dataset)


def default_cache_dir() -> str:
    """Where feature networks are cached.

    `$KERAS_GEN_FEATURE_CACHE` if set, else `<Keras home>/keras_gen/feature_networks`,
    where Keras home is `$KERAS_HOME` or `~/.keras` (`/tmp/.keras` when the home
    directory is not writable, as in Keras itself).
    """
    if os.environ.get(CACHE_DIR_ENV_VAR):
        return os.path.expanduser(os.environ[CACHE_DIR_ENV_VAR])
    if os.environ.get("KERAS_HOME"):
        home = os.path.expanduser(os.environ["KERAS_HOME"])
    else:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    return os.path.join(home, CACHE_SUBDIR)


def build_classifier(
    image_shape: Sequence[int], num_classes: int, recipe: ClassifierRecipe | None = None
) -> keras.Model:
    """Builds the (untrained) domain classifier of `recipe` for `image_shape` images.

    A 4-D `image_shape` `(D, H, W, C)` (voxel grids) gets 3-D convolutions
    (3x3x3, strided), the same stages otherwise.

    Every random choice is seeded from `recipe.seed`, and all layers compute in
    float32 whatever the global dtype policy, so features are reproducible.
    """
    recipe = recipe or ClassifierRecipe()
    seeds = iter(range(recipe.seed * 1000, recipe.seed * 1000 + 1000))

    def he_normal() -> keras.initializers.Initializer:
        return keras.initializers.HeNormal(seed=next(seeds))

    # (H, W, C) images get 2-D convolutions; (D, H, W, C) voxel grids get 3-D ones.
    convolution = keras.layers.Conv3D if len(image_shape) == 4 else keras.layers.Conv2D

    def conv(filters: int, strides: int, name: str) -> keras.layers.Layer:
        return convolution(
            filters,
            3,
            strides=strides,
            padding="same",
            activation="relu",
            kernel_initializer=he_normal(),
            dtype="float32",
            name=name,
        )

    inputs = keras.Input(tuple(image_shape), name="images")
    x = inputs
    for index, filters in enumerate(recipe.filters):
        for extra in range(recipe.convs_per_stage - 1):
            x = conv(filters, 1, f"conv{index + 1}_{extra + 1}")(x)
        x = conv(filters, 2, f"conv{index + 1}")(x)
    x = keras.layers.Flatten(dtype="float32", name="flatten")(x)
    x = keras.layers.Dropout(recipe.dropout, seed=next(seeds), dtype="float32", name="dropout1")(x)
    x = keras.layers.Dense(
        recipe.feature_dim,
        activation="relu",
        kernel_initializer=he_normal(),
        dtype="float32",
        name=FEATURE_LAYER,
    )(x)
    x = keras.layers.Dropout(recipe.dropout, seed=next(seeds), dtype="float32", name="dropout2")(x)
    outputs = keras.layers.Dense(
        num_classes,
        activation="softmax",
        kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
        dtype="float32",
        name="probabilities",
    )(x)
    return keras.Model(inputs, outputs, name="domain_classifier")


def train_domain_classifier(
    dataset: str,
    recipe: ClassifierRecipe | None = None,
    data_dir: str | None = None,
    verbose: int = 0,
) -> tuple[keras.Model, dict[str, Any]]:
    """Trains the domain classifier of `recipe` on `dataset`; returns `(model, metadata)`.

    Deterministic on CPU: weights, dropout and the per-epoch shuffling are all
    seeded from `recipe.seed` (global random state is left alone). On GPUs,
    call `tf.config.experimental.enable_op_determinism()` first for bitwise
    repeatability. Metadata holds the test accuracy and training time.
    """
    # Imported on use, so importing keras_gen.evaluation never cycles through keras_gen/__init__.
    from keras_gen import data

    recipe = recipe or ClassifierRecipe()
    dataset_info = data.info(dataset)
    if not dataset_info.num_classes:
        raise ValueError(
            f"Data set {dataset!r} has no class labels, so no domain classifier can be "
            "trained on it. Use inception_features() instead."
        )
    x_train, y_train = data.load_numpy(
        dataset,
        split="train",
        scale=CLASSIFIER_INPUT_SCALE,
        limit=recipe.train_limit,
        data_dir=data_dir,
    )
    x_test, y_test = data.load_numpy(
        dataset, split="test", scale=CLASSIFIER_INPUT_SCALE, data_dir=data_dir
    )
    if y_train.min() < 0:
        raise ValueError(f"Data set {dataset!r} has unlabelled images; a classifier needs labels.")
    kind = getattr(dataset_info, "kind", "images")
    (x_train, y_train), (x_test, y_test) = (
        classifier_examples(x, y, kind, seed=recipe.seed + offset)
        for offset, (x, y) in enumerate(((x_train, y_train), (x_test, y_test)))
    )

    model = build_classifier(x_train.shape[1:], dataset_info.num_classes, recipe)
    model.compile(
        optimizer=keras.optimizers.Adam(recipe.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    rng = np.random.default_rng(recipe.seed)
    epochs = recipe.resolved_epochs(dataset)
    start = time.perf_counter()
    for epoch in range(epochs):
        # Our own seeded permutation (fit's shuffling would use the global seed).
        order = rng.permutation(len(x_train))
        if verbose:
            print(f"feature network {dataset}: epoch {epoch + 1}/{epochs}")
        model.fit(
            x_train[order],
            y_train[order],
            batch_size=recipe.batch_size,
            epochs=1,
            shuffle=False,
            verbose=verbose,
        )
    train_seconds = time.perf_counter() - start
    _, test_accuracy = model.evaluate(x_test, y_test, batch_size=512, verbose=0)
    metadata = {
        "dataset": dataset,
        "recipe": dataclasses.asdict(recipe),
        "epochs": epochs,
        "input_scale": list(CLASSIFIER_INPUT_SCALE),
        "feature_layer": FEATURE_LAYER,
        "kind": kind,
        "image_shape": [int(d) for d in x_train.shape[1:]],
        "num_classes": int(dataset_info.num_classes),
        "class_names": list(dataset_info.class_names or []),
        "train_examples": len(x_train),
        "test_examples": len(x_test),
        "test_accuracy": float(test_accuracy),
        "train_seconds": round(train_seconds, 2),
        "keras_version": keras.__version__,
        "backend": keras.config.backend(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    return model, metadata


def classifier_examples(
    examples: np.ndarray, labels: np.ndarray, kind: str = "images", seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """What a data set's domain classifier sees: its examples, or one frame of each clip.

    Images and voxel grids are classified whole (a voxel grid by 3-D
    convolutions, see `build_classifier`). A video data set's classifier judges
    single frames (`frame_fid`, `class_consistency`), so it trains on frames:
    one frame of each clip, drawn with `seed`, with its clip's label. One frame
    per clip keeps an epoch as long as the clip count; the sprite's position
    differs from frame to frame, so the drawn frames see every position.

    Args:
        examples: `(n, ...)` examples; `(n, T, H, W, C)` clips for "videos".
        labels: `(n,)` labels.
        kind: the data set's kind: "images", "videos" or "voxels".
        seed: the seed of the frames drawn.

    Returns:
        `(examples, labels)`: unchanged, or `(n, H, W, C)` frames and the clips' labels.

    Example:
    >>> frames, labels = classifier_examples(np.zeros((10, 8, 32, 32, 1)), np.arange(10), "videos")
    >>> frames.shape
    (10, 32, 32, 1)
    """
    if kind not in ("images", "videos", "voxels"):
        raise ValueError(f"kind must be 'images', 'videos' or 'voxels', got {kind!r}.")
    if kind != "videos":
        return examples, labels
    examples = np.asarray(examples)
    if examples.ndim != 5:
        raise ValueError(f"A video data set's examples must be clips (n, T, H, W, C), got shape {examples.shape}.")
    frames = np.random.default_rng(seed).integers(0, examples.shape[1], len(examples))
    return examples[np.arange(len(examples)), frames], np.asarray(labels)


def domain_classifier(
    dataset: str = "fashion_mnist",
    cache_dir: str | None = None,
    recipe: ClassifierRecipe | None = None,
    data_dir: str | None = None,
    retrain: bool = False,
    verbose: int = 1,
) -> FeatureExtractor:
    """The data set's cached feature network; trains and caches it on first use.

    Looks for `<cache_dir>/<dataset>-v<version>.keras` and its `.json` metadata
    (test accuracy, recipe, training time). When missing, trains it with
    `train_domain_classifier` (about a minute on two CPU cores for
    Fashion-MNIST) and saves both atomically, so concurrent processes never
    read a half-written file. Non-default recipes get a hash in the file name.

    Args:
        dataset: "fashion_mnist", "mnist", "digits" or another labelled data
            set known to `keras_gen.data`. For a video data set
            ("moving_fashion_mnist") it is a classifier of single frames,
            trained on frames with their clip's label (`classifier_examples`);
            for voxel grids ("voxel_shapes") it has 3-D convolutions.
        cache_dir: where to cache; defaults to `default_cache_dir()`
            (`~/.keras/keras_gen/feature_networks`).
        recipe: the training recipe; the default is what published numbers use.
        data_dir: passed to `keras_gen.data.load_numpy`.
        retrain: train again even when cached.
        verbose: 1 prints a line when training; 2 also shows Keras progress.

    Returns:
        A `FeatureExtractor` with `feature_dim` 128 and `test_accuracy` set.

    Example:
    >>> extractor = domain_classifier("fashion_mnist")
    >>> extractor.test_accuracy
    0.89...
    """
    recipe = recipe or ClassifierRecipe()
    cache_dir = os.path.expanduser(cache_dir or default_cache_dir())
    stem = recipe.cache_stem(dataset)
    model_path = os.path.join(cache_dir, stem + ".keras")
    metadata_path = os.path.join(cache_dir, stem + ".json")
    metadata = None if retrain else _read_cached(model_path, metadata_path, recipe)
    if metadata is not None:
        model = keras.saving.load_model(model_path, compile=False)
    else:
        if verbose:
            print(f"Training the {dataset} feature network (once; cached at {model_path}) ...")
        model, metadata = train_domain_classifier(
            dataset, recipe, data_dir=data_dir, verbose=max(verbose - 1, 0)
        )
        _save_cached(model, metadata, model_path, metadata_path)
        if verbose:
            print(
                f"{dataset} feature network: test accuracy {metadata['test_accuracy']:.4f}, "
                f"trained in {metadata['train_seconds']:.0f} s."
            )
    return FeatureExtractor(
        model,
        feature_layer=metadata.get("feature_layer", FEATURE_LAYER),
        input_scale=metadata.get("input_scale", CLASSIFIER_INPUT_SCALE),
        resize=False,
        name=stem,
        metadata=metadata,
    )


def content_network(
    dataset: str = "fashion_mnist", data_scale: Sequence[float] = (-1.0, 1.0), **options: Any
) -> keras.Model:
    """A frozen feature network for perceptual (content) losses, such as SRGAN's.

    The data set's domain classifier (`domain_classifier`, trained once and
    cached; works offline) up to its feature layer, taking images in
    `data_scale`. Online users can pass VGG19 features to SRGAN instead.

    Args:
        dataset: the labelled data set whose classifier to use.
        data_scale: the pixel range of the images it will be given.
        **options: `domain_classifier` arguments (`cache_dir`, `data_dir`, `verbose`).

    Example:
    >>> model = keras_gen.models.SRGAN.for_images((7, 7, 1), content_network=content_network("fashion_mnist"))
    """
    return domain_classifier(dataset, **options).as_model(data_scale)


def _read_cached(
    model_path: str, metadata_path: str, recipe: ClassifierRecipe
) -> dict[str, Any] | None:
    """The cached metadata when both files exist and match `recipe`, else None."""
    if not (os.path.isfile(model_path) and os.path.isfile(metadata_path)):
        return None
    try:
        with open(metadata_path, encoding="utf-8") as f:
            metadata = json.load(f)
    except (OSError, json.JSONDecodeError):
        return None
    if metadata.get("recipe") != json.loads(json.dumps(dataclasses.asdict(recipe))):
        return None
    return metadata


def _save_cached(
    model: keras.Model, metadata: dict[str, Any], model_path: str, metadata_path: str
) -> None:
    os.makedirs(os.path.dirname(model_path), exist_ok=True)
    # A temporary name per process: concurrent processes may train and cache the same network.
    suffix = f".tmp-{os.getpid()}-{time.monotonic_ns()}"
    # The model first: a reader needs both files, and checks the JSON's recipe.
    save_atomically(model.save, model_path, model_path[: -len(".keras")] + suffix + ".keras")
    save_atomically(lambda temporary: write_json(metadata, temporary), metadata_path, metadata_path + suffix)
