"""AL-CGAN's networks: a generator and a discriminator conditioned on attributes and a scene layout.

Karacan, Akata, Erdem & Erdem, "Learning to Generate Images of Outdoor Scenes
from Attributes and Semantic Layouts" (2016). The generator joins the
attribute vector to z, and the layout, one map per region, to its input and,
resized, before every upsampling stage and the output convolution. The
discriminator reads the layout as extra image channels, and the attributes by
projection (Miyato & Koyama, 2018): the inner product of a linear map of the
attributes with its image features is added to its logit. The image layers are
the DCGAN recipe's (`upsample_to_image`, `dcgan_discriminator`).
"""

from collections.abc import Mapping

import keras
from keras import layers

from keras_gen.layers.layout import LayoutMaps
from keras_gen.networks.dcgan import dcgan_discriminator, upsample_to_image
from keras_gen.networks.precision import float32_pin
from keras_gen.networks.stages import check_image_shape

VECTOR_KINDS = ("attributes", "multi_hot")


def layout_condition_parts(condition) -> tuple:
    """`(vector, layout)` of an AL-CGAN condition, each `(part name, Condition)` or None; a ValueError naming
    the fix for anything else.

    The condition is a dict of one or two parts, at most one of kind
    attributes or multi_hot and at most one of kind layout (e.g.
    `{"attributes": ..., "layout": ...}`), or a single `Condition` of one of
    those kinds (its part name is then None).

    Example:
    >>> from keras_gen.data import Condition
    >>> vector, layout = layout_condition_parts({"layout": Condition.layout((7, 7), num_regions=3)})
    >>> vector, layout[0]
    (None, 'layout')
    """
    single = not isinstance(condition, Mapping)
    parts = {None: condition} if single else dict(condition)
    expected = ("a Condition of kind attributes, multi_hot or layout, or a dict of such parts with at most one "
                "vector (attributes or multi_hot) and one layout, e.g. {'attributes': Condition.attributes(...), "
                "'layout': Condition.layout((7, 7), num_regions=3)}")
    kinds = {part: getattr(value, "kind", None) for part, value in parts.items()}
    if not parts or any(kind not in (*VECTOR_KINDS, "layout") for kind in kinds.values()):
        raise ValueError(f"An AL-CGAN is conditioned on {expected}; got {condition!r}.")
    if not single and not all(isinstance(part, str) and part for part in parts):
        raise ValueError(f"The parts of a condition are named by non-empty strings, got {sorted(map(repr, parts))}.")
    vectors = [(part, parts[part]) for part, kind in kinds.items() if kind in VECTOR_KINDS]
    maps = [(part, parts[part]) for part, kind in kinds.items() if kind == "layout"]
    if len(vectors) > 1 or len(maps) > 1:
        raise ValueError(f"An AL-CGAN is conditioned on {expected}; got {len(vectors)} vector and {len(maps)} "
                         "layout parts. Drop the extra ones.")
    return (vectors[0] if vectors else None), (maps[0] if maps else None)


def _condition_inputs(condition):
    """The condition's network inputs, named by part (`"condition"` for a single Condition): `(structure,
    vector input, layout input, layout Condition)`, None for a missing part; the structure is a dict of parts
    or one input."""
    vector, layout = layout_condition_parts(condition)
    made = {}
    for found in (vector, layout):
        if found is not None:
            part, part_condition = found
            made[part] = keras.Input(part_condition.shape, dtype=part_condition.dtype, name=part or "condition")
    structure = made.get(None, made)
    return (structure, None if vector is None else made[vector[0]], None if layout is None else made[layout[0]],
            None if layout is None else layout[1])


