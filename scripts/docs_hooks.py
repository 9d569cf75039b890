"""MkDocs hook of the keras_gen site (mkdocs.yml, `hooks:`): what the site generates at build time.

- Links from `docs/*.md` to files outside `docs/` (`../examples/x.py`, `../benchmarks/results/x.json`,
  `../README.md`) are rewritten to pages and files of the site: a page per example and per benchmark
  script showing its source (embedded with `pymdownx.snippets`, whose `check_paths` fails the build
  when the file moved), a copy of each result file, an index page per folder. The Markdown files
  keep the links that work when browsing the repository.
- `docs/index.md`: `<!-- readme: SECTION -->` becomes that `## SECTION` of the README.
- `docs/cli.md`: `<!-- cli-reference -->` becomes every subcommand's usage and flags, from
  `keras_gen.cli.build_parser()`.
- `docs/zoo.md`: `<!-- zoo-table -->` becomes one row per registered family (`keras_gen.families`), with
  its thumbnail `docs/images/zoo/<name>.png` and the gallery run recorded in `docs/zoo.json`
  (`benchmarks/gallery.py` writes both), and its headline figure from the README's family table.
- Each `Family.docs` page gets the thumbnails of its families under its title.

A family without a thumbnail, a page missing from the navigation or a marker missing from its page is
a warning naming the file, so `mkdocs build --strict` fails.
"""

from __future__ import annotations

import argparse
import ast
import html
import json
import logging
import os
import posixpath
import re
from pathlib import Path

from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.keras_gen")

ROOT = Path(__file__).resolve().parent.parent
# Folders outside docs/ whose files the pages may link; each file becomes a page (.py, .md) or a copy.
LINKED_FOLDERS = ("examples", "benchmarks")
ZOO_JSON = "zoo.json"
ZOO_IMAGES = "images/zoo"
PLACEHOLDER_NOTE = "placeholder, gallery not run"
# `[text](target)` and `![alt](target)`; the target without spaces or a title.
LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)(\))")
README_MARKER = re.compile(r"<!--\s*readme:\s*(.+?)\s*-->")
CLI_MARKER = "<!-- cli-reference -->"
ZOO_MARKER = "<!-- zoo-table -->"

# src_uri of each page -> the repository path its links are relative to (docs pages and copies of
# Markdown files from outside docs/); generated source pages are absent: their links are the site's.
_origins: dict[str, str] = {}
# repository path of an example -> the docs pages (src_uri) that link it.
_example_links: dict[str, list[str]] = {}


# ---------------------------------------------------------------------------------------------------
# Where a repository path lives in the site
# ---------------------------------------------------------------------------------------------------


def site_path(repo_path: str) -> str:
    """The src_uri in the site for the repository file or folder `repo_path` (posix, from the root)."""
    if repo_path in ("", "."):
        return "index.md"
    if repo_path == "docs" or repo_path.startswith("docs/"):
        inside = repo_path[len("docs/"):] if repo_path != "docs" else ""
        return posixpath.join(inside, "index.md") if (ROOT / repo_path).is_dir() else inside
    if repo_path == "README.md":
        return "index.md"  # the getting-started page is built from the README
    if (ROOT / repo_path).is_dir():
        return posixpath.join(repo_path, "index.md")
    if repo_path.endswith(".py"):
        return repo_path[: -len(".py")] + ".md"
    return repo_path


def rewrite_links(markdown: str, origin: str, src_uri: str) -> str:
    """`markdown`'s relative links, written for the repository file `origin`, as links of the page `src_uri`."""
    origin_dir = posixpath.dirname(origin)
    page_dir = posixpath.dirname(src_uri)

    def rewrite(match: re.Match) -> str:
        target = match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith(("#", "/")):
            return match.group(0)
        path, hash_, anchor = target.partition("#")
        repo_path = posixpath.normpath(posixpath.join(origin_dir, path))
        if repo_path.startswith("../"):
            return match.group(0)  # outside the repository: MkDocs reports it
        if not (ROOT / repo_path).exists():
            # Left for MkDocs to report as a broken link, by the name the page used.
            return match.group(0)
        new = posixpath.relpath(site_path(repo_path), page_dir or ".")
        return f"{match.group(1)}{new}{hash_}{anchor}{match.group(3)}"

    return _outside_code(markdown, lambda text: LINK.sub(rewrite, text))


