"""`keras-gen sample --captions/--attributes`, `keras-gen edit --set` and caption snapshot grids, on tiny models."""

import re

import numpy as np
import pytest
from PIL import Image

from keras_gen import cli, recipes
from keras_gen.callbacks import ImageSnapshot
from keras_gen.data import Condition
from keras_gen.models import DCGAN, GANCLS, Attribute2Image, ConditionalGAN
from keras_gen.run_files import SAMPLES_CAPTIONS_FILE

CAPTIONS = Condition.tokens(["a", "dark", "light", "small", "large", "sandal", "boot"], max_length=4)
ATTRIBUTES = Condition.attributes(["ankle_boot", "brightness", "size"])
LAYOUT_CONDITION = {"attributes": Condition.attributes(["brightness", "size"]),
                    "layout": Condition.layout((2, 2), num_regions=3)}
LAYOUTS = np.array([[[0, 1], [2, 2]], [[1, 1], [0, 2]]], "int32")


def _side(rows, tile=8, padding=2):
    return rows * tile + (rows - 1) * padding


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("conditioned")
    models = {
        "captions": GANCLS.for_images((8, 8, 1), CAPTIONS, latent_dim=4, width=4, embedding_dim=4, seed=0),
        "gan_attributes": GANCLS.for_images((8, 8, 1), ATTRIBUTES, latent_dim=4, width=4, embedding_dim=4, seed=0),
        "attributes": Attribute2Image.for_images((8, 8, 1), ATTRIBUTES, latent_dim=4, width=4, hidden_units=8, seed=0),
        "dcgan": DCGAN.for_images((8, 8, 1), latent_dim=4, width=4, seed=0),
        "al_cgan": ConditionalGAN.for_images((8, 8, 1), condition=LAYOUT_CONDITION, latent_dim=4, width=4, seed=0),
    }
    paths = {}
    for name, model in models.items():
        model.compile()
        paths[name] = str(folder / f"{name}.keras")
        model.save(paths[name])
    return paths, models


def test_sample_draws_a_row_per_caption(saved, tmp_path, capsys):
    paths, models = saved
    out = tmp_path / "grid.png"
    assert cli.main(["sample", paths["captions"], "--captions", "a large dark boot", "a small light sandal",
                     "--n", "3", "--out", str(out)]) == 0
    grid = np.asarray(Image.open(out))
    assert grid.shape[:2] == (_side(2), _side(3))
    assert "2 rows of 3 samples" in capsys.readouterr().out
    array = tmp_path / "samples.npy"
    assert cli.main(["sample", paths["captions"], "--captions", "a dark boot", "--n", "2", "--out", str(array)]) == 0
    points = np.random.default_rng(0).standard_normal((2, 4)).astype("float32")  # fixed_latent_points(2, 4, 0)
    np.testing.assert_allclose(np.load(array), models["captions"].generate(
        latent_points=points, conditions=["a dark boot"] * 2), atol=1e-5)


def test_sample_draws_a_row_per_attribute_spec_with_unnamed_attributes_at_zero(saved, tmp_path):
    paths, models = saved
    out = tmp_path / "rows.npy"
    assert cli.main(["sample", paths["attributes"], "--attributes", "ankle_boot=1,brightness=0.8,size=0.4",
                     "size=0.1", "--n", "2", "--out", str(out)]) == 0
    conditions = np.repeat(np.array([[1.0, 0.8, 0.4], [0.0, 0.0, 0.1]], "float32"), 2, axis=0)
    points = np.tile(np.random.default_rng(0).standard_normal((2, 4)).astype("float32"), (2, 1))
    np.testing.assert_allclose(np.load(out), models["attributes"].generate(latent_points=points,
                                                                           conditions=conditions), atol=1e-5)


def test_sample_draws_a_row_per_layout_with_its_attribute_spec(saved, tmp_path, capsys):
    paths, models = saved
    np.save(tmp_path / "layouts.npy", LAYOUTS)
    out = tmp_path / "rows.npy"
    assert cli.main(["sample", paths["al_cgan"], "--layouts", str(tmp_path / "layouts.npy"), "--attributes",
                     "brightness=0.9", "size=0.3", "--n", "2", "--out", str(out)]) == 0
    assert "layout 0 brightness=0.9; layout 1 size=0.3" in capsys.readouterr().out
    points = np.tile(np.random.default_rng(0).standard_normal((2, 4)).astype("float32"), (2, 1))
    conditions = {"attributes": np.repeat(np.array([[0.9, 0.0], [0.0, 0.3]], "float32"), 2, axis=0),
                  "layout": np.repeat(LAYOUTS, 2, axis=0)}
    np.testing.assert_allclose(np.load(out), models["al_cgan"].generate(latent_points=points, conditions=conditions),
                               atol=1e-5)
    # One layout (h, w) for every spec; one spec for every layout.
    np.save(tmp_path / "one.npy", LAYOUTS[1])
    assert cli.main(["sample", paths["al_cgan"], "--layouts", str(tmp_path / "one.npy"), "--attributes", "size=1",
                     "size=0", "--n", "2", "--out", str(tmp_path / "grid.png")]) == 0
    assert np.asarray(Image.open(tmp_path / "grid.png")).shape[:2] == (_side(2), _side(2))


