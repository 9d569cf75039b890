"""Metrics of clips and voxel grids: frame FID, class consistency, motion, IoU, connectivity.

Pure functions of numpy arrays, as in `keras_gen.evaluation.metrics`; only
`frame_fid` and `class_consistency` need a network, a `FeatureExtractor` (or
the name of a data set, whose cached `domain_classifier` is used) that sees
single frames.

- Clips `(n, T, H, W, C)`: `frame_fid` (FID over all frames, Heusel et al.
  2017), `class_consistency` (the share of clips whose frames all get one
  label), `motion_statistics` (speed, acceleration and still clips from the
  foreground's centroid, and the change of its mass).
- Voxel grids `(n, D, H, W, 1)` of occupancies in [0, 1]: `voxel_iou`,
  `nearest_iou` (novelty against a training set) and `connected_share`
  (26-connected shapes, with `scipy.ndimage.label`).

Example:
>>> clips = model.generate(2000)  # (2000, 8, 32, 32, 1) in [-1, 1]
>>> frame_fid(clips, real_clips)  # the frames' domain classifier: moving_fashion_mnist
>>> motion_statistics(clips)["still_share"]
0.02
>>> float(np.median(nearest_iou(voxel_samples, train_voxels)))
0.74
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage

from keras_gen.evaluation.classifiers import domain_classifier
from keras_gen.evaluation.features import FeatureExtractor
from keras_gen.evaluation.metrics import fid
from keras_gen.visualization import check_examples

CLIPS_LAYOUT = "(n, T, H, W, C)"
VOXELS_LAYOUT = "(n, D, H, W, 1)"
# The data set whose domain classifier judges single frames by default (trained on
# the frames of moving Fashion-MNIST clips, with their clip's label).
DEFAULT_FRAME_DATASET = "moving_fashion_mnist"
# Pixels above this share of the value range are the foreground that motion_statistics follows.
FOREGROUND_SHARE = 0.1
# A clip whose centroid moves less than this many pixels per frame on average is still.
STILL_SPEED = 0.5
# Sample rows per block in nearest_iou: a (rows, references) matrix of float32 at a time.
_IOU_BLOCK_ROWS = 256
# The 26-neighbourhood of a voxel (faces, edges and corners).
_NEIGHBOURS_26 = np.ones((3, 3, 3), dtype=bool)


# --- clips ---------------------------------------------------------------------------
def _frame_network(network: FeatureExtractor | str | None) -> FeatureExtractor:
    """A FeatureExtractor for frames: as given, a data set's domain classifier, or the default one."""
    if isinstance(network, FeatureExtractor):
        return network
    if network is None or isinstance(network, str):
        return domain_classifier(network or DEFAULT_FRAME_DATASET)
    raise ValueError(
        "The frame network must be a FeatureExtractor, the name of a data set (its "
        f"domain_classifier) or None (domain_classifier({DEFAULT_FRAME_DATASET!r})), got {network!r}."
    )


def _frames(clips: np.ndarray) -> np.ndarray:
    """`(n, T, H, W, C)` -> `(n * T, H, W, C)`, clip by clip."""
    return clips.reshape((-1,) + clips.shape[2:])


def frame_fid(
    clips: np.ndarray,
    real_clips: np.ndarray,
    data_scale: Sequence[float] = (-1.0, 1.0),
    feature_network: FeatureExtractor | str | None = None,
    batch_size: int = 256,
) -> float:
    """FID between the frames of generated and of real clips (lower is better).

    Every frame of every clip is one image; their features come from
    `feature_network` and `fid` compares the two Gaussians (Heusel et al.
    2017). Frames of one clip are alike, so the figure reflects appearance,
    not motion; compare it only with figures of the same number of frames and
    the same network.

    Args:
        clips: generated `(n, T, H, W, C)` in `data_scale`.
        real_clips: real `(m, T', H, W, C)` in `data_scale` (the frame count may differ).
        data_scale: the range of both.
        feature_network: a `FeatureExtractor` for single frames, the name of a
            data set (its cached `domain_classifier`), or None for
            `domain_classifier("moving_fashion_mnist")`.
        batch_size: frames per forward pass.

    Example:
    >>> frame_fid(video_gan.generate(2000), real_clips[:2000])
    """
    clips = check_examples(clips, CLIPS_LAYOUT, "clips", data_scale)
    real_clips = check_examples(real_clips, CLIPS_LAYOUT, "real_clips", data_scale)
    if clips.shape[2:] != real_clips.shape[2:]:
        raise ValueError(
            f"Generated frames are {clips.shape[2:]} but real frames are {real_clips.shape[2:]}; "
            "compare clips of the same frame shape (H, W, C)."
        )
    network = _frame_network(feature_network)
    fake = network.features(_frames(clips), data_scale, batch_size)
    real = network.features(_frames(real_clips), data_scale, batch_size)
    return fid(real, fake)


