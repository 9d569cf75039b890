"""`keras-gen train FAMILY`: trains any registered family, checkpoints, writes grids and plots.

Nothing here names a family or builds a model or a data pipeline: the flags are
parsed here, and `keras_gen.recipes` builds the model and loads its batches from
the registry's defaults, the family's batch kind and its grids.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from keras_gen import families, recipes
from keras_gen.cli import runtime
from keras_gen.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    PAIRED_TASKS,
    PROG,
    CommandError,
    add_command,
    default_verbose,
    import_tensorflow_quietly,
    load_generative_model,
    output_directory,
    positive_float,
    positive_int,
    say,
    unit_float,
)
from keras_gen.cli.plots import plot_history
from keras_gen.recipes import accepted_arguments  # noqa: F401  (keras_gen.cli.train.accepted_arguments)
from keras_gen.run_files import (
    CHECKPOINT_FILE,
    CHECKPOINT_STATE_FILE,
    COMPLETIONS_FILE,
    EVALUATION_FILE,
    HISTORY_FILE,
    LOSS_PLOT_FILE,
    MODEL_FILE,
    PREDICTIONS_FILE,
    RECONSTRUCTIONS_FILE,
    RUN_CONFIG_FILE,
    SAMPLES_3D_FILE,
    SAMPLES_CAPTIONS_FILE,
    SAMPLES_CLIPS_FILE,
    SAMPLES_FILE,
    SNAPSHOT_DIR,
    TRANSLATIONS_FILE,
)

# --metrics-every: what it computes and on how many images unless --num-samples says otherwise.
SAMPLE_METRICS = ("fid", "kid", "precision", "recall")
METRICS_EVERY_SAMPLES = 2000

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
    try:
        return recipes.parse_option(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


# --- the parser -----------------------------------------------------------------------
def add_parser(commands) -> None:
    names = families.names()
    parser = add_command(
        commands, "train", run,
        help="train a model and write it, sample grids and loss plots into --out",
        description=(
            "Train a model family (see 'keras-gen models') on a data set of images, clips or voxel grids. "
            "Writes into --out: model.keras (the final model), checkpoint.keras (the model after the last "
            "complete epoch, with optimizer state), history.csv, losses.png, samples.png "
            "(families that sample; samples.gif for clips, samples.png and samples_3d.png for voxel grids) "
            "or reconstructions.png (families that encode), and snapshots/ (grids during training)."
        ),
    )
    parser.add_argument("model", choices=names, metavar="FAMILY", help=f"the model family: {', '.join(names)}")
    _add_data_arguments(parser.add_argument_group("data"))
    _add_model_arguments(parser.add_argument_group("model (ignored with --resume)"))
    _add_training_arguments(parser.add_argument_group("training"))
    runtime.add_arguments(parser.add_argument_group("backend, precision and devices (docs/backends.md)"))
    _add_output_arguments(parser.add_argument_group("output"))


def _add_data_arguments(group) -> None:
    group.add_argument("--data", help="data set name: fashion_mnist (the default, unless the family names its own: "
                       "fashion_captions for attribute2image), mnist, digits (8x8, bundled with scikit-learn, works "
                       "offline), fashion_captions, fashion_scenes or any TensorFlow Datasets image data set")
    group.add_argument("--data-dir", help="directory to look for the data set's files first (for TFDS names: its "
                       "data_dir); default: $KERAS_GEN_DATA, /usr/share/datasets, the Keras cache")
    group.add_argument("--conditions", metavar="NAMES",
                       help="condition the model on these conditions of --data instead of the family's (a name, or "
                       "comma-separated names for a condition of several parts), e.g. --data fashion_captions "
                       "--conditions multi_hot for cgan; families that take condition= only")
    group.add_argument("--limit", type=positive_int,
                       help="train on the first N images only (for quick trials; default: all)")
    group.add_argument("--labelled", type=positive_int, metavar="N", help="semi-supervised families (ssgan): keep "
                       "the labels of N training images (a class-balanced subset), the others unlabelled "
                       "(default: all labelled)")
    group.add_argument("--labelled-share", type=unit_float, metavar="SHARE",
                       help="with --labelled: the share of each batch drawn from the labelled images (e.g. 0.5)")
    group.add_argument("--task", choices=PAIRED_TASKS, help="image-to-image families: the paired task made from "
                       "--data (edges -> image, low resolution -> image, image with a hole -> image); default: "
                       "the family's (see 'keras-gen models')")
    group.add_argument("--domain-a", metavar="CLASSES", help="cyclegan: comma-separated class names or indices "
                       "of domain A (default: 5, Fashion-MNIST's sandal)")
    group.add_argument("--domain-b", metavar="CLASSES", help="cyclegan: comma-separated class names or indices "
                       "of domain B (default: 7, Fashion-MNIST's sneaker)")


def _add_model_arguments(group) -> None:
    # A resumed run loads its model from the checkpoint: no flag that shapes a new model applies.
    def add(flag, help, **options):
        group.add_argument(flag, **options, help=f"{help}; ignored with --resume")

    add("--latent-dim", "size of the latent vector or code (default: the family's)", type=positive_int)
    add("--width", "filters of the networks' highest-resolution stage; larger is slower and sharper (default: "
        "the family's)", type=positive_int)
    add("--loss", "the adversarial objective of a GAN family: non_saturating, minimax, least_squares, hinge or "
        "wasserstein (default: the family's)")
    add("--ema", "keep an exponential moving average of a GAN's generator with this decay (e.g. 0.999) and "
        "sample from it", type=unit_float, metavar="DECAY")
    add("--diffaugment", "DiffAugment for a GAN's discriminator (default policy when given without a value: "
        "color,translation,cutout)", nargs="?", const="color,translation,cutout", metavar="POLICY")
    add("--option", "any other argument of the family's for_images(), e.g. --option noise=masking --option "
        "noise_rate=0.3; repeatable", type=option, action="append", default=[], metavar="KEY=VALUE")
    add("--beta-1", "Adam's beta_1 for every optimizer (default: the family's)", type=unit_float)


def _add_training_arguments(group) -> None:
    group.add_argument("--epochs", type=positive_int, help="total number of epochs, counting epochs already done "
                       "when resuming (default: the family's, see 'keras-gen models')")
    group.add_argument("--batch-size", type=positive_int,
                       help="images per batch (default: the family's, see 'keras-gen models')")
    group.add_argument("--lr", type=positive_float, help="learning rate of every optimizer (default: the family's "
                       "compile() defaults, see docs/cli.md); with --resume, replaces the checkpoint's rate only "
                       "when given")
    group.add_argument("--seed", type=int, default=0,
                       help="seed of the weights, latent sampling, shuffling and snapshot latents")
    group.add_argument("--deterministic", action="store_true", help="make training repeat bit for bit in a fresh "
                       "process (keras_gen.enable_determinism: deterministic TensorFlow ops; slower on GPUs); see "
                       "docs/reproducibility.md")
    group.add_argument("--resume", action="store_true", help="continue the run in --out from checkpoint.keras "
                       "(weights, optimizer state, epoch count) up to --epochs in total; without a checkpoint yet, "
                       "start from scratch")
    group.add_argument("--checkpoint-every", type=positive_int, metavar="STEPS", help="also checkpoint every STEPS "
                       "training steps within an epoch (for long epochs; a resumed run continues the interrupted "
                       "epoch); default: after each epoch only")


def _add_output_arguments(group) -> None:
    group.add_argument("--out", help="output directory (default: runs/FAMILY)")
    group.add_argument("--snapshot-every", type=positive_int, default=1,
                       help="write grids into OUT/snapshots every N epochs (and after the last)")
    group.add_argument("--tensorboard", type=output_directory, metavar="DIR", help="also write TensorBoard logs "
                       "into DIR: every logged loss and metric per epoch (DIR/train, DIR/validation for the "
                       "--metrics-every scores) and the snapshot grids as images (DIR/images); view them with "
                       "'tensorboard --logdir DIR'")
    group.add_argument("--metrics-every", type=positive_int, metavar="N", help="families that generate: after "
                       "the first epoch, every N-th and the last, compute FID, KID, precision and recall of generated "
                       "images against the data set's held-out images (keras_gen.callbacks.GenerativeMetrics), "
                       "logged as val_fid, ... (history.csv, the epoch lines, --tensorboard); default: never")
    group.add_argument("--evaluate", action="store_true", help="after training, score the model on the data set's "
                       "held-out split (its test split; train for a data set without one), as 'keras-gen evaluate', and "
                       "write OUT/evaluation.json")
    group.add_argument("--num-samples", type=positive_int, help="generated and real images to compare: with "
                       f"--evaluate (default: keras_gen.evaluation's, 10000) and with --metrics-every (default: "
                       f"{METRICS_EVERY_SAMPLES})")
    group.add_argument("--verbose", type=int, choices=(0, 1, 2), help="0 silent; 1 Keras' progress bar, then the "
                       "time so far and an estimate for the whole run; 2 one line per epoch with its losses, the "
                       "time so far and an estimate for the whole run (default: 1 in a terminal, 2 when the "
                       "output goes to a file or pipe)")


# --- flags -> library arguments -------------------------------------------------------
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
        "conditions": recipes.condition_names(getattr(args, "conditions", None)),
    }


def builder_arguments(family: families.Family, args) -> dict:
    """`for_images` arguments: the family's defaults, then the builder flags and --option."""
    given = {
        argument: getattr(args, flag)
        for flag, argument in BUILDER_FLAGS.items()
        if getattr(args, flag, None) is not None
    }
    for argument in recipes.unaccepted_arguments(family.name, given):
        flag = next(f for f, a in BUILDER_FLAGS.items() if a == argument).replace("_", "-")
        raise CommandError(
            f"the '{family.name}' family has no --{flag}; its builder takes "
            f"{sorted(family.builder_defaults)} and other arguments of "
            f"{family.model_class().__name__}.for_images (set them with --option KEY=VALUE)."
        )
    return recipes.builder_arguments(family.name, given, dict(getattr(args, "option", []) or []))


