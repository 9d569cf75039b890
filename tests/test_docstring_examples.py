"""The `Example:` sections of the public docstrings run, so they cannot drift from the API.

Every module of `keras_gen.models`, `layers`, `losses`, `networks`, `latent` and
`data` is searched for the docstrings of its public objects (the module itself,
functions, classes and their methods whose names do not start with `_`). The lines
after `Example:` run as a doctest in a fresh namespace: the module's globals plus
`keras`, `keras_gen`, `np` and `numpy`, in a temporary working directory (some
examples write files). Expected outputs are compared with `...` allowed and
whitespace forgiven; Keras' progress bars are off. Data sets an example registers
are unregistered after it.

Examples that train a model, run an optimization or sampling loop, or read all of
Fashion-MNIST take seconds each (about two minutes together on 2 cores): they are
marked `slow` (`bash scripts/test.sh -m slow`); the others run in every test run.
An example that cannot run here at all is listed in `SKIPPED` with the reason, and a
test fails when a listed name no longer has an example, so the list stays honest.
Examples that read Fashion-MNIST are skipped where its files are not installed.
"""

import doctest
import functools
import importlib
import inspect
import os
import pkgutil
import time

import keras
import numpy as np
import pytest

import keras_gen
from keras_gen.data import registry

PACKAGES = (
    "keras_gen.models",
    "keras_gen.layers",
    "keras_gen.losses",
    "keras_gen.networks",
    "keras_gen.latent",
    "keras_gen.data",
)
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

# name -> why its example does not run here.
_TRAIN_STEP_FRAGMENT = "a fragment of a family's train_step (`model`, `context`); every adversarial family's tests run it"
SKIPPED = {
    "keras_gen.data.tfds_source.tfds_dataset": "downloads CIFAR-10 through TensorFlow Datasets",
    "keras_gen.models.adversarial.update.Adversarial": _TRAIN_STEP_FRAGMENT,
    "keras_gen.models.adversarial.update.Adversarial.discriminator_update": _TRAIN_STEP_FRAGMENT,
    "keras_gen.models.adversarial.update.Adversarial.mean_scores": _TRAIN_STEP_FRAGMENT,
    "keras_gen.models.adversarial.update.Adversarial.update_players": _TRAIN_STEP_FRAGMENT,
}

# name -> why its example is marked slow, besides every example that calls `fit`.
_FULL_DATA_SET = "reads all 60,000 Fashion-MNIST training images"
_INVERSION = "optimizes latent points (GAN inversion)"
SLOW = {
    "keras_gen.data": _FULL_DATA_SET,
    "keras_gen.data.pipeline.load": _FULL_DATA_SET,
    "keras_gen.data.pairs.load_pairs": _FULL_DATA_SET,
    "keras_gen.data.pairs.load_unpaired": _FULL_DATA_SET,
    "keras_gen.latent.inversion": _INVERSION,
    "keras_gen.latent.inversion.invert": _INVERSION,
    "keras_gen.latent.inversion.train_inversion_encoder": "trains an inversion encoder",
    "keras_gen.models.autoregressive.pixelcnn.GatedPixelCNN": "samples pixel by pixel",
    "keras_gen.latent.ppgn": "runs Langevin chains guided by the Fashion-MNIST feature network",
    "keras_gen.latent.ppgn.ppgn_sample": "runs Langevin chains guided by the Fashion-MNIST feature network",
    "keras_gen.latent.ppgn.train_latent_denoiser": _INVERSION,
}
# Autoregressive sampling loops run traced, as users run them: eagerly they take minutes.
TRACED = {
    "keras_gen.models.autoregressive.pixelcnn.GatedPixelCNN",
    "keras_gen.models.autoregressive.pixelcnn.PixelCNN",
    "keras_gen.models.autoregressive.pixelrnn.PixelRNN",
}


def _modules():
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        yield package
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            yield importlib.import_module(info.name)


