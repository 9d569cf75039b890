"""`keras-gen train FAMILY`: trains any registered family, checkpoints, writes grids and plots.

Nothing here names a family: defaults, the builder, the batch kind and the
grids come from `keras_gen.families`.
"""

from __future__ import annotations

import argparse
import ast
import csv
import inspect
import json
import math
import os
import sys

from keras_gen import families
from keras_gen.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    PAIRED_TASKS,
    PROG,
    CommandError,
    HelpFormatter,
    default_verbose,
    import_tensorflow_quietly,
    load_generative_model,
    positive_float,
    positive_int,
    say,
    unit_float,
)
from keras_gen.run_files import (
    CHECKPOINT_FILE,
    CHECKPOINT_STATE_FILE,
    COMPLETIONS_FILE,
    EVALUATION_FILE,
    HISTORY_FILE,
    LOSS_PLOT_FILE,
    MODEL_FILE,
    RECONSTRUCTIONS_FILE,
    RUN_CONFIG_FILE,
    SAMPLES_FILE,
    SNAPSHOT_DIR,
    TRANSLATIONS_FILE,
)

# Held-out images shown beside their reconstructions in the snapshot grids.
RECONSTRUCTION_IMAGES = 16
# Held-out images completed from their top half in the grids of autoregressive models.
COMPLETION_IMAGES = 8
# Flags that set a `for_images` (or model) argument, for the families that take it:
# flag destination -> argument name.
BUILDER_FLAGS = {
    "latent_dim": "latent_dim",
    "width": "width",
    "loss": "loss",
    "ema": "ema",
    "diffaugment": "augment",
}