@pytest.mark.parametrize("model, flags, message", [
    ("al_cgan", ["--attributes", "size=1"], "conditioned on a layout too.*--layouts"),
    ("al_cgan", ["--layouts", "LAYOUTS", "--attributes", "size=1", "size=0", "size=0.5"],
     "3 specs and --layouts 2 layouts"),
    ("al_cgan", ["--layouts", "BAD"], r"conditions\['layout'\]: .*ids must lie in \[0, 3\)"),
    ("al_cgan", ["--layouts", "missing.npz"], "not a .npy file"),
    ("attributes", ["--layouts", "LAYOUTS"], "not conditioned on a layout"),
    ("attributes", ["--captions", "a dark boot"], "not conditioned on captions"),
    ("dcgan", ["--attributes", "size=1"], "not conditioned on attributes"),
    ("attributes", ["--attributes", "colour=1"], "unknown attribute 'colour'.*brightness"),
    ("attributes", ["--attributes", "size=2"], r"must lie in \[0, 1\]"),
])
def test_sample_condition_flags_fail_clearly(saved, tmp_path, capsys, model, flags, message):
    np.save(tmp_path / "layouts.npy", LAYOUTS)
    np.save(tmp_path / "bad.npy", LAYOUTS + 3)
    files = {"LAYOUTS": str(tmp_path / "layouts.npy"), "BAD": str(tmp_path / "bad.npy")}
    flags = [files.get(flag, flag) for flag in flags]
    assert cli.main(["sample", saved[0][model], *flags, "--out", str(tmp_path / "x.png")]) == cli.EXIT_USAGE
    assert re.search(message, capsys.readouterr().err)


def test_edit_set_writes_originals_and_edits(saved, tmp_path, capsys):
    paths, models = saved
    values = np.array([[1.0, 0.2, 0.5], [0.0, 0.7, 0.3]], "float32")
    images = models["attributes"].generate(latent_points=np.zeros((2, 4), "float32"), conditions=values)
    np.save(tmp_path / "in.npy", images)
    np.save(tmp_path / "cond.npy", values)
    out = tmp_path / "edited.png"
    assert cli.main(["edit", paths["attributes"], "--images", str(tmp_path / "in.npy"), "--set", "brightness=0.9",
                     "--conditions", str(tmp_path / "cond.npy"), "--out", str(out)]) == 0
    assert np.asarray(Image.open(out)).shape[:2] == (_side(2), _side(2))  # original | edited, a row per image
    assert "original | edited" in capsys.readouterr().out
    # GANs: a joint inversion of z and the attributes, without --conditions.
    assert cli.main(["edit", paths["gan_attributes"], "--images", str(tmp_path / "in.npy"), "--set",
                     "brightness=0.9,size=0.2", "--inversion-steps", "2", "--out", str(out)]) == 0
    # AL-CGAN: attributes and layout inverted jointly, or z alone with both parts in a .npz file.
    assert cli.main(["edit", paths["al_cgan"], "--images", str(tmp_path / "in.npy"), "--set", "brightness=0.9",
                     "--inversion-steps", "2", "--out", str(out)]) == 0
    np.savez(tmp_path / "parts.npz", attributes=values[:, 1:], layout=LAYOUTS)
    assert cli.main(["edit", paths["al_cgan"], "--images", str(tmp_path / "in.npy"), "--set", "size=0.9",
                     "--conditions", str(tmp_path / "parts.npz"), "--inversion-steps", "2", "--out", str(out)]) == 0


@pytest.mark.parametrize("model, flags, message", [
    ("attributes", ["--set", "brightness=0.9"], "pass --conditions"),
    ("gan_attributes", ["--set", "shine=0.9"], "unknown name 'shine'"),
    ("gan_attributes", ["--set", "brightness=high"], "NAME=VALUE with a number"),
])
def test_edit_set_fails_clearly(saved, tmp_path, capsys, model, flags, message):
    np.save(tmp_path / "in.npy", np.zeros((2, 8, 8, 1), "float32"))
    code = cli.main(["edit", saved[0][model], "--images", str(tmp_path / "in.npy"), *flags, "--inversion-steps", "1",
                     "--out", str(tmp_path / "x.png")])
    assert code == cli.EXIT_USAGE
    assert message in capsys.readouterr().err


def test_caption_snapshots_have_a_row_per_caption_and_list_them(saved, tmp_path):
    model = saved[1]["captions"]
    captions = ["a dark boot", "a small light sandal", "large boot"]
    snapshot = ImageSnapshot(str(tmp_path), caption_conditions=captions)
    snapshot.set_model(model)
    snapshot.on_epoch_end(0)
    grid = np.asarray(Image.open(tmp_path / "samples_epoch_0001.png"))
    assert grid.shape[:2] == (_side(3), _side(8))  # 8 samples per caption
    assert (tmp_path / SAMPLES_CAPTIONS_FILE).read_text().splitlines() == captions
    # Models not conditioned on captions keep their grids.
    assert "caption_conditions" not in recipes.snapshot_examples(saved[1]["attributes"], "fashion_captions",
                                                                 ["samples"])


def test_snapshot_captions_cover_as_many_classes_as_they_can():
    texts = ["a dark boot", "a dark boot", "a light boot", "a small bag", "a large bag", "a top"]
    assert recipes.pick_captions(texts, [9, 9, 9, 8, 8, 0], 4) == ["a dark boot", "a small bag", "a top",
                                                                   "a light boot"]
    assert recipes.pick_captions(texts, None, 2) == ["a dark boot", "a light boot"]
