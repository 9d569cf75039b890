"""The `keras-gen` command: train, sample from, evaluate and tune generative models.

    keras-gen train dcgan --data fashion_mnist --out runs/dcgan
    keras-gen sample runs/dcgan/model.keras --n 64 --out grid.png
    keras-gen evaluate runs/dcgan/model.keras --data fashion_mnist --json scores.json
    keras-gen tune vae --data fashion_mnist --max-trials 10 --out runs/tune-vae

User errors (an unknown data set, a missing or foreign model file) end with a
one-line `keras-gen: error: ...` message and exit code 2; a training run whose
loss becomes NaN or infinite ends with exit code 1 and keeps the checkpoint of
its last complete epoch. See docs/cli.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import zipfile

PROG = "keras-gen"

# Exit codes: 2 for usage errors (what argparse uses too), 1 for a failed run.
EXIT_USAGE = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130

# Files a training run writes into its --out directory.
MODEL_FILE = "model.keras"
CHECKPOINT_FILE = "checkpoint.keras"
CHECKPOINT_STATE_FILE = "checkpoint.json"
HISTORY_FILE = "history.csv"
LOSS_PLOT_FILE = "losses.png"
SAMPLES_FILE = "samples.png"
SNAPSHOT_DIR = "snapshots"
RUN_CONFIG_FILE = "run.json"
EVALUATION_FILE = "evaluation.json"

# Defaults per model family. The DCGAN's were measured so that the README's main
# command (Fashion-MNIST, 60k images) takes about 10 minutes on 2 CPU cores; see
# docs/cli.md for the timings.
MODEL_DEFAULTS = {
    "dcgan": {
        "epochs": 5,
        "batch_size": 64,
        "latent_dim": 128,
        "width": 32,
        "lr": 2e-4,
        "beta_1": 0.5,
        "scale": (-1.0, 1.0),
    },
    "vae": {
        "epochs": 5,
        "batch_size": 128,
        "latent_dim": 16,
        "width": 32,
        "lr": 1e-3,
        "beta_1": 0.9,
        "scale": (0.0, 1.0),
    },
}
RECONSTRUCTION_IMAGES = 16


class CommandError(Exception):
    """A problem the user can fix; printed as `keras-gen: error: ...` with exit code 2."""


# --- argument parsing ---------------------------------------------------------------
def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _per_model(setting: str) -> str:
    dcgan, vae = MODEL_DEFAULTS["dcgan"][setting], MODEL_DEFAULTS["vae"][setting]
    return f"default: {dcgan} for the DCGAN, {vae} for the VAE"


def _metric_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give at least one metric name, e.g. fid,kid")
    return names


def _unit_float(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must lie in [0, 1), got {text}")
    return value


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows "(default: ...)" only where the help text does not already give it."""

    def _get_help_string(self, action):
        # `is`, not `in (None, False)`: a default of 0 equals False but should show.
        if action.default is None or action.default is False or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    """The `keras-gen` argument parser with its `train`, `sample`, `evaluate` and `tune` commands."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train, sample from, evaluate and tune keras_gen generative models.",
        epilog="Run 'keras-gen COMMAND --help' for the flags of one command. See docs/cli.md.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    train = commands.add_parser(
        "train",
        help="train a model and write it, sample grids and loss plots into --out",
        description=(
            "Train a VAE or DCGAN on an image data set. Writes into --out: model.keras "
            "(the final model), checkpoint.keras (the model after the last complete "
            "epoch, with optimizer state), history.csv, losses.png, samples.png and "
            "snapshots/ (sample grids during training; reconstructions for the VAE)."
        ),
        formatter_class=_HelpFormatter,
    )
    train.add_argument("model", choices=sorted(MODEL_DEFAULTS), help="the model family to train")
    train.add_argument(
        "--data",
        default="fashion_mnist",
        help="data set name: fashion_mnist, mnist, digits (8x8, bundled with "
        "scikit-learn, works offline) or any TensorFlow Datasets image data set",
    )
    train.add_argument("--out", default=None, help="output directory (default: runs/MODEL)")
    train.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help="total number of epochs, counting epochs already done when resuming ("
        + _per_model("epochs")
        + ")",
    )
    train.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None,
        help="images per batch (" + _per_model("batch_size") + ")",
    )
    train.add_argument(
        "--latent-dim",
        type=_positive_int,
        default=None,
        help="size of the latent vector (" + _per_model("latent_dim") + "); ignored with --resume",
    )
    train.add_argument(
        "--width",
        type=_positive_int,
        default=None,
        help="filters of the networks' highest-resolution stage; larger is slower "
        "and sharper (" + _per_model("width") + "); ignored with --resume",
    )
    train.add_argument(
        "--lr",
        type=_positive_float,
        default=None,
        help="Adam learning rate, for both GAN optimizers ("
        + _per_model("lr")
        + "); with --resume, replaces the checkpoint's rate only when given",
    )
    train.add_argument(
        "--beta-1",
        type=_unit_float,
        default=None,
        help="Adam's beta_1, the momentum of the gradient average ("
        + _per_model("beta_1")
        + "); ignored with --resume",
    )
    train.add_argument(
        "--limit",
        type=_positive_int,
        default=None,
        help="train on the first N images only (for quick trials; default: all)",
    )
    train.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the weights, latent sampling, shuffling and snapshot latents",
    )
    train.add_argument(
        "--snapshot-every",
        type=_positive_int,
        default=1,
        help="write a sample grid into OUT/snapshots every N epochs (and after the last)",
    )
    train.add_argument(
        "--data-dir",
        default=None,
        help="directory to look for the data set's files first (for TFDS names: its "
        "data_dir); default: $KERAS_GEN_DATA, /usr/share/datasets, the Keras cache",
    )
    train.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out from checkpoint.keras (weights, optimizer "
        "state, epoch count) up to --epochs in total",
    )
    train.add_argument(
        "--evaluate",
        action="store_true",
        help="after training, score the model on the data set's test split (as "
        "'keras-gen evaluate') and write OUT/evaluation.json",
    )
    train.add_argument(
        "--num-samples",
        type=_positive_int,
        default=None,
        help="with --evaluate: generated and real images to compare (default: "
        "keras_gen.evaluation's, 10000)",
    )
    train.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=None,
        help="Keras' fit output: 0 silent, 1 progress bar, 2 one line per epoch "
        "(default: 1 in a terminal, 2 when the output goes to a file or pipe)",
    )
    train.set_defaults(handler=train_command)

    sample = commands.add_parser(
        "sample",
        help="draw a grid of new images from a saved model",
        description="Draw images from a model saved by 'keras-gen train' or model.save() "
        "and write them as one PNG grid.",
        formatter_class=_HelpFormatter,
    )
    sample.add_argument("model_path", metavar="MODEL.keras", help="a saved keras_gen model")
    sample.add_argument("--n", type=_positive_int, default=64, help="number of images")
    sample.add_argument("--out", default="samples.png", help="PNG file to write")
    sample.add_argument("--seed", type=int, default=0, help="seed of the latent points")
    sample.add_argument(
        "--columns", type=_positive_int, default=None, help="images per row (default: square)"
    )
    sample.set_defaults(handler=sample_command)

    evaluate = commands.add_parser(
        "evaluate",
        help="score a saved model against a data set (FID and friends)",
        description="Compare a saved model's samples with a data set's images using "
        "keras_gen.evaluation; prints a table and optionally writes JSON.",
        formatter_class=_HelpFormatter,
    )
    evaluate.add_argument("model_path", metavar="MODEL.keras", help="a saved keras_gen model")
    evaluate.add_argument("--data", default="fashion_mnist", help="data set to compare against")
    evaluate.add_argument("--split", default="test", help="split of the data set")
    evaluate.add_argument(
        "--num-samples",
        type=_positive_int,
        default=None,
        help="generated and real images to compare (default: keras_gen.evaluation's, 10000)",
    )
    evaluate.add_argument(
        "--metrics",
        type=_metric_list,
        default=None,
        help="comma-separated metric names, e.g. fid,kid,precision,recall (default: every "
        "sample metric, plus elbo and iwae for a VAE)",
    )
    evaluate.add_argument("--json", default=None, help="also write the scores to this JSON file")
    evaluate.add_argument("--data-dir", default=None, help="directory to look for the data first")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of KID subsets and IWAE draws")
    evaluate.set_defaults(handler=evaluate_command)

    tune = commands.add_parser(
        "tune",
        help="search hyperparameters with keras-tuner and keep the best model",
        description="Search a model family's hyperparameters with keras-tuner "
        "(keras_gen.tuning.run_search). The objective is the validation negative ELBO "
        "for the VAE and KID against held-out images for the DCGAN. Writes into --out: "
        "best_model.keras, best_samples.png, trials.csv, summary.json and tuner/.",
        formatter_class=_HelpFormatter,
    )
    tune.add_argument("model", choices=sorted(MODEL_DEFAULTS), help="the model family to tune")
    tune.add_argument("--data", default="fashion_mnist", help="data set name (see 'train --help')")
    tune.add_argument("--out", default=None, help="output directory (default: runs/tune-MODEL)")
    tune.add_argument(
        "--tuner",
        choices=("random", "bayesian", "hyperband"),
        default="random",
        help="the keras-tuner search algorithm",
    )
    tune.add_argument("--max-trials", type=_positive_int, default=10, help="most trials to run")
    tune.add_argument(
        "--epochs", type=_positive_int, default=3, help="epochs per trial (hyperband: the most)"
    )
    tune.add_argument(
        "--batch-size", type=_positive_int, default=64, help="images per training batch"
    )
    tune.add_argument(
        "--limit", type=_positive_int, default=None, help="train on the first N images only"
    )
    tune.add_argument(
        "--num-eval-samples",
        type=_positive_int,
        default=1000,
        help="held-out images (and DCGAN samples) that score each trial",
    )
    tune.add_argument(
        "--seed", type=int, default=0, help="seed of the data order, tuner and models"
    )
    tune.add_argument(
        "--resume",
        action="store_true",
        help="continue a stopped search in OUT/tuner instead of starting afresh",
    )
    tune.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=None,
        help="0 silent, 1 trial reports and progress bars, 2 one line per epoch "
        "(default: 1 in a terminal, else 2)",
    )
    tune.set_defaults(handler=tune_command)
    return parser


# --- shared helpers -----------------------------------------------------------------
def load_generative_model(path: str):
    """Loads a keras_gen model saved with `model.save(path)`, or raises a CommandError."""
    import keras

    # Importing the models registers keras_gen's classes for deserialization.
    from keras_gen.models import GenerativeModel

    expected = "a keras_gen model saved with model.save() or by 'keras-gen train'"
    if not os.path.exists(path):
        raise CommandError(f"{path}: no such file; expected {expected}.")
    if not path.endswith(".keras"):
        raise CommandError(f"{path}: not a .keras file; expected {expected}.")
    if not zipfile.is_zipfile(path):
        raise CommandError(
            f"{path}: not a Keras model archive (a .keras file is a zip archive); "
            f"expected {expected}."
        )
    try:
        model = keras.saving.load_model(path)
    except Exception as err:  # Keras raises many types for broken or foreign archives.
        raise CommandError(f"{path}: could not be loaded ({err}); expected {expected}.") from err
    if not isinstance(model, GenerativeModel):
        raise CommandError(
            f"{path}: holds a {type(model).__name__}, which is not a keras_gen generative "
            f"model; expected {expected}."
        )
    return model


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


def _say(message: str) -> None:
    print(f"{PROG}: {message}", flush=True)


# --- train --------------------------------------------------------------------------
def _train_settings(args) -> dict:
    """The flags of `train`, with the model family's defaults filled in."""
    defaults = MODEL_DEFAULTS[args.model]
    settings = {
        key: getattr(args, key) if getattr(args, key, None) is not None else value
        for key, value in defaults.items()
    }
    settings["out"] = args.out or os.path.join("runs", args.model)
    settings["verbose"] = (
        args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
    )
    return settings