def layout_generator(image_shape, condition, latent_dim=128, width=32, batch_norm=True, layers_per_stage=1,
                     layout_interpolation="nearest", name="generator") -> keras.Model:
    """G(z, attributes, layout): `[latent_points, conditions]` -> images in [-1, 1].

    `conditions` is the condition's structure: a dict of parts, or one array
    for a single `Condition`. The attributes join z; the layout joins z as
    flattened one-hot maps at its own resolution, and as one-hot maps resized
    to each grid (`keras_gen.layers.LayoutMaps`, layers named
    `"layout_HxW"`) before every stage and the output convolution.

    Args:
        image_shape: `(height, width, channels)`.
        condition: see `layout_condition_parts`.
        latent_dim, width, batch_norm, layers_per_stage: as for `dcgan_generator`.
        layout_interpolation: how the maps are resized, `"nearest"` or `"bilinear"`.
        name: the model's name.

    Example:
    >>> from keras_gen.data import Condition
    >>> condition = {"attributes": Condition.attributes(["size"]), "layout": Condition.layout((7, 7), 3)}
    >>> g = layout_generator((28, 28, 1), condition, latent_dim=8, width=4)
    >>> [tuple(shape) for shape in g.input_shape], tuple(g.output_shape)
    ([(None, 8), (None, 1), (None, 7, 7)], (None, 28, 28, 1))
    """
    check_image_shape(image_shape)
    structure, vector, layout, layout_condition = _condition_inputs(condition)
    latent = keras.Input((latent_dim,), name="latent")
    joined = [latent]
    if vector is not None:
        joined.append(vector)
    if layout is not None:
        regions = layout_condition.num_regions
        own = LayoutMaps(regions, layout_condition.layout_shape, name="layout_in")(layout)
        joined.append(layers.Flatten(name="layout_flat")(own))

    def join(grid):
        if layout is None:
            return grid
        size = (int(grid.shape[1]), int(grid.shape[2]))
        maps = LayoutMaps(regions, size, layout_interpolation, name=f"layout_{size[0]}x{size[1]}")(layout)
        return layers.Concatenate(name=f"with_layout_{size[0]}x{size[1]}")([grid, maps])

    x = layers.Concatenate(name="latent_and_condition")(joined)
    images = upsample_to_image(x, image_shape, width, batch_norm, layers_per_stage, join=join)
    return keras.Model([latent, structure], images, name=name)


def _readers_of(network: keras.Model, input_name: str):
    """`[(layer name, class name), ...]` of the layers of a functional `network` that read its input `input_name`.

    Read from the network's config (each layer's inbound nodes name the layers
    whose outputs they take), Keras' public description of the graph.
    """
    def reads(tree):
        if isinstance(tree, dict):
            history = tree.get("config", {}).get("keras_history") if tree.get("class_name") == "__keras_tensor__" else None
            return (history is not None and history[0] == input_name) or any(reads(value) for value in tree.values())
        if isinstance(tree, (list, tuple)):
            return any(reads(value) for value in tree)
        return False

    return [(layer["name"], layer["class_name"]) for layer in network.get_config()["layers"]
            if reads(layer.get("inbound_nodes", []))]


