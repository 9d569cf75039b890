"""Data loading: image data sets as scaled NHWC float32 `tf.data` pipelines.

Example:
>>> import keras_gen
>>> ds = keras_gen.data.load("fashion_mnist", batch_size=128)  # images in (-1, 1)
>>> x, y = keras_gen.data.load_numpy("digits", scale=(0, 1))
>>> ds = keras_gen.data.load_batches("digits", "images_labels", scale=(0, 1))  # a model's batch_kind
"""

from keras_gen.data.batches import batch_arrays, load_batches
from keras_gen.data.builtin import DATA_ENV_VAR, register_builtins
from keras_gen.data.conditions import Condition
from keras_gen.data.fashion_captions import (
    FASHION_CAPTIONS_HELDOUT,
    fashion_attribute_words,
    fashion_attributes,
    fashion_caption_texts,
    fashion_layout,
)
from keras_gen.data.idx import IdxFormatError, read_idx, write_idx
from keras_gen.data.pairs import TASKS, load_pairs, load_unpaired, make_pairs
from keras_gen.data.pipeline import info, keep_balanced_labels, load, load_numpy
from keras_gen.data.preprocessing import (
    TANH_RANGE,
    UNIT_RANGE,
    binarize_images,
    check_images,
    scale_images,
    unscale_images,
)
from keras_gen.data.registry import (
    DatasetInfo,
    DatasetNotFoundError,
    available,
    register,
)
from keras_gen.data.video import moving_sprites
from keras_gen.data.voxels import voxel_shapes

register_builtins()

__all__ = [
    "DATA_ENV_VAR",
    "FASHION_CAPTIONS_HELDOUT",
    "TANH_RANGE",
    "TASKS",
    "UNIT_RANGE",
    "Condition",
    "DatasetInfo",
    "DatasetNotFoundError",
    "IdxFormatError",
    "available",
    "batch_arrays",
    "binarize_images",
    "check_images",
    "fashion_attribute_words",
    "fashion_attributes",
    "fashion_caption_texts",
    "fashion_layout",
    "info",
    "keep_balanced_labels",
    "load",
    "load_batches",
    "load_numpy",
    "load_pairs",
    "load_unpaired",
    "make_pairs",
    "moving_sprites",
    "read_idx",
    "register",
    "scale_images",
    "unscale_images",
    "voxel_shapes",
    "write_idx",
]
