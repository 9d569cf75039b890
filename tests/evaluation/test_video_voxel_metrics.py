"""Metrics of clips and voxel grids against hand-made cases and independent computations."""

import numpy as np
import pytest
from scipy import ndimage

from keras_gen.evaluation import (
    FeatureExtractor,
    class_consistency,
    connected_share,
    fid,
    frame_fid,
    motion_statistics,
    nearest_iou,
    voxel_iou,
)


def moving_square(velocity, frames=4, size=16, side=3, start=(2.0, 2.0), low=-1.0, high=1.0, fade=None):
    """A clip (1, T, H, W, 1) of a bright square moving `velocity` (rows, columns) px/frame over `low`."""
    clip = np.full((1, frames, size, size, 1), low)
    for t in range(frames):
        top, left = round(start[0] + t * velocity[0]), round(start[1] + t * velocity[1])
        value = high if fade is None else low + (high - low) * fade[t]
        clip[0, t, top : top + side, left : left + side] = value
    return clip


# --- motion ----------------------------------------------------------------------------
def test_a_square_at_known_velocity_has_that_speed_and_no_acceleration():
    stats = motion_statistics(moving_square((1, 2)))
    assert stats["speed"] == pytest.approx(np.hypot(1, 2))
    assert stats["acceleration"] == pytest.approx(0.0)
    assert stats["still_share"] == 0.0
    assert stats["mass_change"] == pytest.approx(0.0)


def test_still_clips_and_per_clip_values():
    clips = np.concatenate([moving_square((0, 3)), moving_square((0, 0)), moving_square((0, 0.25))])
    per_clip = motion_statistics(clips, per_clip=True)
    assert set(per_clip) == {"speed", "acceleration", "still_share", "mass_change"}
    assert per_clip["speed"].shape == (3,)
    assert per_clip["speed"][:2] == pytest.approx([3.0, 0.0])
    # the slow square moves 0, 0, 1 px: speed 1/3, below 0.5 -> still
    assert per_clip["speed"][2] == pytest.approx(1 / 3)
    assert per_clip["still_share"].tolist() == [0.0, 1.0, 1.0]
    summary = motion_statistics(clips)
    for name in per_clip:
        assert summary[name] == pytest.approx(np.mean(per_clip[name]))


def test_a_bounce_is_acceleration():
    clip = np.full((1, 3, 16, 16, 1), 0.0)
    for t, left in enumerate((4, 6, 4)):  # right 2 px, then back 2 px
        clip[0, t, 5:8, left : left + 3] = 1.0
    stats = motion_statistics(clip, data_scale=(0, 1))
    assert stats["speed"] == pytest.approx(2.0)
    assert stats["acceleration"] == pytest.approx(4.0)  # |(4 - 6) - (6 - 4)|


def test_mass_change_of_a_fading_clip_and_the_foreground_threshold():
    fade = [1.0, 0.8, 0.6, 0.5]
    stats = motion_statistics(moving_square((0, 1), fade=fade))
    assert stats["mass_change"] == pytest.approx(0.5 / 1.0 - 1.0)
    # pixels at 5 % of the range are background: an empty first frame has no mass change
    faint = moving_square((0, 1), fade=[0.05, 1.0, 1.0, 1.0])
    per_clip = motion_statistics(faint, per_clip=True)
    assert np.isnan(per_clip["mass_change"][0])
    assert per_clip["speed"][0] == pytest.approx(1.0)  # the step into the empty frame is left out


