"""Moving sprites: clips of Fashion-MNIST items bouncing in a canvas, and the `moving_fashion_mnist` data set.

Srivastava, Mansimov & Salakhutdinov, "Unsupervised Learning of Video
Representations using LSTMs" (2015), made Moving MNIST this way; here the
sprites are Fashion-MNIST items.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from keras_gen.data.preprocessing import UINT8_RANGE, scale_images, validate_range

# `moving_fashion_mnist` is made in chunks of this many clips, each seeded by its split and index,
# so that a clip depends only on its split and index, and `limit` makes only the chunks it needs.
CHUNK_CLIPS = 1000
SPLIT_SEEDS = {"train": 0, "test": 1}
MOVING_FASHION_MNIST_SHAPE = (8, 32, 32, 1)


def area_weights(source: int, target: int) -> np.ndarray:
    """`(target, source)` weights of area resampling: each target pixel averages the source pixels it covers."""
    edges = np.linspace(0.0, source, target + 1)
    left, right = edges[:-1, None], edges[1:, None]
    pixels = np.arange(source)[None, :]
    overlap = np.clip(np.minimum(right, pixels + 1) - np.maximum(left, pixels), 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def _sprites(images: np.ndarray, size: int) -> np.ndarray:
    """uint8 `(n, size, size, C)` sprites: `images` area-resampled, rounded back to the 8-bit grid."""
    rows, cols = area_weights(images.shape[1], size), area_weights(images.shape[2], size)
    resampled = np.einsum("ih,nhwc,jw->nijc", rows, images.astype(np.float64), cols)
    return np.clip(np.rint(resampled), 0, 255).astype(np.uint8)


def _bounced(start: np.ndarray, velocity: np.ndarray, frames: int, low: float, high: float) -> np.ndarray:
    """Positions `(..., frames, 2)` of points moving at `velocity` from `start`, reflected at `low` and `high`."""
    steps = np.arange(frames, dtype=np.float64)[:, None]
    free = start[..., None, :] + steps * velocity[..., None, :] - low
    span = high - low
    folded = np.mod(free, 2.0 * span)
    return low + span - np.abs(folded - span)


def _checked_uint8_images(images) -> np.ndarray:
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(
            "moving_sprites takes uint8 images (n, H, W) or (n, H, W, C) with values 0..255, e.g. Fashion-MNIST's; "
            f"got dtype {images.dtype} and shape {images.shape}. Turn scaled images back with "
            "keras_gen.data.unscale_images(x, from_range=(-1, 1))."
        )
    return images[..., None] if images.ndim == 3 else images


def _checked_sizes(frames, canvas, sprite_size, num_sprites, speed):
    for argument, value in (("frames", frames), ("canvas", canvas), ("sprite_size", sprite_size),
                            ("num_sprites", num_sprites)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{argument} must be a positive integer, got {value!r}.")
    if sprite_size > canvas:
        raise ValueError(f"sprite_size={sprite_size} does not fit in canvas={canvas}; pick sprite_size <= canvas.")
    low, high = (float(v) for v in speed)
    if not 0.0 <= low <= high:
        raise ValueError(f"speed is the (low, high) range of px/frame with 0 <= low <= high, got {speed!r}.")
    return low, high


def moving_sprites(
    images: np.ndarray,
    frames: int = 8,
    canvas: int = 32,
    sprite_size: int = 14,
    num_sprites: int = 1,
    speed: Sequence[float] = (1.0, 3.0),
    scale: Sequence[float] = (-1.0, 1.0),
    seed: int | Sequence[int] | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Clips of sprites moving on a blank canvas and bouncing off its edges: Moving MNIST.

    Srivastava et al. (2015). Each image becomes a sprite, area-downsampled to
    `sprite_size` (28 -> 14 by default) and rounded back to the 8-bit grid.
    Each sprite starts at a uniform position, moves in a uniform direction at
    a uniform speed in `speed` px/frame, and bounces off the canvas edges.
    The background is the low value of `scale`; overlapping sprites take the
    brighter pixel. Clip i uses images `i*k ... i*k + k - 1`, k = `num_sprites`.

    Args:
        images: uint8 `(n, H, W)` or `(n, H, W, C)`, values 0..255; `n` a
            multiple of `num_sprites`.
        frames: frames per clip.
        canvas: the side of the square frames.
        sprite_size: the side of each sprite.
        num_sprites: sprites per clip.
        speed: `(low, high)` px/frame.
        scale: `(low, high)` the 8-bit pixels map to.
        seed: seed of the starts, directions and speeds (a number or a
            sequence of numbers, as `np.random.default_rng` takes).

    Returns:
        `(clips, positions)`: float32 `(n / k, frames, canvas, canvas, C)` in
        `scale`, on its 8-bit grid; float `(n / k, frames, k, 2)`, the sprite
        centres (row, column) in pixels. Sprites are drawn at the nearest
        whole pixel.

    Example:
    >>> clips, positions = moving_sprites(np.full((2, 28, 28), 255, np.uint8), frames=4, canvas=16)
    >>> clips.shape, positions.shape
    ((2, 4, 16, 16, 1), (2, 4, 1, 2))
    """
    images = _checked_uint8_images(images)
    low_speed, high_speed = _checked_sizes(frames, canvas, sprite_size, num_sprites, speed)
    to_range = validate_range(scale, argument="scale")
    if len(images) % num_sprites:
        raise ValueError(f"Clip i uses images i*{num_sprites} ... i*{num_sprites} + {num_sprites - 1}: pass a "
                         f"multiple of num_sprites={num_sprites} images, got {len(images)}.")
    count, channels = len(images) // num_sprites, images.shape[-1]
    sprites = _sprites(images, sprite_size).reshape(count, num_sprites, sprite_size, sprite_size, channels)
    rng = np.random.default_rng(seed)
    half = sprite_size / 2.0
    start = rng.uniform(half, canvas - half, size=(count, num_sprites, 2))
    angle = rng.uniform(0.0, 2.0 * np.pi, size=(count, num_sprites))
    speeds = rng.uniform(low_speed, high_speed, size=(count, num_sprites))
    velocity = speeds[..., None] * np.stack([np.sin(angle), np.cos(angle)], axis=-1)
    positions = _bounced(start, velocity, frames, half, canvas - half).transpose(0, 2, 1, 3)
    corners = np.clip(np.rint(positions - half).astype(np.int64), 0, canvas - sprite_size)
    pixels = np.zeros((count, frames, canvas, canvas, channels), np.uint8)
    offsets = np.arange(sprite_size)
    clip_index = np.arange(count)[:, None, None, None]
    frame_index = np.arange(frames)[None, :, None, None]
    for sprite in range(num_sprites):
        rows = corners[:, :, sprite, 0, None, None] + offsets[:, None]
        cols = corners[:, :, sprite, 1, None, None] + offsets[None, :]
        drawn = np.zeros_like(pixels)
        drawn[clip_index, frame_index, rows, cols] = sprites[:, None, sprite]
        np.maximum(pixels, drawn, out=pixels)
    clips = scale_images(pixels, from_range=UINT8_RANGE, to_range=to_range).astype(np.float32)
    return clips, positions


