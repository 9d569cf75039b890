"""Animated clip grids, voxel slice montages and 3-D voxel plots."""

import imageio.v3 as iio
import numpy as np
import pytest

from keras_gen.callbacks import save_video_grid, save_voxel_plot, voxel_montage
from keras_gen.visualization import image_grid


def clips(count=5, frames=4, size=16, seed=0):
    """Random clips on 5 grey levels (a GIF's palette keeps so few levels exactly)."""
    return np.random.default_rng(seed).integers(0, 5, (count, frames, size, size, 1)) / 2.0 - 1.0


def test_video_grid_has_one_gif_frame_per_clip_frame(tmp_path):
    batch = clips()
    path = save_video_grid(batch, str(tmp_path / "grid" / "clips.gif"), columns=3)
    assert path.endswith("clips.gif")
    frames = iio.imread(path, index=None, mode="L")
    assert frames.shape == (4, 2 * 18 - 2, 3 * 18 - 2)  # 4 frames of a 2 x 3 grid of 16x16 clips
    for t in range(4):  # every clip shows its own frame t: the clips play in step
        np.testing.assert_array_equal(frames[t], image_grid(batch[:, t], (-1, 1), columns=3)[..., 0])


def test_video_grid_errors(tmp_path):
    with pytest.raises(ValueError, match=r"\(n, T, H, W, C\).*batch axis"):
        save_video_grid(clips()[0], str(tmp_path / "one.gif"))
    with pytest.raises(ValueError, match="outside data_scale"):
        save_video_grid(clips(), str(tmp_path / "range.gif"), data_scale=(0, 1))
    with pytest.raises(ValueError, match="NaN"):
        save_video_grid(np.full((1, 2, 4, 4, 1), np.nan), str(tmp_path / "nan.gif"))
    with pytest.raises(ValueError, match=".gif or .mp4"):
        save_video_grid(clips(), str(tmp_path / "clips.avi"))


def test_mp4_needs_imageio_ffmpeg(tmp_path):
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        with pytest.raises(ValueError, match="pip install imageio-ffmpeg"):
            save_video_grid(clips(), str(tmp_path / "clips.mp4"))
    else:
        assert iio.imread(save_video_grid(clips(), str(tmp_path / "clips.mp4")), index=None).shape[0] == 4


def test_voxel_montage_has_a_row_per_sample_and_a_column_per_slice():
    voxels = np.zeros((3, 8, 8, 8, 1))
    voxels[1, 5] = 1.0  # sample 1, depth slice 5
    montage = voxel_montage(voxels)
    assert montage.dtype == np.uint8
    assert montage.shape == (3 * 10 - 2, 8 * 10 - 2, 1)
    assert np.all(montage[10:18, 50:58] == 255)
    assert montage[10:18, 40:48].max() == 0 and montage[:8, 50:58].max() == 0
    with pytest.raises(ValueError, match=r"\(n, D, H, W, C\)"):
        voxel_montage(np.zeros((8, 8, 8, 1)))
    with pytest.raises(ValueError, match="outside data_scale"):
        voxel_montage(voxels - 1)


def test_voxel_plot_writes_a_png(tmp_path):
    voxels = np.zeros((6, 8, 8, 8, 1), np.float32)
    voxels[:, 2:6, 2:6, 2:6] = 1.0
    path = save_voxel_plot(voxels, str(tmp_path / "plots" / "samples_3d.png"))
    with open(path, "rb") as file:
        assert file.read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="outside data_scale"):
        save_voxel_plot(voxels * 2, str(tmp_path / "bad.png"))
    with pytest.raises(ValueError, match="threshold"):
        save_voxel_plot(voxels, str(tmp_path / "bad.png"), threshold=1.5)


def test_voxel_plot_shows_the_whole_grid_so_a_lone_voxel_stays_small(tmp_path):
    def drawn_pixels(voxels, name):
        image = iio.imread(save_voxel_plot(voxels, str(tmp_path / name)), mode="L")
        return int(np.sum(image < 200))  # the faces; the background is white

    full = np.ones((1, 8, 8, 8, 1), np.float32)
    lone = np.zeros_like(full)
    lone[0, 0, 0, 0] = 1.0
    # 1 of 512 voxels: a small cube in the corner of the grid, not one filling the panel.
    assert drawn_pixels(lone, "lone.png") < 0.1 * drawn_pixels(full, "full.png")


def test_image_snapshot_writes_clips_as_gif_or_as_mp4_when_asked(tmp_path, monkeypatch):
    import importlib.util

    from keras_gen.callbacks import ImageSnapshot, image_snapshot
    from keras_gen.models import VideoGAN

    model = VideoGAN.for_videos((4, 8, 8, 1), latent_dim=4, width=4, seed=0)
    snapshot = ImageSnapshot(str(tmp_path / "gif"), n=4)
    snapshot.set_model(model)
    snapshot.on_epoch_end(0)
    assert [p.name for p in (tmp_path / "gif").iterdir()] == ["samples_epoch_0001.gif"]
    assert iio.imread(tmp_path / "gif" / "samples_epoch_0001.gif", index=None).shape[0] == 4  # a frame per clip frame
    with pytest.raises(ValueError, match="'gif' or 'mp4'"):
        ImageSnapshot(str(tmp_path), format="avi")
    # MP4 needs imageio-ffmpeg, said when the callback is made, not at the end of the first epoch.
    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "imageio_ffmpeg" else found(name))
    with pytest.raises(ValueError, match="pip install imageio-ffmpeg"):
        ImageSnapshot(str(tmp_path), format="mp4")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object() if name == "imageio_ffmpeg" else found(name))
    written = []
    monkeypatch.setattr(image_snapshot, "save_volumes", lambda model, volumes, path, columns=None, path_3d=None:
                        written.append(path) or [path])
    snapshot = ImageSnapshot(str(tmp_path / "mp4"), n=4, format="mp4")
    snapshot.set_model(model)
    snapshot.on_epoch_end(0)
    assert written == [str(tmp_path / "mp4" / "samples_epoch_0001.mp4")]
