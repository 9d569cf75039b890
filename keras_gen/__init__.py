"""keras_gen: generative models for Keras 3 that train with `model.fit()`.

Data flows one way: `data` -> `layers`/`networks` -> `models` -> `callbacks` /
`evaluation` -> `tuning` -> `cli`. `families` (the registry of model families)
sits below all of them and imports nothing heavy.

Subpackages are imported on first use, so `import keras_gen` is fast and the
`keras-gen` command answers `--help` without importing TensorFlow.
"""

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "callbacks",
    "data",
    "evaluation",
    "families",
    "latent",
    "layers",
    "losses",
    "models",
    "networks",
    "training",
    "tuning",
)

__all__ = [
    "__version__",
    "callbacks",
    "data",
    "evaluation",
    "families",
    "latent",
    "layers",
    "losses",
    "models",
    "networks",
    "training",
    "tuning",
]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"keras_gen.{name}")
    raise AttributeError(f"module 'keras_gen' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