def _outside_code(markdown: str, change) -> str:
    """`change` applied to the parts of `markdown` outside fenced code blocks."""
    parts = re.split(r"(^```.*?^```[^\n]*$)", markdown, flags=re.MULTILINE | re.DOTALL)
    return "".join(part if index % 2 else change(part) for index, part in enumerate(parts))


# ---------------------------------------------------------------------------------------------------
# Generated pages: sources of examples and benchmark scripts, folder indexes, copies
# ---------------------------------------------------------------------------------------------------


def _docstring(path: Path) -> str:
    try:
        return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    except SyntaxError:
        return ""


def source_page(repo_path: str, linked_from: list[str]) -> str:
    """A page showing the script `repo_path`: its docstring's summary, how to run it, its source."""
    path = ROOT / repo_path
    docstring = _docstring(path)
    summary, _, rest = docstring.partition("\n\n")
    src_uri = site_path(repo_path)
    lines = [f"# `{repo_path}`", ""]
    if summary:
        lines += [" ".join(summary.split()), ""]
    if rest:
        # The docstring's other paragraphs, as text: they hold commands and formulas.
        lines += ["```text", rest.rstrip(), "```", ""]
    if linked_from:
        pages = ", ".join(
            f"[{page[:-3]}]({posixpath.relpath(page, posixpath.dirname(src_uri))})" for page in sorted(linked_from)
        )
        lines += [f"Documented on: {pages}.", ""]
    lines += [
        f"Run it from the repository root: `python {repo_path}`.",
        "",
        "```python",
        f'--8<-- "{repo_path}"',
        "```",
        "",
    ]
    return "\n".join(lines)


def folder_page(repo_path: str) -> str:
    """A page listing the folder `repo_path`: its subfolders and files, each linked."""
    folder = ROOT / repo_path
    src_uri = site_path(repo_path)
    lines = [f"# `{repo_path}/`", ""]
    readme = folder / "README.md"
    if repo_path in ("examples",):
        lines += [("Every example script, each shown with its source. Run one with `--smoke` for a "
                  "quick check (seconds)."), ""]
    entries = sorted(folder.iterdir(), key=lambda p: (not p.is_dir(), p.name))
    for entry in entries:
        if entry.name.startswith((".", "__")) or entry == readme:
            continue
        child = posixpath.join(repo_path, entry.name)
        link = posixpath.relpath(site_path(child), posixpath.dirname(src_uri))
        name = entry.name + ("/" if entry.is_dir() else "")
        summary = _docstring(entry).split("\n", 1)[0] if entry.suffix == ".py" else ""
        lines.append(f"- [`{name}`]({link})" + (f": {summary}" if summary else ""))
    return "\n".join(lines) + "\n"


def _linked_examples(docs_dir: Path) -> dict[str, list[str]]:
    linked: dict[str, list[str]] = {}
    for page in sorted(docs_dir.glob("*.md")):
        for match in LINK.finditer(page.read_text(encoding="utf-8")):
            repo_path = posixpath.normpath(posixpath.join("docs", match.group(2).partition("#")[0]))
            if repo_path.startswith("examples/") and repo_path.endswith(".py"):
                linked.setdefault(repo_path, [])
                if page.name not in linked[repo_path]:
                    linked[repo_path].append(page.name)
    return linked


def on_config(config):
    """Points `pymdownx.snippets` at the repository root, wherever mkdocs runs from."""
    snippets = config["mdx_configs"].setdefault("pymdownx.snippets", {})
    snippets["base_path"] = [str(ROOT)]
    snippets["check_paths"] = True
    return config


def on_files(files: Files, config) -> Files:
    """Adds the pages and files generated from outside docs/."""
    _origins.clear()
    _example_links.clear()
    docs_dir = Path(config["docs_dir"])
    for file in files.documentation_pages():
        _origins[file.src_uri] = posixpath.join("docs", file.src_uri)
    _example_links.update(_linked_examples(docs_dir))
    for top in LINKED_FOLDERS:
        for folder, dirnames, filenames in os.walk(ROOT / top):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
            rel_folder = Path(folder).relative_to(ROOT).as_posix()
            files.append(File.generated(config, site_path(rel_folder), content=folder_page(rel_folder)))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                repo_path = posixpath.join(rel_folder, name)
                src_uri = site_path(repo_path)
                if name.endswith(".py"):
                    content = source_page(repo_path, _example_links.get(repo_path, []))
                    files.append(File.generated(config, src_uri, content=content))
                elif name.endswith(".md"):
                    _origins[src_uri] = repo_path
                    files.append(File.generated(config, src_uri, abs_src_path=str(ROOT / repo_path)))
                elif not name.endswith(".pyc"):
                    files.append(File.generated(config, src_uri, abs_src_path=str(ROOT / repo_path)))
    return files


