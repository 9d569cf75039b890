"""The package's import graph flows one way: data -> networks -> models -> callbacks/evaluation -> tuning -> cli."""

import ast
import os

import pytest

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "keras_gen")

# Each top-level part of keras_gen and its layer; a module may import only its own
# layer or lower ones (lazy imports inside functions count too).
LAYERS = {
    "families": 0,
    "run_files": 0,
    "data": 0,
    "layers": 1,
    "losses": 1,
    "networks": 1,
    "training": 1,
    "models": 2,
    "callbacks": 3,
    "evaluation": 3,
    "latent": 3,
    "tuning": 4,
    "cli": 5,
}


def _modules():
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                parts = os.path.relpath(path, PACKAGE).split(os.sep)
                if parts[0] in ("__init__.py", "__main__.py"):
                    continue
                yield parts[0].removesuffix(".py"), path


def _parse(path):
    with open(path, encoding="utf-8") as file:
        return ast.parse(file.read())


def _keras_gen_imports(path):
    tree = _parse(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "keras_gen":
            parts = node.module.split(".")
            targets = [parts[1]] if len(parts) > 1 else [alias.name for alias in node.names]
            yield from ((target, node.lineno) for target in targets)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "keras_gen" and len(parts) > 1:
                    yield parts[1], node.lineno


def test_every_part_has_a_layer():
    parts = {part for part, _ in _modules()}
    assert parts <= set(LAYERS), parts - set(LAYERS)


@pytest.mark.parametrize("part", sorted(LAYERS))
def test_no_upward_imports(part):
    upward = [
        f"{os.path.relpath(path, PACKAGE)}:{line} imports keras_gen.{target}"
        for owner, path in _modules()
        if owner == part
        for target, line in _keras_gen_imports(path)
        if target in LAYERS and LAYERS[target] > LAYERS[part]
    ]
    assert not upward, upward


def test_no_family_names_in_the_cli():
    """The CLI reads the registry; a new family needs no CLI change."""
    from keras_gen import families

    names = set(families.names()) | {"VAE", "DCGAN", "GAN", "Autoencoder"}
    for name in os.listdir(os.path.join(PACKAGE, "cli")):
        if not name.endswith(".py"):
            continue
        tree = _parse(os.path.join(PACKAGE, "cli", name))
        strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
        identifiers = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        identifiers |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        assert not (strings | identifiers) & names, (name, (strings | identifiers) & names)
