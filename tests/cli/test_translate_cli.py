"""`keras-gen train` for the image-to-image families and `keras-gen translate`."""

import numpy as np
import pytest
from PIL import Image

import keras_gen
from keras_gen import cli
from keras_gen.models import ContextEncoder, CycleGAN, Pix2Pix, SRResNet


def train(tmp_path, family, *extra):
    out = tmp_path / family
    argv = ["train", family, "--data", "digits", "--limit", "32", "--batch-size", "16", "--epochs", "1",
            "--width", "4", "--out", str(out), "--verbose", "0", *extra]
    assert cli.main(argv) == 0
    return out


@pytest.fixture(scope="module")
def pix2pix_path(tmp_path_factory):
    return str(train(tmp_path_factory.mktemp("runs"), "pix2pix") / cli.MODEL_FILE)


def test_train_pix2pix_writes_translation_grids(pix2pix_path):
    model = cli.load_generative_model(pix2pix_path)
    assert isinstance(model, Pix2Pix)
    grid = np.asarray(Image.open(pix2pix_path.replace(cli.MODEL_FILE, cli.TRANSLATIONS_FILE)))
    assert grid.shape[0] > 8 and grid.shape[1] > 3 * 8


def test_translate_to_npy_png_and_folder(pix2pix_path, tmp_path):
    images, _ = keras_gen.data.load_numpy("digits", "test", scale=(-1, 1), limit=5)
    edges, _ = keras_gen.data.make_pairs(images, "edges")
    source = tmp_path / "edges.npy"
    np.save(source, edges)
    out = tmp_path / "out.npy"
    assert cli.main(["translate", pix2pix_path, "--images", str(source), "--out", str(out)]) == 0
    model = cli.load_generative_model(pix2pix_path)
    np.testing.assert_allclose(np.load(out), model.translate(edges), atol=1e-6)
    assert cli.main(["translate", pix2pix_path, "--data", "digits", "--n", "4", "--out", str(tmp_path / "g.png")]) == 0
    assert (tmp_path / "g.png").exists()
    assert cli.main(["translate", pix2pix_path, "--images", str(source), "--out", str(tmp_path / "pngs")]) == 0
    assert min(p.name for p in (tmp_path / "pngs").iterdir()) == "translated_0000.png"
    assert len(list((tmp_path / "pngs").iterdir())) == 5
    stochastic = tmp_path / "s.npy"
    assert cli.main(["translate", pix2pix_path, "--images", str(source), "--out", str(stochastic),
                     "--stochastic"]) == 0


def test_translate_bad_input_is_a_clear_error(pix2pix_path, tmp_path, capsys):
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.zeros((2, 4, 4, 1), "float32"))
    assert cli.main(["translate", pix2pix_path, "--images", str(wrong)]) == cli.EXIT_USAGE
    assert "size mismatch" in capsys.readouterr().err
    assert cli.main(["translate", pix2pix_path, "--direction", "b_to_a"]) == cli.EXIT_USAGE
    assert "one way only" in capsys.readouterr().err
    assert cli.main(["translate", pix2pix_path, "--masks", str(wrong)]) == cli.EXIT_USAGE
    assert "only a context encoder" in capsys.readouterr().err


def saved(tmp_path, family, **overrides):
    """A new model of `family` for 8x8 digits, saved as `keras-gen train` saves it (untrained: `translate`,
    not training, is under test here; every family's `keras-gen train` is tests/test_families.py's)."""
    out = tmp_path / family
    out.mkdir()
    keras_gen.recipes.build_model(family, (8, 8, 1), seed=0, width=4, **overrides).save(out / cli.MODEL_FILE)
    return out


def test_superres_inpaint_and_cyclegan_through_the_cli(tmp_path, capsys):
    out = saved(tmp_path, "srresnet", num_blocks=1, factor=2)
    model = cli.load_generative_model(str(out / cli.MODEL_FILE))
    assert isinstance(model, SRResNet) and model.input_image_shape == (4, 4, 1)
    assert cli.main(["translate", str(out / cli.MODEL_FILE), "--data", "digits", "--out",
                     str(tmp_path / "sr.npy"), "--n", "3"]) == 0
    assert np.load(tmp_path / "sr.npy").shape == (3, 8, 8, 1)

    out = saved(tmp_path, "context_encoder", code_dim=8, hole=(4, 4))
    model = cli.load_generative_model(str(out / cli.MODEL_FILE))
    assert isinstance(model, ContextEncoder) and model.hole == (4, 4)
    images, _ = keras_gen.data.load_numpy("digits", "test", scale=(-1, 1), limit=3)
    np.save(tmp_path / "images.npy", images)
    masks = np.zeros((3, 8, 8, 1), "float32")
    masks[:, :3, :3] = 1
    np.save(tmp_path / "masks.npy", masks)
    assert cli.main(["translate", str(out / cli.MODEL_FILE), "--images", str(tmp_path / "images.npy"),
                     "--masks", str(tmp_path / "masks.npy"), "--out", str(tmp_path / "filled.npy")]) == 0
    filled = np.load(tmp_path / "filled.npy")
    np.testing.assert_array_equal(filled[masks[..., 0] == 0], images[masks[..., 0] == 0])
    np.save(tmp_path / "soft.npy", masks * 0.5)
    assert cli.main(["translate", str(out / cli.MODEL_FILE), "--images", str(tmp_path / "images.npy"),
                     "--masks", str(tmp_path / "soft.npy"), "--out", str(tmp_path / "x.npy")]) == cli.EXIT_USAGE
    assert "only 0" in capsys.readouterr().err

    out = saved(tmp_path, "cyclegan", num_blocks=1)
    model = cli.load_generative_model(str(out / cli.MODEL_FILE))
    assert isinstance(model, CycleGAN)
    assert cli.main(["translate", str(out / cli.MODEL_FILE), "--images", str(tmp_path / "images.npy"),
                     "--direction", "b_to_a", "--out", str(tmp_path / "ba.npy")]) == 0
    np.testing.assert_allclose(np.load(tmp_path / "ba.npy"), model.translate(images, direction="b_to_a"), atol=1e-6)


def test_task_and_domain_flags_are_checked(tmp_path, capsys):
    argv = ["train", "dcgan", "--data", "digits", "--task", "edges", "--out", str(tmp_path), "--verbose", "0"]
    assert cli.main(argv) == cli.EXIT_USAGE
    assert "does not train on (input, target) pairs" in capsys.readouterr().err
    argv = ["train", "cyclegan", "--data", "digits", "--domain-a", "cat", "--out", str(tmp_path), "--verbose", "0"]
    assert cli.main(argv) == cli.EXIT_USAGE
    assert "unknown class 'cat'" in capsys.readouterr().err


def test_translate_needs_a_translating_model(tmp_path, capsys):
    out = tmp_path / "ae"
    argv = ["train", "autoencoder", "--data", "digits", "--limit", "16", "--batch-size", "16", "--epochs", "1",
            "--latent-dim", "4", "--width", "4", "--out", str(out), "--verbose", "0"]
    assert cli.main(argv) == 0
    assert cli.main(["translate", str(out / cli.MODEL_FILE)]) == cli.EXIT_USAGE
    assert "does not translate images" in capsys.readouterr().err


def test_the_command_line_knows_the_data_tasks():
    assert cli.common.PAIRED_TASKS == keras_gen.data.TASKS
