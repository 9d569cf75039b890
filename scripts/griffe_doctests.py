"""A griffe extension for the API reference (mkdocs.yml): docstrings' doctest lines shown as code.

keras_gen's docstrings end with an `Example:` section of `>>>` lines, as Keras' do. The Google
parser of griffe reads `Example:` as an admonition of Markdown text, where `>>> x[0]` would be a
paragraph and `[0]` a cross-reference; this wraps each run of doctest lines (from a `>>>` line to
the next blank line) in a ```python fence before the docstring is parsed.
"""

from __future__ import annotations

import re

import griffe

SECTION = re.compile(r"^\s*[A-Z][A-Za-z ]*:\s*$")


def fence_doctests(text: str) -> str:
    """`text` with each block of `>>>` lines and their output inside a ```python fence."""
    lines = text.split("\n")
    out: list[str] = []
    in_fence = False
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.lstrip()
        if stripped.startswith("```"):
            in_fence = not in_fence
        if in_fence or not stripped.startswith(">>>"):
            out.append(line)
            index += 1
            continue
        indent = line[: len(line) - len(stripped)]
        block = []
        while (index < len(lines) and lines[index].strip() and lines[index].startswith(indent)
               and not SECTION.match(lines[index])):
            block.append(lines[index][len(indent):])
            index += 1
        out += [indent + "```python", *(indent + code for code in block), indent + "```"]
    return "\n".join(out)


class FenceDoctests(griffe.Extension):
    """Wraps doctest lines in code fences, for every object griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
