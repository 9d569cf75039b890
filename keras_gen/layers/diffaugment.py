"""DiffAugment: differentiable augmentations of everything a discriminator sees."""

import keras
from keras import ops

POLICIES = ("color", "translation", "cutout")


def _uniform(seed, batch_size, dtype, low=0.0, high=1.0):
    return keras.random.uniform((batch_size, 1, 1, 1), low, high, dtype=dtype, seed=seed)


def adjust_color(images, seed):
    """Random brightness, saturation and contrast per image (DiffAugment's "color").

    Zhao, Liu, Lin, Zhu & Han, "Differentiable Augmentation for Data-Efficient
    GAN Training" (2020): brightness adds U(-0.5, 0.5); saturation scales the
    distance to the channel mean by U(0, 2); contrast scales the distance to the
    image mean by U(0.5, 1.5).
    """
    batch = ops.shape(images)[0]
    images = images + _uniform(seed, batch, images.dtype) - 0.5
    channel_mean = ops.mean(images, axis=-1, keepdims=True)
    images = (images - channel_mean) * _uniform(seed, batch, images.dtype, 0.0, 2.0) + channel_mean
    image_mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
    return (images - image_mean) * _uniform(seed, batch, images.dtype, 0.5, 1.5) + image_mean


def translate(images, seed, ratio=0.125):
    """Shifts each image by up to `ratio` of its size in each direction, filling with zeros."""
    batch, height, width = ops.shape(images)[0], images.shape[1], images.shape[2]
    pad_h, pad_w = int(height * ratio + 0.5), int(width * ratio + 0.5)
    shift_h = keras.random.randint((batch, 1), -pad_h, pad_h + 1, seed=seed)
    shift_w = keras.random.randint((batch, 1), -pad_w, pad_w + 1, seed=seed)
    padded = ops.pad(images, ((0, 0), (pad_h, pad_h), (pad_w, pad_w), (0, 0)))
    rows = ops.arange(height)[None, :] + pad_h + shift_h  # (batch, height)
    cols = ops.arange(width)[None, :] + pad_w + shift_w
    rows = ops.broadcast_to(rows[:, :, None, None], (batch, height, width + 2 * pad_w, images.shape[3]))
    shifted = ops.take_along_axis(padded, rows, axis=1)
    cols = ops.broadcast_to(cols[:, None, :, None], (batch, height, width, images.shape[3]))
    return ops.take_along_axis(shifted, cols, axis=2)


def cutout(images, seed, ratio=0.5):
    """Zeroes one square of `ratio` times the image size at a random place per image."""
    batch, height, width = ops.shape(images)[0], images.shape[1], images.shape[2]
    size_h, size_w = int(height * ratio + 0.5), int(width * ratio + 0.5)
    top = keras.random.randint((batch, 1, 1), 0, height + (1 - size_h % 2), seed=seed) - size_h // 2
    left = keras.random.randint((batch, 1, 1), 0, width + (1 - size_w % 2), seed=seed) - size_w // 2
    rows = ops.arange(height)[None, :, None]
    cols = ops.arange(width)[None, None, :]
    inside = (rows >= top) & (rows < top + size_h) & (cols >= left) & (cols < left + size_w)
    return images * ops.cast(~inside, images.dtype)[..., None]


_AUGMENTATIONS = {"color": adjust_color, "translation": translate, "cutout": cutout}


@keras.saving.register_keras_serializable(package="keras_gen")
class DiffAugment(keras.layers.Layer):
    """Differentiable augmentation for the discriminator's inputs (DiffAugment).

    Zhao, Liu, Lin, Zhu & Han, "Differentiable Augmentation for Data-Efficient
    GAN Training" (2020). The same random transformations go on real and
    generated images wherever the discriminator sees them, and gradients flow
    through them to the generator: the discriminator cannot memorize a small
    training set, and the generator is not pushed to make augmented images.
    Applied only with `training=True`.

    Args:
        policy: comma-separated augmentations, in order, from `"color"`,
            `"translation"` (shift by up to 1/8 of the size) and `"cutout"`
            (zero a square of half the size).
        seed: seed of the layer's `keras.random.SeedGenerator`.

    Call arguments:
        images: `(batch, height, width, channels)` images.
        training: augment only when True.

    Example:
    >>> augment = DiffAugment("translation,cutout", seed=0)
    >>> augment(np.zeros((2, 8, 8, 1), "float32"), training=True).shape
    TensorShape([2, 8, 8, 1])
    """

    def __init__(self, policy="color,translation,cutout", seed=None, **kwargs):
        super().__init__(**kwargs)
        names = [name.strip() for name in str(policy).split(",") if name.strip()]
        unknown = [name for name in names if name not in POLICIES]
        if not names or unknown:
            raise ValueError(
                f"Unknown DiffAugment policy {policy!r}; use a comma-separated list of {POLICIES}, "
                "e.g. 'color,translation,cutout'."
            )
        self.policy = ",".join(names)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=None):
        if not training:
            return images
        for name in self.policy.split(","):
            images = _AUGMENTATIONS[name](images, self.seed_generator)
        return images

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "policy": self.policy, "seed": self.seed}
