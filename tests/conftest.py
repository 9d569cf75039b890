"""Test-wide settings: quiet TensorFlow, the TensorFlow backend, a fresh Keras state per test,
and trained networks shared by the whole test run.

Train steps run eagerly in the tests (`tf.config.run_functions_eagerly`): the
models here are tiny and train for a few steps, where tracing a step costs far
more than running it (the suite takes half the time). Tests marked `graph` run
traced, as `fit` does for users: the registry-wide `keras-gen train` test
traces one family of each kind (every family with `-m slow`), and every test that starts `keras-gen` in a subprocess
runs in graph mode too. The examples' smoke tests run the scripts in this
process (`tests/test_examples.py`), eagerly except the PixelCNN ones. Grappler's graph rewrites are off in this
process: on these tiny graphs they cost more than they save (half of
CycleGAN's first traced step), and tracing, the part our code can break, still
runs; the subprocesses keep them.

A network that takes seconds to train (a feature network, a classifier) is
trained once per test run: `train_once` keys it by its recipe and keeps it on
disk where every pytest-xdist worker of the run finds it, under a file lock so
that two workers never train the same one.
"""

import contextlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import pytest
import tensorflow as tf

tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    """Clears Keras' global state so names and policies do not leak between tests."""
    # Without Keras' forced garbage collection: a full `gc.collect()` per test costs
    # about 0.3 s (minutes over the suite); Python's own collector still runs.
    keras.backend.clear_session(free_memory=False)
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture(autouse=True)
def _eager_unless_marked_graph(request):
    """Eager train steps, except in tests marked `graph`."""
    tf.config.run_functions_eagerly(request.node.get_closest_marker("graph") is None)
    yield
    tf.config.run_functions_eagerly(False)


@pytest.fixture(scope="session")
def run_cache_dir(tmp_path_factory):
    """A folder of this test run that all its pytest-xdist workers share (a new one each run)."""
    basetemp = tmp_path_factory.getbasetemp()
    # A worker's basetemp is `<run>/popen-gw<N>`: the run's folder is its parent.
    root = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp
    path = root / "trained_once"
    path.mkdir(exist_ok=True)
    return path


@contextlib.contextmanager
def _locked(path):
    """Holds an exclusive lock on the file `path` (other workers wait), where the platform has one."""
    try:
        import fcntl
    except ImportError:  # not POSIX: one worker may train what another trains too, nothing worse
        yield
        return
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def train_once(run_cache_dir):
    """`train_once(key, make)`: `make(folder)` run once per test run for `key`, its result kept per process.

    `make` gets a folder of its own, kept for the whole run, and must cache what
    it trains there (as `keras_gen.evaluation.domain_classifier` does with its
    `cache_dir`) and load it when it is already there: the first worker to ask
    trains, the others wait for it and load. `key` names the recipe, e.g.
    `ClassifierRecipe(...).cache_stem("digits")`.
    """
    made = {}

    def get(key, make):
        if key not in made:
            folder = run_cache_dir / key
            with _locked(run_cache_dir / f"{key}.lock"):
                folder.mkdir(exist_ok=True)
                made[key] = make(str(folder))
        return made[key]

    return get


@pytest.fixture(scope="session")
def shared_domain_classifier(train_once):
    """`shared_domain_classifier(dataset, recipe)`: `keras_gen.evaluation.domain_classifier`, trained once per run."""
    from keras_gen.evaluation import domain_classifier

    def get(dataset, recipe):
        return train_once(
            recipe.cache_stem(dataset),
            lambda folder: domain_classifier(dataset, cache_dir=folder, recipe=recipe, verbose=0),
        )

    return get
