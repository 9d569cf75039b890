"""`keras-gen sample MODEL.keras`: a PNG grid of new images from a saved model (a GIF of clips, a montage of
voxel grids, or the samples as a .npy array)."""

from __future__ import annotations

from keras_gen.cli.common import (
    CommandError,
    add_command,
    import_tensorflow_quietly,
    load_generative_model,
    non_negative_float,
    positive_int,
    say,
)


def add_parser(commands) -> None:
    parser = add_command(
        commands, "sample", run,
        help="draw a grid of new images from a saved model",
        description="Draw images from a model saved by 'keras-gen train' or model.save() "
        "and write them as one PNG grid. Conditional models show one row per class.",
        model="a saved keras_gen model",
    )
    parser.add_argument("--n", type=positive_int, default=64, help="number of images")
    parser.add_argument("--out", default=None,
                        help="file to write: a PNG grid (models of voxel grids: a slice montage, and a 3-D plot "
                        "beside it as NAME_3d.png); models of clips write a .gif (default samples.gif) or .mp4 "
                        "(needs imageio-ffmpeg); a .npy file holds the samples themselves (default samples.png)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latent points")
    parser.add_argument("--columns", type=positive_int, default=None, help="images per row (default: square)")
    parser.add_argument(
        "--temperature", type=non_negative_float, default=1.0,
        help="sampling temperature: 1 samples the model; below 1 gives more typical, less varied images "
        "(latent models scale the prior's noise, autoregressive ones the logits)",
    )
    conditions = parser.add_mutually_exclusive_group()
    conditions.add_argument("--captions", nargs="+", metavar="CAPTION",
                            help="models conditioned on captions: one row of --n images per caption, each column "
                            "one latent point (unknown words become the unknown token)")
    conditions.add_argument("--attributes", nargs="+", metavar="NAME=VALUE,...",
                            help="models conditioned on attributes or multi-hot names: one row of --n images per "
                            "spec, e.g. ankle_boot=1,brightness=0.8,size=0.4; unnamed attributes take the low end "
                            "of their range (0)")
    parser.add_argument("--layouts", metavar="LAYOUTS.npy",
                        help="models conditioned on a scene layout (AL-CGAN): a .npy array of region ids, one "
                        "(h, w) layout or (k, h, w) for k rows; with --attributes, one spec per layout or one for "
                        "all (without it, every attribute takes the low end of its range)")


def parse_attributes(condition, spec: str):
    """One condition vector from `name=value,...`: unnamed entries at the range's low end (0 for multi-hot).

    Example:
    >>> parse_attributes(Condition.attributes(["dark", "size"]), "size=0.4")
    array([0. , 0.4], dtype=float32)
    """
    import numpy as np

    names = list(condition.names)
    values = np.full(len(names), 0.0 if condition.kind == "multi_hot" else condition.low, "float32")
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, equals, text = item.partition("=")
        if not equals:
            raise CommandError(f"--attributes: {item!r} is not NAME=VALUE (e.g. brightness=0.8).")
        if name.strip() not in names:
            raise CommandError(f"--attributes: unknown attribute {name.strip()!r}; this model's are {', '.join(names)}.")
        try:
            values[names.index(name.strip())] = float(text)
        except ValueError:
            raise CommandError(f"--attributes: {item!r} needs a number after '='.") from None
    return values


def _read_layouts(path):
    import os

    import numpy as np

    if not (path.endswith(".npy") and os.path.isfile(path)):
        raise CommandError(f"--layouts: {path} is not a .npy file; save the region ids with numpy.save.")
    layouts = np.load(path, allow_pickle=False)
    return layouts[None] if layouts.ndim == 2 else layouts


