"""The README cannot drift: its family table matches the registry, its links resolve, its Python runs.

- The table under "## The families" has one row per registered family, no more: the
  name links the family's docs page, the paper is the one its registry description
  cites, "what it does" is the rest of that description, and the headline figure links
  the result file it comes from (or says "—", or is a marked placeholder).
- Every relative link and image of the README points to a file of the repository.
- The README's ```python blocks run, in order, with fresh globals (so each import they need
  must be in them) inside a temporary folder (so `runs/` is not written into the clone),
  traced as for the user who runs them; in this process, which has TensorFlow imported
  already (a fresh process spent a fifth of the test importing it). A block preceded by
  `<!-- test: skip, REASON -->` is left out: the longer recipe trains for minutes.
  The quick start must stay quick: on 2 busy CPU cores it ran in 44-47 s, import included.
"""

import os
import re
import time

import pytest

import keras_gen
from keras_gen import families
from scripts import readme_figure

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README_PATH = os.path.join(REPO_ROOT, "README.md")
SKIP_MARK = re.compile(r"<!--\s*test:\s*skip\b.*-->")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
# "Deep convolutional GAN ... (Radford et al., 2015)": the description's last parenthesis cites the paper.
CITATION = re.compile(r"\s*\(([^()]*\d{4})\)\s*$")
PLACEHOLDER = "TODO-HEADLINE"


def read_readme() -> str:
    with open(README_PATH, encoding="utf-8") as file:
        return file.read()


def section(text: str, heading: str) -> str:
    """The text of the `## heading` section, up to the next `## `."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : None if end < 0 else end]


def table_rows(text: str) -> list[list[str]]:
    """The cells of a Markdown table's body rows (`\\|` inside a cell is a literal bar)."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= set("|- "):
            continue
        cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        rows.append([cell.strip().replace("\\|", "|") for cell in cells])
    return rows[1:]  # without the header


def python_blocks(text: str) -> list[tuple[str, str | None]]:
    """Every ```python block as `(code, skip_reason)`; the reason is None for blocks that run."""
    blocks = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        if lines[index].strip() == "```python":
            previous = next((line for line in reversed(lines[:index]) if line.strip()), "")
            mark = SKIP_MARK.search(previous)
            end = lines.index("```", index + 1)
            blocks.append(("\n".join(lines[index + 1 : end]), mark.group(0) if mark else None))
            index = end
        index += 1
    return blocks


def relative_links(text: str) -> list[str]:
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target) and not target.startswith("#")]


def test_family_table_matches_the_registry():
    rows = table_rows(section(read_readme(), "The families"))
    names = [re.fullmatch(r"\[`(\w+)`\]\(([^)]+)\)", row[0]).group(1) for row in rows]
    assert sorted(names) == families.names(), "the table must list exactly the registered families"
    assert len(names) == len(set(names))
    for name_cell, paper, what, headline in rows:
        name, docs = re.fullmatch(r"\[`(\w+)`\]\(([^)]+)\)", name_cell).groups()
        family = families.get(name)
        citation = CITATION.search(family.description)
        assert docs == family.docs, f"{name}: the name links {docs}, the registry says {family.docs}"
        assert paper == (citation.group(1) if citation else "—"), f"{name}: paper {paper!r}"
        assert what == CITATION.sub("", family.description), f"{name}: {what!r} is not its registry description"
        targets = relative_links(headline)
        assert targets or headline == "—" or PLACEHOLDER in headline, f"{name}: the figure links no result"
        for target in targets:
            assert os.path.isfile(os.path.join(REPO_ROOT, target)), f"{name}: {target} does not exist"


def test_relative_links_point_to_files():
    missing = [target for target in relative_links(read_readme())
               if not os.path.exists(os.path.join(REPO_ROOT, target.split("#")[0]))]
    assert missing == []


def test_the_picture_is_composed_from_benchmark_grids():
    text = read_readme()
    assert "docs/images/families_grid.png" in text
    for grid, _, _ in readme_figure.PANELS:
        assert os.path.isfile(os.path.join(readme_figure.IMAGES, grid)), grid
    assert os.path.isfile(os.path.join(readme_figure.IMAGES, "families_grid.png"))


def test_the_longer_recipe_is_the_only_block_left_out():
    blocks = python_blocks(read_readme())
    assert [reason is None for _, reason in blocks] == [True, False]


@pytest.mark.graph  # fit traces its step, as it does for the user who runs the blocks
def test_readme_python_blocks_run(tmp_path, monkeypatch):
    try:
        keras_gen.data.load_numpy("fashion_mnist", "test", limit=1)
    except keras_gen.data.DatasetNotFoundError:
        pytest.skip("the README's blocks read Fashion-MNIST, which is not installed (scripts/setup.sh installs it)")
    code = "\n\n".join(block for block, reason in python_blocks(read_readme()) if reason is None)
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    exec(compile(code, README_PATH, "exec"), {"__name__": "__main__"})  # noqa: S102 - the README's own code
    seconds = time.perf_counter() - start
    assert (tmp_path / "runs" / "quickstart" / "samples.png").is_file()
    assert (tmp_path / "runs" / "quickstart" / "vae.keras").is_file()
    print(f"the README's quick start ran in {seconds:.1f} s")
