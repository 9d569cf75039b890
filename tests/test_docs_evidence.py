"""Every measured figure in README.md and docs/*.md names its evidence.

A figure links the result file it comes from (`benchmarks/results/...`) or gives the
command and date that produced it. These tests check that every link into
`benchmarks/results/` resolves, and that no `TODO-` marker is left: a marker stands for a
table still to be filled or a figure still to be measured again, with its command
(`TODO-REMEASURE(<command>)`).
"""

import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results")
PAGES = [os.path.join(ROOT, "README.md"), *sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))]

# An inline Markdown link's target: `[text](target)` or `[text](target "title")`.
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
TODO_MARKER = re.compile(r"\bTODO-[A-Za-z]+")


def _lines(page):
    with open(page, encoding="utf-8") as f:
        yield from enumerate(f, start=1)


def _where(page, number):
    return f"{os.path.relpath(page, ROOT)}:{number}"


def _result_links():
    """(page:line, target, resolved path) of every relative link into benchmarks/results/."""
    for page in PAGES:
        for number, line in _lines(page):
            for target in LINK.findall(line):
                if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                    continue  # another site, or an anchor on the same page
                path = os.path.normpath(os.path.join(os.path.dirname(page), target.split("#")[0]))
                if os.path.commonpath([path, RESULTS]) == RESULTS:
                    yield _where(page, number), target, path


def test_pages_link_result_files():
    """The pages do link their result files (a guard on the link pattern itself)."""
    assert len(list(_result_links())) >= 20


def test_result_links_resolve():
    missing = [f"{where}: {target}" for where, target, path in _result_links() if not os.path.exists(path)]
    assert not missing, "Links to result files that do not exist:\n" + "\n".join(missing)


def test_no_todo_markers():
    """No table left to fill and no figure left to measure again (issue #30)."""
    found = [
        f"{_where(page, number)}: {marker}"
        for page in PAGES
        for number, line in _lines(page)
        for marker in TODO_MARKER.findall(line)
    ]
    assert not found, "TODO markers left in the documentation:\n" + "\n".join(found)