def option(text: str) -> tuple[str, object]:
    """Parses `--option KEY=VALUE`; VALUE is a Python literal or else a string."""
    key, sep, value = text.partition("=")
    if not sep or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE with KEY an argument name, got {text!r}")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def add_parser(commands) -> None:
    names = families.names()
    parser = commands.add_parser(
        "train",
        help="train a model and write it, sample grids and loss plots into --out",
        description=(
            "Train a model family (see 'keras-gen models') on an image data set. Writes into "
            "--out: model.keras (the final model), checkpoint.keras (the model after the last "
            "complete epoch, with optimizer state), history.csv, losses.png, samples.png "
            "(families that sample) or reconstructions.png (families that encode), and "
            "snapshots/ (grids during training)."
        ),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("model", choices=names, metavar="FAMILY", help=f"the model family: {', '.join(names)}")
    parser.add_argument(
        "--data",
        default="fashion_mnist",
        help="data set name: fashion_mnist, mnist, digits (8x8, bundled with "
        "scikit-learn, works offline) or any TensorFlow Datasets image data set",
    )
    parser.add_argument("--out", default=None, help="output directory (default: runs/FAMILY)")
    parser.add_argument(
        "--epochs", type=positive_int, default=None,
        help="total number of epochs, counting epochs already done when resuming "
        "(default: the family's, see 'keras-gen models')",
    )
    parser.add_argument(
        "--batch-size", type=positive_int, default=None,
        help="images per batch (default: the family's, see 'keras-gen models')",
    )
    parser.add_argument(
        "--latent-dim", type=positive_int, default=None,
        help="size of the latent vector or code (default: the family's); ignored with --resume",
    )
    parser.add_argument(
        "--width", type=positive_int, default=None,
        help="filters of the networks' highest-resolution stage; larger is slower and "
        "sharper (default: the family's); ignored with --resume",
    )
    parser.add_argument(
        "--loss", default=None,
        help="the adversarial objective of a GAN family: non_saturating, minimax, "
        "least_squares, hinge or wasserstein (default: the family's); ignored with --resume",
    )
    parser.add_argument(
        "--ema", type=unit_float, default=None, metavar="DECAY",
        help="keep an exponential moving average of a GAN's generator with this decay "
        "(e.g. 0.999) and sample from it; ignored with --resume",
    )
    parser.add_argument(
        "--diffaugment", nargs="?", const="color,translation,cutout", default=None, metavar="POLICY",
        help="DiffAugment for a GAN's discriminator (default policy when given without a value: "
        "color,translation,cutout); ignored with --resume",
    )
    parser.add_argument(
        "--option", type=option, action="append", default=[], metavar="KEY=VALUE",
        help="any other argument of the family's for_images(), e.g. --option noise=masking "
        "--option noise_rate=0.3; repeatable; ignored with --resume",
    )
    parser.add_argument(
        "--lr", type=positive_float, default=None,
        help="learning rate of every optimizer (default: the family's compile() defaults, "
        "see docs/cli.md); with --resume, replaces the checkpoint's rate only when given",
    )
    parser.add_argument(
        "--beta-1", type=unit_float, default=None,
        help="Adam's beta_1 for every optimizer (default: the family's); ignored with --resume",
    )
    parser.add_argument(
        "--limit", type=positive_int, default=None,
        help="train on the first N images only (for quick trials; default: all)",
    )
    parser.add_argument(
        "--seed", type=int, default=0,
        help="seed of the weights, latent sampling, shuffling and snapshot latents",
    )
    parser.add_argument(
        "--labelled", type=positive_int, default=None, metavar="N",
        help="semi-supervised families (ssgan): keep the labels of N training images (a class-balanced "
        "subset), the others unlabelled (default: all labelled)",
    )
    parser.add_argument(
        "--labelled-share", type=unit_float, default=None, metavar="SHARE",
        help="with --labelled: the share of each batch drawn from the labelled images (e.g. 0.5)",
    )
    parser.add_argument(
        "--task", choices=PAIRED_TASKS, default=None,
        help="image-to-image families: the paired task made from --data (edges -> image, low resolution "
        "-> image, image with a hole -> image); default: the family's (see 'keras-gen models')",
    )
    parser.add_argument(
        "--domain-a", default=None, metavar="CLASSES",
        help="cyclegan: comma-separated class names or indices of domain A (default: 5, Fashion-MNIST's sandal)",
    )
    parser.add_argument(
        "--domain-b", default=None, metavar="CLASSES",
        help="cyclegan: comma-separated class names or indices of domain B (default: 7, Fashion-MNIST's sneaker)",
    )
    parser.add_argument(
        "--deterministic", action="store_true",
        help="make training repeat bit for bit in a fresh process (keras_gen.enable_determinism: "
        "deterministic TensorFlow ops; slower on GPUs); see docs/reproducibility.md",
    )
    parser.add_argument(
        "--checkpoint-every", type=positive_int, default=None, metavar="STEPS",
        help="also checkpoint every STEPS training steps within an epoch (for long epochs; a "
        "resumed run continues the interrupted epoch); default: after each epoch only",
    )
    parser.add_argument(
        "--snapshot-every", type=positive_int, default=1,
        help="write grids into OUT/snapshots every N epochs (and after the last)",
    )
    parser.add_argument(
        "--data-dir", default=None,
        help="directory to look for the data set's files first (for TFDS names: its "
        "data_dir); default: $KERAS_GEN_DATA, /usr/share/datasets, the Keras cache",
    )
    parser.add_argument(
        "--resume", action="store_true",
        help="continue the run in --out from checkpoint.keras (weights, optimizer "
        "state, epoch count) up to --epochs in total; without a checkpoint yet, start from scratch",
    )
    parser.add_argument(
        "--evaluate", action="store_true",
        help="after training, score the model on the data set's test split (as "
        "'keras-gen evaluate') and write OUT/evaluation.json",
    )
    parser.add_argument(
        "--num-samples", type=positive_int, default=None,
        help="with --evaluate: generated and real images to compare (default: "
        "keras_gen.evaluation's, 10000)",
    )
    parser.add_argument(
        "--verbose", type=int, choices=(0, 1, 2), default=None,
        help="Keras' fit output: 0 silent, 1 progress bar, 2 one line per epoch "
        "(default: 1 in a terminal, 2 when the output goes to a file or pipe)",
    )
    parser.set_defaults(handler=run)


def train_settings(args) -> dict:
    """The flags of `train` with the family's defaults filled in."""
    family = families.get(args.model)
    return {
        "epochs": args.epochs or family.epochs,
        "batch_size": args.batch_size or family.batch_size,
        "out": args.out or os.path.join("runs", args.model),
        "verbose": default_verbose(args.verbose),
        "builder": builder_arguments(family, args),
        "lr": args.lr,
        "beta_1": args.beta_1,
    }


def accepted_arguments(model_class) -> set[str]:
    """Names that `model_class.for_images` passes on: its own and every constructor's in the MRO."""
    names = set(inspect.signature(model_class.for_images).parameters)
    for cls in model_class.__mro__:
        if "__init__" in vars(cls):
            names |= set(inspect.signature(cls.__init__).parameters)
    return names - {"self", "args", "kwargs"}


def builder_arguments(family: families.Family, args) -> dict:
    """`for_images` arguments: the family's defaults, then the builder flags and --option."""
    given = {
        argument: getattr(args, flag)
        for flag, argument in BUILDER_FLAGS.items()
        if getattr(args, flag, None) is not None
    }
    accepted = None
    for argument in given:
        if argument in family.builder_defaults:
            continue
        accepted = accepted_arguments(family.model_class()) if accepted is None else accepted
        if argument not in accepted:
            flag = next(f for f, a in BUILDER_FLAGS.items() if a == argument).replace("_", "-")
            raise CommandError(
                f"the '{family.name}' family has no --{flag}; its builder takes "
                f"{sorted(family.builder_defaults)} and other arguments of "
                f"{family.model_class().__name__}.for_images (set them with --option KEY=VALUE)."
            )
    return {**family.builder_defaults, **given, **dict(getattr(args, "option", []) or [])}


def set_optimizer_options(model, lr=None, beta_1=None) -> None:
    """Sets the learning rate and Adam's beta_1 of every optimizer of a compiled model."""
    for name, optimizer in model.players().items():
        inner = getattr(optimizer, "inner_optimizer", optimizer)
        if lr is not None:
            inner.learning_rate = lr
        if beta_1 is not None:
            if not hasattr(inner, "beta_1"):
                raise CommandError(f"--beta-1: {name} is {type(inner).__name__}, which has no beta_1.")
            inner.beta_1 = beta_1


def content_network_for(family: families.Family, builder: dict, data: str | None, data_scale, data_dir=None):
    """The content network a family with a perceptual loss (SRGAN) gets: the data set's feature network.

    None when the family takes none, when `--option content_network=None`
    chose the pixel loss, or when the data set has no labels to train one on.
    """
    if "content_network" in builder or data is None:
        return builder.get("content_network")
    if "content_network" not in accepted_arguments(family.model_class()):
        return None
    import keras_gen

    if not keras_gen.data.info(data).num_classes:
        say(f"'{data}' has no labels to train a feature network on; the content loss is the pixel MSE")
        return None
    return keras_gen.evaluation.content_network(data, data_scale, data_dir=data_dir)


def build_model(family_name: str, image_shape, settings: dict, seed: int, num_classes: int | None = None,
                data: str | None = None, data_dir: str | None = None):
    """A new, compiled model of the family for `image_shape` with the settings' builder arguments.

    A family that trains on labels (batch kind "images_labels") gets the data
    set's number of classes unless the settings name one; families where
    conditioning is optional (PixelCNN) become conditional with
    `--option num_classes=N`.
    """
    family = families.get(family_name)
    builder = dict(settings["builder"])
    if family.batch_kind == "images_labels" and builder.get("num_classes") is None:
        if not num_classes:
            raise CommandError(
                f"'{family_name}' is class-conditional, but the data set has no class labels; "
                "train it on a labelled data set such as fashion_mnist."
            )
        builder["num_classes"] = num_classes
    content = content_network_for(family, builder, data, builder.get("data_scale", (-1.0, 1.0)), data_dir)
    if content is not None:
        builder["content_network"] = content
    try:
        model = family.build(image_shape, seed=seed, **builder)
    except (TypeError, ValueError) as err:
        if "keyword argument" not in str(err):
            raise
        # An --option that neither for_images nor the model's constructor takes.
        raise CommandError(
            f"{err}. See help({family.model_class().__name__}.for_images) for the arguments "
            "of this family (--option KEY=VALUE)."
        ) from err
    set_optimizer_options(model, settings.get("lr"), settings.get("beta_1"))
    return model


def _classes(text: str) -> list:
    """`--domain-a sandal,7` -> `["sandal", 7]`."""
    return [int(part) if part.strip().isdigit() else part.strip() for part in text.split(",") if part.strip()]


def data_options(args, family: families.Family, model) -> dict:
    """How to make the family's batches from --data: the paired task and its options, or the two domains."""
    options = dict(family.data_options)
    if getattr(args, "task", None) is not None:
        if model.batch_kind != "pairs":
            raise CommandError(f"--task: '{args.model}' does not train on (input, target) pairs; drop --task.")
        options["task"] = args.task
    for flag in ("domain_a", "domain_b"):
        if getattr(args, flag, None) is not None:
            if model.batch_kind != "unpaired":
                raise CommandError(f"--{flag.replace('_', '-')}: '{args.model}' does not train on two domains.")
            options[flag] = _classes(getattr(args, flag))
    if model.batch_kind == "pairs":
        options.update(model.data_options())
    return options


def load_training_data(args, settings: dict, model):
    """The training split as a shuffled, batched `tf.data.Dataset` in the model's scale."""
    import keras_gen

    kind = model.batch_kind
    options = data_options(args, families.get(args.model), model)  # --task/--domain-* fit this family?
    common = {"split": "train", "batch_size": settings["batch_size"], "scale": model.data_scale,
              "seed": args.seed, "limit": args.limit, "data_dir": args.data_dir}
    if kind in ("pairs", "unpaired"):
        if args.labelled is not None or args.labelled_share is not None:
            raise CommandError("--labelled/--labelled-share are for semi-supervised families (ssgan).")
        loader = keras_gen.data.load_pairs if kind == "pairs" else keras_gen.data.load_unpaired
        try:
            return loader(args.data, **common, **options)
        except ValueError as err:
            raise CommandError(str(err)) from err
    few_labels = {}
    if args.labelled is not None or args.labelled_share is not None:
        if not getattr(model, "accepts_unlabelled", False):
            raise CommandError(
                f"--labelled/--labelled-share: a {type(model).__name__} trains on fully labelled data; "
                "they are for semi-supervised families (ssgan)."
            )
        few_labels = {"labelled": args.labelled, "labelled_share": args.labelled_share}
    return keras_gen.data.load(
        args.data,
        split="train",
        batch_size=settings["batch_size"],
        scale=model.data_scale,
        seed=args.seed,
        limit=args.limit,
        data_dir=args.data_dir,
        labels=kind == "images_labels",
        **few_labels,
    )


def load_translation_examples(args, model, dataset_info, count=RECONSTRUCTION_IMAGES):
    """Held-out `(inputs, targets)` for translation grids: a paired task's, or images of domains A and B."""
    import numpy as np

    import keras_gen

    split = "test" if "test" in dataset_info.splits else "train"
    options = data_options(args, families.get(args.model), model)
    if model.batch_kind == "unpaired":
        ds = keras_gen.data.load_unpaired(args.data, split=split, batch_size=count, scale=model.data_scale,
                                          shuffle=False, data_dir=args.data_dir, **options)
        images_a, images_b = next(iter(ds))
        return np.asarray(images_a), np.asarray(images_b)
    images, _ = keras_gen.data.load_numpy(args.data, split, scale=model.data_scale, limit=count,
                                          data_dir=args.data_dir)
    task = options.pop("task")
    return keras_gen.data.make_pairs(images, task, scale=model.data_scale, seed=args.seed, **options)


def load_held_out_images(args, model, dataset_info, count=RECONSTRUCTION_IMAGES):
    """A few held-out images in the model's scale and their labels, for reconstruction and completion grids."""
    import keras_gen

    split = "test" if "test" in dataset_info.splits else "train"
    images, labels = keras_gen.data.load_numpy(
        args.data, split, scale=model.data_scale, limit=count, data_dir=args.data_dir
    )
    return images, labels


def resume_state(out: str, family_name: str):
    """The checkpoint of `out` for --resume: `(model, state)`, or `(None, None)` when it has none yet.

    An interrupted checkpoint write is finished or undone first
    (`keras_gen.callbacks.checkpoint.recover`), so the model and its state
    always agree.
    """
    from keras_gen.callbacks.checkpoint import optimizer_steps, recover

    state = recover(out) if os.path.isdir(out) else None
    if state is None:
        return None, None
    if state.get("model") != family_name:
        raise CommandError(
            f"--resume: {out} holds a {state.get('model')} run, not a {family_name} run; "
            f"use 'keras-gen train {state.get('model')} --out {out} --resume'."
        )
    model = load_generative_model(os.path.join(out, CHECKPOINT_FILE))
    steps = optimizer_steps(model)
    if steps != state["optimizer_iterations"]:
        raise CommandError(
            f"--resume: {out}/{CHECKPOINT_FILE} holds optimizer steps {steps} but "
            f"{CHECKPOINT_STATE_FILE} says {state['optimizer_iterations']}: the files were changed by hand. "
            "Restore them or start a new run in another --out."
        )
    return model, state


def plot_history(history_path: str, plot_path: str) -> str:
    """Plots every column of a CSVLogger file against the epoch: losses left, others right."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    with open(history_path, newline="") as file:
        rows = list(csv.DictReader(file))
    epochs = [int(row["epoch"]) + 1 for row in rows]
    # CSVLogger fills metrics that were never logged (val_* without validation) with "NA".
    columns = [
        c for c in (rows[0] if rows else {}) if c != "epoch" and any(row[c] != "NA" for row in rows)
    ]
    # The KL term is orders of magnitude below the reconstruction term: its own panel.
    kl_terms = [c for c in columns if c.startswith("kl")]
    losses = [c for c in columns if c.endswith("loss") and c not in kl_terms]
    others = [c for c in columns if c not in losses and c not in kl_terms]
    panels = [
        (ylabel, names)
        for ylabel, names in (("loss", losses), ("KL divergence", kl_terms), ("value", others))
        if names
    ]
    figure, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4), squeeze=False)
    for axis, (ylabel, names) in zip(axes[0], panels):
        for name in names:
            values = [float(row[name]) if row[name] != "NA" else math.nan for row in rows]
            axis.plot(epochs, values, marker="o", label=name)
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_ylabel(ylabel)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle(os.path.basename(os.path.dirname(os.path.abspath(plot_path))))
    figure.tight_layout()
    figure.savefig(plot_path, dpi=100)
    plt.close(figure)
    return plot_path


def run(args) -> int:
    """`keras-gen train`: trains, checkpoints every epoch, writes grids and plots."""
    import_tensorflow_quietly()
    import keras

    import keras_gen
    from keras_gen.callbacks import (
        CheckpointError,
        ImageSnapshot,
        RunCheckpoint,
        TerminateOnNaNLoss,
        TrainingDiverged,
        save_completions,
        save_reconstructions,
        save_samples,
        save_translations,
    )
    from keras_gen.callbacks.checkpoint import save_atomically
    from keras_gen.models import Completes, Encodes, Generates, Translates
    from keras_gen.training import DataError

    family = families.get(args.model)
    settings = train_settings(args)
    out = settings["out"]
    if args.deterministic:
        keras_gen.enable_determinism()
    dataset_info = keras_gen.data.info(args.data)
    model = state = None
    if args.resume:
        try:
            model, state = resume_state(out, args.model)
        except CheckpointError as err:
            print(f"{PROG}: error: {err}", file=sys.stderr)
            return EXIT_FAILED
        if model is None:
            say(f"--resume: {out} holds no checkpoint yet (the run stopped before its first); starting from scratch")
    if model is not None:
        epochs_done, steps_in_epoch = int(state["epochs_done"]), int(state.get("steps_in_epoch", 0))
        if tuple(model.image_shape) != tuple(dataset_info.image_shape):
            raise CommandError(
                f"--resume: the checkpoint in {out} was trained on {model.image_shape} images "
                f"but '{args.data}' has {dataset_info.image_shape}; pass the same --data."
            )
        if epochs_done >= settings["epochs"] and not steps_in_epoch:
            raise CommandError(
                f"--resume: {out} already has {epochs_done} epoch(s) done and --epochs is "
                f"{settings['epochs']} (the total); pass a larger --epochs to train further."
            )
        set_optimizer_options(model, lr=args.lr)
        position = f"epoch {epochs_done}" + (f" and {steps_in_epoch} steps of epoch {epochs_done + 1}"
                                             if steps_in_epoch else "")
        say(f"resuming {out}/{CHECKPOINT_FILE} after {position} (optimizer steps: {state['optimizer_iterations']})")
    else:
        keras.utils.set_random_seed(args.seed)
        model = build_model(
            args.model, dataset_info.image_shape, settings, args.seed, num_classes=dataset_info.num_classes,
            data=args.data, data_dir=args.data_dir,
        )
        epochs_done, steps_in_epoch = 0, 0
    dataset = load_training_data(args, settings, model)

    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, RUN_CONFIG_FILE), "w") as file:
        run_config = {key: value for key, value in vars(args).items() if key != "handler"}
        json.dump({**run_config, **settings}, file, indent=2, default=str)
    held_out = completion_images = completion_labels = translation_examples = None
    if "translations" in family.grids and isinstance(model, Translates):
        translation_examples = load_translation_examples(args, model, dataset_info)
    if "reconstructions" in family.grids and isinstance(model, Encodes):
        held_out, _ = load_held_out_images(args, model, dataset_info)
    if "completions" in family.grids and isinstance(model, Completes):
        completion_images, labels = load_held_out_images(args, model, dataset_info, count=COMPLETION_IMAGES)
        completion_labels = labels if model.label_conditional else None
    callbacks = [
        TerminateOnNaNLoss(),  # first: a diverged step must not reach a checkpoint
        RunCheckpoint(out, every_steps=args.checkpoint_every, state=state, metadata={"model": args.model}),
        ImageSnapshot(
            os.path.join(out, SNAPSHOT_DIR),
            n=64,
            every=args.snapshot_every,
            seed=args.seed,
            reconstruction_images=held_out,
            completion_images=completion_images,
            completion_labels=completion_labels,
            translation_images=translation_examples,
        ),
    ]
    say(
        f"training a {args.model} on '{args.data}' for epochs {epochs_done + 1}..{settings['epochs']} "
        f"(batch size {settings['batch_size']}); writing into {out}"
    )
    fit_options = {"callbacks": callbacks, "verbose": settings["verbose"],
                   "shuffle": False}  # load() already shuffles, every epoch anew
    try:
        if steps_in_epoch:
            # The rest of the epoch a mid-epoch checkpoint interrupted, then the other epochs.
            remaining = max(1, int(dataset.cardinality()) - steps_in_epoch)
            model.fit(dataset, epochs=epochs_done + 1, initial_epoch=epochs_done, steps_per_epoch=remaining,
                      **fit_options)
            epochs_done += 1
        if epochs_done < settings["epochs"]:
            model.fit(dataset, epochs=settings["epochs"], initial_epoch=epochs_done, **fit_options)
    except CheckpointError as err:
        print(f"{PROG}: error: training stopped: {err}", file=sys.stderr)
        return EXIT_FAILED
    except (TrainingDiverged, DataError) as err:
        checkpoint = os.path.join(out, CHECKPOINT_FILE)
        kept = (
            f"the model after the last complete epoch is in {checkpoint}; continue from "
            "it with the same command plus --resume and a lower --lr"
            if os.path.exists(checkpoint)
            else "no epoch completed, so no checkpoint was written; try a lower --lr"
        )
        print(f"{PROG}: error: training stopped: {err}; {kept}.", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(
            f"\n{PROG}: interrupted; continue with the same command plus --resume "
            f"(from the last complete epoch in {out}/{CHECKPOINT_FILE}).",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED

    save_atomically(model.save, os.path.join(out, MODEL_FILE), os.path.join(out, "model.tmp.keras"))
    plot_history(os.path.join(out, HISTORY_FILE), os.path.join(out, LOSS_PLOT_FILE))
    written = [MODEL_FILE, LOSS_PLOT_FILE, HISTORY_FILE]
    if isinstance(model, Generates):
        save_samples(model, os.path.join(out, SAMPLES_FILE), n=64, seed=args.seed)
        written.append(SAMPLES_FILE)
    if held_out is not None:
        save_reconstructions(model, held_out, os.path.join(out, RECONSTRUCTIONS_FILE), seed=args.seed)
        written.append(RECONSTRUCTIONS_FILE)
    if translation_examples is not None:
        save_translations(model, *translation_examples, os.path.join(out, TRANSLATIONS_FILE))
        written.append(TRANSLATIONS_FILE)
    if completion_images is not None:
        save_completions(
            model, completion_images, os.path.join(out, COMPLETIONS_FILE), seed=args.seed, labels=completion_labels
        )
        written.append(COMPLETIONS_FILE)
    if args.evaluate:
        from keras_gen.cli.evaluate import evaluate_and_report

        evaluate_and_report(
            model,
            os.path.join(out, MODEL_FILE),
            args.data,
            "test" if "test" in dataset_info.splits else "train",
            os.path.join(out, EVALUATION_FILE),
            num_samples=args.num_samples,
            data_dir=args.data_dir,
            seed=args.seed,
        )
    say(f"done: {out}/{', '.join(written)}, {SNAPSHOT_DIR}/")
    return 0