def class_consistency(
    clips: np.ndarray,
    classifier: FeatureExtractor | str | None = None,
    data_scale: Sequence[float] = (-1.0, 1.0),
    batch_size: int = 256,
) -> float:
    """The share of clips whose frames all get the same label (arg-max class) from `classifier`.

    A clip of one object keeps its class while it moves; independent frames
    of an image model rarely agree over 8 frames. The ceiling is the real
    clips' own figure (the classifier errs on some frames).

    Args:
        clips: `(n, T, H, W, C)` in `data_scale`.
        classifier: a `FeatureExtractor` with a classifier head for single
            frames, a data set's name (its `domain_classifier`), or None for
            `domain_classifier("moving_fashion_mnist")`.
        data_scale: the range of `clips`.
        batch_size: frames per forward pass.

    Example:
    >>> judge = domain_classifier("moving_fashion_mnist", recipe=ClassifierRecipe.accurate())
    >>> class_consistency(video_gan.generate(2000), judge)
    """
    clips = check_examples(clips, CLIPS_LAYOUT, "clips", data_scale)
    network = _frame_network(classifier)
    if not network.has_classifier:
        raise ValueError(
            f"class_consistency needs frame labels, but {network.name} has no classifier head. "
            "Pass domain_classifier(<data set>)."
        )
    labels = network.predict_proba(_frames(clips), data_scale, batch_size).argmax(axis=1)
    labels = labels.reshape(clips.shape[:2])
    return float(np.mean(np.all(labels == labels[:, :1], axis=1)))


def motion_statistics(
    clips: np.ndarray,
    data_scale: Sequence[float] = (-1.0, 1.0),
    per_clip: bool = False,
) -> dict[str, float] | dict[str, np.ndarray]:
    """How the foreground moves: speed, acceleration, still clips and the change of its mass.

    Each frame's foreground is its pixels above 10 % of the value range
    (`data_scale`), weighted by their intensity above the range's low end;
    channels are averaged. Its intensity-weighted centroid (row, column), in
    pixels, is followed through the clip:

    - `speed`: the mean length of the centroid's steps, px/frame;
    - `acceleration`: the mean length of its second differences
      `c[t+1] - 2 c[t] + c[t-1]`, px/frame² (0 for uniform motion; a bounce
      shows up here);
    - `still_share`: 1 for a clip whose speed is below 0.5 px/frame, else 0
      (averaged: the share of still clips);
    - `mass_change`: `(M_last - M_first) / M_first`, where `M` is the
      foreground's total intensity (0 for a sprite that keeps its look, -1
      for one that fades away).

    Steps into or out of a frame without foreground are left out; a clip with
    no such step has speed and acceleration 0 (it is still), and a clip whose
    first frame is empty has `mass_change` NaN, left out of the mean.

    Args:
        clips: `(n, T, H, W, C)` in `data_scale`, with T >= 2.
        data_scale: the range of `clips`; its low end is the background.
        per_clip: return arrays `(n,)`, one value per clip (e.g. for a 1-D
            Wasserstein distance between speed distributions), instead of
            their means.

    Returns:
        `{"speed", "acceleration", "still_share", "mass_change"}`: floats (the
        means over clips; NaN-skipping for `mass_change`), or with `per_clip`
        float arrays `(n,)` whose means are those floats.

    Example:
    >>> stats = motion_statistics(clips)
    >>> real = motion_statistics(real_clips, per_clip=True)["speed"]
    >>> scipy.stats.wasserstein_distance(motion_statistics(clips, per_clip=True)["speed"], real)
    """
    clips = check_examples(clips, CLIPS_LAYOUT, "clips", data_scale)
    if clips.shape[1] < 2:
        raise ValueError(f"motion_statistics needs clips of at least 2 frames, got shape {clips.shape}.")
    centroids, mass = _centroids_and_mass(clips, data_scale)
    with np.errstate(invalid="ignore", divide="ignore"):
        mass_change = np.where(mass[:, 0] > 0, (mass[:, -1] - mass[:, 0]) / mass[:, 0], np.nan)
    speed = _mean_length(np.diff(centroids, axis=1))
    acceleration = _mean_length(np.diff(centroids, n=2, axis=1))
    still = (speed < STILL_SPEED).astype(np.float64)
    per_clip_values = {"speed": speed, "acceleration": acceleration, "still_share": still, "mass_change": mass_change}
    if per_clip:
        return per_clip_values
    summary = {name: float(np.mean(values)) for name, values in per_clip_values.items() if name != "mass_change"}
    known = mass_change[~np.isnan(mass_change)]
    summary["mass_change"] = float(np.mean(known)) if known.size else float("nan")
    return summary