def build_model(model_name: str, image_shape, settings: dict, seed: int):
    """A new, compiled VAE or DCGAN for `image_shape` with the settings' sizes and Adam."""
    import keras

    from keras_gen import models

    def adam():
        return keras.optimizers.Adam(settings["lr"], beta_1=settings["beta_1"])

    if model_name == "dcgan":
        model = models.DCGAN.for_images(
            image_shape, latent_dim=settings["latent_dim"], width=settings["width"], seed=seed
        )
        model.compile(d_optimizer=adam(), g_optimizer=adam())
    else:
        model = models.VAE.for_images(
            image_shape,
            latent_dim=settings["latent_dim"],
            width=settings["width"],
            reconstruction="bernoulli",
            seed=seed,
        )
        model.compile(optimizer=adam())
    return model


def load_training_data(args, settings: dict):
    """The training split as a shuffled, batched `tf.data.Dataset` in the model's scale."""
    import keras_gen

    return keras_gen.data.load(
        args.data,
        split="train",
        batch_size=settings["batch_size"],
        scale=settings["scale"],
        seed=args.seed,
        limit=args.limit,
        data_dir=args.data_dir,
    )


def load_reconstruction_images(args, settings: dict, dataset_info):
    """A few held-out images for the VAE's reconstruction grids."""
    import keras_gen

    split = "test" if "test" in dataset_info.splits else "train"
    images, _ = keras_gen.data.load_numpy(
        args.data,
        split,
        scale=settings["scale"],
        limit=RECONSTRUCTION_IMAGES,
        data_dir=args.data_dir,
    )
    return images