def _classes(text: str | None) -> list | None:
    """`--domain-a sandal,7` -> `["sandal", 7]`."""
    if text is None:
        return None
    return [int(part) if part.strip().isdigit() else part.strip() for part in text.split(",") if part.strip()]


def data_options(args, model) -> dict:
    """`--task`, `--domain-a`, `--domain-b` (where given) over the family's data options."""
    return recipes.data_options(model, args.model, task=getattr(args, "task", None),
                                domain_a=_classes(getattr(args, "domain_a", None)),
                                domain_b=_classes(getattr(args, "domain_b", None)),
                                conditions=recipes.condition_names(getattr(args, "conditions", None)))


# --- resuming -------------------------------------------------------------------------
def resume_state(out: str, family_name: str):
    """The checkpoint of `out` for --resume: `(model, state)`, or `(None, None)` when it has none yet.

    An interrupted checkpoint write is finished or undone first
    (`keras_gen.callbacks.checkpoint.recover`), so the model and its state
    always agree. The model is loaded as it was saved, in its own precision
    (`state["precision"]`) whatever the global dtype policy is now.
    """
    import keras

    from keras_gen.callbacks.checkpoint import optimizer_steps, recover

    state = recover(out) if os.path.isdir(out) else None
    if state is None:
        return None, None
    if state.get("model") != family_name:
        raise CommandError(
            f"--resume: {out} holds a {state.get('model')} run, not a {family_name} run; "
            f"use 'keras-gen train {state.get('model')} --out {out} --resume'."
        )
    policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy(runtime.PRECISIONS[checkpoint_precision(state)])
    try:
        model = load_generative_model(os.path.join(out, CHECKPOINT_FILE))
    finally:
        keras.config.set_dtype_policy(policy)
    steps = optimizer_steps(model)
    if steps != state["optimizer_iterations"]:
        raise CommandError(
            f"--resume: {out}/{CHECKPOINT_FILE} holds optimizer steps {steps} but "
            f"{CHECKPOINT_STATE_FILE} says {state['optimizer_iterations']}: the files were changed by hand. "
            "Restore them or start a new run in another --out."
        )
    return model, state


