"""AL-CGAN's condition in configs, and its snapshot grid: a layout, then its samples, a row per layout."""

from collections.abc import Mapping

import keras
import numpy as np

from keras_gen.data.conditions import Condition
from keras_gen.models.capabilities import check_temperature, fixed_latent_points
from keras_gen.networks.layouts import layout_condition_parts

MAX_GRID_ROWS = 10


def condition_config(condition):
    """A `Condition`, or a dict of them, as plain config (`condition_from_config` reads it back)."""
    if isinstance(condition, Mapping):
        return {part: keras.saving.serialize_keras_object(value) for part, value in condition.items()}
    return keras.saving.serialize_keras_object(condition)


def condition_from_config(condition):
    """The `Condition` or dict of them of `condition_config` (conditions pass as they are)."""
    if isinstance(condition, Mapping) and "class_name" in condition:
        return keras.saving.deserialize_keras_object(condition)
    if isinstance(condition, Mapping):
        return {part: keras.saving.deserialize_keras_object(value) if isinstance(value, Mapping) else value
                for part, value in condition.items()}
    return condition


def grid_layouts(condition: Condition) -> np.ndarray:
    """Layouts `(rows, h, w)` for a snapshot grid: boxes (tall, wide, square) of each region on region 0, then
    a square whose top half is region 1 and bottom half the last region; at most `MAX_GRID_ROWS`.

    Example:
    >>> grid_layouts(Condition.layout((4, 4), num_regions=3))[0]
    array([[0, 1, 1, 0],
           [0, 1, 1, 0],
           [0, 1, 1, 0],
           [0, 1, 1, 0]], dtype=int32)
    """
    height, width = condition.layout_shape
    rows, columns = np.mgrid[0:height, 0:width]

    def box(top, bottom, left, right):
        return ((rows + 0.5 >= top * height) & (rows + 0.5 <= bottom * height)
                & (columns + 0.5 >= left * width) & (columns + 0.5 <= right * width))

    shapes = (box(1 / 8, 7 / 8, 1 / 4, 3 / 4), box(1 / 4, 3 / 4, 1 / 8, 7 / 8), box(1 / 8, 7 / 8, 1 / 8, 7 / 8))
    layouts = [np.where(shape, region, 0) for shape in shapes for region in range(1, condition.num_regions)]
    square = shapes[2]
    layouts.append(np.where(square, np.where(rows + 0.5 <= height / 2, 1, condition.num_regions - 1), 0))
    return np.stack(layouts[:MAX_GRID_ROWS]).astype("int32")


def layout_images(layouts, num_regions: int, image_shape, data_scale) -> np.ndarray:
    """Layouts `(n, h, w)` as images `(n, *image_shape)` in `data_scale`: region k is the grey level
    k / (num_regions - 1) of the range, each cell a block of pixels (nearest neighbour).

    Example:
    >>> layout_images(np.array([[[0, 2]]]), 3, (2, 4, 1), (-1, 1))[0, :, :, 0]
    array([[-1., -1.,  1.,  1.],
           [-1., -1.,  1.,  1.]], dtype=float32)
    """
    layouts = np.asarray(layouts)
    height, width, channels = image_shape
    low, high = data_scale
    rows = np.arange(height) * layouts.shape[1] // height
    columns = np.arange(width) * layouts.shape[2] // width
    grey = low + (high - low) * layouts[:, rows][:, :, columns] / (num_regions - 1)
    return np.repeat(grey[..., None], channels, axis=-1).astype("float32")


def neutral_values(condition: Condition, count: int) -> np.ndarray:
    """`count` rows of neutral attributes: each at mid-range; multi-hot bits all 0."""
    value = 0.0 if condition.kind == "multi_hot" else (condition.low + condition.high) / 2
    return np.full((count, *condition.shape), value, "float32")


def default_grid_conditions(condition):
    """The conditions of the default grid's rows, in `condition`'s structure: `grid_layouts` with neutral
    attributes; for attributes alone, each attribute high in turn (as GAN-CLS's grid)."""
    from keras_gen.models.conditional.gan_cls import grid_conditions

    vector, layout = layout_condition_parts(condition)
    if layout is None:
        rows = grid_conditions(vector[1])
        return rows if vector[0] is None else {vector[0]: rows}
    layouts = grid_layouts(layout[1])
    values = {layout[0]: layouts}
    if vector is not None:
        values[vector[0]] = neutral_values(vector[1], len(layouts))
    return values.get(None, values)


def layout_grid(model, n=64, seed=0, columns=None, temperature=1.0):
    """`(images, columns)` of the snapshot grid of a `ConditionalGAN` on a condition: a row per grid
    condition (`model.grid_conditions` or `default_grid_conditions`), each column one fixed latent point so
    that rows differ by their condition alone; with a layout, each row starts with the layout as an image."""
    from keras_gen.models.conditional.gan_cls import attribute_sweep, sweep_grid

    temperature = check_temperature(temperature)
    vector, layout = layout_condition_parts(model.condition)
    if model.grid_conditions is None and layout is None and vector[0] is None:
        sweep = attribute_sweep(vector[1], columns or max(2, -(-n // 10)))
        if sweep is not None:  # attributes with a brightness: a row per class, brightness swept along it
            return sweep_grid(model, sweep, seed, temperature)
    rows = model.grid_conditions if model.grid_conditions is not None else default_grid_conditions(model.condition)
    count = len(keras.tree.flatten(rows)[0])
    samples = columns or max(1, -(-n // count))
    points = fixed_latent_points(samples, model.latent_dim, seed) * np.float32(temperature)
    conditions = keras.tree.map_structure(lambda values: np.repeat(values, samples, axis=0), rows)
    images = model.generate(latent_points=np.tile(points, (count, 1)), conditions=conditions)
    if layout is None:
        return images, samples
    layouts = rows if layout[0] is None else rows[layout[0]]
    shown = layout_images(layouts, layout[1].num_regions, model.image_shape, model.data_scale)
    images = images.reshape(count, samples, *model.image_shape)
    return np.concatenate([shown[:, None], images], axis=1).reshape(-1, *model.image_shape), samples + 1
