"""Voxel shapes: chairs, tables and sofas made of axis-aligned boxes, and the `voxel_shapes` data set.

A small, offline stand-in for the ShapeNet furniture that Wu et al., "Learning
a Probabilistic Latent Space of Object Shapes via 3D Generative-Adversarial
Modeling" (2016), trained on. Axes are (depth, height, width): height is the
vertical axis with the floor at its last row, so each depth slice is a front
view.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

VOXEL_CLASSES = ("chair", "table", "sofa")
VOXEL_SPLITS = {"train": (12000, 0), "test": (3000, 1)}  # split: (count, seed)
VOXEL_SIZE = 16
MIN_VOXEL_SIZE = 8
# 2: thicknesses, insets and the sofa's arms jittered too (revision 1 repeated half of its test shapes in train).
VOXEL_SHAPES_REVISION = 2


def _box(grid, depth, height, width):
    """Fills the box spanning `[lo, hi)` on each axis; heights count up from the floor."""
    size = grid.shape[1]
    grid[depth[0]:depth[1], size - height[1]:size - height[0], width[0]:width[1]] = 1


def _footprint(rng, size, width_range, depth_range):
    """`(x0, x1, z0, z1)`: a jittered footprint at a random place on the floor."""
    width = int(np.clip(np.rint(rng.uniform(*width_range) * size), 3, size))
    depth = int(np.clip(np.rint(rng.uniform(*depth_range) * size), 3, size))
    x0, z0 = int(rng.integers(0, size - width + 1)), int(rng.integers(0, size - depth + 1))
    return x0, x0 + width, z0, z0 + depth


def _part(rng, size, low, high):
    """A part's thickness in voxels: an integer in `[round(low * size), round(high * size)]`, at least 1."""
    lo = max(1, round(low * size))
    return int(rng.integers(lo, max(lo, round(high * size)) + 1))


def _legs(grid, footprint, thickness, height, inset=0):
    """Four legs `inset` voxels in from the corners of `footprint`, from the floor up to `height`."""
    x0, x1, z0, z1 = footprint
    x0, x1, z0, z1 = x0 + inset, x1 - inset, z0 + inset, z1 - inset
    for xs in ((x0, x0 + thickness), (x1 - thickness, x1)):
        for zs in ((z0, z0 + thickness), (z1 - thickness, z1)):
            _box(grid, zs, (0, height), xs)


def _chair(grid, rng, size):
    thickness, leg, back_depth = _part(rng, size, 0.06, 0.13), _part(rng, size, 0.06, 0.13), _part(
        rng, size, 0.06, 0.13)
    footprint = x0, x1, z0, z1 = _footprint(rng, size, (0.45, 0.7), (0.45, 0.7))
    seat = max(1, int(np.rint(rng.uniform(0.3, 0.45) * size)))
    back = max(1, min(int(np.rint(rng.uniform(0.3, 0.45) * size)), size - seat - thickness))
    inset = int(rng.integers(0, 2)) * max(1, round(0.06 * size))  # the back's and legs' inset from the sides
    _box(grid, (z0, z1), (seat, seat + thickness), (x0, x1))
    _legs(grid, footprint, leg, seat, inset)
    _box(grid, (z1 - back_depth, z1), (seat + thickness, seat + thickness + back), (x0 + inset, x1 - inset))


def _table(grid, rng, size):
    thickness, leg = _part(rng, size, 0.06, 0.13), _part(rng, size, 0.06, 0.19)
    footprint = x0, x1, z0, z1 = _footprint(rng, size, (0.6, 0.9), (0.5, 0.85))
    top = min(max(2, int(np.rint(rng.uniform(0.5, 0.7) * size))), size - thickness)
    _box(grid, (z0, z1), (top, top + thickness), (x0, x1))
    _legs(grid, footprint, leg, top, int(rng.integers(0, 3)) * max(1, round(0.06 * size)))


def _sofa(grid, rng, size):
    x0, x1, z0, z1 = _footprint(rng, size, (0.7, 0.95), (0.45, 0.65))
    base = max(1, int(np.rint(rng.uniform(0.08, 0.15) * size)))
    seat = max(1, int(np.rint(rng.uniform(0.12, 0.2) * size)))
    back_depth, arm = _part(rng, size, 0.12, 0.2), _part(rng, size, 0.06, 0.13)
    back = min(max(2, int(np.rint(rng.uniform(0.25, 0.4) * size))), size - base - seat)
    arm_height = max(1, min(back - 1, int(np.rint(rng.uniform(0.1, 0.2) * size))))
    _box(grid, (z0, z1), (0, base), (x0, x1))
    _box(grid, (z0, z1 - back_depth), (base, base + seat), (x0 + arm, x1 - arm))
    _box(grid, (z1 - back_depth, z1), (base, base + seat + back), (x0, x1))
    front = z0 + int(rng.integers(0, 2)) * max(1, round(0.06 * size))  # arms flush with the front or set back
    for xs in ((x0, x0 + arm), (x1 - arm, x1)):
        _box(grid, (front, z1 - back_depth), (base, base + seat + arm_height), xs)


_MAKERS = {"chair": _chair, "table": _table, "sofa": _sofa}


def voxel_shapes(
    count: int, size: int = VOXEL_SIZE, classes: Sequence[str] = VOXEL_CLASSES, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Furniture as voxel grids: unions of axis-aligned boxes with jittered proportions and positions.

    A chair is a seat, four legs and a back; a table a top on four longer
    legs; a sofa a base, a seat block, a back and two arms. Besides the
    proportions and positions, the parts' thicknesses, the legs' and the
    chair back's inset from the sides and the sofa arms' depth are jittered
    (`VOXEL_SHAPES_REVISION` 2): at 16^3 about 6 % of the test split's shapes
    have an exact copy in the train split. Every shape is one 26-connected
    component. Labels take the classes in turn (balanced).

    Args:
        count: number of shapes.
        size: the side of the cubic grid (at least 8).
        classes: which of "chair", "table", "sofa", in the order of their labels.
        seed: seed of the jitter.

    Returns:
        `(voxels, labels)`: uint8 0/1 `(count, size, size, size, 1)` on the
        axes (depth, height, width, channel), height vertical with the floor
        at its last row; int32 `(count,)` indices into `classes`.

    Example:
    >>> voxels, labels = voxel_shapes(3, size=8)
    >>> voxels.shape, labels.tolist()
    ((3, 8, 8, 8, 1), [0, 1, 2])
    """
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
        raise ValueError(f"count must be a non-negative integer, got {count!r}.")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < MIN_VOXEL_SIZE:
        raise ValueError(f"size must be an integer of at least {MIN_VOXEL_SIZE}, got {size!r}.")
    classes = (classes,) if isinstance(classes, str) else tuple(classes)
    unknown = [name for name in classes if name not in _MAKERS]
    if not classes or unknown or len(set(classes)) != len(classes):
        raise ValueError(f"classes takes distinct names from {VOXEL_CLASSES}, got {classes!r}.")
    rng = np.random.default_rng(seed)
    labels = (np.arange(count) % len(classes)).astype(np.int32)
    voxels = np.zeros((count, size, size, size), np.uint8)
    for grid, label in zip(voxels, labels):
        _MAKERS[classes[label]](grid, rng, size)
    return voxels[..., None], labels


def load_voxel_shapes(split: str, data_dir: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The loader of `voxel_shapes`: 12,000 training and 3,000 test shapes of 16^3, each split its own seed."""
    count, seed = VOXEL_SPLITS[split]
    return voxel_shapes(count, VOXEL_SIZE, VOXEL_CLASSES, seed=seed)