def checkpoint_precision(state: dict) -> str:
    """The `--precision` a checkpoint trained in; runs from before the flag existed trained in fp32."""
    return state.get("precision", "fp32")


def _in_precision(model, state: dict, precision: str):
    """The resumed model in `precision`: converted by `keras_gen.models.with_precision` when it trained in another."""
    saved = checkpoint_precision(state)
    if saved == precision:
        return model
    from keras_gen.models import with_precision

    say(f"--resume: the checkpoint trained in {saved}; continuing in {precision} ({runtime.PRECISIONS[precision]})")
    return with_precision(model, runtime.PRECISIONS[precision])


def _resumed(args, settings: dict, dataset_info, model, state) -> tuple[int, int]:
    """Checks a resumed checkpoint against the flags; `(epochs done, steps done in the next epoch)`."""
    out = settings["out"]
    epochs_done, steps_in_epoch = int(state["epochs_done"]), int(state.get("steps_in_epoch", 0))
    if tuple(model.data_shape) != tuple(dataset_info.example_shape):
        raise CommandError(
            f"--resume: the checkpoint in {out} was trained on examples of shape {model.data_shape} "
            f"but '{args.data}' has {dataset_info.example_shape}; pass the same --data."
        )
    if epochs_done >= settings["epochs"] and not steps_in_epoch:
        raise CommandError(
            f"--resume: {out} already has {epochs_done} epoch(s) done and --epochs is "
            f"{settings['epochs']} (the total); pass a larger --epochs to train further."
        )
    recipes.set_optimizer_options(model, lr=args.lr)
    position = f"epoch {epochs_done}" + (f" and {steps_in_epoch} steps of epoch {epochs_done + 1}"
                                         if steps_in_epoch else "")
    say(f"resuming {out}/{CHECKPOINT_FILE} after {position} (optimizer steps: {state['optimizer_iterations']})")
    return epochs_done, steps_in_epoch


