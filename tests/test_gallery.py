"""benchmarks/gallery.py, without training: its errors, thumbnails and placeholders (the training ran by hand)."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def gallery(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    module = importlib.import_module("gallery")
    monkeypatch.setattr(module, "ZOO_JSON", str(tmp_path / "zoo.json"))
    monkeypatch.setattr(module, "ZOO_IMAGES", str(tmp_path / "zoo"))
    return module


def test_an_unknown_family_gives_the_registry_error_and_writes_nothing(gallery, tmp_path, capsys):
    assert gallery.main(["--families", "dcgan,nosuch"]) == 2
    error = capsys.readouterr().err
    assert "Unknown model family 'nosuch'" in error and "'wgan_gp'" in error
    assert list(tmp_path.iterdir()) == []


def test_budget_is_at_most_five_minutes(gallery):
    with pytest.raises(SystemExit):
        gallery.main(["--families", "dcgan", "--budget-seconds", "301"])


def test_families_restricts_and_keeps_the_order(gallery):
    assert gallery.parse_families("vae, dcgan") == ["vae", "dcgan"]
    assert gallery.parse_families(None) == sorted(gallery.families.names())


def test_a_thumbnail_of_a_noisy_grid_fits_30_kb(gallery, tmp_path):
    grid = np.random.default_rng(0).integers(0, 256, size=(600, 600, 3), dtype=np.uint8)
    Image.fromarray(grid).save(tmp_path / "grid.png")
    size = gallery.thumbnail(str(tmp_path / "grid.png"), str(tmp_path / "thumb.png"))
    assert size == (tmp_path / "thumb.png").stat().st_size <= 30_000
    with Image.open(tmp_path / "thumb.png") as thumb:
        assert thumb.width <= gallery.THUMBNAIL_WIDTH


def test_a_clip_thumbnail_is_the_gifs_first_frame(gallery, tmp_path):
    frames = [Image.fromarray(np.full((32, 32), value, dtype=np.uint8)) for value in (10, 250)]
    frames[0].save(tmp_path / "clips.gif", save_all=True, append_images=frames[1:])
    gallery.thumbnail(str(tmp_path / "clips.gif"), str(tmp_path / "thumb.png"))
    with Image.open(tmp_path / "thumb.png") as thumb:
        assert np.asarray(thumb.convert("L")).max() < 50


def test_placeholders_are_marked_and_only_for_families_without_a_thumbnail(gallery, tmp_path):
    (tmp_path / "zoo").mkdir()
    Image.new("L", (8, 8)).save(tmp_path / "zoo" / "dcgan.png")
    assert gallery.main(["--placeholders", "--families", "dcgan,vae"]) == 0
    zoo = json.loads((tmp_path / "zoo.json").read_text())
    assert set(zoo["families"]) == {"vae"} and zoo["families"]["vae"]["placeholder"] is True
    assert "provenance" in zoo and (tmp_path / "zoo" / "vae.png").exists()
    assert sys.modules["gallery"] is gallery
