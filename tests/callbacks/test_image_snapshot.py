"""ImageSnapshot: fixed latent points, grid geometry, schedule, TensorBoard."""

import os

import keras
import numpy as np
import pytest
from PIL import Image

import keras_gen
from keras_gen.callbacks import ImageSnapshot, image_grid


def test_image_grid_layout_and_scaling():
    images = np.stack([np.full((4, 5, 1), v, "float32") for v in (-1.0, 0.0, 1.0)])
    grid = image_grid(images, data_scale=(-1, 1), columns=2, padding=1)
    assert grid.shape == (2 * 4 + 1, 2 * 5 + 1, 1) and grid.dtype == np.uint8
    assert grid[0, 0, 0] == 0 and grid[0, 6, 0] == 128 and grid[5, 0, 0] == 255
    assert grid[4, 0, 0] == 255  # padding is white
    with pytest.raises(ValueError, match="height, width, channels"):
        image_grid(np.zeros((4, 5)))


def test_snapshots_use_fixed_latent_points(tmp_path):
    gan = keras_gen.models.DCGAN.for_images((28, 28, 1), latent_dim=8, width=4, seed=0)
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    snapshot = ImageSnapshot(str(tmp_path / "snaps"), n=6, every=2, seed=5,
                             tensorboard_dir=str(tmp_path / "tb"), columns=3)
    x = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    gan.fit(x, batch_size=8, epochs=3, verbose=0, callbacks=[snapshot])
    names = sorted(os.listdir(tmp_path / "snaps"))
    assert names == ["samples_epoch_0002.png", "samples_epoch_0003.png"]  # every 2 + last
    latent = snapshot.latent_points(8)
    np.testing.assert_array_equal(latent, np.random.default_rng(5).standard_normal((6, 8)).astype("float32"))
    # The last grid is exactly the model's images from the fixed points.
    expected = image_grid(gan.generate(latent_points=latent), gan.data_scale, columns=3)
    saved = np.asarray(Image.open(tmp_path / "snaps" / "samples_epoch_0003.png"))
    np.testing.assert_array_equal(saved, expected[..., 0])
    assert any(name.startswith("events") for name in os.listdir(tmp_path / "tb"))


def test_invalid_arguments():
    with pytest.raises(ValueError, match="n and every"):
        ImageSnapshot("x", n=0)


def test_adversarial_chain_round_trip(tmp_path):
    gan = keras_gen.models.DCGAN.for_images((28, 28, 1), latent_dim=8, width=4, seed=0)
    path = tmp_path / "chain.keras"
    gan.adversarial.save(path)
    restored = keras.models.load_model(path)
    assert len(restored.trainable_weights) == len(gan.generator.trainable_weights)
    z = np.random.default_rng(0).standard_normal((3, 8)).astype("float32")
    np.testing.assert_allclose(restored(z), gan.adversarial(z), rtol=1e-6)


def test_completion_grids_of_an_autoregressive_model(tmp_path):
    model = keras_gen.models.PixelCNN.for_images((8, 8, 1), filters=4, num_layers=1, seed=0)
    model.compile()
    images = (np.random.default_rng(0).integers(0, 256, (8, 8, 8, 1)) / 255.0).astype("float32")
    snapshot = ImageSnapshot(str(tmp_path / "snaps"), n=4, seed=3, completion_images=images[:2])
    model.fit(images, batch_size=8, epochs=1, verbose=0, callbacks=[snapshot])
    assert sorted(os.listdir(tmp_path / "snaps")) == ["completions_epoch_0001.png", "samples_epoch_0001.png"]
    saved = np.asarray(Image.open(tmp_path / "snaps" / "completions_epoch_0001.png"))
    rows = model.completion_rows(images[:2], seed=3)  # the same seed: the same completions
    expected = keras_gen.callbacks.row_grid(rows, model.data_scale)
    np.testing.assert_array_equal(saved, expected[..., 0])
    np.testing.assert_array_equal(rows["completion"][:, :4], images[:2, :4])
