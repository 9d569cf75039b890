"""`evaluate` for models of clips and voxel grids (keras_gen.evaluation.volume_report), on tiny data."""

import json

import keras
import numpy as np
import pytest
from scipy import ndimage, stats

import keras_gen
from keras_gen.evaluation import (
    FeatureExtractor,
    clip_sample_metrics,
    default_metrics,
    direction_entropy,
    evaluate,
    foreground_centroids,
    prediction_metrics,
    supported_metrics,
    unsupported_metrics,
    voxel_sample_metrics,
)
from keras_gen.models import CrossConvCVAE, VideoGAN, VoxelGAN


class LabelJudge:
    """A stand-in classifier: the class of a frame or grid is a function of it."""

    def __init__(self, label_of, num_classes=3):
        self.label_of, self.num_classes = label_of, num_classes

    def predict_proba(self, examples, data_scale=(-1, 1), batch_size=256):
        labels = np.array([self.label_of(example) for example in examples])
        return np.eye(self.num_classes)[labels]


def dot_frames(positions, side=16):
    """Frames `(n, side, side, 1)` in [-1, 1], each a bright 2x2 dot at its (row, column)."""
    frames = np.full((len(positions), side, side, 1), -1.0, np.float32)
    for frame, (row, column) in zip(frames, positions, strict=True):
        frame[row : row + 2, column : column + 2] = 1.0
    return frames


def tiny_extractor(input_shape, num_classes=3):
    inputs = keras.Input(input_shape)
    features = keras.layers.Flatten(name="features")(inputs)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(features)
    return FeatureExtractor(keras.Model(inputs, outputs), name="tiny")


def test_foreground_centroids_and_direction_entropy_by_hand():
    clip = np.stack([dot_frames([(2, 3), (6, 3)])])  # (1, 2, 16, 16, 1): the dot moves 4 rows down
    np.testing.assert_allclose(foreground_centroids(clip)[0], [[2.5, 3.5], [6.5, 3.5]])
    eight = np.array([[np.sin(a), np.cos(a)] for a in np.arange(8) * np.pi / 4 + 0.1]) * 2
    assert direction_entropy(eight) == pytest.approx(1.0)
    assert direction_entropy(np.repeat(eight[:1], 8, axis=0)) == 0.0
    two = np.concatenate([eight[:1], eight[4:5]])  # two opposite directions: log 2 / log 8
    assert direction_entropy(two) == pytest.approx(1 / 3)
    assert direction_entropy(eight * 0.1) == 0.0  # shorter than 0.5 px: no direction
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        direction_entropy(np.zeros((3, 3)))


def test_prediction_metrics_against_hand_made_motions():
    first = dot_frames([(7, 7)] * 2)
    real_next = dot_frames([(9, 7), (7, 9)])  # both move 2 px
    # 8 predictions per frame: 2 px in each of 8 directions, then one that stays still
    steps = [(-2, 0), (-2, 2), (0, 2), (2, 2), (2, 0), (2, -2), (0, -2), (-2, -2)]
    moves = dot_frames([(7 + dr, 7 + dc) for dr, dc in steps] + [(7, 7)])
    predictions = np.stack([moves, moves])  # (2, 9, 16, 16, 1)
    judge = LabelJudge(lambda frame: int(np.argwhere(frame[..., 0] > 0)[0, 0] >= 7))  # 1 when the dot is low
    results = prediction_metrics(first, real_next, predictions, labels=np.array([1, 1]), judge=judge)
    assert results["moving_share"] == pytest.approx(16 / 18)  # the diagonal 2.83 px steps count as 1-3 px
    assert results["real_moving_share"] == 1.0
    assert results["direction_entropy"] == pytest.approx(1.0)
    assert results["prediction_class_agreement"] == pytest.approx(12 / 18)  # dot's top row 5 is "high"
    assert results["real_next_class_agreement"] == 1.0
    errors = ((predictions - real_next[:, None]) ** 2).mean(axis=(2, 3, 4))
    assert results["best_of_k_mse"] == pytest.approx(errors.min(axis=1).mean())
    assert results["best_of_k_mse"] == 0.0  # each real next frame is among the predictions
    with pytest.raises(ValueError, match=r"\(n, k, H, W, C\)"):
        prediction_metrics(first, real_next, moves)


