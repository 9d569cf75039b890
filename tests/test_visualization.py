"""keras_gen.visualization: image grids, PNG files and animated walks, without any model."""

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

import keras_gen
from keras_gen import visualization as V
from keras_gen.data import unscale_images


def _ramp(count, size=4, channels=1, scale=(0.0, 1.0)):
    """`count` flat images whose value rises from scale's low to its high end, one value per image."""
    low, high = scale
    values = np.linspace(low, high, count, dtype="float32")
    return np.broadcast_to(values[:, None, None, None], (count, size, size, channels)).copy()


def test_image_grid_tiles_row_by_row_with_white_padding():
    images = _ramp(5)
    grid = V.image_grid(images, data_scale=(0, 1), columns=3, padding=1)
    assert grid[0, 0, 0] == 0 and grid[5, 5, 0] == 255  # the first and last tiles span the range
    assert grid.shape == (2 * 5 - 1, 3 * 5 - 1, 1) and grid.dtype == np.uint8
    for index in range(5):
        top, left = (index // 3) * 5, (index % 3) * 5
        tile = grid[top : top + 4, left : left + 4]
        np.testing.assert_array_equal(tile, unscale_images(images[index], from_range=(0, 1)))
    assert np.all(grid[4, :] == 255) and np.all(grid[:, 4] == 255)  # padding between tiles
    assert np.all(grid[5:, 10:] == 255)  # the empty sixth tile
    assert V.image_grid(np.zeros((10, 2, 2, 3))).shape == (3 * 4 - 2, 4 * 4 - 2, 3)  # 4 columns: ceil(sqrt(10))
    with pytest.raises(ValueError, match="expects \\(n, height, width, channels\\)"):
        V.image_grid(np.zeros((4, 5)))


def test_row_grid_puts_each_images_versions_side_by_side():
    inputs, outputs = _ramp(3, scale=(-1.0, 0.0)), _ramp(3, scale=(0.0, 1.0))
    grid = V.row_grid({"input": inputs, "output": outputs}, (-1, 1), columns=2)
    expected = V.image_grid(np.stack([inputs, outputs], axis=1).reshape((6, 4, 4, 1)), (-1, 1), columns=2)
    np.testing.assert_array_equal(grid, expected)
    assert V.row_grid({"a": inputs, "b": outputs}, (-1, 1)).shape[1] == 2 * 8 * 6 - 2  # 2 versions x 8 per row


def test_save_grid_writes_a_png_in_new_folders(tmp_path):
    gray = V.image_grid(_ramp(4), (0, 1))
    path = V.save_grid(gray, str(tmp_path / "new" / "gray.png"))
    with Image.open(path) as image:
        assert image.mode == "L"
        np.testing.assert_array_equal(np.asarray(image), gray[..., 0])
    color = V.image_grid(_ramp(4, channels=3), (0, 1))
    with Image.open(V.save_grid(color, str(tmp_path / "color.png"))) as image:
        assert image.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(image), color)


def test_save_image_grid_keeps_the_rows_of_five_dimensional_arrays(tmp_path):
    images = _ramp(6).reshape((2, 3, 4, 4, 1))
    path = V.save_image_grid(images, str(tmp_path / "grid.png"), (0, 1))
    with Image.open(path) as image:
        np.testing.assert_array_equal(np.asarray(image), V.image_grid(_ramp(6), (0, 1), columns=3)[..., 0])
    with pytest.raises(ValueError, match="save_image_grid takes"):
        V.save_image_grid(np.zeros((4, 4)), str(tmp_path / "bad.png"))


def test_save_animation_writes_one_frame_per_step(tmp_path):
    steps = 4
    # Two walks of distinct frames (GIF writers merge identical consecutive frames).
    walks = np.stack([_ramp(steps), _ramp(steps, scale=(1.0, 0.0))])
    forward = iio.imread(V.save_animation(walks, str(tmp_path / "once.gif"), (0, 1), bounce=False), index=None)
    assert forward.shape[0] == steps
    for step in range(steps):
        np.testing.assert_array_equal(forward[step][..., 0] if forward.ndim == 4 else forward[step],
                                      V.image_grid(walks[:, step], (0, 1))[..., 0])
    there_and_back = iio.imread(V.save_animation(walks, str(tmp_path / "loop.gif"), (0, 1)), index=None)
    assert there_and_back.shape[0] == steps + steps - 2  # back without repeating the ends
    np.testing.assert_array_equal(there_and_back[1], there_and_back[-1])
    one_walk = iio.imread(V.save_animation(walks[0], str(tmp_path / "one.gif"), (0, 1), bounce=False), index=None)
    assert one_walk.shape[0] == steps
    with pytest.raises(ValueError, match=".gif or .mp4"):
        V.save_animation(walks, str(tmp_path / "walk.avi"))
    with pytest.raises(ValueError, match="save_animation takes"):
        V.save_animation(np.zeros((4, 4)), str(tmp_path / "bad.gif"))


def test_writers_keep_their_old_homes():
    assert keras_gen.visualization is V
    assert keras_gen.callbacks.image_grid is V.image_grid
    assert keras_gen.callbacks.row_grid is V.row_grid
    assert keras_gen.callbacks.save_grid is V.save_grid
    assert keras_gen.latent.save_image_grid is V.save_image_grid
    assert keras_gen.latent.save_animation is V.save_animation