def _model_and_state(args, settings: dict, dataset_info):
    """`(model, state, epochs done, steps done in the next epoch)`: a resumed checkpoint or a new model."""
    import keras

    model = state = None
    if args.resume:
        model, state = resume_state(settings["out"], args.model)
        if model is None:
            say(f"--resume: {settings['out']} holds no checkpoint yet (the run stopped before its first); "
                "starting from scratch")
    if model is not None:
        model = _in_precision(model, state, args.precision)
        return (model, state, *_resumed(args, settings, dataset_info, model, state))
    keras.utils.set_random_seed(args.seed)
    model = recipes.build_from_settings(
        args.model, dataset_info.example_shape, settings, args.seed, num_classes=dataset_info.num_classes,
        data=args.data, data_dir=args.data_dir,
    )
    return model, None, 0, 0


# --- the run --------------------------------------------------------------------------
def _check_monitoring(args, family: families.Family) -> None:
    """--metrics-every fits the family and --num-samples: checked before anything is written."""
    if args.metrics_every is None:
        return
    from keras_gen.models import Generates

    if not issubclass(family.model_class(), Generates):
        raise CommandError(
            f"--metrics-every: the '{family.name}' family does not generate new images, so it has no sample "
            f"metrics (FID, KID, ...); drop the flag (families that sample: see 'keras-gen models --verbose')."
        )
    if args.num_samples is not None and args.num_samples < 6:
        raise CommandError(
            f"--num-samples {args.num_samples}: --metrics-every needs at least 6 images (precision and recall "
            "compare each image with its 3 nearest neighbours); thousands give meaningful scores."
        )


def _sample_metrics(args, model):
    """The `GenerativeMetrics` of --metrics-every: scores against the data set's held-out images."""
    from keras_gen.callbacks import GenerativeMetrics

    num_samples = args.num_samples or METRICS_EVERY_SAMPLES
    real_images, _ = recipes.load_held_out_images(model, args.data, count=num_samples, data_dir=args.data_dir)
    # Scores only on evaluated epochs (fill_value=None): no NaN rows in TensorBoard's charts.
    return GenerativeMetrics(real_images, metrics=SAMPLE_METRICS, every=args.metrics_every,
                             num_samples=min(num_samples, len(real_images)), dataset=args.data,
                             data_scale=model.data_scale, fill_value=None, seed=args.seed, data_dir=args.data_dir)


def _callbacks(args, settings: dict, state, examples: dict, backend: str, metrics=None,
               steps_per_epoch: int | None = None, worker: str = "") -> list:
    import keras

    from keras_gen.callbacks import (
        ImageSnapshot,
        RunCheckpoint,
        TerminateOnNaNLoss,
        TrainingProgress,
    )

    out, verbose = settings["out"], settings["verbose"]
    tensorboard = args.tensorboard
    if tensorboard and worker:  # a folder per process, as for the other files
        tensorboard = os.path.join(tensorboard, worker)
    # The precision tells a later --resume in another precision to convert the model.
    metadata = {"model": args.model, "backend": backend, "precision": args.precision}
    callbacks = [TerminateOnNaNLoss()]  # first: a diverged step must not reach a checkpoint
    if metrics is not None:
        callbacks.append(metrics)  # before the callbacks that record its scores
    callbacks += [
        RunCheckpoint(out, every_steps=args.checkpoint_every, state=state, metadata=metadata),
        ImageSnapshot(os.path.join(out, SNAPSHOT_DIR), n=64, every=args.snapshot_every, seed=args.seed,
                      tensorboard_dir=tensorboard and os.path.join(tensorboard, "images"), **examples),
    ]
    if tensorboard:
        # Every key of the epoch logs, whatever the model's train_step logs (d_loss, g_loss, ...).
        callbacks.append(keras.callbacks.TensorBoard(tensorboard, write_graph=False))
    if verbose == 1:
        callbacks.append(keras.callbacks.ProgbarLogger())  # placed here so the estimate follows the bar
    if verbose:
        callbacks.append(TrainingProgress(settings["epochs"], steps_per_epoch=steps_per_epoch,
                                          show_logs=verbose == 2))
    return callbacks


