"""A scene layout as feature maps: region ids, one-hot over the regions, resized to a network's grid."""

import keras
from keras import ops

LAYOUT_INTERPOLATIONS = ("nearest", "bilinear")


@keras.saving.register_keras_serializable(package="keras_gen")
class LayoutMaps(keras.layers.Layer):
    """Region ids `(batch, h, w)` -> one-hot maps `(batch, *size, num_regions)` resized to `size`.

    Karacan, Akata, Erdem & Erdem, "Learning to Generate Images of Outdoor
    Scenes from Attributes and Semantic Layouts" (2016): the layout enters a
    network as one map per region, at the resolution of the features it joins.
    `"nearest"` keeps every cell one-hot; `"bilinear"` blends the maps at
    region borders. Ids must already be checked (`Condition.check`): an id
    outside `[0, num_regions)` would give an all-zero cell.

    The layer also takes a soft layout, probabilities over the regions
    `(batch, h, w, num_regions)`, and resizes those maps as they are: the joint
    (z, layout) search of `keras_gen.latent.invert(..., infer_conditions=True)`
    feeds a relaxed layout through the same layers (`relaxed_layout_generator`).

    Args:
        num_regions: how many region ids the layout has.
        size: `(height, width)` of the maps.
        interpolation: `"nearest"` or `"bilinear"`.

    Example:
    >>> maps = LayoutMaps(3, (4, 4))(keras.ops.convert_to_tensor([[[0, 1], [2, 2]]]))
    >>> tuple(maps.shape), float(keras.ops.sum(maps[0, 0, 0]))
    ((1, 4, 4, 3), 1.0)
    """

    def __init__(self, num_regions, size, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        if isinstance(num_regions, bool) or not isinstance(num_regions, int) or num_regions < 2:
            raise ValueError(f"num_regions must be an integer >= 2, got {num_regions!r}.")
        size = tuple(size)
        if len(size) != 2 or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in size):
            raise ValueError(f"size must be (height, width) of integers >= 1, got {size!r}.")
        if interpolation not in LAYOUT_INTERPOLATIONS:
            raise ValueError(f"Unknown interpolation {interpolation!r}; choose one of {LAYOUT_INTERPOLATIONS}.")
        self.num_regions, self.size, self.interpolation = num_regions, size, interpolation

    def call(self, layout):
        # Resized in float32: 16-bit resizes are not supported everywhere; the cast comes last.
        if len(layout.shape) == 4:  # probabilities over the regions: the maps themselves
            if layout.shape[-1] != self.num_regions:
                raise ValueError(f"{self.name} takes region ids (batch, h, w) or probabilities (batch, h, w, "
                                 f"{self.num_regions}); got shape {tuple(layout.shape)}.")
            maps = ops.cast(layout, "float32")
        else:
            maps = ops.one_hot(ops.cast(layout, "int32"), self.num_regions, dtype="float32")
        if tuple(maps.shape[1:3]) != self.size:
            maps = ops.image.resize(maps, self.size, interpolation=self.interpolation)
        return ops.cast(maps, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.size, self.num_regions)

    def get_config(self):
        return {**super().get_config(), "num_regions": self.num_regions, "size": list(self.size),
                "interpolation": self.interpolation}
