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
    "visualization": 1,
    "models": 2,
    "callbacks": 3,
    "evaluation": 3,
    "latent": 3,
    "tuning": 4,
    "recipes": 4,
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


def family_and_class_names():
    """Every registered family's name and its model class's name (`dcgan`, `DCGAN`, `CycleGAN`, ...)."""
    from keras_gen import families

    return set(families.names()) | {family.model.rpartition(":")[2] for family in families.families()}


def test_family_and_class_names_cover_the_registry():
    names = family_and_class_names()
    assert {"cyclegan", "CycleGAN", "Pix2Pix", "SRResNet", "ContextEncoder", "VAE", "GAN"} <= names


def test_no_family_names_in_the_cli():
    """The CLI reads the registry; a new family needs no CLI change (no family name, no model class)."""
    names = family_and_class_names()
    for name in os.listdir(os.path.join(PACKAGE, "cli")):
        if not name.endswith(".py"):
            continue
        tree = _parse(os.path.join(PACKAGE, "cli", name))
        strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
        identifiers = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        identifiers |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        identifiers |= {node.name.rpartition(".")[2] for node in ast.walk(tree) if isinstance(node, ast.alias)}
        assert not (strings | identifiers) & names, (name, (strings | identifiers) & names)


# Calls that build a model or a data pipeline: the CLI leaves them to `keras_gen.recipes`.
BUILDING_CALLS = {
    "for_images", "build", "compile", "load", "load_numpy", "load_pairs", "load_unpaired", "make_pairs",
    "load_batches", "batch_arrays", "from_tensor_slices",
}
# Same names, other things: reading a user's .npy file, a regular expression.
OTHER_CALLS = {"np.load", "re.compile"}


def _called_name(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)


def test_the_cli_builds_no_model_and_no_data_pipeline():
    """`keras_gen/cli/` parses flags, calls the library and prints."""
    for name in os.listdir(os.path.join(PACKAGE, "cli")):
        if not name.endswith(".py"):
            continue
        tree = _parse(os.path.join(PACKAGE, "cli", name))
        calls = {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and _called_name(node) in BUILDING_CALLS} - OTHER_CALLS
        assert not calls, (name, calls)


def _backend_imports(path):
    """The backend libraries a module imports (`jax`, `tensorflow`, `torch`), with their lines."""
    for node in ast.walk(_parse(path)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in ("jax", "jaxlib", "torch"):
                yield name, node.lineno


def test_models_never_import_a_backend_library():
    """Families run on every backend through `keras_gen.training`: no module under models/ imports JAX."""
    models = os.path.join(PACKAGE, "models")
    found = [
        f"{os.path.relpath(os.path.join(folder, name), PACKAGE)}:{line} imports {module}"
        for folder, _, files in os.walk(models)
        for name in files
        if name.endswith(".py")
        for module, line in _backend_imports(os.path.join(folder, name))
    ]
    assert not found, found
    # The check sees an import where there is one.
    assert list(_backend_imports(os.path.join(PACKAGE, "training", "jax.py")))