def relaxed_layout_generator(generator, condition) -> keras.Model:
    """The same generator reading a soft layout: `[latent_points, conditions]` with the layout part as
    probabilities `(batch, h, w, num_regions)`, every weight shared with `generator`.

    The joint (z, layout) search of `keras_gen.latent.invert(...,
    infer_conditions=True)` moves a relaxed layout, the softmax of logits per
    cell; a one-hot layout gives exactly the generator's output for its region
    ids. The generator must read the layout through `LayoutMaps` layers only
    (as `layout_generator` does), since they take probabilities too.

    Args:
        generator: a `layout_generator` (or a network that reads the layout
            input through `LayoutMaps` layers alone).
        condition: its condition (see `layout_condition_parts`), with a layout.

    Example:
    >>> from keras_gen.data import Condition
    >>> condition = {"attributes": Condition.attributes(["size"]), "layout": Condition.layout((7, 7), 3)}
    >>> g = layout_generator((28, 28, 1), condition, latent_dim=8, width=4)
    >>> soft = relaxed_layout_generator(g, condition)
    >>> [tuple(shape) for shape in soft.input_shape]
    [(None, 8), (None, 1), (None, 7, 7, 3)]
    """
    layout = layout_condition_parts(condition)[1]
    if layout is None:
        raise ValueError("relaxed_layout_generator needs a condition with a layout part; a generator conditioned on "
                         "attributes alone already reads them as floats.")
    latent_input, structure_input = generator.input
    layout_input = structure_input if layout[0] is None else structure_input[layout[0]]
    readers = sorted(name for name, class_name in _readers_of(generator, layout_input.name) if class_name != "LayoutMaps")
    if readers:
        raise ValueError(f"{generator.name} reads the layout through {readers}, not only through LayoutMaps layers, so "
                         "it cannot read probabilities; build it with keras_gen.networks.layout_generator.")
    part, layout_condition = layout
    soft = keras.Input((*layout_condition.layout_shape, layout_condition.num_regions), name=f"{part or 'layout'}_probabilities")
    if part is None:
        structure = soft
    else:
        structure = {name: (soft if name == part else keras.Input(tensor.shape[1:], dtype=tensor.dtype, name=name))
                     for name, tensor in structure_input.items()}
    latent = keras.Input(latent_input.shape[1:], name="latent")
    return keras.models.clone_model(generator, input_tensors=[latent, structure], clone_function=lambda layer: layer)


def layout_discriminator(image_shape, condition, width=32, dropout=0.3, layers_per_stage=1, spectral_norm=False,
                         layout_interpolation="nearest", name="discriminator") -> keras.Model:
    """D(x, attributes, layout): `[images, conditions]` -> one logit per image.

    The layout, one-hot and resized to the image (`LayoutMaps`, layer
    `"layout_maps"`), joins the image's channels before the strided stages of
    `dcgan_discriminator`; the attributes are read by projection: the logit is
    w·phi(x) + b + (V a)·phi(x), phi(x) the flattened features and V a linear
    map without bias (layer `"attribute_projection"`).

    Args:
        image_shape: `(height, width, channels)`.
        condition: see `layout_condition_parts`.
        width, dropout, layers_per_stage, spectral_norm: as for `dcgan_discriminator`.
        layout_interpolation: how the layout is resized, `"nearest"` or `"bilinear"`.
        name: the model's name.

    Example:
    >>> from keras_gen.data import Condition
    >>> condition = {"attributes": Condition.attributes(["size"]), "layout": Condition.layout((7, 7), 3)}
    >>> tuple(layout_discriminator((28, 28, 1), condition, width=4).output_shape)
    (None, 1)
    """
    height, image_width, channels = check_image_shape(image_shape)
    structure, vector, layout, layout_condition = _condition_inputs(condition)
    extra = 0 if layout is None else layout_condition.num_regions
    full = dcgan_discriminator((height, image_width, channels + extra), width, dropout=dropout,
                               layers_per_stage=layers_per_stage, spectral_norm=spectral_norm, name=f"{name}_full")
    # The recipe's stages up to its flattened features; its own logit is left out.
    stages = keras.Model(full.inputs, full.get_layer("features").output, name=f"{name}_stages")
    images = keras.Input((height, image_width, channels), name="image")
    x = images
    if layout is not None:
        maps = LayoutMaps(extra, (height, image_width), layout_interpolation, name="layout_maps")(layout)
        x = layers.Concatenate(name="image_and_layout")([images, maps])
    features = stages(x)
    logit = layers.Dense(1, dtype=float32_pin(), name="logit")
    if spectral_norm:
        logit = layers.SpectralNormalization(logit, dtype=float32_pin(), name="logit_sn")
    outputs = logit(features)
    if vector is not None:
        projected = layers.Dense(int(features.shape[-1]), use_bias=False, dtype=float32_pin(),
                                 name="attribute_projection")(vector)
        projection = layers.Dot(axes=1, dtype=float32_pin(), name="projection")([projected, features])
        outputs = layers.Add(dtype=float32_pin(), name="logit_and_projection")([outputs, projection])
    return keras.Model([images, structure], outputs, name=name)
