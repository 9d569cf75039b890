"""The documentation site (mkdocs.yml, scripts/docs_hooks.py): it builds with --strict and holds every family.

- One strict build per run (about 10 s on 2 cores) into a temporary folder, then checks of its
  output: an API entry with its dotted-path anchor for every name in each reference module's
  `__all__`, a zoo row and thumbnail per registered family, a figure on every family page, the
  command-line reference with every flag of the parser, a page per example.
- Without building: the navigation lists every `Family.docs` page, each family has a small
  thumbnail and a `docs/zoo.json` entry, every example is linked from its family's page, the
  hook warns (so --strict fails) about a missing thumbnail or page, and `scripts/docs.sh` fails
  clearly without the docs extra and on a taken port.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from keras_gen import families

mkdocs = pytest.importorskip(
    "mkdocs", reason="the docs extra is not installed: pip install -e '.[docs]' (scripts/setup.sh does)"
)
import yaml  # MkDocs' dependency

ROOT = Path(__file__).resolve().parent.parent
API_MODULES = ("models", "layers", "networks", "losses", "callbacks", "data", "evaluation", "latent", "tuning",
               "families", "training")
THUMBNAIL_BYTES = 30_000
THUMBNAILS_TOTAL_BYTES = 600_000


def hooks():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        return importlib.import_module("docs_hooks")
    finally:
        sys.path.pop(0)


def build_site(site: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def nav_pages(nav) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [page for item in nav for page in nav_pages(item)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in nav_pages(value)]
    return []


def mkdocs_config() -> dict:
    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml's `!!python/...` tags (the slug function) do not matter here.
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    with open(ROOT / "mkdocs.yml") as file:
        return yaml.load(file, Loader=Loader)


def public_names(module: str) -> list[str]:
    return list(importlib.import_module(f"keras_gen.{module}").__all__)


def test_strict_build_and_what_the_site_holds(tmp_path):
    site = tmp_path / "site"
    result = build_site(site)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr[-6000:]}"
    # API reference: every public name has its entry, anchored by its dotted path.
    for module in API_MODULES:
        page = (site / "api" / module / "index.html").read_text(encoding="utf-8")
        missing = [name for name in public_names(module) if f'id="keras_gen.{module}.{name}"' not in page]
        assert not missing, f"api/{module}.md has no entry for {missing}"
    # The "Args:" and "Example:" sections render: a parameter table and the doctest as code.
    dcgan = (site / "api" / "models" / "index.html").read_text(encoding="utf-8")
    assert "Parameters:" in dcgan and "language-python" in dcgan
    # The zoo: a row and a loaded thumbnail per registered family, linked to its page.
    zoo = (site / "zoo" / "index.html").read_text(encoding="utf-8")
    for family in families.families():
        assert f'src="../images/zoo/{family.name}.png"' in zoo, family.name
        assert (site / "images" / "zoo" / f"{family.name}.png").exists()
        page = family.docs[len("docs/"):-len(".md")]
        assert f'href="../{page}/' in zoo, family.name
        # Every family page shows its thumbnail.
        text = (site / page / "index.html").read_text(encoding="utf-8")
        assert f"images/zoo/{family.name}.png" in text, f"docs/{page}.md shows no thumbnail of {family.name}"
    # The CLI reference: every flag of every subcommand, from the parser.
    cli_page = (site / "cli" / "index.html").read_text(encoding="utf-8")
    from keras_gen.cli import build_parser

    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in subparsers.choices.items():
        for action in parser._actions:
            for flag in action.option_strings:
                assert flag in cli_page, f"keras-gen {name} {flag} is missing from the CLI reference"
    # Each example has a page with its source.
    for script in sorted((ROOT / "examples").glob("*.py")):
        page = site / "examples" / script.stem / "index.html"
        assert page.exists(), script.name
        assert "--smoke" in page.read_text(encoding="utf-8"), f"the page of {script.name} shows no source"
    # The home page carries the README's quick start.
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "runs/quickstart/vae.keras" in home


def test_navigation_lists_every_family_page():
    listed = set(nav_pages(mkdocs_config()["nav"]))
    missing = {f.name: f.docs for f in families.families() if f.docs[len("docs/"):] not in listed}
    assert not missing, f"mkdocs.yml's nav lacks the pages of {missing}"
    for page in listed:
        assert (ROOT / "docs" / page).exists() or page.startswith(("examples/", "benchmarks/")), page


def test_hook_warns_about_a_family_page_missing_from_the_navigation(caplog):
    docs_hooks = hooks()

    class Page:
        def __init__(self, src_uri):
            self.file = type("F", (), {"src_uri": src_uri})()

    nav = type("Nav", (), {"pages": [Page("index.md")]})()
    with caplog.at_level("WARNING", logger="mkdocs.hooks.keras_gen"):
        docs_hooks.on_nav(nav, {}, None)
    assert "docs/dcgan.md, is not in the navigation" in caplog.text


def test_zoo_has_a_small_thumbnail_and_a_record_for_every_family():
    zoo = json.loads((ROOT / "docs" / "zoo.json").read_text())
    images = ROOT / "docs" / "images" / "zoo"
    total = 0
    for name in families.names():
        thumbnail = images / f"{name}.png"
        assert thumbnail.exists(), f"no thumbnail for {name}: python benchmarks/gallery.py --families {name}"
        assert thumbnail.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert thumbnail.stat().st_size <= THUMBNAIL_BYTES, name
        total += thumbnail.stat().st_size
        entry = zoo["families"][name]
        assert entry["placeholder"] or {"budget_seconds", "seconds", "steps", "settings"} <= set(entry), name
    assert total <= THUMBNAILS_TOTAL_BYTES


def test_hook_warns_about_a_family_without_thumbnail(tmp_path, caplog):
    docs_hooks = hooks()
    with caplog.at_level("WARNING", logger="mkdocs.hooks.keras_gen"):
        table = docs_hooks.zoo_table("zoo.md", tmp_path)  # a docs folder without thumbnails
    assert "has no thumbnail docs/images/zoo/dcgan.png" in caplog.text
    assert table.count("\n| [`") == len(families.names())


def test_zoo_marks_placeholders_and_reads_headlines_from_the_readme(tmp_path):
    docs_hooks = hooks()
    (tmp_path / "zoo.json").write_text(json.dumps({"run": {}, "families": {"gan": {"placeholder": True}}}))
    rows = {re.search(r"`(\w+)`", row).group(1): row for row in docs_hooks.zoo_table("zoo.md", tmp_path).splitlines()
            if row.startswith("| [`")}
    assert "placeholder, gallery not run" in rows["gan"]
    assert "not measured yet" in rows["gan"]  # the README's "—"
    assert "FID 4.7" in rows["cgan"] and "(benchmarks/results/conditional_cgan_judge.json)" in rows["cgan"]


def test_links_out_of_docs_become_site_paths():
    docs_hooks = hooks()
    text = "[a](../examples/vae_fashion_mnist.py) [b](../benchmarks/results/latent.json#x) [c](../README.md) [d](x.md)"
    assert docs_hooks.rewrite_links(text, "docs/vae.md", "vae.md") == (
        "[a](examples/vae_fashion_mnist.md) [b](benchmarks/results/latent.json#x) [c](index.md) [d](x.md)"
    )
    # A link to a file that does not exist stays as written, for MkDocs to report by that name.
    assert docs_hooks.rewrite_links("[x](../examples/gone.py)", "docs/vae.md", "vae.md") == "[x](../examples/gone.py)"


def test_every_example_is_linked_from_its_family_page():
    family_pages = {f.docs for f in families.families()}
    text = {page: (ROOT / page).read_text(encoding="utf-8") for page in family_pages}
    for script in sorted((ROOT / "examples").glob("*.py")):
        linking = [page for page, body in text.items() if f"](../examples/{script.name})" in body]
        assert linking, f"examples/{script.name} is not linked from any family's page"
        first_lines = script.read_text(encoding="utf-8").split("\n\n", 3)[:3]
        assert any("Full run on 2 CPU cores" in part for part in first_lines), script.name


def test_docs_script_without_the_extra_says_what_to_install(tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nexit 1\n")  # an interpreter in which `import mkdocs` fails
    fake.chmod(0o755)
    result = subprocess.run(["bash", "scripts/docs.sh", "--check"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "DOCS_PYTHON": str(fake)}, timeout=60, check=False)
    assert result.returncode == 1
    assert "the docs extra is not installed" in result.stderr and 'pip install -e ".[docs]"' in result.stderr


def test_docs_script_names_a_taken_port(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(["bash", "scripts/docs.sh", "--port", str(port)], cwd=ROOT, capture_output=True,
                                text=True, env={**os.environ, "DOCS_PYTHON": sys.executable}, timeout=60, check=False)
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is taken" in result.stderr and "--port" in result.stderr
