"""`keras-gen interpolate` and `keras-gen edit` on small saved models."""

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

import keras_gen
from keras_gen import cli

# The digits data set is bundled, so these tests run everywhere in seconds.
TINY = ["--data", "digits", "--epochs", "1", "--limit", "128", "--batch-size", "32", "--width", "4",
        "--latent-dim", "4", "--verbose", "0"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = {}
    for name in ("vae", "cvae", "dcgan", "autoencoder"):
        folder = tmp_path_factory.mktemp(name)
        assert cli.main(["train", name, "--out", str(folder), *TINY]) == 0
        out[name] = str(folder / cli.MODEL_FILE)
    return out


@pytest.fixture(scope="module")
def zeros_npy(tmp_path_factory):
    images, labels = keras_gen.data.load_numpy("digits", "test", scale=(0, 255))
    path = tmp_path_factory.mktemp("images") / "zeros.npy"
    np.save(path, images[labels == 0][:4].astype("uint8"))
    return str(path)


def test_interpolate_writes_an_animation_of_every_walk(runs, tmp_path, capsys):
    out = tmp_path / "walk.gif"
    assert cli.main(["interpolate", runs["vae"], "--n", "3", "--steps", "5", "--out", str(out)]) == 0
    frames = iio.imread(out, index=None)
    assert frames.shape[0] == 5 + 3  # there and back
    assert "3 walks of 5 images" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["vae", "cvae", "dcgan"])
def test_interpolate_png_grid_is_reproducible(name, runs, tmp_path):
    paths = [tmp_path / f"{name}_{i}.png" for i in range(2)]
    for path in paths:
        assert cli.main(["interpolate", runs[name], "--n", "2", "--steps", "4", "--out", str(path)]) == 0
    a, b = (np.asarray(Image.open(p)) for p in paths)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (2 * 8 + 2, 4 * 8 + 3 * 2)  # 2 rows of 4 tiles of 8x8, padding 2


def test_interpolate_between_images_of_an_autoencoder(runs, zeros_npy, tmp_path, capsys):
    out = tmp_path / "ae.png"
    assert cli.main(["interpolate", runs["autoencoder"], "--images", zeros_npy, "--n", "2", "--out", str(out)]) == 0
    assert out.exists()
    assert cli.main(["interpolate", runs["autoencoder"], "--out", str(out)]) == cli.EXIT_USAGE
    assert "no prior" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["vae", "cvae"])
def test_edit_writes_input_reconstruction_and_edit(name, runs, zeros_npy, tmp_path, capsys):
    out = tmp_path / "edited.png"
    argv = ["edit", runs[name], "--images", zeros_npy, "--vector", "0:1", "--data", "digits",
            "--vector-images", "20", "--out", str(out)]
    assert cli.main(argv) == 0
    grid = np.asarray(Image.open(out))
    assert grid.shape == (4 * 8 + 3 * 2, 3 * 8 + 2 * 2)  # a row per image: input, reconstruction, edit
    assert "(input | reconstruction | edit)" in capsys.readouterr().out


def test_edit_a_gan_through_inversion(runs, zeros_npy, tmp_path):
    out = tmp_path / "gan.png"
    argv = ["edit", runs["dcgan"], "--images", zeros_npy, "--vector", "0:1", "--data", "digits",
            "--vector-images", "8", "--inversion-steps", "5", "--out", str(out)]
    assert cli.main(argv) == 0 and out.exists()


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["interpolate", "{vae}", "--out", "walk.avi"], "must end in .gif, .mp4 or .png"),
        (["interpolate", "{vae}", "--steps", "1"], "at least 2"),
        (["interpolate", "{vae}", "--label", "3"], "not class-conditional"),
        (["interpolate", "{vae}", "--images", "{zeros}", "--n", "5"], "need 10 images"),
        (["edit", "{vae}", "--images", "{zeros}", "--vector", "sneaker", "--data", "digits"], "FROM_CLASS:TO_CLASS"),
        (["edit", "{vae}", "--images", "{zeros}", "--vector", "0:12", "--data", "digits"], "out of range"),
        (["edit", "{vae}", "--images", "missing.npy", "--vector", "0:1", "--data", "digits"], "neither a .npy"),
    ],
)
def test_bad_arguments_are_one_line_errors(argv, expected, runs, zeros_npy, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = [a.format(vae=runs["vae"], zeros=zeros_npy) for a in argv]
    assert cli.main(argv) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("keras-gen: error:") and expected in err and "Traceback" not in err


def test_edit_checks_the_images_scale(runs, tmp_path, capsys):
    path = tmp_path / "bad.npy"
    np.save(path, np.full((2, 8, 8, 1), 3.0, "float32"))
    argv = ["edit", runs["vae"], "--images", str(path), "--vector", "0:1", "--data", "digits"]
    assert cli.main(argv) == cli.EXIT_USAGE
    assert "data_scale" in capsys.readouterr().err