def test_clip_and_voxel_metrics_against_independent_computations():
    positions = [[(2 + 2 * t, 3)] for t in range(4)]
    moving = np.stack([dot_frames(p * 3) for p in positions], axis=1)  # (3, 4, 16, 16, 1), 2 px/frame
    still = np.repeat(moving[:, :1], 4, axis=1)
    results = clip_sample_metrics(still, moving, ("motion",))
    assert results["still_share"] == 1.0 and results["real_still_share"] == 0.0
    assert results["real_speed"] == pytest.approx(2.0)
    assert results["speed_wasserstein"] == pytest.approx(stats.wasserstein_distance([0, 0, 0], [2, 2, 2]))

    train = np.zeros((3, 8, 8, 8, 1), np.float32)
    train[0, :4], train[1, :, :4], train[2, :, :, :2] = 1, 1, 1
    samples = train.copy()
    samples[2, 5:, 5:, 5:] = 1  # a second component, and no longer a copy
    judge = LabelJudge(lambda grid: int(grid[0, 0, 7, 0] > 0) + int(grid[7, 0, 0, 0] > 0))
    results = voxel_sample_metrics(samples, train, train, ("connected_share", "voxel_classes", "nearest_train_iou"),
                                   asked_labels=np.array([1, 1, 1]), test_labels=np.array([1, 1, 2]), judge=judge)
    counts = [ndimage.label(grid[..., 0] > 0.5, structure=np.ones((3, 3, 3)))[1] for grid in samples]
    assert results["connected_share"] == pytest.approx(np.mean(np.equal(counts, 1)))
    assert results["real_connected_share"] == 1.0
    assert results["nearest_train_iou_median"] == 1.0 and results["near_copy_share"] == pytest.approx(2 / 3)
    assert results["test_near_copy_share"] == 1.0
    assert results["judge_agreement"] == pytest.approx(2 / 3)  # the judge says 1, 2, 1; 1, 1, 1 were asked for
    unconditional = voxel_sample_metrics(samples, train, metrics=("voxel_classes",), judge=judge)
    assert unconditional["normalized_label_entropy"] == pytest.approx(
        -(2 / 3 * np.log(2 / 3) + 1 / 3 * np.log(1 / 3)) / np.log(3))


@pytest.fixture
def tiny_kinds(monkeypatch):
    """'tiny_clips' (digits moving on 4 frames of 8x8) and 'tiny_voxels' (8^3 shapes), as tests/test_families.py."""
    from keras_gen.data import registry

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    def clips(split, data_dir):
        images, labels = keras_gen.data.load_numpy("digits", split, scale=(0, 255), limit=24)
        made, _ = keras_gen.data.moving_sprites(np.round(images).astype("uint8"), frames=4, canvas=8,
                                                sprite_size=4, scale=(0, 255))
        return np.round(made).astype("uint8"), labels

    def voxels(split, data_dir):
        return keras_gen.data.voxel_shapes(24, size=8, seed=0 if split == "train" else 1)

    keras_gen.data.register("tiny_clips", clips, None, 10, example_shape=(4, 8, 8, 1), kind="videos")
    keras_gen.data.register("tiny_voxels", voxels, None, 3, example_shape=(8, 8, 8, 1), kind="voxels",
                            value_range=(0, 1))


VIDEO_KEYS = {"frame_fid", "class_consistency", "real_class_consistency", "speed", "acceleration", "still_share",
              "mass_change", "real_speed", "real_acceleration", "real_still_share", "real_mass_change",
              "speed_wasserstein"}
PREDICTION_KEYS = {"moving_share", "mean_displacement", "direction_entropy", "real_moving_share",
                   "prediction_class_agreement", "real_next_class_agreement", "best_of_k_mse"}
VOXEL_KEYS = {"voxel_fid", "connected_share", "real_connected_share", "judge_agreement", "real_judge_agreement",
              "nearest_train_iou_median", "near_copy_share", "test_nearest_train_iou_median", "test_near_copy_share"}


