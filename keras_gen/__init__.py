"""keras_gen: generative models for Keras 3 that train with `model.fit()`.

Data flows one way: `data` -> `layers`/`networks` -> `models` -> `callbacks` /
`evaluation` -> `tuning` -> `cli`.
"""

from keras_gen import callbacks, data, evaluation, layers, losses, models, networks, tuning

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "callbacks",
    "data",
    "evaluation",
    "layers",
    "losses",
    "models",
    "networks",
    "tuning",
]
