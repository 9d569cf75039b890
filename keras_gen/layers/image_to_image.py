"""Layers of the image-to-image families: sub-pixel upsampling and the pool of past fakes."""

import keras
from keras import ops


def depth_to_space(x, factor):
    """Rearranges `(batch, H, W, C * factor**2)` into `(batch, H * factor, W * factor, C)`.

    The same ordering as TensorFlow's `depth_to_space` (channel index
    `(i * factor + j) * C + c` goes to offset `(i, j)`, channel `c`), written
    with `keras.ops` so that every backend runs it.
    """
    height, width, depth = x.shape[1], x.shape[2], x.shape[3]
    channels = depth // (factor * factor)
    x = ops.reshape(x, (-1, height, width, factor, factor, channels))
    x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
    return ops.reshape(x, (-1, height * factor, width * factor, channels))


@keras.saving.register_keras_serializable(package="keras_gen")
class SubPixelUpsampling(keras.layers.Layer):
    """Upsamples by `factor` by moving channels into space (the sub-pixel convolution's shuffle).

    Shi et al., "Real-Time Single Image and Video Super-Resolution Using an
    Efficient Sub-Pixel Convolutional Neural Network" (2016); SRGAN's
    upsampling blocks (Ledig et al., 2017) put it after a convolution with
    `factor**2` times the channels.

    Args:
        factor: the upsampling factor; the input's channels must be a multiple of `factor**2`.

    Call arguments:
        inputs: `(batch, H, W, C * factor**2)`.

    Example:
    >>> tuple(SubPixelUpsampling(2)(keras.ops.zeros((1, 7, 7, 8))).shape)
    (1, 14, 14, 2)
    """

    def __init__(self, factor=2, **kwargs):
        super().__init__(**kwargs)
        if int(factor) != factor or factor < 2:
            raise ValueError(f"factor must be an integer >= 2, got {factor!r}.")
        self.factor = int(factor)

    def build(self, input_shape):
        if input_shape[-1] is None or input_shape[-1] % (self.factor**2):
            raise ValueError(
                f"SubPixelUpsampling({self.factor}) needs a multiple of {self.factor**2} channels, "
                f"got {input_shape[-1]}; put a convolution with {self.factor**2} x the output channels before it."
            )
        self.built = True

    def call(self, inputs):
        return depth_to_space(inputs, self.factor)

    def compute_output_shape(self, input_shape):
        batch, height, width, depth = input_shape
        scale = lambda side: None if side is None else side * self.factor
        return batch, scale(height), scale(width), depth // (self.factor**2)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package="keras_gen")
class ImagePool(keras.layers.Layer):
    """A pool of past generated images that the discriminator sees instead of only the newest.

    Shrivastava et al., "Learning from Simulated and Unsupervised Images
    through Adversarial Training" (2017), section 2.3; CycleGAN keeps 50 per
    discriminator (Zhu et al., 2017, section 4). Until the pool is full each
    new image is stored and returned; then each new image is, with
    probability 1/2, swapped for a random stored one (which is returned, the
    new one taking its place), or else returned itself. The pool and its fill
    count are non-trainable weights, so a saved model resumes with its pool.

    Args:
        image_shape: `(H, W, C)` of the images.
        size: how many past images to keep (0 turns the pool off).
        seed: seed of the layer's `keras.random.SeedGenerator`.

    Call arguments:
        images: a batch of new generated images.
        training: the pool acts only in training; otherwise it returns `images`.

    Example:
    >>> pool = ImagePool((28, 28, 1), size=50, seed=0)
    >>> seen = pool(keras.ops.zeros((4, 28, 28, 1)), training=True)
    """

    def __init__(self, image_shape, size=50, seed=None, **kwargs):
        super().__init__(**kwargs)
        if int(size) != size or size < 0:
            raise ValueError(f"size must be an integer >= 0 (0: no pool), got {size!r}.")
        self.image_shape = tuple(int(side) for side in image_shape)
        self.size = int(size)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.images = self.add_weight(
            shape=(max(self.size, 1), *self.image_shape), initializer="zeros", trainable=False, name="images"
        )
        self.filled = self.add_weight(shape=(), initializer="zeros", dtype="int32", trainable=False, name="filled")

    def call(self, images, training=None):
        if not training or self.size == 0:
            return images
        count = ops.shape(images)[0]
        images = ops.cast(images, self.images.dtype)
        positions = self.filled + ops.arange(count, dtype="int32")
        filling = positions < self.size
        draws = keras.random.uniform((count,), seed=self.seed_generator)
        random_slots = keras.random.randint((count,), 0, self.size, seed=self.seed_generator)
        swapping = ops.logical_and(ops.logical_not(filling), draws < 0.5)
        slots = ops.where(filling, positions, random_slots)
        stored = ops.take(self.images, ops.minimum(slots, self.size - 1), axis=0)
        keep_shape = (-1,) + (1,) * len(self.image_shape)
        returned = ops.where(ops.reshape(swapping, keep_shape), stored, images)
        # Slot j takes the first new image written to it, if any.
        writes = ops.logical_or(filling, swapping)
        assigned = ops.cast(ops.one_hot(slots, self.size), "int32") * ops.cast(writes, "int32")[:, None]
        written = ops.max(assigned, axis=0) > 0
        writer = ops.argmax(assigned, axis=0)
        new_pool = ops.where(ops.reshape(written, keep_shape), ops.take(images, writer, axis=0), self.images.value)
        self.images.assign(new_pool)
        self.filled.assign(ops.minimum(self.filled + ops.cast(count, "int32"), self.size))
        return returned

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape, "size": self.size, "seed": self.seed}
