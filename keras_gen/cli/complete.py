"""`keras-gen complete`: fill in the bottom of images with a saved autoregressive model."""

from __future__ import annotations

from keras_gen.cli.common import (
    CommandError,
    add_command,
    import_tensorflow_quietly,
    load_generative_model,
    positive_float,
    positive_int,
    read_images,
    say,
)


def add_parser(commands) -> None:
    parser = add_command(
        commands, "complete", run_complete,
        help="complete images from their top rows with a saved PixelCNN, Gated PixelCNN or PixelRNN",
        description="Keep the top --known-rows rows of each image and sample the rest, --num-samples "
        "times. The PNG grid has a row per image: the known part, the completions, the original. "
        "Images come from --images (a .npy file or a folder of PNGs) or from the test split of --data.",
        model="a saved keras_gen model that completes images",
    )
    parser.add_argument("--images", help="a .npy file (N, H, W[, C]) or a folder of PNG images")
    parser.add_argument("--data", default="fashion_mnist", help="data set whose test images are completed")
    parser.add_argument("--data-dir", help="where the data set's files are")
    parser.add_argument("--n", type=positive_int, default=8, help="number of images to complete")
    parser.add_argument("--known-rows", type=int, help="rows kept as given (default: the top half)")
    parser.add_argument("--num-samples", type=positive_int, default=4, help="completions per image")
    parser.add_argument("--labels", help="comma-separated classes, one per image, for a conditional model "
                        "(default with --data: the images' own labels)")
    parser.add_argument("--temperature", type=positive_float, default=1.0, help="sampling temperature")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampling")
    parser.add_argument("--out", default="completions.png", help="PNG grid to write")
    parser.add_argument("--npy", help="also save the completions as a .npy array (n, num_samples, H, W, C)")


def _parse_labels(text, count):
    try:
        labels = [int(part) for part in text.split(",")]
    except ValueError as err:
        raise CommandError(f"--labels must be comma-separated integers, got {text!r}.") from err
    if len(labels) != count:
        raise CommandError(f"--labels gives {len(labels)} classes for {count} images; give one per image.")
    return labels


def run_complete(args) -> int:
    import_tensorflow_quietly()
    import numpy as np

    from keras_gen import recipes
    from keras_gen.models import Completes
    from keras_gen.visualization import row_grid, save_grid

    if not args.out.lower().endswith(".png"):
        raise CommandError(f"--out must be a .png file, got {args.out!r}.")
    model = load_generative_model(
        args.model_path, Completes,
        "does not complete images; complete works with autoregressive models (pixelcnn, gated_pixelcnn, pixelrnn).",
    )
    height = model.image_shape[0]
    known_rows = model.default_known_rows() if args.known_rows is None else args.known_rows
    if not 0 <= known_rows <= height:
        raise CommandError(f"--known-rows must lie in [0, {height}] for {height}-row images, got {known_rows}.")
    labels = None
    if args.images:
        images = read_images(args.images, model)[: args.n]
    else:
        images, dataset_labels = recipes.load_held_out_images(model, args.data, args.n, args.data_dir, split="test")
        if model.label_conditional:
            labels = dataset_labels
    if args.labels is not None:
        if not model.label_conditional:
            raise CommandError(f"--labels: a {type(model).__name__} is not class-conditional; drop --labels.")
        labels = _parse_labels(args.labels, len(images))
    elif model.label_conditional and labels is None:
        raise CommandError(f"a class-conditional {type(model).__name__} needs --labels, one class per image.")
    rows = model.completion_rows(
        images, seed=args.seed, labels=labels, known_rows=known_rows, num_samples=args.num_samples,
        temperature=args.temperature, verbose=1,
    )
    # One grid row per image: its known part, its completions, the original.
    path = save_grid(row_grid(rows, model.data_scale, columns=len(rows)), args.out)
    if args.npy:
        np.save(args.npy, np.stack(list(rows.values())[1:-1], axis=1))
    say(f"wrote {len(images)} images x {args.num_samples} completions (top {known_rows} rows kept) to {path}")
    return 0