def test_motion_errors():
    with pytest.raises(ValueError, match=r"\(n, T, H, W, C\)"):
        motion_statistics(np.zeros((4, 16, 16, 1)))
    with pytest.raises(ValueError, match="outside data_scale"):
        motion_statistics(np.full((1, 4, 8, 8, 1), 2.0))
    clip = np.zeros((1, 4, 8, 8, 1))
    clip[0, 1, 2, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        motion_statistics(clip)
    with pytest.raises(ValueError, match="at least 2 frames"):
        motion_statistics(np.zeros((1, 1, 8, 8, 1)))


# --- frame metrics with a stand-in network -------------------------------------------------
class BrightnessNetwork(FeatureExtractor):
    """A stand-in frame network: features are the mean brightness of two halves; label = brighter half."""

    def __init__(self):
        self.name, self.input_shape, self.feature_layer = "brightness", (16, 16, 1), "features"

    def features(self, images, data_scale=(-1, 1), batch_size=256):
        self.seen = np.asarray(images).shape
        return np.stack([images[:, :8].mean(axis=(1, 2, 3)), images[:, 8:].mean(axis=(1, 2, 3))], axis=1)

    def predict_proba(self, images, data_scale=(-1, 1), batch_size=256):
        top, bottom = self.features(images).T
        return np.stack([top >= bottom, top < bottom], axis=1).astype(np.float32)


def test_frame_fid_is_fid_over_all_frames():
    rng = np.random.default_rng(0)
    clips, real = rng.uniform(-1, 1, (6, 4, 16, 16, 1)), rng.uniform(-1, 0.5, (5, 3, 16, 16, 1))
    network = BrightnessNetwork()
    expected = fid(network.features(real.reshape(-1, 16, 16, 1)), network.features(clips.reshape(-1, 16, 16, 1)))
    assert frame_fid(clips, real, feature_network=network) == pytest.approx(expected)
    assert network.seen == (15, 16, 16, 1)  # the real clips' 5 x 3 frames
    with pytest.raises(ValueError, match="same frame shape"):
        frame_fid(clips, real[:, :, :8], feature_network=network)


def test_class_consistency_counts_clips_whose_frames_agree():
    top, bottom = moving_square((0, 1), start=(2, 2)), moving_square((0, 1), start=(10, 2))
    switching = top.copy()
    switching[0, 2:] = bottom[0, 2:]
    clips = np.concatenate([top, bottom, switching, switching])
    assert class_consistency(clips, BrightnessNetwork()) == 0.5
    with pytest.raises(ValueError, match="FeatureExtractor"):
        class_consistency(clips, classifier=42)


# --- voxels ----------------------------------------------------------------------------
def random_grids(count, size=6, density=0.3, seed=0):
    return (np.random.default_rng(seed).uniform(size=(count, size, size, size, 1)) < density).astype(np.float32)


def test_voxel_iou_matches_a_direct_computation():
    a, b = random_grids(5, seed=1), random_grids(5, seed=2)
    b[0] = a[0]
    b[1] = 0.0
    a[1] = 0.0
    expected = [
        np.logical_and(x >= 0.5, y >= 0.5).sum() / np.logical_or(x >= 0.5, y >= 0.5).sum() for x, y in zip(a[2:], b[2:])
    ]
    iou = voxel_iou(a * 0.9, b)  # 0.9 is still filled at threshold 0.5
    assert iou.shape == (5,)
    np.testing.assert_allclose(iou, [1.0, 1.0, *expected])  # identical grids, two empty grids, the rest


def test_nearest_iou_matches_brute_force():
    samples, references = random_grids(7, seed=3), random_grids(300, seed=4)
    samples[2] = references[123]
    brute = [max(voxel_iou(s[None], r[None])[0] for r in references) for s in samples]
    best = nearest_iou(samples, references)
    np.testing.assert_allclose(best, brute)
    assert best[2] == 1.0


def test_connected_share_agrees_with_scipy():
    one = np.zeros((8, 8, 8, 1))
    one[1:3, 1:3, 1:3] = 1
    one[3, 3, 3] = 1  # touches the block at a corner only: still one 26-connected component
    two = np.zeros((8, 8, 8, 1))
    two[:2, :2, :2] = 1
    two[5:, 5:, 5:] = 1
    empty = np.zeros((8, 8, 8, 1))
    grids = np.stack([one, two, empty, one])
    counts = [ndimage.label(g[..., 0], structure=np.ones((3, 3, 3)))[1] for g in grids]
    assert counts == [1, 2, 0, 1]
    assert connected_share(grids) == 0.5
    # with 6-connectivity the corner voxel would be a component of its own
    assert ndimage.label(one[..., 0])[1] == 2


def test_voxel_errors():
    grids = random_grids(2)
    with pytest.raises(ValueError, match=r"\(n, D, H, W, 1\)"):
        voxel_iou(grids[..., 0], grids[..., 0])
    with pytest.raises(ValueError, match="one occupancy channel"):
        connected_share(np.concatenate([grids, grids], axis=-1))
    with pytest.raises(ValueError, match=r"outside data_scale=\(0, 1\)"):
        nearest_iou(grids * 2 - 1, grids)
    with pytest.raises(ValueError, match="same size"):
        nearest_iou(grids, random_grids(2, size=4))
    with pytest.raises(ValueError, match="same shape"):
        voxel_iou(grids, random_grids(3))
    with pytest.raises(ValueError, match="threshold"):
        connected_share(grids, threshold=0)


@pytest.mark.parametrize("dtype", [np.uint8, bool, np.float32])
def test_voxel_metrics_take_the_data_sets_uint8_grids(dtype):
    grids = random_grids(3)
    assert connected_share(grids.astype(dtype)) == connected_share(grids)
    np.testing.assert_allclose(nearest_iou(grids.astype(dtype), grids), 1.0)
