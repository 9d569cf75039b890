"""`ImageSnapshot`: sample grids from fixed latent points during training."""

import math
import os

import keras
import numpy as np
from PIL import Image

from keras_gen.data.preprocessing import unscale_images


def image_grid(images, data_scale=(-1.0, 1.0), columns=None, padding=2):
    """Tiles a batch of images into one uint8 image.

    Args:
        images: `(n, height, width, channels)` floats in `data_scale`.
        data_scale: the `(low, high)` range of `images`.
        columns: images per row (default: a square-ish grid).
        padding: pixels between tiles.

    Returns:
        A uint8 array `(rows * (h + p) - p, columns * (w + p) - p, channels)`.

    Example:
    >>> image_grid(np.zeros((6, 8, 8, 1)), columns=3).shape
    (18, 28, 1)
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"image_grid expects (n, height, width, channels), got shape {images.shape}.")
    count, height, width, channels = images.shape
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    grid = np.full(
        (rows * (height + padding) - padding, columns * (width + padding) - padding, channels),
        255,
        dtype=np.uint8,
    )
    pixels = unscale_images(images, from_range=data_scale)
    for index in range(count):
        top, left = (index // columns) * (height + padding), (index % columns) * (width + padding)
        grid[top : top + height, left : left + width] = pixels[index]
    return grid


def save_grid(grid, path):
    """Writes a uint8 grid from `image_grid` as a PNG file (creating folders)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid).save(path)
    return path


def fixed_latent_points(num_points, latent_dim, seed=0):
    """Latent points from N(0, I) that depend only on `seed`, for comparable grids."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((num_points, latent_dim)).astype("float32")


def save_samples(model, path, n=64, seed=0, columns=None):
    """Writes a PNG grid of `n` samples of `model` from `fixed_latent_points(seed)`.

    Example:
    >>> save_samples(gan, "samples.png", n=64)
    'samples.png'
    """
    images = model.generate(latent_points=fixed_latent_points(n, model.latent_dim, seed))
    return save_grid(image_grid(images, model.data_scale, columns), path)


class ImageSnapshot(keras.callbacks.Callback):
    """Writes a grid of samples from fixed latent points every N epochs.

    The latent points are drawn once, from `seed`, so grids of different epochs
    (and of different runs) show the same points and progress is comparable.
    For models with `reconstruct` (the VAE), `reconstruction_images` adds a
    grid that puts each fixed validation image beside its reconstruction.

    Args:
        directory: folder for the PNG files (`samples_epoch_0001.png`, ...).
        n: number of samples in the grid.
        every: write every `every` epochs (the last epoch is always written).
        seed: seed of the fixed latent points.
        reconstruction_images: optional `(m, h, w, c)` images to reconstruct.
        tensorboard_dir: also log the grids as TensorBoard images there.
        columns: images per row.

    Example:
    >>> gan.fit(ds, epochs=5, callbacks=[ImageSnapshot("snapshots/", n=64)])
    """

    def __init__(
        self,
        directory,
        n=64,
        every=1,
        seed=0,
        reconstruction_images=None,
        tensorboard_dir=None,
        columns=None,
    ):
        super().__init__()
        if int(n) < 1 or int(every) < 1:
            raise ValueError(f"n and every must be >= 1, got n={n}, every={every}.")
        self.directory = directory
        self.n = int(n)
        self.every = int(every)
        self.seed = seed
        self.reconstruction_images = reconstruction_images
        self.tensorboard_dir = tensorboard_dir
        self.columns = columns
        self.written = []
        self._latent_points = None
        self._writer = None

    def latent_points(self, latent_dim):
        """The fixed latent points, drawn once from N(0, I) with `seed`."""
        if self._latent_points is None or self._latent_points.shape[1] != latent_dim:
            self._latent_points = fixed_latent_points(self.n, latent_dim, self.seed)
        return self._latent_points

    def _should_write(self, epoch):
        last = self.params.get("epochs") if self.params else None
        return (epoch + 1) % self.every == 0 or (last is not None and epoch + 1 == last)

    def on_epoch_end(self, epoch, logs=None):
        if not self._should_write(epoch):
            return
        model = self.model
        samples = model.generate(latent_points=self.latent_points(model.latent_dim))
        grids = {"samples": image_grid(samples, model.data_scale, self.columns)}
        if self.reconstruction_images is not None and hasattr(model, "reconstruct"):
            originals = np.asarray(self.reconstruction_images, dtype="float32")
            reconstructions = model.reconstruct(originals)
            pairs = np.stack([originals, reconstructions], axis=1).reshape(
                (-1,) + originals.shape[1:]
            )
            grids["reconstructions"] = image_grid(pairs, model.data_scale, columns=self.columns or 16)
        for kind, grid in grids.items():
            path = os.path.join(self.directory, f"{kind}_epoch_{epoch + 1:04d}.png")
            self.written.append(save_grid(grid, path))
            self._log_tensorboard(kind, grid, epoch)

    def _log_tensorboard(self, kind, grid, epoch):
        if self.tensorboard_dir is None:
            return
        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.tensorboard_dir)
        with self._writer.as_default():
            tf.summary.image(kind, grid[None], step=epoch + 1)
        self._writer.flush()
