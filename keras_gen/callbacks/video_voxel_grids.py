"""Pictures of clips and voxel grids: animated grids of clips, slice montages, 3-D plots.

Pure functions of numpy arrays (no model needed), built on the image grids of
`keras_gen.visualization`: a video grid is one `image_grid` per frame, written
as an animation by `save_animation`; a voxel montage is one `image_grid` row
per shape, its depth slices side by side.

Example:
>>> clips = np.zeros((4, 8, 32, 32, 1))  # (n, T, H, W, C) in [-1, 1]
>>> save_video_grid(clips, "clips.gif", fps=4)
'clips.gif'
>>> voxel_montage(np.zeros((3, 16, 16, 16, 1))).shape  # (n, D, H, W, C) in [0, 1]
(52, 286, 1)
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from keras_gen.visualization import check_examples, image_grid, save_animation

CLIPS_LAYOUT = "(n, T, H, W, C)"
VOXELS_LAYOUT = "(n, D, H, W, C)"
# Shapes shown by `save_voxel_plot`: more make each plot too small to read.
MAX_PLOTTED_VOXELS = 4


def save_video_grid(
    clips: np.ndarray,
    path: str,
    data_scale: Sequence[float] = (-1.0, 1.0),
    fps: float = 4,
    columns: int | None = None,
) -> str:
    """Writes clips as one animated grid: GIF frame t shows frame t of every clip, so they play in step.

    Written with imageio. A path ending in `.mp4` gives an MP4 file, which
    needs the `imageio-ffmpeg` package (`pip install imageio-ffmpeg`).

    Args:
        clips: `(n, T, H, W, C)` values in `data_scale`.
        path: `.gif` or `.mp4` (folders are created).
        data_scale: the `(low, high)` range of `clips`.
        fps: frames per second.
        columns: clips per row of the grid (default: a square-ish grid).

    Returns:
        `path`.

    Example:
    >>> save_video_grid(model.generate(16), "samples.gif", model.data_scale)
    'samples.gif'
    """
    clips = check_examples(clips, CLIPS_LAYOUT, "clips", data_scale)
    if fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}.")
    return save_animation(clips, path, data_scale, fps=fps, columns=columns, bounce=False)


def voxel_montage(voxels: np.ndarray, data_scale: Sequence[float] = (0.0, 1.0)) -> np.ndarray:
    """A uint8 image of voxel grids: one row per sample, its depth slices (axis 1) side by side.

    Args:
        voxels: `(n, D, H, W, C)` values (occupancies) in `data_scale`.
        data_scale: the `(low, high)` range of `voxels`.

    Returns:
        A uint8 array `(n * (H + 2) - 2, D * (W + 2) - 2, C)`, as `image_grid`
        tiles it (2 white pixels between slices and rows).

    Example:
    >>> voxel_montage(np.ones((2, 8, 8, 8, 1))).shape
    (18, 78, 1)
    """
    voxels = check_examples(voxels, VOXELS_LAYOUT, "voxels", data_scale)
    count, depth = voxels.shape[:2]
    slices = voxels.reshape((count * depth,) + voxels.shape[2:])
    return image_grid(slices.astype(np.float32), data_scale, columns=depth)


def save_voxel_plot(voxels: np.ndarray, path: str, threshold: float = 0.5) -> str:
    """Writes a PNG of 3-D plots (matplotlib `Axes3D.voxels`) of up to 4 shapes.

    A voxel is drawn when its occupancy (first channel) is >= `threshold`.
    Each panel shows the whole grid at its proportions, so the shapes' sizes
    compare across panels.
    The figure is drawn with matplotlib's Agg canvas, without pyplot, so it
    needs no display and leaves the global backend alone.

    Args:
        voxels: `(n, D, H, W, C)` occupancies in [0, 1]; the first 4 are drawn.
        path: the PNG file to write (folders are created).
        threshold: the occupancy from which a voxel is drawn.

    Returns:
        `path`.

    Example:
    >>> save_voxel_plot(model.generate(4), "samples_3d.png")
    'samples_3d.png'
    """
    from matplotlib.figure import Figure

    voxels = check_examples(voxels, VOXELS_LAYOUT, "voxels", (0.0, 1.0))
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}.")
    shown = voxels[:MAX_PLOTTED_VOXELS, ..., 0] >= threshold
    figure = Figure(figsize=(3 * len(shown), 3))
    for index, occupied in enumerate(shown):
        axes = figure.add_subplot(1, len(shown), index + 1, projection="3d")
        # Depth along x, height up the z axis: (D, H, W) -> (x, y, z) = (D, W, H reversed).
        grid = np.flip(occupied, axis=1).transpose(0, 2, 1)
        axes.voxels(grid, facecolors="tab:blue", edgecolor="k", linewidth=0.2)
        # Each face's collection rescales the axes to the drawn voxels (so a lone voxel
        # would fill the panel): show the whole grid instead, at its true proportions.
        axes.set(xlim=(0, grid.shape[0]), ylim=(0, grid.shape[1]), zlim=(0, grid.shape[2]))
        axes.set_box_aspect(grid.shape)
        axes.set_axis_off()
        count = int(occupied.sum())
        axes.set_title(f"{count} voxel{'' if count == 1 else 's'}", fontsize=8)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, format="png", dpi=80)
    return path