def _layout_rows(model, args, parts):
    """`(conditions dict, row names)` of a model conditioned on a vector and a layout (AL-CGAN)."""
    import numpy as np

    from keras_gen.networks import layout_condition_parts

    try:
        vector, layout = layout_condition_parts(model.condition)
    except ValueError as error:
        raise CommandError(f"a {type(model).__name__} is conditioned on {sorted(map(str, parts))}, which "
                           f"--attributes/--layouts cannot describe: {error}") from None
    if args.captions:
        raise CommandError(f"--captions: a {type(model).__name__} is conditioned on {sorted(parts)}, not captions.")
    if layout is not None and not args.layouts:
        raise CommandError(f"this {type(model).__name__} is conditioned on a layout too ({layout[1].describe()}): "
                           "pass --layouts LAYOUTS.npy (region ids, (h, w) or (k, h, w)).")
    if layout is None and args.layouts:
        raise CommandError(f"--layouts: a {type(model).__name__} has no layout condition.")
    if vector is None and args.attributes:
        raise CommandError(f"--attributes: a {type(model).__name__} is conditioned on a layout alone; drop it.")
    rows = {}
    layouts = None if layout is None else _read_layouts(args.layouts)
    specs = list(args.attributes or [""])
    count = max(len(specs), 1 if layouts is None else len(layouts))
    for what, size in (("--attributes", len(specs)), ("--layouts", None if layouts is None else len(layouts))):
        if size not in (None, 1, count):
            raise CommandError(f"--attributes gives {len(specs)} specs and --layouts {len(layouts)} layouts: pass "
                               f"one of each per row, or one {what[2:-1]} for all rows.")
    if vector is not None:
        values = np.stack([parse_attributes(vector[1], spec) for spec in specs])
        rows[vector[0]] = np.repeat(values, count // len(values), axis=0)
    if layouts is not None:
        rows[layout[0]] = np.repeat(layouts, count // len(layouts), axis=0)
    structure = rows.get(None, rows)
    try:
        checked = model.check_conditions(structure, count)
    except ValueError as error:
        raise CommandError(f"--attributes/--layouts: {error}") from None
    names = [f"layout {i % len(layouts)}" if layouts is not None else "" for i in range(count)]
    if args.attributes:
        names = [" ".join(filter(None, (name, specs[i % len(specs)]))) for i, name in enumerate(names)]
    return checked, names


def conditioned_rows(model, args):
    """`(conditions, row names)` of --captions, --attributes or --layouts: one condition per row; a CommandError
    when the model has no condition of that kind."""
    import numpy as np

    from keras_gen.models.input_checks import condition_parts

    condition = getattr(model, "condition", None)
    parts = condition_parts(condition) if condition is not None else {}
    if None not in parts and parts or any(part.kind == "layout" for part in parts.values()):
        return _layout_rows(model, args, parts)
    if args.layouts:
        raise CommandError(f"--layouts: a {type(model).__name__} is not conditioned on a layout.")
    flag, kinds = ("--captions", ("tokens",)) if args.captions else ("--attributes", ("attributes", "multi_hot"))
    if getattr(condition, "kind", None) not in kinds:
        has = "no condition" if condition is None else repr(condition)
        raise CommandError(f"{flag}: a {type(model).__name__} is not conditioned on "
                           f"{'captions' if args.captions else 'attributes'} (it has {has}).")
    if args.captions:
        return condition.check(list(args.captions)), list(args.captions)
    rows = np.stack([parse_attributes(condition, spec) for spec in args.attributes])
    try:
        return condition.check(rows), list(args.attributes)
    except ValueError as error:
        raise CommandError(f"--attributes: {error}") from None


def run_conditioned(model, args) -> int:
    """One row of `--n` samples per caption or attribute spec, the same latent points in every row."""
    import keras
    import numpy as np

    from keras_gen.models import SamplesFromPrior
    from keras_gen.models.capabilities import fixed_latent_points
    from keras_gen.visualization import image_grid, save_grid

    if not isinstance(model, SamplesFromPrior):
        raise CommandError(f"--captions/--attributes/--layouts: a {type(model).__name__} does not sample from "
                           "latent points.")
    conditions, names = conditioned_rows(model, args)
    points = fixed_latent_points(args.n, model.latent_dim, args.seed) * np.float32(args.temperature)
    samples = model.generate(latent_points=np.tile(points, (len(names), 1)),
                             conditions=keras.tree.map_structure(lambda rows: np.repeat(rows, args.n, axis=0),
                                                                 conditions))
    out = args.out or "samples.png"
    if out.lower().endswith(".npy"):
        np.save(out, samples)
    else:
        save_grid(image_grid(samples, model.data_scale, args.n), out)
    say(f"wrote {len(names)} rows of {args.n} samples to {out}: " + "; ".join(names))
    return 0


def run(args) -> int:
    import_tensorflow_quietly()
    from keras_gen.callbacks import save_samples
    from keras_gen.models import Generates

    model = load_generative_model(
        args.model_path, Generates,
        "has no prior to sample new images from; it reconstructs or translates given images instead (a "
        "CrossConvCVAE predicts next frames of given ones: model.predict_next(frames) or "
        "model.rollout(first_frames, num_frames) in Python).",
    )
    if args.captions or args.attributes or args.layouts:
        return run_conditioned(model, args)
    out = args.out or ("samples.gif" if model.data_kind == "videos" else "samples.png")
    at = "" if args.temperature == 1.0 else f" at temperature {args.temperature:g}"
    if out.lower().endswith(".npy"):
        import numpy as np

        samples, _ = model.grid_samples(args.n, args.seed, args.columns, temperature=args.temperature)
        np.save(out, samples)
        say(f"wrote {len(samples)} samples{at}, an array of shape {tuple(samples.shape)}, to {out}")
        return 0
    path = save_samples(model, out, n=args.n, seed=args.seed, columns=args.columns, temperature=args.temperature)
    say(f"wrote {args.n} samples{at} to {path}")
    return 0