def _fit(model, dataset, settings: dict, epochs_done: int, steps_in_epoch: int, callbacks: list) -> int:
    """Trains up to `settings["epochs"]`; the exit code (0, or a failure already reported)."""
    from keras_gen.callbacks import CheckpointError, TrainingDiverged
    from keras_gen.training import DataError

    out = settings["out"]
    # Keras prints only the progress bar (verbose 1); the epoch lines are TrainingProgress's.
    fit_options = {"callbacks": callbacks, "verbose": 1 if settings["verbose"] == 1 else 0,
                   "shuffle": False}  # the data set already shuffles, every epoch anew
    try:
        if steps_in_epoch:
            # The rest of the epoch a mid-epoch checkpoint interrupted, then the other epochs.
            remaining = max(1, int(dataset.cardinality()) - steps_in_epoch)
            model.fit(dataset, epochs=epochs_done + 1, initial_epoch=epochs_done, steps_per_epoch=remaining,
                      **fit_options)
            epochs_done += 1
        if epochs_done < settings["epochs"]:
            model.fit(dataset, epochs=settings["epochs"], initial_epoch=epochs_done, **fit_options)
        # What a family still does once training ends (the two-stage VAE refits its prior).
        post_training = getattr(model, "post_training", None)
        if post_training is not None:
            post_training(dataset, verbose=fit_options["verbose"])
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
    return 0


def _write_results(model, args, out: str, examples: dict) -> list[str]:
    """The final model, loss plot and grids; the names of the files written."""
    from keras_gen.callbacks import (
        save_completions,
        save_predictions,
        save_reconstructions,
        save_samples,
        save_translations,
    )
    from keras_gen.callbacks.checkpoint import save_atomically
    from keras_gen.callbacks.image_snapshot import VOLUME_SAMPLES, save_caption_samples
    from keras_gen.models import Generates

    save_atomically(model.save, os.path.join(out, MODEL_FILE), os.path.join(out, "model.tmp.keras"))
    plot_history(os.path.join(out, HISTORY_FILE), os.path.join(out, LOSS_PLOT_FILE))
    written = [MODEL_FILE, LOSS_PLOT_FILE, HISTORY_FILE]
    if isinstance(model, Generates) and model.data_kind == "videos":
        save_samples(model, os.path.join(out, SAMPLES_CLIPS_FILE), n=VOLUME_SAMPLES, seed=args.seed)
        written.append(SAMPLES_CLIPS_FILE)
    elif isinstance(model, Generates) and model.data_kind == "voxels":
        save_samples(model, os.path.join(out, SAMPLES_FILE), n=VOLUME_SAMPLES, seed=args.seed)
        written += [SAMPLES_FILE, SAMPLES_3D_FILE]
    elif isinstance(model, Generates) and examples.get("caption_conditions"):
        save_caption_samples(model, os.path.join(out, SAMPLES_FILE), examples["caption_conditions"], seed=args.seed)
        written += [SAMPLES_FILE, SAMPLES_CAPTIONS_FILE]
    elif isinstance(model, Generates):
        save_samples(model, os.path.join(out, SAMPLES_FILE), n=64, seed=args.seed)
        written.append(SAMPLES_FILE)
    if examples.get("reconstruction_images") is not None:
        save_reconstructions(model, examples["reconstruction_images"], os.path.join(out, RECONSTRUCTIONS_FILE),
                             seed=args.seed)
        written.append(RECONSTRUCTIONS_FILE)
    if examples.get("translation_images") is not None:
        save_translations(model, *examples["translation_images"], os.path.join(out, TRANSLATIONS_FILE))
        written.append(TRANSLATIONS_FILE)
    if examples.get("prediction_clips") is not None:
        save_predictions(model, examples["prediction_clips"], os.path.join(out, PREDICTIONS_FILE), seed=args.seed)
        written.append(PREDICTIONS_FILE)
    if examples.get("completion_images") is not None:
        save_completions(model, examples["completion_images"], os.path.join(out, COMPLETIONS_FILE), seed=args.seed,
                         labels=examples.get("completion_labels"))
        written.append(COMPLETIONS_FILE)
    return written


