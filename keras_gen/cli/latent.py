"""`keras-gen interpolate` and `keras-gen edit`: latent walks and concept-vector edits of a saved model."""

from __future__ import annotations

import os

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

ANIMATION_TYPES = (".gif", ".mp4")


def add_parser(commands) -> None:
    walk = add_command(
        commands, "interpolate", run_interpolate,
        help="walk the latent space of a saved model between points or images",
        description="Write latent walks of a saved model: --n walks of --steps images each, between "
        "random prior points (or between consecutive --images), as an animated GIF/MP4 (frame t shows "
        "step t of every walk) or a PNG grid (one row per walk). Conditional models walk within "
        "one class per walk (the classes in turn, or --label).",
        model="a saved keras_gen model with a latent space",
    )
    walk.add_argument("--n", type=positive_int, default=8, help="number of walks")
    walk.add_argument("--steps", type=positive_int, default=10, help="images per walk, both endpoints included")
    walk.add_argument("--method", choices=("slerp", "linear"), default="slerp", help="path between endpoints")
    walk.add_argument("--images", help="walk between consecutive images of a .npy file or a folder of PNGs")
    walk.add_argument("--label", type=int, help="the class of every walk, for a conditional model")
    walk.add_argument("--out", default="walk.gif", help=".gif or .mp4 animation, or .png grid")
    walk.add_argument("--fps", type=positive_float, default=8.0, help="frames per second of an animation")
    walk.add_argument("--seed", type=int, default=0, help="seed of the random endpoints")
    walk.add_argument("--inversion-steps", type=int, default=200,
                      help="optimizer steps to invert --images into a GAN")

    edit = add_command(
        commands, "edit", run_edit,
        help="move images along a concept vector between two classes, or change their attributes",
        description="Edit images with a saved model: encode (or, for a GAN, invert) them, add the concept "
        "vector FROM_CLASS -> TO_CLASS (the mean latent difference between the two classes' images of "
        "--data) times --strength, decode. A class-conditional model is edited by encoding with the "
        "FROM class and decoding with the TO class. Writes a PNG grid: input | reconstruction | edit. "
        "With --set NAME=VALUE instead, a model conditioned on attributes regenerates the images from "
        "their own latent points with those attributes changed (GANs: a joint inversion of z and the "
        "attributes, or z alone with --conditions; models that encode need --conditions); the grid is "
        "original | edited.",
        model="a saved keras_gen model with a latent space",
    )
    edit.add_argument("--images", required=True, help="a .npy file (N, H, W[, C]) or a folder of PNG images")
    how = edit.add_mutually_exclusive_group(required=True)
    how.add_argument("--vector", metavar="FROM_CLASS:TO_CLASS",
                     help="class names or indices of --data, e.g. sneaker:ankle_boot or 7:9")
    how.add_argument("--set", nargs="+", metavar="NAME=VALUE", dest="changes",
                     help="attributes (or multi-hot names) to change, e.g. brightness=0.9 (commas also separate)")
    edit.add_argument("--conditions", help="with --set: the images' conditions, a .npy file (one row per image), "
                      "a .npz file of one array per part for a condition of several parts (AL-CGAN: attributes, "
                      "layout) or, for captions, a .txt file of one caption per line; required for models that "
                      "encode")
    edit.add_argument("--strength", type=float, default=1.0, help="how far to move along the vector")
    edit.add_argument("--data", default="fashion_mnist", help="labelled data set the vector is computed on")
    edit.add_argument("--data-dir", help="where the data set's files are")
    edit.add_argument("--vector-images", type=positive_int, default=500,
                      help="images of each class used for the vector")
    edit.add_argument("--inversion-steps", type=int, default=200, help="optimizer steps to invert into a GAN")
    edit.add_argument("--out", default="edited.png", help="PNG grid to write")


