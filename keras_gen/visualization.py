"""Pictures of images: grids as PNG files, latent walks as animated GIFs.

The one place that turns arrays of images into files. Snapshots
(`keras_gen.callbacks.ImageSnapshot`), the latent tools (`keras_gen.latent`),
the tuning search and the `keras-gen` command all write through it. It knows
arrays and pixel ranges, not models: which images a model shows is the
business of `keras_gen.callbacks` (`sample_grid`, `save_reconstructions`, ...).

Example:
>>> grid = image_grid(np.zeros((6, 8, 8, 1)), data_scale=(-1, 1), columns=3)
>>> save_grid(grid, "zeros.png")
'zeros.png'
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence

import numpy as np
from PIL import Image

from keras_gen.data.preprocessing import unscale_images

__all__ = ["check_examples", "image_grid", "row_grid", "save_animation", "save_grid", "save_image_grid"]


def image_grid(
    images: np.ndarray, data_scale: Sequence[float] = (-1.0, 1.0), columns: int | None = None, padding: int = 2
) -> np.ndarray:
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


def row_grid(
    rows: Mapping[str, np.ndarray], data_scale: Sequence[float], columns: int | None = None, per_row: int = 8
) -> np.ndarray:
    """Interleaves named rows of images: each image's versions side by side.

    `rows` maps a row name (e.g. "input", "reconstruction") to `(m, h, w, c)`
    images; the grid shows, for each of the m images, its versions in order,
    `per_row` images to a grid row.

    Example:
    >>> rows = {"input": np.zeros((4, 8, 8, 1)), "output": np.ones((4, 8, 8, 1))}
    >>> row_grid(rows, (-1, 1), columns=2).shape  # input | output, one image per grid row
    (38, 18, 1)
    """
    parts = list(rows.values())
    stacked = np.stack(parts, axis=1).reshape((-1,) + parts[0].shape[1:])
    return image_grid(stacked, data_scale, columns=columns or len(parts) * per_row)


def save_grid(grid: np.ndarray, path: str) -> str:
    """Writes a uint8 grid from `image_grid` as a PNG file (creating folders); returns `path`.

    Example:
    >>> save_grid(image_grid(np.zeros((4, 8, 8, 1))), "grids/zeros.png")
    'grids/zeros.png'
    """
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid).save(path)
    return path


def save_image_grid(
    images: np.ndarray, path: str, data_scale: Sequence[float] = (-1.0, 1.0), columns: int | None = None
) -> str:
    """Writes images as one PNG grid; `(rows, columns, H, W, C)` arrays keep their layout.

    Example:
    >>> save_image_grid(keras_gen.latent.traverse(vae, dims=[0, 1]), "traversal.png", vae.data_scale)
    'traversal.png'
    """
    images = np.asarray(images)
    if images.ndim == 5:
        columns = images.shape[1]
        images = images.reshape((-1,) + images.shape[2:])
    if images.ndim != 4:
        raise ValueError(
            f"save_image_grid takes (n, H, W, C) or (rows, columns, H, W, C) images, got shape {images.shape}."
        )
    return save_grid(image_grid(images, data_scale, columns), path)


def save_animation(
    walks: np.ndarray,
    path: str,
    data_scale: Sequence[float] = (-1.0, 1.0),
    fps: float = 8,
    columns: int | None = None,
    bounce: bool = True,
) -> str:
    """Writes latent walks as an animated GIF (or MP4) with imageio: frame t shows step t of each walk.

    Args:
        walks: one walk `(steps, H, W, C)` or several `(n, steps, H, W, C)`.
        path: `.gif`, or `.mp4` (needs the `imageio-ffmpeg` package).
        data_scale: the images' pixel range.
        fps: frames per second.
        columns: walks per row of each frame.
        bounce: play the walk forward, then back, so the loop is seamless.

    Example:
    >>> walks = np.stack([keras_gen.latent.interpolate(vae, a, b, steps=10) for a, b in pairs])
    >>> save_animation(walks, "walks.gif", vae.data_scale, fps=6)
    'walks.gif'
    """
    walks = np.asarray(walks)
    if walks.ndim == 4:
        walks = walks[None]
    if walks.ndim != 5 or walks.shape[1] < 1:
        raise ValueError(f"save_animation takes (steps, H, W, C) or (n, steps, H, W, C) walks, got {walks.shape}.")
    extension = os.path.splitext(path)[1].lower()
    if extension not in (".gif", ".mp4"):
        raise ValueError(f"save_animation writes .gif or .mp4 files, got {path!r}.")
    frames = [image_grid(walks[:, step], data_scale, columns) for step in range(walks.shape[1])]
    if bounce and len(frames) > 2:
        frames = frames + frames[-2:0:-1]
    frames = np.stack(frames)
    if frames.shape[-1] == 1:
        frames = frames[..., 0]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    _write_frames(frames, path, extension, fps)
    return path


def _write_frames(frames: np.ndarray, path: str, extension: str, fps: float) -> None:
    import imageio.v3 as iio

    if extension == ".gif":
        # is_batch: grayscale frames 3 or 4 pixels wide would otherwise be read as one RGB(A) image.
        iio.imwrite(path, frames, duration=1000.0 / fps, loop=0, is_batch=True)
        return
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        raise ValueError(
            "Writing MP4 needs the imageio-ffmpeg package: pip install imageio-ffmpeg, or write a .gif."
        ) from None
    if frames.ndim == 3:
        frames = np.repeat(frames[..., None], 3, axis=-1)
    iio.imwrite(path, frames, fps=fps, macro_block_size=1)


def check_examples(
    examples: np.ndarray,
    layout: str,
    name: str,
    data_scale: Sequence[float] | None = None,
) -> np.ndarray:
    """Checks a batch of clips or voxel grids before it is drawn or measured; returns it as an array.

    Args:
        examples: the batch.
        layout: its axes, e.g. `"(n, T, H, W, C)"`; the rank is their number.
        name: what to call it in error messages (`"clips"`, `"voxels"`).
        data_scale: the `(low, high)` range every value must lie in, or None.

    Raises:
        ValueError: for the wrong rank, an empty batch, NaN or infinite values,
            or values outside `data_scale`, each naming the fix.

    Example:
    >>> check_examples(np.zeros((2, 4, 8, 8, 1)), "(n, T, H, W, C)", "clips", (-1, 1)).shape
    (2, 4, 8, 8, 1)
    """
    examples = np.asarray(examples)
    rank = layout.count(",") + 1
    if examples.ndim != rank:
        hint = f" For one example, add a batch axis: {name}[None]." if examples.ndim == rank - 1 else ""
        raise ValueError(f"{name} must be shaped {layout}, got shape {examples.shape}.{hint}")
    if examples.size == 0:
        raise ValueError(f"{name} is empty (shape {examples.shape}); pass at least one example.")
    if not (np.issubdtype(examples.dtype, np.number) or examples.dtype == np.bool_):
        raise ValueError(f"{name} must hold numbers, got dtype {examples.dtype}.")
    values = examples.astype(np.float64) if examples.dtype == np.bool_ else examples
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"{name} contain {int(np.sum(~np.isfinite(values)))} NaN or infinite values; "
            "the generator diverged, or the array was never filled. Pass finite values."
        )
    if data_scale is not None:
        low, high = (float(v) for v in data_scale)
        tolerance = 1e-6 * (high - low)
        smallest, largest = float(values.min()), float(values.max())
        if smallest < low - tolerance or largest > high + tolerance:
            raise ValueError(
                f"{name} lie in [{smallest:g}, {largest:g}], outside data_scale=({low:g}, {high:g}). "
                "Pass the range the values live in as data_scale (e.g. the model's data_scale), "
                "or rescale them."
            )
    return examples
