"""`keras-gen translate`: map images through a saved image-to-image model (pix2pix, SRGAN, CycleGAN, ...)."""

from __future__ import annotations

import os

from keras_gen.cli.common import (
    PAIRED_TASKS,
    CommandError,
    add_command,
    import_tensorflow_quietly,
    load_generative_model,
    positive_int,
    read_images,
    say,
)


def add_parser(commands) -> None:
    parser = add_command(
        commands, "translate", run_translate,
        help="translate images with a saved pix2pix, SRResNet/SRGAN, context encoder or CycleGAN",
        description="Map input images to output images with a saved image-to-image model. Inputs come from "
        "--images (a .npy file or a folder of PNGs: edge maps for pix2pix, low-resolution images for "
        "SRGAN, images for a context encoder or CycleGAN) or are made from the test split of --data with "
        "--task. --out is a .npy file (the outputs), a .png file (a grid: input | output | target) or a "
        "folder (one PNG per output).",
        model="a saved keras_gen model that translates images",
    )
    parser.add_argument("--images", help="a .npy file (N, H, W[, C]) or a folder of PNG/JPEG images")
    parser.add_argument("--masks", help="context encoder: a .npy file of masks (N, H, W[, 1]), 1 = fill "
                        "(default: the model's centre hole)")
    parser.add_argument("--data", default="fashion_mnist", help="without --images: the data set whose test "
                        "images are turned into inputs")
    parser.add_argument("--data-dir", help="where the data set's files are")
    parser.add_argument("--task", choices=PAIRED_TASKS, help="without --images: how inputs are made from --data "
                        "(default: edges for pix2pix, superres for SRResNet/SRGAN, inpaint for a context encoder)")
    parser.add_argument("--n", type=positive_int, default=16, help="number of images to translate")
    parser.add_argument("--direction", choices=("a_to_b", "b_to_a"), default="a_to_b",
                        help="CycleGAN: which generator to use")
    parser.add_argument("--stochastic", action="store_true",
                        help="pix2pix: keep the generator's dropout on (a different output every run)")
    parser.add_argument("--seed", type=int, default=0, help="seed of random masks and of --stochastic dropout")
    parser.add_argument("--out", default="translations.png", help="a .npy file, a .png grid or a folder")


def _options(args, model) -> dict:
    """`translate()` options from --direction and --stochastic, where the model's translate takes them."""
    from keras_gen import recipes

    accepted = recipes.translation_options(model)
    options = {}
    if "direction" in accepted:
        options["direction"] = args.direction
    elif args.direction != "a_to_b":
        raise CommandError(f"--direction: a {type(model).__name__} translates one way only; drop --direction.")
    if args.stochastic:
        if "stochastic" not in accepted:
            raise CommandError("--stochastic keeps pix2pix's dropout on; this model has none.")
        options["stochastic"] = True
    if args.masks and "masks" not in accepted:
        raise CommandError("--masks: only a context encoder takes masks.")
    return options


def _inputs(args, model):
    """`(inputs, targets, options)`: what to translate, the targets when known, translate() options."""
    import numpy as np

    from keras_gen import recipes

    options = _options(args, model)
    if args.images:
        if args.task:
            raise CommandError("--task makes inputs from --data; with --images the inputs are given. Drop --task.")
        inputs = read_images(args.images, model, expected_shape=model.input_image_shape)[: args.n]
        if args.masks:
            try:
                masks = model.check_masks(np.load(args.masks, allow_pickle=False)[: len(inputs)], len(inputs))
            except ValueError as err:
                raise CommandError(f"--masks: {err}") from err
            return (inputs, masks), None, options
        return inputs, None, options
    if args.masks:
        raise CommandError("--masks goes with --images; without them the task makes the masks.")
    inputs, targets = recipes.load_translation_inputs(model, args.data, task=args.task, count=args.n, seed=args.seed,
                                                      data_dir=args.data_dir)
    return inputs, targets, options


def run_translate(args) -> int:
    import_tensorflow_quietly()
    import keras
    import numpy as np
    from PIL import Image

    from keras_gen.callbacks import save_translations
    from keras_gen.data import unscale_images
    from keras_gen.models import Translates

    model = load_generative_model(
        args.model_path, Translates,
        "does not translate images; translate works with pix2pix, srresnet, srgan, context_encoder and "
        "cyclegan models.",
    )
    keras.utils.set_random_seed(args.seed)
    inputs, targets, options = _inputs(args, model)
    try:
        if args.out.lower().endswith(".png"):
            path = save_translations(model, inputs, targets, args.out, **options)
            say(f"wrote the translation grid (input | output{' | target' if targets is not None else ''}) to {path}")
            return 0
        if isinstance(inputs, tuple):  # (images with holes, their masks)
            holed, masks = inputs
            outputs = model.translate(holed, masks=masks, **options)
        else:
            outputs = model.translate(inputs, **options)
    except ValueError as err:
        raise CommandError(str(err)) from err
    if args.out.lower().endswith(".npy"):
        np.save(args.out, outputs)
        say(f"wrote {len(outputs)} translated images {outputs.shape[1:]} to {args.out}")
        return 0
    os.makedirs(args.out, exist_ok=True)
    pixels = unscale_images(outputs, from_range=model.data_scale)
    for index, image in enumerate(pixels):
        Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(
            os.path.join(args.out, f"translated_{index:04d}.png"))
    say(f"wrote {len(outputs)} translated images to {args.out}/")
    return 0