def optimizer_iterations(model) -> dict:
    """Update counts of the model's optimizers, e.g. `{"d_optimizer": 938, ...}`."""
    names = ("d_optimizer", "g_optimizer") if hasattr(model, "d_optimizer") else ("optimizer",)
    return {name: int(getattr(model, name).iterations.numpy()) for name in names}


def _checkpoint_state_callback(state_path: str, model_name: str):
    import keras

    class CheckpointState(keras.callbacks.Callback):
        """Records which epoch checkpoint.keras holds; runs right after ModelCheckpoint."""

        def on_epoch_end(self, epoch, logs=None):
            state = {
                "model": model_name,
                "epochs_done": epoch + 1,
                "optimizer_iterations": optimizer_iterations(self.model),
                "logs": {key: float(value) for key, value in (logs or {}).items()},
            }
            with open(state_path, "w") as file:
                json.dump(state, file, indent=2)

    return CheckpointState()


def _resume_state(out: str, model_name: str):
    """Loads `out`'s checkpoint for --resume: `(model, epochs_done)`."""
    checkpoint = os.path.join(out, CHECKPOINT_FILE)
    state_path = os.path.join(out, CHECKPOINT_STATE_FILE)
    if not os.path.exists(checkpoint) or not os.path.exists(state_path):
        raise CommandError(
            f"--resume: {checkpoint} (and {CHECKPOINT_STATE_FILE} beside it) not found; "
            "a run writes them after its first complete epoch. Start a new run without --resume."
        )
    with open(state_path) as file:
        state = json.load(file)
    if state.get("model") != model_name:
        raise CommandError(
            f"--resume: {out} holds a {state.get('model')} run, not a {model_name} run; "
            f"use 'keras-gen train {state.get('model')} --out {out} --resume'."
        )
    return load_generative_model(checkpoint), int(state["epochs_done"])