def run(args) -> int:
    """`keras-gen train`: trains, checkpoints every epoch, writes grids and plots."""
    # The backend first: importing TensorFlow imports Keras, which reads KERAS_BACKEND once.
    backend = runtime.select_backend(args.backend)
    multi_worker_tf = args.distribute == "multi-worker" and backend == "tensorflow"
    tf_config = runtime.read_tf_config() if multi_worker_tf else None
    import_tensorflow_quietly()
    import keras_gen
    from keras_gen.callbacks import CheckpointError

    family = families.get(args.model)
    args.data = args.data or family.data or "fashion_mnist"
    _check_monitoring(args, family)
    settings = train_settings(args)
    # Before any other op: MultiWorkerMirroredStrategy and keras.distribution.initialize require it.
    distribution = runtime.distribute(args.distribute, backend, tf_config)
    runtime.check_batch_size(settings["batch_size"], distribution.replicas)
    if distribution.worker:  # not the chief: its own folder, so that no two processes write one file
        settings["out"] = os.path.join(settings["out"], distribution.worker)
        say(f"{distribution.worker} writes its checkpoints and grids into {settings['out']}")
    out = settings["out"]
    runtime.set_precision(args.precision, backend)
    if args.deterministic:
        keras_gen.enable_determinism()
    dataset_info = keras_gen.data.info(args.data)
    try:
        with distribution.scope():  # the model's variables, optimizers included, made on every replica
            model, state, epochs_done, steps_in_epoch = _model_and_state(args, settings, dataset_info)
    except CheckpointError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return EXIT_FAILED
    options = data_options(args, model)  # --task/--domain-* fit this family?
    # JAX shards every batch over the devices, which a last, smaller batch may not allow.
    sharded = {"drop_remainder": True} if backend == "jax" and distribution.replicas > 1 else {}
    dataset = recipes.load_training_data(
        model, args.data, batch_size=settings["batch_size"], seed=args.seed, limit=args.limit,
        data_dir=args.data_dir, labelled=args.labelled, labelled_share=args.labelled_share, **options, **sharded,
    )
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, RUN_CONFIG_FILE), "w") as file:
        run_config = {key: value for key, value in vars(args).items() if key != "handler"}
        json.dump({**run_config, **settings, "backend": backend}, file, indent=2, default=str)
    examples = recipes.snapshot_examples(model, args.data, family.grids, seed=args.seed, data_dir=args.data_dir,
                                         **options)
    say(
        f"training a {args.model} on '{args.data}' for epochs {epochs_done + 1}..{settings['epochs']} "
        f"(batch size {settings['batch_size']}); writing into {out}"
    )
    metrics = _sample_metrics(args, model) if args.metrics_every else None
    if metrics is not None:
        say(f"--metrics-every {args.metrics_every}: {', '.join(SAMPLE_METRICS)} of {metrics.num_samples} generated "
            f"against as many held-out images of '{args.data}', logged as {', '.join(metrics.log_keys)}")
    if args.tensorboard:
        say(f"--tensorboard: logs in {args.tensorboard}; view them with: tensorboard --logdir {args.tensorboard}")
    steps_per_epoch = int(dataset.cardinality())
    callbacks = _callbacks(args, settings, state, examples, backend, metrics,
                           steps_per_epoch=steps_per_epoch if steps_per_epoch > 0 else None,
                           worker=distribution.worker)
    code = _fit(model, dataset, settings, epochs_done, steps_in_epoch, callbacks)
    if code:
        return code
    written = _write_results(model, args, out, examples)
    if args.evaluate:
        from keras_gen.cli.evaluate import evaluate_and_report

        split = recipes.held_out_split(args.data)
        evaluate_and_report(model, os.path.join(out, MODEL_FILE), args.data, split,
                            os.path.join(out, EVALUATION_FILE), num_samples=args.num_samples,
                            data_dir=args.data_dir, seed=args.seed)
    say(f"done: {out}/{', '.join(written)}, {SNAPSHOT_DIR}/")
    return 0
