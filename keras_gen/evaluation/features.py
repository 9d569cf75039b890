"""Feature networks for sample-quality metrics: `FeatureExtractor`, and InceptionV3.

FID, KID, precision/recall and density/coverage compare generated and real
images in the feature space of a fixed network. `FeatureExtractor` wraps any
such Keras network and handles its input conventions (pixel scale, channels,
size). Two networks come with the library: ImageNet's InceptionV3
(`inception_features`, the usual choice, downloaded once) and the data set's
own domain classifier (`keras_gen.evaluation.domain_classifier`, in
`keras_gen.evaluation.classifiers`, trained once and cached; it suits 28x28
grayscale images, and works offline).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

# The domain classifier always sees images in [-1, 1]; callers' data is rescaled to it.
CLASSIFIER_INPUT_SCALE = (-1.0, 1.0)
# Keras' InceptionV3 expects `x / 127.5 - 1`, i.e. [-1, 1].
INCEPTION_INPUT_SCALE = (-1.0, 1.0)
INCEPTION_MIN_SIZE = 75
FEATURE_LAYER = "features"


def rescale(
    images: np.ndarray, from_scale: Sequence[float], to_scale: Sequence[float]
) -> np.ndarray:
    """Maps pixel values linearly from `from_scale = (lo, hi)` to `to_scale`, as float32."""
    (from_lo, from_hi), (to_lo, to_hi) = (
        _check_scale(from_scale),
        _check_scale(to_scale),
    )
    factor = (to_hi - to_lo) / (from_hi - from_lo)
    return ((np.asarray(images, np.float32) - from_lo) * factor + to_lo).astype(np.float32)


def _check_scale(scale: Sequence[float]) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in scale)
    except (TypeError, ValueError):
        raise ValueError(
            f"A pixel scale must be a pair (lo, hi) such as (-1, 1) or (0, 1), got {scale!r}."
        ) from None
    if not lo < hi:
        raise ValueError(f"A pixel scale (lo, hi) needs lo < hi, got {scale!r}.")
    return lo, hi


class FeatureExtractor:
    """A fixed network that maps images to feature vectors and, optionally, class probabilities.

    Wraps a Keras model and handles its input conventions: images in the
    caller's `data_scale` are rescaled to the scale the network was trained
    in, grayscale images are repeated to 3 channels when the network wants
    RGB, and (when `resize` is set) images are resized bilinearly to the
    network's input size. Extractors are read-only: `copy.deepcopy` returns
    the same object, so callbacks that hold one stay cheap to copy.

    Args:
        model: a Keras model from images to class probabilities (or, with
            `feature_layer=None`, straight to features).
        feature_layer: name of the layer whose output is the feature vector
            (its output is flattened); `None` when `model` outputs features and
            has no classifier head.
        input_scale: `(lo, hi)` pixel range the network expects.
        resize: whether images of another size may be resized to the model's
            input size (True for InceptionV3; False for domain classifiers,
            which then reject images of the wrong size).
        name: a short description, e.g. "fashion_mnist-v1".
        metadata: extra facts, e.g. the classifier's `test_accuracy`.

    Example:
    >>> extractor = keras_gen.evaluation.domain_classifier("fashion_mnist")
    >>> features = extractor.features(images, data_scale=(-1, 1))  # (N, 128)
    >>> probabilities = extractor.predict_proba(images)  # (N, 10)
    """

    def __init__(
        self,
        model: keras.Model,
        feature_layer: str | None = FEATURE_LAYER,
        input_scale: Sequence[float] = CLASSIFIER_INPUT_SCALE,
        resize: bool = False,
        name: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.feature_layer = feature_layer
        self.input_scale = _check_scale(input_scale)
        self.resize = bool(resize)
        self.name = name or model.name
        self.metadata = dict(metadata or {})
        input_shape = tuple(model.inputs[0].shape[1:])
        if len(input_shape) not in (3, 4) or None in input_shape:
            raise ValueError(
                f"A feature network needs a fixed (height, width, channels) input, or (depth, "
                f"height, width, channels) for voxel grids, but {model.name!r} takes "
                f"{input_shape}. Build it with an explicit input_shape."
            )
        # (H, W, C) for images; (D, H, W, C) for voxel grids (no resizing, no RGB repeat).
        self.input_shape: tuple[int, ...] = tuple(int(d) for d in input_shape)
        if feature_layer is None:
            self._network = model
        else:
            try:
                features = model.get_layer(feature_layer).output
            except ValueError:
                names = [layer.name for layer in model.layers]
                raise ValueError(
                    f"Model {model.name!r} has no layer named {feature_layer!r}. "
                    f"Its layers are {names}; pass one of them as feature_layer."
                ) from None
            self._network = keras.Model(model.inputs, [features, model.outputs[0]])

    def __deepcopy__(self, memo: dict) -> FeatureExtractor:
        return self

    def __repr__(self) -> str:
        return (
            f"FeatureExtractor(name={self.name!r}, input_shape={self.input_shape}, "
            f"feature_dim={self.feature_dim}, num_classes={self.num_classes})"
        )

    @property
    def has_classifier(self) -> bool:
        """Whether `predict_proba` is available."""
        return self.feature_layer is not None

    @property
    def feature_dim(self) -> int:
        """Length of a feature vector."""
        outputs = self._network.outputs
        return int(np.prod(outputs[0].shape[1:]))

    @property
    def num_classes(self) -> int | None:
        """Number of classes of the classifier head, or None without one."""
        if not self.has_classifier:
            return None
        return int(self._network.outputs[1].shape[-1])

    @property
    def test_accuracy(self) -> float | None:
        """Accuracy on the data set's test split, when recorded at training time."""
        return self.metadata.get("test_accuracy")

    def prepare(self, images: np.ndarray, data_scale: Sequence[float] = (-1.0, 1.0)) -> np.ndarray:
        """Converts a batch to the network's input: scale, channels and (if allowed) size."""
        images = np.asarray(images, dtype=np.float32)
        if len(self.input_shape) == 4:
            return self._prepare_grids(images, data_scale)
        if images.ndim == 3:
            images = images[..., None]
        if images.ndim != 4:
            raise ValueError(
                f"Expected images shaped (N, height, width, channels), got {images.shape}."
            )
        height, width, channels = self.input_shape
        if images.shape[-1] != channels:
            if images.shape[-1] == 1 and channels == 3:
                images = np.repeat(images, 3, axis=-1)
            else:
                raise ValueError(
                    f"{self.name} takes {channels}-channel images, got {images.shape[-1]} "
                    f"channels (shape {images.shape}). Use a feature network built for "
                    "this data set, e.g. domain_classifier(<dataset name>)."
                )
        images = rescale(images, data_scale, self.input_scale)
        if images.shape[1:3] != (height, width):
            if not self.resize:
                raise ValueError(
                    f"{self.name} was trained on {height}x{width} images, got "
                    f"{images.shape[1]}x{images.shape[2]}. Use domain_classifier() for the "
                    "data set the images come from, or inception_features() for any size."
                )
            images = keras.ops.convert_to_numpy(
                keras.ops.image.resize(images, (height, width), interpolation="bilinear")
            )
        return images

    def _prepare_grids(self, grids: np.ndarray, data_scale: Sequence[float]) -> np.ndarray:
        """`prepare` for a network of voxel grids: only the scale changes; shapes must match."""
        if grids.shape[1:] != self.input_shape:
            raise ValueError(
                f"{self.name} takes grids shaped (N, {', '.join(map(str, self.input_shape))}), got "
                f"{grids.shape}. Use domain_classifier(<data set>) for the data set the grids come from."
            )
        return rescale(grids, data_scale, self.input_scale)

    def feature_tensor(self, images, data_scale: Sequence[float] = (-1.0, 1.0)):
        """Differentiable feature vectors `(batch, feature_dim)` of a batch of image tensors.

        The same features as `features`, computed with `keras.ops` so that
        gradients flow back to `images` (e.g. for the feature loss of GAN
        inversion). No resizing: the images must have the network's size.
        """
        outputs = self._network_tensors(images, data_scale)
        features = outputs[0] if self.has_classifier else outputs
        return keras.ops.reshape(features, (keras.ops.shape(features)[0], -1))

    def probability_tensor(self, images, data_scale: Sequence[float] = (-1.0, 1.0)):
        """Differentiable class probabilities `(batch, num_classes)` of a batch of image tensors.

        The same probabilities as `predict_proba`, computed with `keras.ops` so
        that gradients flow back to `images` (e.g. the class term of
        `keras_gen.latent.ppgn_sample`). No resizing: the images must have the
        network's size.

        Example:
        >>> extractor = keras_gen.evaluation.domain_classifier("fashion_mnist")
        >>> extractor.probability_tensor(keras.ops.zeros((2, 28, 28, 1)), (-1, 1)).shape
        TensorShape([2, 10])
        """
        self._require_classifier("probability_tensor")
        return self._network_tensors(images, data_scale)[1]

    def _network_tensors(self, images, data_scale):
        low, high = _check_scale(data_scale)
        target_low, target_high = self.input_scale
        images = (images - low) * ((target_high - target_low) / (high - low)) + target_low
        if images.shape[-1] == 1 and self.input_shape[-1] == 3:
            images = keras.ops.repeat(images, 3, axis=-1)
        with warnings.catch_warnings():
            # A network built with a list of one input warns about a bare tensor.
            warnings.simplefilter("ignore", UserWarning)
            return self._network(images, training=False)

    def as_model(self, data_scale: Sequence[float] = (-1.0, 1.0), name: str = "content_network") -> keras.Model:
        """The feature part as one frozen, serializable `keras.Model` taking images in `data_scale`.

        For losses inside a model (SRGAN's content loss): the rescaling to the
        network's input scale is a layer of the returned model, which saves
        with it. Grayscale images are repeated to 3 channels for RGB networks.

        Example:
        >>> features = domain_classifier("fashion_mnist").as_model((-1, 1))
        >>> features(np.zeros((2, 28, 28, 1), "float32")).shape
        TensorShape([2, 128])
        """
        low, high = _check_scale(data_scale)
        target_low, target_high = self.input_scale
        factor = (target_high - target_low) / (high - low)
        feature_model = self.model
        if self.feature_layer is not None:
            feature_model = keras.Model(self.model.inputs, self.model.get_layer(self.feature_layer).output)
        images = keras.Input(self.input_shape, name="images")
        x = keras.layers.Rescaling(factor, offset=target_low - low * factor, name="to_network_scale")(images)
        features = keras.layers.Flatten(name="features")(feature_model(x))
        model = keras.Model(images, features, name=name)
        model.trainable = False
        return model

    def _run(
        self, images: np.ndarray, data_scale: Sequence[float], batch_size: int
    ) -> tuple[np.ndarray, np.ndarray | None]:
        if len(images) == 0:
            raise ValueError("No images were given to the feature extractor.")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
        features, probabilities = [], []
        for start in range(0, len(images), batch_size):
            batch = self.prepare(images[start : start + batch_size], data_scale)
            outputs = self._network.predict_on_batch(batch)
            if self.has_classifier:
                features.append(np.asarray(outputs[0]).reshape(len(batch), -1))
                probabilities.append(np.asarray(outputs[1]))
            else:
                features.append(np.asarray(outputs).reshape(len(batch), -1))
        stacked = np.concatenate(features).astype(np.float32)
        return stacked, (
            np.concatenate(probabilities).astype(np.float32) if probabilities else None
        )

    def features(
        self,
        images: np.ndarray,
        data_scale: Sequence[float] = (-1.0, 1.0),
        batch_size: int = 256,
    ) -> np.ndarray:
        """Feature vectors `(N, feature_dim)` of images given in `data_scale`."""
        return self._run(images, data_scale, batch_size)[0]

    def predict_proba(
        self,
        images: np.ndarray,
        data_scale: Sequence[float] = (-1.0, 1.0),
        batch_size: int = 256,
    ) -> np.ndarray:
        """Class probabilities `(N, num_classes)` of images given in `data_scale`."""
        self._require_classifier("predict_proba")
        return self._run(images, data_scale, batch_size)[1]

    def features_and_probabilities(
        self,
        images: np.ndarray,
        data_scale: Sequence[float] = (-1.0, 1.0),
        batch_size: int = 256,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Both in one pass; probabilities are None without a classifier head."""
        return self._run(images, data_scale, batch_size)

    def _require_classifier(self, what: str) -> None:
        if not self.has_classifier:
            raise ValueError(
                f"{what} needs a classifier head, but {self.name} only outputs features. "
                "Use domain_classifier(<dataset>) or inception_features(image_size=299)."
            )


# --- InceptionV3 ----------------------------------------------------------------------
def inception_features(
    weights: str | None = "imagenet",
    image_size: int = 299,
    include_top: bool | None = None,
) -> FeatureExtractor:
    """InceptionV3 pool features (2048-d), the feature space of the original FID and IS.

    Szegedy et al., "Rethinking the Inception Architecture for Computer Vision"
    (CVPR 2016); used for FID by Heusel et al. (2017). Images of any size and
    scale are rescaled to Inception's [-1, 1], grayscale is repeated to 3
    channels, and images are resized bilinearly to `image_size`. Note that
    published FIDs use TensorFlow 1's graph and resizing; numbers from Keras'
    InceptionV3 are close but not identical, so compare only like with like.

    Args:
        weights: "imagenet" (downloaded once by Keras, ~90 MB), `None` for
            random weights (tests only), or a path to a weights file.
        image_size: side of the square input, at least 75.
        include_top: keep the 1000-class ImageNet head, so `predict_proba` (the
            Inception Score) works; ImageNet weights allow it only at 299.
            Defaults to `image_size == 299`.

    Example:
    >>> extractor = inception_features()  # needs internet the first time
    >>> fid(extractor.features(real), extractor.features(fake))
    """
    if image_size < INCEPTION_MIN_SIZE:
        raise ValueError(
            f"InceptionV3 needs inputs of at least {INCEPTION_MIN_SIZE}x"
            f"{INCEPTION_MIN_SIZE}, got image_size={image_size}. Use 299 (the "
            "standard) or any size >= 75."
        )
    if include_top is None:
        include_top = image_size == 299
    if include_top and weights == "imagenet" and image_size != 299:
        raise ValueError(
            f"The ImageNet classifier head of InceptionV3 needs 299x299 inputs, got "
            f"image_size={image_size}. Pass include_top=False for features only, or "
            "image_size=299."
        )
    shape = (image_size, image_size, 3)
    if include_top:
        model = keras.applications.InceptionV3(
            include_top=True,
            weights=weights,
            input_shape=shape,
            classifier_activation="softmax",
        )
        feature_layer: str | None = "avg_pool"
    else:
        model = keras.applications.InceptionV3(
            include_top=False, weights=weights, input_shape=shape, pooling="avg"
        )
        feature_layer = None
    return FeatureExtractor(
        model,
        feature_layer=feature_layer,
        input_scale=INCEPTION_INPUT_SCALE,
        resize=True,
        name=f"inception_v3-{weights or 'random'}-{image_size}",
        metadata={"weights": weights, "image_size": image_size},
    )
