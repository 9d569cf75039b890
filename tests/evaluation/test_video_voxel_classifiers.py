"""Domain classifiers of video data sets (single frames) and voxel data sets (3-D convolutions).

The data sets themselves are registered elsewhere; here `keras_gen.data.info` and
`load_numpy` are replaced by tiny stand-ins with the same contract (rank-5 arrays, a
`kind`), so only the classifier's side is tested.
"""

import types

import keras
import numpy as np
import pytest

from keras_gen import data
from keras_gen.evaluation import (
    ClassifierRecipe,
    class_consistency,
    classifier_examples,
    domain_classifier,
)

TINY = ClassifierRecipe(epochs=1, filters=(4, 8), feature_dim=8, batch_size=16)


def tiny_clips(count, seed):
    """Clips (n, 4, 8, 8, 1) in [-1, 1]: class 0 lights the top half, class 1 the bottom half."""
    labels = np.arange(count) % 2
    clips = np.full((count, 4, 8, 8, 1), -1.0, np.float32)
    noise = np.random.default_rng(seed).uniform(0, 0.5, clips.shape).astype(np.float32)
    for index, label in enumerate(labels):
        clips[index, :, 4 * label : 4 * label + 4] = 1.0
    return np.clip(clips + noise * (clips < 0), -1, 1), labels.astype(np.int32)


def tiny_grids(count, seed):
    """Voxel grids (n, 8, 8, 8, 1) in [-1, 1] (the classifier's scale): a slab along depth or height."""
    labels = np.arange(count) % 2
    grids = np.full((count, 8, 8, 8, 1), -1.0, np.float32)
    for index, label in enumerate(labels):
        grids[index, 2:4] = 1.0 if label == 0 else -1.0
        grids[index, :, 2:4] = 1.0 if label == 1 else grids[index, :, 2:4]
    return grids, labels.astype(np.int32)


@pytest.fixture
def stand_in_data(monkeypatch):
    makers = {"tiny_videos": (tiny_clips, "videos"), "tiny_voxels": (tiny_grids, "voxels")}
    loaded = []

    def info(name):
        return types.SimpleNamespace(name=name, num_classes=2, class_names=("a", "b"), kind=makers[name][1])

    def load_numpy(name, split="train", scale=(-1, 1), limit=None, data_dir=None):
        assert tuple(scale) == (-1.0, 1.0)
        loaded.append((name, split))
        return makers[name][0](64 if split == "train" else 16, seed=0 if split == "train" else 1)

    monkeypatch.setattr(data, "info", info)
    monkeypatch.setattr(data, "load_numpy", load_numpy)
    return loaded


def test_classifier_examples_draws_one_frame_per_clip_with_its_label():
    clips = np.arange(6 * 4).reshape(6, 4, 1, 1, 1).astype(np.float32)
    frames, labels = classifier_examples(clips, np.arange(6), "videos", seed=3)
    assert frames.shape == (6, 1, 1, 1)
    np.testing.assert_array_equal(frames[:, 0, 0, 0] // 4, np.arange(6))  # frame of its own clip
    np.testing.assert_array_equal(labels, np.arange(6))
    again, _ = classifier_examples(clips, np.arange(6), "videos", seed=3)
    np.testing.assert_array_equal(frames, again)
    grids = np.zeros((3, 4, 4, 4, 1))
    assert classifier_examples(grids, np.arange(3), "voxels")[0] is grids
    with pytest.raises(ValueError, match="clips"):
        classifier_examples(np.zeros((3, 4, 4, 1)), np.arange(3), "videos")
    with pytest.raises(ValueError, match="kind"):
        classifier_examples(grids, np.arange(3), "meshes")


def test_a_video_data_sets_classifier_judges_single_frames(stand_in_data, tmp_path):
    judge = domain_classifier("tiny_videos", cache_dir=str(tmp_path), recipe=TINY, verbose=0)
    assert judge.input_shape == (8, 8, 1)
    assert judge.metadata["kind"] == "videos" and judge.metadata["train_examples"] == 64
    clips, _ = tiny_clips(8, seed=2)
    assert 0.0 <= class_consistency(clips, judge) <= 1.0
    assert judge.features(clips.reshape(-1, 8, 8, 1)).shape == (32, 8)


def test_a_voxel_data_sets_classifier_has_3d_convolutions(stand_in_data, tmp_path):
    judge = domain_classifier("tiny_voxels", cache_dir=str(tmp_path), recipe=TINY, verbose=0)
    assert judge.input_shape == (8, 8, 8, 1)
    assert any(isinstance(layer, keras.layers.Conv3D) for layer in judge.model.layers)
    grids, _ = tiny_grids(5, seed=0)
    unit = (grids + 1) / 2  # voxel occupancies in (0, 1), their own data_scale
    probabilities = judge.predict_proba(unit, data_scale=(0, 1))
    assert probabilities.shape == (5, 2)
    np.testing.assert_allclose(judge.features(unit, (0, 1)), judge.features(grids, (-1, 1)), atol=1e-5)
    with pytest.raises(ValueError, match=r"grids shaped \(N, 8, 8, 8, 1\)"):
        judge.features(unit[:, :4])
    # a second call loads the cached network instead of training again
    stand_in_data.clear()
    domain_classifier("tiny_voxels", cache_dir=str(tmp_path), recipe=TINY, verbose=0)
    assert stand_in_data == []