def _latent_model(path):
    from keras_gen.models import Encodes, SamplesFromPrior

    return load_generative_model(
        path, (Encodes, SamplesFromPrior),
        "has no latent space (it translates images); interpolate and edit work on autoencoders, VAEs and GANs.",
    )


def _invert_options(model, steps):
    from keras_gen.models import Encodes

    if steps < 0:
        raise CommandError(f"--inversion-steps must be >= 0, got {steps}.")
    return {} if isinstance(model, Encodes) else {"steps": steps}


def run_interpolate(args) -> int:
    import_tensorflow_quietly()
    import numpy as np

    from keras_gen import latent
    from keras_gen.models import SamplesFromPrior

    extension = os.path.splitext(args.out)[1].lower()
    if extension not in (*ANIMATION_TYPES, ".png"):
        raise CommandError(f"--out must end in .gif, .mp4 or .png, got {args.out!r}.")
    if args.steps < 2:
        raise CommandError(f"--steps must be at least 2 (both endpoints are included), got {args.steps}.")
    model = _latent_model(args.model_path)
    labels = None
    if model.label_conditional:
        labels = np.full(args.n, args.label) if args.label is not None else np.arange(args.n) % model.num_classes
    elif args.label is not None:
        raise CommandError(f"--label: a {type(model).__name__} is not class-conditional; drop --label.")
    if args.images:
        images = read_images(args.images, model)
        if len(images) < 2 * args.n:
            raise CommandError(
                f"--images: {args.n} walks need {2 * args.n} images (start and end of each), got {len(images)}."
            )
        pair_labels = None if labels is None else np.repeat(labels, 2)
        points = latent.to_latent(
            model, images[: 2 * args.n], pair_labels, **_invert_options(model, args.inversion_steps)
        )
        starts, ends = points[0::2], points[1::2]
    else:
        if not isinstance(model, SamplesFromPrior):
            raise CommandError(
                f"a {type(model).__name__} has no prior to draw endpoints from; pass --images to walk "
                "between encoded images."
            )
        rng = np.random.default_rng(args.seed)
        starts, ends = (rng.standard_normal((args.n, model.latent_dim)).astype("float32") for _ in range(2))
    walks = np.stack([
        latent.interpolate(model, start, end, args.steps, args.method, None if labels is None else int(labels[i]))
        for i, (start, end) in enumerate(zip(starts, ends))
    ])
    if extension == ".png":
        path = latent.save_image_grid(walks, args.out, model.data_scale)
    else:
        path = latent.save_animation(walks, args.out, model.data_scale, fps=args.fps)
    say(f"wrote {args.n} walks of {args.steps} images to {path}")
    return 0


def _class_index(text: str, dataset_info) -> int:
    names = list(dataset_info.class_names or [])
    if text.isdigit():
        index = int(text)
        if index >= (dataset_info.num_classes or 0):
            raise CommandError(f"--vector: class {index} is out of range; '{dataset_info.name}' has "
                               f"{dataset_info.num_classes} classes.")
        return index
    normalized = [n.lower().replace(" ", "_").replace("/", "_").replace("-", "_") for n in names]
    key = text.lower().replace(" ", "_").replace("-", "_")
    if key not in normalized:
        raise CommandError(f"--vector: unknown class {text!r}; the classes of '{dataset_info.name}' are "
                           f"{', '.join(normalized)} (or their indices).")
    return normalized.index(key)


def _changes(texts) -> dict:
    changes = {}
    for item in (part.strip() for text in texts for part in text.split(",")):
        name, equals, value = item.partition("=")
        try:
            changes[name.strip()] = float(value)
        except ValueError:
            raise CommandError(f"--set: {item!r} is not NAME=VALUE with a number, e.g. brightness=0.9.") from None
        if not equals or not name.strip():
            raise CommandError(f"--set: {item!r} is not NAME=VALUE, e.g. brightness=0.9.")
    return changes