def _example_section(docstring: str) -> str | None:
    """The text after the `Example:` (or `Examples:`) line, or None when there is none."""
    lines = inspect.cleandoc(docstring).splitlines()
    for index, line in enumerate(lines):
        if line.strip() in ("Example:", "Examples:"):
            return "\n".join(lines[index + 1 :])
    return None


def collect_examples() -> dict[str, doctest.DocTest]:
    """Every public docstring's `Example:` section, as doctests keyed by the object's dotted name."""
    finder = doctest.DocTestFinder(exclude_empty=False)
    parser = doctest.DocTestParser()
    examples = {}
    for module in _modules():
        for test in finder.find(module, module.__name__):
            if test.docstring is None or test.name in examples:
                continue
            local_name = test.name[len(module.__name__) :]
            if any(part.startswith("_") for part in local_name.split(".") if part):
                continue
            section = _example_section(test.docstring)
            if section is None:
                continue
            doctest_ = parser.get_doctest(section, dict(module.__dict__), test.name, test.filename, test.lineno)
            if doctest_.examples:
                examples[test.name] = doctest_
    return examples


EXAMPLES = collect_examples()


def _source(name: str) -> str:
    return "".join(example.source for example in EXAMPLES[name].examples)


def slow_reason(name: str) -> str | None:
    if name in SLOW:
        return SLOW[name]
    code = "\n".join(line.split("#")[0] for line in _source(name).splitlines())
    return "trains a model" if ".fit(" in code else None


def _params():
    for name in sorted(set(EXAMPLES) - set(SKIPPED)):
        marks = [pytest.mark.slow] if slow_reason(name) else []
        if name in TRACED:
            marks.append(pytest.mark.graph)
        yield pytest.param(name, marks=marks, id=name)


@functools.cache
def _fashion_mnist_installed() -> bool:
    try:
        keras_gen.data.load_numpy("fashion_mnist", "test", limit=1)
    except keras_gen.data.DatasetNotFoundError:
        return False
    return True


def run_example(test: doctest.DocTest) -> doctest.TestResults:
    """Runs one docstring's examples in a fresh namespace; returns doctest's counts, printing failures."""
    globs = dict(test.globs)
    globs.update({"keras": keras, "keras_gen": keras_gen, "np": np, "numpy": np})
    fresh = doctest.DocTest(test.examples, globs, test.name, test.filename, test.lineno, test.docstring)
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    data_sets = dict(registry._REGISTRY)
    keras.utils.disable_interactive_logging()
    try:
        runner.run(fresh)
    finally:
        keras.utils.enable_interactive_logging()
        keras.config.set_dtype_policy("float32")
        registry._REGISTRY.clear()
        registry._REGISTRY.update(data_sets)
    return runner.summarize(verbose=False)


def test_every_listed_name_has_an_example():
    listed = set(SKIPPED) | set(SLOW) | TRACED
    assert sorted(listed - set(EXAMPLES)) == []


def test_examples_were_found_in_every_package():
    for package in PACKAGES:
        assert any(name.startswith(package) for name in EXAMPLES), package


@pytest.mark.parametrize("name", list(_params()))
def test_docstring_example_runs(name, tmp_path, monkeypatch):
    source = _source(name)
    if ("fashion_mnist" in source or "fashion-mnist" in source) and not _fashion_mnist_installed():
        pytest.skip("Fashion-MNIST is not installed (scripts/setup.sh installs it)")
    monkeypatch.chdir(tmp_path)
    results = run_example(EXAMPLES[name])
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples of {name} failed (above)"


if __name__ == "__main__":  # every example once, timed: python -m tests.test_docstring_examples
    import tempfile

    os.chdir(tempfile.mkdtemp())
    for name, test in sorted(EXAMPLES.items()):
        if name in SKIPPED:
            continue
        start = time.perf_counter()
        results = run_example(test)
        status = "FAIL" if results.failed else "slow" if slow_reason(name) else "ok"
        print(f"{time.perf_counter() - start:6.2f} s  {status:4}  {name}", flush=True)