def moving_fashion_mnist_loader(
    fashion_mnist_loader: Callable[[str, str | None], tuple[np.ndarray, np.ndarray]],
) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """The loader of `moving_fashion_mnist`: one uint8 clip per Fashion-MNIST image, labelled with its class.

    Clip i of a split moves image i of that split; it depends only on the
    split and i (chunks of `CHUNK_CLIPS` clips, each seeded by the split and
    the chunk's index), and `limit` makes only the chunks it needs.
    """

    def loader(split: str, data_dir: str | None = None, limit: int | None = None):
        images, labels = fashion_mnist_loader(split, data_dir)
        count = len(images) if limit is None else min(int(limit), len(images))
        chunks = []
        for chunk, start in enumerate(range(0, count, CHUNK_CLIPS)):
            stop = min(start + CHUNK_CLIPS, len(images))
            clips, _ = moving_sprites(images[start:stop], scale=UINT8_RANGE, seed=(SPLIT_SEEDS[split], chunk))
            chunks.append(np.rint(clips).astype(np.uint8))
        frames, height, width, channels = MOVING_FASHION_MNIST_SHAPE
        clips = np.concatenate(chunks)[:count] if chunks else np.zeros((0, frames, height, width, channels), np.uint8)
        return clips, np.asarray(labels[:count], dtype=np.int32)

    loader.__name__ = "load_moving_fashion_mnist"
    return loader