def on_nav(nav, config, files):
    """Warns about each registered family's page that the navigation leaves out."""
    in_nav = {page.file.src_uri for page in nav.pages}
    for family in _families():
        page = _family_page(family)
        if page and page not in in_nav:
            log.warning(f"The page of the registered family '{family.name}', docs/{page}, is not in the "
                        "navigation: add it under 'Model families' in mkdocs.yml.")
    return nav


# ---------------------------------------------------------------------------------------------------
# The registry, the README, the gallery run
# ---------------------------------------------------------------------------------------------------


def _families():
    from keras_gen import families

    return families.families()


def _family_page(family) -> str | None:
    return family.docs[len("docs/"):] if family.docs and family.docs.startswith("docs/") else family.docs


def readme_section(heading: str) -> str:
    """The body of the README's `## heading` section (without the heading), links as the README has them."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.find(f"\n## {heading}\n")
    if start < 0:
        raise KeyError(heading)
    body_start = start + len(f"\n## {heading}\n")
    end = text.find("\n## ", body_start)
    return text[body_start: None if end < 0 else end].strip("\n")


def readme_headlines() -> dict[str, str]:
    """Each family's headline figure from the README's table "The families" (one source of the figures)."""
    rows = {}
    for line in readme_section("The families").splitlines():
        if not line.startswith("|") or set(line) <= set("|- "):
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        name = re.search(r"`([a-z0-9_]+)`", cells[0])
        if name and len(cells) >= 4:
            rows[name.group(1)] = cells[3]
    return rows


def load_zoo(docs_dir: Path) -> dict:
    path = docs_dir / ZOO_JSON
    if not path.exists():
        return {"run": {}, "families": {}}
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------------
# Page contents
# ---------------------------------------------------------------------------------------------------


def cli_reference() -> str:
    """Every `keras-gen` subcommand's usage and flags, as argparse prints them (`--help`), at 100 columns."""
    os.environ["COLUMNS"] = "100"  # argparse wraps its help at $COLUMNS
    from keras_gen.cli import build_parser

    parser = build_parser()
    lines = [
        "## Reference: every subcommand's flags",
        "",
        ("Generated from `keras_gen.cli.build_parser()` when the site is built: `keras-gen COMMAND --help` "
        "prints the same."),
        "",
        "```text",
        parser.format_help().rstrip(),
        "```",
        "",
    ]
    subparsers = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    for name, subparser in subparsers.choices.items():
        lines += [f"### `keras-gen {name}` flags", "", "```text", subparser.format_help().rstrip(), "```", ""]
    return "\n".join(lines)


def thumbnail_figure(family, src_uri: str, docs_dir: Path, width: int = 160) -> str:
    thumbnail = posixpath.join(ZOO_IMAGES, f"{family.name}.png")
    link = posixpath.relpath(thumbnail, posixpath.dirname(src_uri) or ".")
    # No "|" in the alt text: the figure sits in a table row.
    alt = html.escape(family.description).replace("|", "&#124;").replace("[", "(").replace("]", ")")
    return f"![{family.name}: {alt}]({link}){{ width=\"{width}\" loading=lazy }}"