def foreground_centroids(clips: np.ndarray, data_scale: Sequence[float] = (-1.0, 1.0)) -> np.ndarray:
    """The intensity-weighted centroid (row, column) of each frame's foreground, in pixels; `(n, T, 2)`.

    The foreground that `motion_statistics` follows: pixels above 10 % of the
    value range, weighted by their intensity above its low end (channels
    averaged). A frame without foreground has NaN.

    Example:
    >>> clip = np.full((1, 2, 8, 8, 1), -1.0); clip[0, 0, 2, 3] = 1; clip[0, 1, 4, 3] = 1
    >>> foreground_centroids(clip)[0].tolist()
    [[2.0, 3.0], [4.0, 3.0]]
    """
    clips = check_examples(clips, CLIPS_LAYOUT, "clips", data_scale)
    return _centroids_and_mass(clips, data_scale)[0]


def _centroids_and_mass(clips: np.ndarray, data_scale: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """`(centroids (n, T, 2), foreground mass (n, T))` of checked clips."""
    low, high = (float(v) for v in data_scale)
    intensity = (np.asarray(clips, np.float64).mean(axis=-1) - low) / (high - low)  # (n, T, H, W) in [0, 1]
    weights = np.where(intensity > FOREGROUND_SHARE, intensity, 0.0)
    mass = weights.sum(axis=(2, 3))  # (n, T)
    rows, columns = np.arange(clips.shape[2]), np.arange(clips.shape[3])
    with np.errstate(invalid="ignore", divide="ignore"):
        centroids = np.stack(
            [
                np.einsum("ntij,i->nt", weights, rows) / mass,
                np.einsum("ntij,j->nt", weights, columns) / mass,
            ],
            axis=-1,
        )  # NaN on frames without foreground
    return centroids, mass


def direction_entropy(displacements: np.ndarray, min_length: float = STILL_SPEED, sectors: int = 8) -> float:
    """How evenly motions point in all directions: the entropy of their sector, divided by log(sectors).

    Each displacement `(d_row, d_column)` at least `min_length` long falls
    into one of `sectors` equal angular sectors; the entropy of the sectors'
    shares is divided by its maximum, log(sectors). 1: every direction
    equally often; 0: one direction (or no displacement long enough, or all
    NaN).

    Args:
        displacements: `(n, 2)` steps in pixels (NaN rows are left out).
        min_length: shorter steps have no direction and are left out.
        sectors: the number of sectors (8: the compass points).

    Example:
    >>> direction_entropy(np.array([[0, 1], [1, 0], [0, -1], [-1, 0]] * 2, float), sectors=4)
    1.0
    """
    displacements = np.asarray(displacements, np.float64)
    if displacements.ndim != 2 or displacements.shape[1] != 2:
        raise ValueError(f"displacements must be (n, 2) steps (d_row, d_column), got shape {displacements.shape}.")
    if not (isinstance(sectors, int) and sectors >= 2):
        raise ValueError(f"sectors must be an integer >= 2, got {sectors!r}.")
    known = displacements[np.all(np.isfinite(displacements), axis=1)]
    known = known[np.linalg.norm(known, axis=1) >= min_length]
    if not len(known):
        return 0.0
    angles = np.arctan2(known[:, 0], known[:, 1])  # in [-pi, pi]
    sector = np.floor((angles + np.pi) / (2 * np.pi) * sectors).astype(int) % sectors
    shares = np.bincount(sector, minlength=sectors) / len(sector)
    shares = shares[shares > 0]
    return float(-(shares * np.log(shares)).sum() / np.log(sectors))


def _mean_length(steps: np.ndarray) -> np.ndarray:
    """Mean Euclidean length over axis 1 of `(n, steps, 2)`, skipping NaN steps (0 when none is known)."""
    if steps.shape[1] == 0:
        return np.zeros(steps.shape[0])
    lengths = np.linalg.norm(steps, axis=-1)
    known = ~np.isnan(lengths)
    return np.where(known, lengths, 0.0).sum(axis=1) / np.maximum(known.sum(axis=1), 1)


# --- voxel grids ---------------------------------------------------------------------
def _occupancy(voxels: np.ndarray, threshold: float, name: str) -> np.ndarray:
    """Checks `(n, D, H, W, 1)` occupancies in [0, 1]; returns the boolean grids `(n, D, H, W)`."""
    voxels = check_examples(voxels, VOXELS_LAYOUT, name, (0.0, 1.0))
    if voxels.shape[-1] != 1:
        raise ValueError(
            f"{name} must have one occupancy channel, shape (n, D, H, W, 1); got {voxels.shape}. "
            f"Pass {name}[..., :1] for the first channel."
        )
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}.")
    return voxels[..., 0] >= threshold