def _read_conditions(path):
    import numpy as np

    if path.endswith(".txt") and os.path.isfile(path):
        with open(path) as file:
            return [line.strip() for line in file if line.strip()]
    if path.endswith(".npy") and os.path.isfile(path):
        return np.load(path, allow_pickle=False)
    if path.endswith(".npz") and os.path.isfile(path):  # a condition of several parts: an array per part
        with np.load(path, allow_pickle=False) as parts:
            return {name: parts[name] for name in parts.files}
    raise CommandError(f"--conditions: {path} is neither a .npy file, a .npz file of parts (numpy.savez(path, "
                       "attributes=..., layout=...)) nor a .txt file of captions.")


def run_set(args) -> int:
    """`edit --set`: the images regenerated from their own z with changed attributes; original | edited."""
    from keras_gen import latent
    from keras_gen.models import Encodes
    from keras_gen.visualization import row_grid, save_grid

    changes = _changes(args.changes)
    model = _latent_model(args.model_path)
    if model.condition is None or getattr(model, "label_conditional", False):
        raise CommandError(f"--set: a {type(model).__name__} is not conditioned on attributes; use --vector.")
    images = read_images(args.images, model)
    conditions = None if args.conditions is None else _read_conditions(args.conditions)
    if conditions is None and isinstance(model, Encodes):
        raise CommandError(f"--set: a {type(model).__name__} encodes images with their conditions; pass "
                           "--conditions cond.npy (one row per image).")
    options = _invert_options(model, args.inversion_steps)
    edited = latent.edit_conditions(model, images, changes, conditions=conditions, **options)
    path = save_grid(row_grid({"original": images, "edited": edited}, model.data_scale, per_row=1), args.out)
    say(f"wrote {len(images)} edited images to {path} (original | edited)")
    return 0


def run_edit(args) -> int:
    import_tensorflow_quietly()
    import numpy as np

    import keras_gen
    from keras_gen import latent, recipes

    if args.changes:
        return run_set(args)
    if args.conditions:
        raise CommandError("--conditions goes with --set; a --vector edit reads classes from --data.")
    from_text, _, to_text = args.vector.partition(":")
    if not from_text or not to_text:
        raise CommandError(f"--vector must be FROM_CLASS:TO_CLASS, e.g. sneaker:ankle_boot, got {args.vector!r}.")
    if not np.isfinite(args.strength):
        raise CommandError(f"--strength must be a finite number, got {args.strength}.")
    model = _latent_model(args.model_path)
    info = keras_gen.data.info(args.data)
    if not info.num_classes:
        raise CommandError(f"--data: '{args.data}' has no class labels, so it cannot define a class vector.")
    source, target = _class_index(from_text, info), _class_index(to_text, info)
    images = read_images(args.images, model)
    options = _invert_options(model, args.inversion_steps)
    if model.label_conditional:
        # The class is an input of a conditional model: encode as FROM, decode as TO.
        points = latent.to_latent(model, images, np.full(len(images), source))
        rows = {
            "input": images,
            "reconstruction": latent.decode_points(model, points, np.full(len(images), source)),
            "edit": latent.decode_points(model, points, np.full(len(images), target)),
        }
    else:
        pool, pool_labels = recipes.load_held_out_images(model, args.data, count=None, data_dir=args.data_dir)
        with_concept = pool[pool_labels == target][: args.vector_images]
        without = pool[pool_labels == source][: args.vector_images]
        say(f"computing the vector {from_text} -> {to_text} from {len(without)} + {len(with_concept)} images")
        vector = latent.concept_vector(model, with_concept, without, **options)
        moved = latent.apply_vector(model, images, vector, [0.0, args.strength], **options)
        rows = {"input": images, "reconstruction": moved[:, 0], "edit": moved[:, 1]}
    from keras_gen.visualization import row_grid, save_grid

    path = save_grid(row_grid(rows, model.data_scale, per_row=1), args.out)
    say(f"wrote {len(images)} edited images to {path} (input | reconstruction | edit)")
    return 0
