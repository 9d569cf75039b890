"""`keras-gen sample MODEL.keras`: a PNG grid of new images from a saved model."""

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
    parser.add_argument("--out", default="samples.png", help="PNG file to write")
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
    path = save_samples(model, args.out, n=args.n, seed=args.seed, columns=args.columns,
                        temperature=args.temperature)
    at = "" if args.temperature == 1.0 else f" at temperature {args.temperature:g}"
    say(f"wrote {args.n} samples{at} to {path}")
    return 0