def voxel_iou(a: np.ndarray, b: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Intersection over union of paired voxel grids, occupied where >= `threshold`; `(n,)`.

    Two empty grids are identical, so their IoU is 1.

    Args:
        a: `(n, D, H, W, 1)` occupancies in [0, 1].
        b: the same shape.
        threshold: the occupancy from which a voxel counts as filled.

    Example:
    >>> cube = np.zeros((1, 8, 8, 8, 1)); cube[:, :4, :4, :4] = 1
    >>> voxel_iou(cube, np.roll(cube, 2, axis=1))  # 32 shared of 96 voxels
    array([0.33333333])
    """
    filled_a, filled_b = _occupancy(a, threshold, "a"), _occupancy(b, threshold, "b")
    if filled_a.shape != filled_b.shape:
        raise ValueError(f"voxel_iou pairs grids of the same shape, got {filled_a.shape} and {filled_b.shape}.")
    axes = (1, 2, 3)
    intersection = np.sum(filled_a & filled_b, axis=axes)
    union = np.sum(filled_a | filled_b, axis=axes)
    return np.where(union > 0, intersection / np.maximum(union, 1), 1.0)


def nearest_iou(samples: np.ndarray, references: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Each sample's best IoU against any reference grid (e.g. the training shapes); `(n,)`.

    A novelty check: near 1 means a near-copy of some reference. The
    intersections of all pairs are one matrix product of the flattened
    occupancy grids, taken in blocks of samples (3,000 x 12,000 grids of 16³
    take seconds), and `union = |a| + |b| - intersection`.

    Args:
        samples: `(n, D, H, W, 1)` occupancies in [0, 1].
        references: `(m, D, H, W, 1)` occupancies in [0, 1].
        threshold: the occupancy from which a voxel counts as filled.

    Example:
    >>> iou = nearest_iou(voxel_gan.generate(3000), train_voxels)
    >>> float(np.median(iou)), float(np.mean(iou >= 0.98))  # typicality, near-copies
    """
    filled = _occupancy(samples, threshold, "samples")
    reference_filled = _occupancy(references, threshold, "references")
    if filled.shape[1:] != reference_filled.shape[1:]:
        raise ValueError(
            f"samples are {filled.shape[1:]} grids but references are {reference_filled.shape[1:]}; "
            "compare grids of the same size."
        )
    # float32 sums of 0/1 products are exact up to 2**24 voxels per grid.
    flat_references = reference_filled.reshape(len(reference_filled), -1).astype(np.float32)
    reference_sizes = flat_references.sum(axis=1)
    best = np.empty(len(filled))
    for start in range(0, len(filled), _IOU_BLOCK_ROWS):
        block = filled[start : start + _IOU_BLOCK_ROWS].reshape(-1, flat_references.shape[1]).astype(np.float32)
        intersection = block @ flat_references.T
        union = block.sum(axis=1)[:, None] + reference_sizes[None, :] - intersection
        iou = np.where(union > 0, intersection / np.maximum(union, 1.0), 1.0)
        best[start : start + len(block)] = iou.max(axis=1)
    return best


def connected_share(voxels: np.ndarray, threshold: float = 0.5) -> float:
    """The share of shapes whose filled voxels form exactly one 26-connected component.

    Components come from `scipy.ndimage.label` with the full 3x3x3
    neighbourhood (voxels touching at a face, an edge or a corner are
    connected). An empty grid has no component and does not count.

    Args:
        voxels: `(n, D, H, W, 1)` occupancies in [0, 1].
        threshold: the occupancy from which a voxel counts as filled.

    Example:
    >>> two = np.zeros((1, 8, 8, 8, 1)); two[0, :2, :2, :2] = 1; two[0, 5:, 5:, 5:] = 1
    >>> connected_share(np.concatenate([two, np.ones_like(two)]))
    0.5
    """
    filled = _occupancy(voxels, threshold, "voxels")
    counts = [ndimage.label(grid, structure=_NEIGHBOURS_26)[1] for grid in filled]
    return float(np.mean(np.equal(counts, 1)))