def zoo_table(src_uri: str, docs_dir: Path) -> str:
    zoo = load_zoo(docs_dir)
    run = zoo.get("run", {})
    entries = zoo.get("families", {})
    headlines = readme_headlines()
    page_dir = posixpath.dirname(src_uri) or "."
    lines = []
    if run:
        lines += [_run_sentence(run), ""]
    # Five columns, the paper under the name and a 120-pixel thumbnail: the table fits a 1280-pixel window
    # without scrolling sideways (tests/test_docs_browser.py checks it).
    lines += ["| family | thumbnail | what it does | headline figure | thumbnail made |",
              "| --- | --- | --- | --- | --- |"]
    for family in _families():
        thumbnail = docs_dir / ZOO_IMAGES / f"{family.name}.png"
        if not thumbnail.exists():
            log.warning(f"The registered family '{family.name}' has no thumbnail docs/{ZOO_IMAGES}/{family.name}.png: "
                        f"run `python benchmarks/gallery.py --families {family.name}`.")
        match = re.search(r"\s*\(([^()]*\d{4})\)\s*$", family.description)
        paper = match.group(1) if match else "—"
        what = family.description[: match.start()] if match else family.description
        page = _family_page(family)
        name = f"[`{family.name}`]({posixpath.relpath(page, page_dir)})" if page else f"`{family.name}`"
        headline = headlines.get(family.name, "").strip()
        if headline in ("", "—"):
            headline = "not measured yet"
        else:
            headline = rewrite_links(headline, "README.md", src_uri)
        entry = entries.get(family.name)
        if entry is None:
            made = "not in docs/zoo.json"
        elif entry.get("placeholder"):
            made = f"**{PLACEHOLDER_NOTE}**"
        else:
            made = (f"{entry.get('grid', 'samples')} after {entry.get('seconds', 0):.0f} s "
                    f"({entry.get('steps', '?')} steps of {entry.get('batch_size', '?')})")
        image = thumbnail_figure(family, src_uri, docs_dir, width=120)
        lines.append(f"| {name}<br>{paper} | {image} | {what.replace('|', '&#124;')} | {headline} | {made} |")
    return "\n".join(lines) + "\n"


def _run_sentence(run: dict) -> str:
    parts = []
    if run.get("budget_seconds") is not None:
        parts.append(f"each family trained with its `keras-gen train` defaults for at most "
                     f"{run['budget_seconds']:g} s")
    if run.get("total_seconds") is not None:
        parts.append(f"the whole run took {run['total_seconds'] / 60:.1f} min")
    if run.get("processor"):
        parts.append(f"on {run['processor']}")
    if run.get("load_average") is not None:
        parts.append(f"load average {run['load_average']}")
    if run.get("date"):
        parts.append(f"on {run['date']}")
    command = f" (`{run['command']}`)" if run.get("command") else ""
    sentence = "The last gallery run" + command + ": " + "; ".join(parts) + "."
    for rerun in run.get("reruns", []):
        sentence += (f" Rerun after it (`{rerun.get('command', '')}`): {', '.join(rerun.get('families', []))}, "
                     f"{rerun.get('total_seconds', 0) / 60:.1f} min, load average {rerun.get('load_average')}.")
    if run.get("refit"):
        sentence += f" The thumbnails were then {run['refit']}."
    return sentence


def on_page_markdown(markdown: str, page, config, files) -> str:
    src_uri = page.file.src_uri
    docs_dir = Path(config["docs_dir"])
    origin = _origins.get(src_uri)
    if src_uri == "index.md":
        def readme(match: re.Match) -> str:
            try:
                return rewrite_links(readme_section(match.group(1)), "README.md", src_uri)
            except KeyError:
                log.warning(f"docs/index.md includes the README section '## {match.group(1)}', which README.md "
                            "does not have.")
                return ""

        markdown = README_MARKER.sub(readme, markdown)
    if src_uri == "cli.md":
        if CLI_MARKER not in markdown:
            log.warning(f"docs/cli.md has no '{CLI_MARKER}' line where the generated reference goes.")
        markdown = markdown.replace(CLI_MARKER, cli_reference())
    if src_uri == "zoo.md":
        if ZOO_MARKER not in markdown:
            log.warning(f"docs/zoo.md has no '{ZOO_MARKER}' line where the zoo table goes.")
        markdown = markdown.replace(ZOO_MARKER, zoo_table(src_uri, docs_dir))
    if origin is not None:
        markdown = rewrite_links(markdown, origin, src_uri)
    on_page = [family for family in _families() if _family_page(family) == src_uri]
    if on_page:
        figures = " ".join(thumbnail_figure(family, src_uri, docs_dir) for family in on_page)
        names = ", ".join(f"`{family.name}`" for family in on_page)
        zoo = posixpath.relpath("zoo.md", posixpath.dirname(src_uri) or ".")
        note = f"\n{figures}\n\n*From the [model zoo]({zoo}): {names}.*\n"
        title = re.search(r"^# .*$", markdown, flags=re.MULTILINE)
        at = title.end() if title else 0
        markdown = markdown[:at] + "\n" + note + markdown[at:]
    return markdown
