"""`moving_sprites`, `voxel_shapes` and their registered data sets: rank-5 examples, seeded and checked."""

import numpy as np
import pytest
import scipy.ndimage

from keras_gen import data


def _items(count, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (count, 28, 28), dtype=np.uint8)


def test_moving_sprites_shapes_and_sprite_pixels():
    images = _items(6)
    clips, positions = data.moving_sprites(images, frames=4, canvas=20, num_sprites=2, scale=(0, 255))
    assert clips.shape == (3, 4, 20, 20, 1) and clips.dtype == np.float32
    assert positions.shape == (3, 4, 2, 2)
    one, _ = data.moving_sprites(images[:1], frames=5, canvas=20, scale=(0, 255))
    # Area downsampling 28 -> 14 is the 2x2 block mean, rounded to the 8-bit grid; the whole sprite is drawn.
    sprite = np.rint(images[0].reshape(14, 2, 14, 2).mean(axis=(1, 3)))
    np.testing.assert_array_equal(one[0].sum(axis=(1, 2, 3)), np.full(5, sprite.sum()))


def test_moving_sprites_speeds_and_bounces():
    _clips, positions = data.moving_sprites(_items(64), frames=12, canvas=24, speed=(1.0, 3.0), seed=3)
    steps = np.diff(positions, axis=1)
    assert np.linalg.norm(steps, axis=-1).max() <= 3.0 + 1e-9
    # Each axis moves by its constant component except at a bounce: the largest step per axis gives the speed.
    speeds = np.hypot(*np.abs(steps).max(axis=1).transpose(2, 0, 1))
    assert speeds.min() >= 1.0 - 1e-9 and speeds.max() <= 3.0 + 1e-9
    assert np.ptp(speeds) > 1.0  # uniform in the range, not one speed
    half = 7.0
    assert positions.min() >= half - 1e-9 and positions.max() <= 24 - half + 1e-9
    bounced = np.sign(steps[:, 1:]) * np.sign(steps[:, :-1]) < 0
    assert bounced.any(axis=(1, 2, 3)).mean() > 0.5  # most clips bounce, and stay in the canvas
    directions = np.arctan2(steps[:, 0, 0, 0], steps[:, 0, 0, 1])
    assert np.histogram(directions, bins=4, range=(-np.pi, np.pi))[0].min() > 0


def test_moving_sprites_background_grid_and_seeds():
    images = _items(4)
    clips, positions = data.moving_sprites(images, frames=3, canvas=16, sprite_size=8, seed=1)
    levels = (clips + 1.0) * 127.5
    np.testing.assert_allclose(levels, np.rint(levels), atol=1e-4)
    assert clips.min() == -1.0 and (clips == -1.0).mean() > 0.5  # the background is the scale's low value
    again, again_positions = data.moving_sprites(images, frames=3, canvas=16, sprite_size=8, seed=1)
    np.testing.assert_array_equal(clips, again)
    np.testing.assert_array_equal(positions, again_positions)
    other, _ = data.moving_sprites(images, frames=3, canvas=16, sprite_size=8, seed=2)
    assert not np.array_equal(clips, other)


def test_moving_sprites_errors():
    with pytest.raises(ValueError, match="uint8 images.*unscale_images"):
        data.moving_sprites(np.zeros((2, 28, 28), np.float32))
    with pytest.raises(ValueError, match="multiple of num_sprites=2"):
        data.moving_sprites(_items(3), num_sprites=2)
    with pytest.raises(ValueError, match="does not fit in canvas=10"):
        data.moving_sprites(_items(1), canvas=10)


def _components(grid):
    return scipy.ndimage.label(grid, structure=np.ones((3, 3, 3)))[1]


@pytest.mark.parametrize("size", [8, 16])
def test_voxel_shapes_are_connected_seeded_and_balanced(size):
    voxels, labels = data.voxel_shapes(30, size=size, seed=4)
    assert voxels.shape == (30, size, size, size, 1) and voxels.dtype == np.uint8
    assert set(np.unique(voxels)) == {0, 1}
    assert [_components(grid[..., 0]) for grid in voxels] == [1] * 30
    np.testing.assert_array_equal(np.bincount(labels), [10, 10, 10])
    again, again_labels = data.voxel_shapes(30, size=size, seed=4)
    np.testing.assert_array_equal(voxels, again)
    np.testing.assert_array_equal(labels, again_labels)
    assert not np.array_equal(voxels, data.voxel_shapes(30, size=size, seed=5)[0])
    # Proportions and positions are jittered: the shapes differ in size.
    filled = voxels[..., 0].sum(axis=(1, 2, 3))
    assert len({int(v) for v in filled}) > 10


def test_voxel_shapes_classes_and_errors():
    voxels, labels = data.voxel_shapes(4, size=8, classes=("sofa",))
    assert labels.tolist() == [0, 0, 0, 0]
    # A sofa stands on a base that covers its footprint: its floor row is one box.
    floor = voxels[0, :, -1, :, 0]
    assert floor.sum() == np.count_nonzero(voxels[0, :, :, :, 0].max(axis=1))
    with pytest.raises(ValueError, match=r"classes takes distinct names from \('chair', 'table', 'sofa'\)"):
        data.voxel_shapes(3, classes=("bed",))
    with pytest.raises(ValueError, match="size must be an integer of at least 8"):
        data.voxel_shapes(3, size=4)