def train_command(args) -> int:
    """`keras-gen train`: trains, checkpoints every epoch, writes grids and plots."""
    import keras

    import keras_gen
    from keras_gen.callbacks import (
        ImageSnapshot,
        TerminateOnNaNLoss,
        TrainingDiverged,
        save_samples,
    )

    settings = _train_settings(args)
    out = settings["out"]
    dataset_info = keras_gen.data.info(args.data)
    if args.resume:
        model, epochs_done = _resume_state(out, args.model)
        if tuple(model.image_shape) != tuple(dataset_info.image_shape):
            raise CommandError(
                f"--resume: the checkpoint in {out} was trained on {model.image_shape} images "
                f"but '{args.data}' has {dataset_info.image_shape}; pass the same --data."
            )
        if epochs_done >= settings["epochs"]:
            raise CommandError(
                f"--resume: {out} already has {epochs_done} epoch(s) done and --epochs is "
                f"{settings['epochs']} (the total); pass a larger --epochs to train further."
            )
        if args.lr is not None:
            for name in optimizer_iterations(model):
                getattr(model, name).learning_rate = args.lr
        _say(
            f"resuming {out}/{CHECKPOINT_FILE} after epoch {epochs_done} "
            f"(optimizer steps: {optimizer_iterations(model)})"
        )
    else:
        keras.utils.set_random_seed(args.seed)
        model = build_model(args.model, dataset_info.image_shape, settings, args.seed)
        epochs_done = 0
    dataset = load_training_data(args, settings)

    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, RUN_CONFIG_FILE), "w") as file:
        run_config = {key: value for key, value in vars(args).items() if key != "handler"}
        json.dump({**run_config, **settings}, file, indent=2)
    reconstruction_images = None
    if args.model == "vae":
        reconstruction_images = load_reconstruction_images(args, settings, dataset_info)
    callbacks = [
        keras.callbacks.ModelCheckpoint(os.path.join(out, CHECKPOINT_FILE), save_freq="epoch"),
        _checkpoint_state_callback(os.path.join(out, CHECKPOINT_STATE_FILE), args.model),
        keras.callbacks.CSVLogger(os.path.join(out, HISTORY_FILE), append=args.resume),
        TerminateOnNaNLoss(),
        ImageSnapshot(
            os.path.join(out, SNAPSHOT_DIR),
            n=64,
            every=args.snapshot_every,
            seed=args.seed,
            reconstruction_images=reconstruction_images,
        ),
    ]
    _say(
        f"training a {args.model} on '{args.data}' for epochs {epochs_done + 1}..{settings['epochs']} "
        f"(batch size {settings['batch_size']}); writing into {out}"
    )
    try:
        model.fit(
            dataset,
            epochs=settings["epochs"],
            initial_epoch=epochs_done,
            callbacks=callbacks,
            verbose=settings["verbose"],
            shuffle=False,  # load() already shuffles, every epoch anew
        )
    except TrainingDiverged as err:
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

    model.save(os.path.join(out, MODEL_FILE))
    plot_history(os.path.join(out, HISTORY_FILE), os.path.join(out, LOSS_PLOT_FILE))
    save_samples(model, os.path.join(out, SAMPLES_FILE), n=64, seed=args.seed)
    if args.evaluate:
        _evaluate_and_report(
            model,
            os.path.join(out, MODEL_FILE),
            args.data,
            "test" if "test" in dataset_info.splits else "train",
            os.path.join(out, EVALUATION_FILE),
            num_samples=args.num_samples,
            data_dir=args.data_dir,
            seed=args.seed,
        )
    _say(
        f"done: {out}/{MODEL_FILE}, {SAMPLES_FILE}, {LOSS_PLOT_FILE}, {HISTORY_FILE}, "
        f"{SNAPSHOT_DIR}/"
    )
    return 0


