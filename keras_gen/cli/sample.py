"""`keras-gen sample MODEL.keras`: a PNG grid of new images from a saved model (a GIF of clips, a montage of
voxel grids, or the samples as a .npy array)."""

from __future__ import annotations

from keras_gen.cli.common import (
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


def run(args) -> int:
    import_tensorflow_quietly()
    from keras_gen.callbacks import save_samples
    from keras_gen.models import Generates

    model = load_generative_model(
        args.model_path, Generates,
        "has no prior to sample new images from; it reconstructs or translates given images instead.",
    )
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