def test_moving_fashion_mnist_is_registered_and_loads_rank_5_clips():
    info = data.info("moving_fashion_mnist")
    assert info.kind == "videos" and info.example_shape == (8, 32, 32, 1) and info.image_shape == (32, 32, 1)
    assert info.num_classes == 10
    clips, labels = data.load_numpy("moving_fashion_mnist", "test", limit=5)
    assert clips.shape == (5, 8, 32, 32, 1) and clips.min() == -1.0 and clips.max() <= 1.0
    _, fashion_labels = data.load_numpy("fashion_mnist", "test", limit=5)
    np.testing.assert_array_equal(labels, fashion_labels)  # the label is the sprite's class
    # A clip depends only on its split and index.
    fewer, _ = data.load_numpy("moving_fashion_mnist", "test", limit=3)
    np.testing.assert_array_equal(fewer, clips[:3])
    batch, batch_labels = next(iter(data.load("moving_fashion_mnist", "test", batch_size=2, labels=True, limit=4)))
    assert tuple(batch.shape) == (2, 8, 32, 32, 1) and tuple(batch_labels.shape) == (2,)


def test_voxel_shapes_is_registered_and_loads_rank_5_grids():
    info = data.info("voxel_shapes")
    assert info.kind == "voxels" and info.example_shape == (16, 16, 16, 1)
    assert info.class_names == ("chair", "table", "sofa") and info.value_range == (0.0, 1.0)
    grids, labels = data.load_numpy("voxel_shapes", "test", scale=(0, 1))
    assert grids.shape == (3000, 16, 16, 16, 1) and set(np.unique(grids)) == {0.0, 1.0}
    np.testing.assert_array_equal(np.bincount(labels), [1000, 1000, 1000])
    batch, batch_labels = next(iter(data.load("voxel_shapes", "test", batch_size=4, scale=(0, 1), labels=True)))
    assert tuple(batch.shape) == (4, 16, 16, 16, 1) and tuple(batch_labels.shape) == (4,)


@pytest.mark.slow  # both full splits, 15,000 shapes
def test_voxel_shapes_test_split_is_mostly_new_shapes():
    # Revision 1 repeated half of the test shapes in train (its jitter did not survive the 16^3 grid);
    # revision 2 jitters thicknesses and insets too: about 6 % of the test shapes have an exact copy in train.
    train, _ = data.load_numpy("voxel_shapes", "train", scale=(0, 1))
    test, test_labels = data.load_numpy("voxel_shapes", "test", scale=(0, 1))
    seen = {grid.tobytes() for grid in train.astype(np.uint8)}
    copied = np.array([grid.tobytes() in seen for grid in test.astype(np.uint8)])
    assert copied.mean() < 0.08, copied.mean()
    assert all(copied[test_labels == label].mean() < 0.12 for label in range(3))
    assert len(seen) > 0.95 * len(train)


def test_voxel_shapes_revision_keys_the_feature_network_cache():
    info = data.info("voxel_shapes")
    assert info.revision == data.voxels.VOXEL_SHAPES_REVISION == 2 and data.info("fashion_mnist").revision == 1
    from keras_gen.evaluation.classifiers import ClassifierRecipe

    assert ClassifierRecipe().cache_stem("voxel_shapes") == "voxel_shapes-v1-r2"
    assert ClassifierRecipe().cache_stem("fashion_mnist") == "fashion_mnist-v1"


def test_register_refuses_a_bad_revision(flashes_name):
    def load_flashes(split, data_dir):
        return np.zeros((2, 4, 4, 4, 1), np.float32), np.zeros(2, np.int32)

    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="revision must be an integer >= 1"):
            data.register(flashes_name, load_flashes, None, 2, example_shape=(4, 4, 4, 1), kind="voxels",
                          overwrite=True, revision=bad)
    assert data.register(flashes_name, load_flashes, None, 2, example_shape=(4, 4, 4, 1), kind="voxels",
                         overwrite=True, revision=3).revision == 3


@pytest.fixture
def flashes_name():
    """The name of a data set registered by the test, removed from the registry afterwards."""
    yield "flashes"
    data.registry._REGISTRY.pop("flashes", None)


def test_register_a_data_set_of_clips(flashes_name):
    def load_flashes(split, data_dir):
        clips = np.zeros((6, 3, 4, 4), np.uint8)  # no channel axis
        clips[:, 1] = 255
        return clips, np.arange(6) % 2

    info = data.register("flashes", load_flashes, None, 2, example_shape=(3, 4, 4, 1), kind="videos",
                         overwrite=True)
    assert info.image_shape == (4, 4, 1) and info.example_shape == (3, 4, 4, 1)
    clips, _labels = data.load_numpy("flashes", scale=(0, 1))
    assert clips.shape == (6, 3, 4, 4, 1) and clips[:, 1].min() == 1.0 and clips[:, 0].max() == 0.0
    with pytest.raises(ValueError, match=r"needs example_shape=\(frames, height, width, channels\)"):
        data.register("flashes", load_flashes, (4, 4, 1), 2, kind="videos", overwrite=True)
    with pytest.raises(ValueError, match=r"example_shape of voxels must be \(depth, height, width, channels\)"):
        data.register("flashes", load_flashes, None, 2, example_shape=(4, 4, 1), kind="voxels", overwrite=True)
    assert data.info("fashion_mnist").kind == "images"
    assert data.info("fashion_mnist").example_shape == (28, 28, 1)