# --- sample -------------------------------------------------------------------------
def sample_command(args) -> int:
    """`keras-gen sample`: a PNG grid of new images from a saved model."""
    model = load_generative_model(args.model_path)
    from keras_gen.callbacks import save_samples

    path = save_samples(model, args.out, n=args.n, seed=args.seed, columns=args.columns)
    _say(f"wrote {args.n} samples to {path}")
    return 0


# --- evaluate -----------------------------------------------------------------------
def _evaluate_and_report(model, model_path, data, split, json_path, **options) -> dict:
    """Scores `model` with `keras_gen.evaluation.evaluate`, prints the table, writes JSON."""
    from keras_gen import evaluation

    options = {key: value for key, value in options.items() if value is not None}
    results = evaluation.evaluate(model, data=data, split=split, **options)
    print(evaluation.format_table(results, title=f"{model_path} against '{data}' ({split})"))
    if json_path:
        os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
        report = {"model": model_path, "data": data, "split": split, **options, "results": results}
        with open(json_path, "w") as file:
            json.dump(report, file, indent=2, default=float)
        _say(f"wrote {json_path}")
    return results


def evaluate_command(args) -> int:
    """`keras-gen evaluate`: scores a saved model, prints a table, optionally writes JSON."""
    model = load_generative_model(args.model_path)
    _evaluate_and_report(
        model,
        args.model_path,
        args.data,
        args.split,
        args.json,
        num_samples=args.num_samples,
        metrics=args.metrics,
        data_dir=args.data_dir,
        seed=args.seed,
    )
    return 0


# --- tune ---------------------------------------------------------------------------
def tune_command(args) -> int:
    """`keras-gen tune`: a keras-tuner search with `keras_gen.tuning.run_search`."""
    from keras_gen import tuning

    out = args.out or os.path.join("runs", f"tune-{args.model}")
    verbose = args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
    try:
        tuning.run_search(
            args.model,
            args.data,
            args.max_trials,
            args.epochs,
            out,
            tuner=args.tuner,
            limit=args.limit,
            seed=args.seed,
            batch_size=args.batch_size,
            num_eval_samples=args.num_eval_samples,
            verbose=verbose,
            overwrite=not args.resume,
        )
    except RuntimeError as err:  # no trial completed; the message says where the errors are
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return EXIT_FAILED
    return 0


# --- entry point --------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """Runs `keras-gen` with `argv` (default: the command line); returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (CommandError, ValueError, FileNotFoundError) as err:
        message = str(err).strip() or type(err).__name__
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
