"""keras_gen: generative models for Keras 3 that train with `model.fit()`.

Data flows one way: `data` -> `layers`/`networks` -> `models` -> `callbacks` /
`evaluation` -> `tuning` -> `cli`. `families` (the registry of model families)
and `run_files` (the names of a run folder's files) sit below all of them and
import nothing heavy.

Subpackages are imported on first use, so `import keras_gen` is fast and the
`keras-gen` command answers `--help` without importing TensorFlow.
"""

import importlib
import sys

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "callbacks",
    "data",
    "enable_determinism",
    "evaluation",
    "families",
    "latent",
    "layers",
    "losses",
    "models",
    "networks",
    "recipes",
    "training",
    "tuning",
    "visualization",
]

# The subpackages and modules `__getattr__` imports on first use.
_SUBMODULES = tuple(name for name in __all__ if name not in ("__version__", "enable_determinism"))


def enable_determinism(seed: int | None = None) -> None:
    """Makes training repeat bit for bit in a fresh process: deterministic ops, and seeds when given.

    On TensorFlow this is `tf.config.experimental.enable_op_determinism()`:
    ops that have a faster nondeterministic kernel (on GPUs, mostly) use the
    deterministic one, and ops without one raise an error instead of varying.
    With `seed`, also `keras.utils.set_random_seed(seed)` (Python, NumPy and
    the backend). keras_gen's models draw their own randomness from their
    `seed=` argument. See docs/reproducibility.md for what repeats where.

    Example:
    >>> keras_gen.enable_determinism(seed=0)
    >>> model = keras_gen.models.DCGAN.for_images((28, 28, 1), seed=0)
    """
    from keras_gen import training

    training.enable_determinism(seed)


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"keras_gen.{name}")
    raise AttributeError(f"module 'keras_gen' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)


if "keras" in sys.modules:
    # Keras (and its backend) is loaded already, so registering keras_gen's classes costs
    # little, and `keras.saving.load_model` then reads keras_gen files without the user
    # importing keras_gen.models first. The `keras-gen` command does not import Keras
    # before it needs it, so `keras-gen --help` stays fast.
    importlib.import_module("keras_gen.models")