def test_evaluate_reports_by_data_kind(tiny_kinds, capsys):
    frames = tiny_extractor((8, 8, 1), num_classes=10)
    video_gan = VideoGAN.for_videos((4, 8, 8, 1), latent_dim=4, width=4, seed=0)
    assert default_metrics(video_gan) == ("frame_fid", "class_consistency", "motion")
    results = evaluate(video_gan, "tiny_clips", num_samples=6, feature_extractor=frames, verbose=1)
    assert set(results) == VIDEO_KEYS and all(isinstance(v, float) for v in results.values())
    assert "on 6 generated and 6 real clips" in capsys.readouterr().out

    predictor = CrossConvCVAE.for_videos((4, 8, 8, 1), latent_dim=2, num_kernels=2, width=4, hidden_units=8,
                                         num_scales=2, seed=0)
    assert set(supported_metrics(predictor)) == {"displacement", "prediction_class_agreement", "best_of_k_mse"}
    results = evaluate(predictor, "tiny_clips", num_samples=5, num_predictions=3, feature_extractor=frames)
    assert set(results) == PREDICTION_KEYS
    assert results["real_moving_share"] > 0.5  # the data's sprites move 1-3 px/frame

    voxel_gan = VoxelGAN.for_voxels((8, 8, 8, 1), latent_dim=4, width=4, num_classes=3, seed=0)
    grids = tiny_extractor((8, 8, 8, 1))
    results = evaluate(voxel_gan, "tiny_voxels", num_samples=6, feature_extractor=grids)
    assert set(results) == VOXEL_KEYS
    assert results["real_connected_share"] == 1.0 and results["test_nearest_train_iou_median"] < 1.0
    unconditional = VoxelGAN.for_voxels((8, 8, 8, 1), latent_dim=4, width=4, seed=0)
    results = evaluate(unconditional, "tiny_voxels", num_samples=6, metrics=["voxel_classes"], feature_extractor=grids)
    assert set(results) == {"label_entropy", "normalized_label_entropy"}


def test_evaluate_a_model_of_clips_rejects_what_does_not_fit(tiny_kinds):
    video_gan = VideoGAN.for_videos((4, 8, 8, 1), latent_dim=4, width=4, seed=0)
    with pytest.raises(ValueError, match="named data set"):
        evaluate(video_gan, np.zeros((4, 4, 8, 8, 1)), feature_extractor=tiny_extractor((8, 8, 1)))
    with pytest.raises(ValueError, match="'tiny_voxels' holds voxels"):
        evaluate(video_gan, "tiny_voxels", num_samples=4, feature_extractor=tiny_extractor((8, 8, 1)))
    unsupported, needs = unsupported_metrics(video_gan, ["fid", "best_of_k_mse"])
    assert unsupported == ["fid", "best_of_k_mse"]
    assert "fid needs a model that can generate new images" in needs
    assert "best_of_k_mse needs a model that can predict the next frames of clips" in needs
    with pytest.raises(ValueError, match="num_predictions"):
        evaluate(video_gan, "tiny_clips", num_predictions=0)


def test_keras_gen_evaluate_a_voxel_model(tiny_kinds, tmp_path, monkeypatch, capsys):
    from keras_gen import cli

    monkeypatch.setenv("KERAS_GEN_FEATURE_CACHE", str(tmp_path / "cache"))  # the voxel judge trains here
    path = str(tmp_path / "model.keras")
    VoxelGAN.for_voxels((8, 8, 8, 1), latent_dim=4, width=4, num_classes=3, seed=0).save(path)
    report = tmp_path / "report.json"
    argv = ["evaluate", path, "--data", "tiny_voxels", "--num-samples", "6", "--metrics",
            "connected_share,nearest_train_iou", "--json", str(report)]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "near_copy_share" in out and "test_nearest_train_iou_median" in out
    assert set(json.loads(report.read_text())["results"]) == {
        "connected_share", "real_connected_share", "nearest_train_iou_median", "near_copy_share",
        "test_nearest_train_iou_median", "test_near_copy_share"}
    assert cli.main(["evaluate", path, "--data", "tiny_voxels", "--memorization"]) == cli.EXIT_USAGE
    assert "nearest_train_iou" in capsys.readouterr().err
