"""The `keras-gen` command: train, sample from, evaluate and tune generative models.

    keras-gen models
    keras-gen train dcgan --data fashion_mnist --out runs/dcgan
    keras-gen sample runs/dcgan/model.keras --n 64 --out grid.png
    keras-gen evaluate runs/dcgan/model.keras --data fashion_mnist --json scores.json
    keras-gen tune vae --data fashion_mnist --max-trials 10 --out runs/tune-vae

One module per subcommand; none names a model family (they read
`keras_gen.families`). TensorFlow is imported only by the subcommands that need
it, so `keras-gen --help` and `keras-gen models` do not wait for it. Long work
says how long it will take: `train` after every epoch, `evaluate` at every stage.

User errors (an unknown data set, a missing or foreign model file) end with a
one-line `keras-gen: error: ...` message and exit code 2; a training run whose
loss becomes NaN or infinite ends with exit code 1 and keeps the checkpoint of
its last complete epoch. See docs/cli.md.
"""

from __future__ import annotations

import argparse
import sys

from keras_gen.cli import complete, evaluate, latent, models, ppgn, sample, train, translate, tune
from keras_gen.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    PROG,
    CommandError,
    load_generative_model,
)
from keras_gen.cli.plots import plot_history
from keras_gen.recipes import build_from_settings as build_model  # kept importable from here

# The run folder's file names, kept importable from here (their home: keras_gen.run_files).
from keras_gen.run_files import (
    CHECKPOINT_FILE,
    CHECKPOINT_STATE_FILE,
    COMPLETIONS_FILE,
    HISTORY_FILE,
    MODEL_FILE,
    PREDICTIONS_FILE,
    RECONSTRUCTIONS_FILE,
    RUN_CONFIG_FILE,
    SAMPLES_3D_FILE,
    SAMPLES_CLIPS_FILE,
    SAMPLES_FILE,
    TRANSLATIONS_FILE,
)

SUBCOMMANDS = (models, train, sample, evaluate, tune, latent, complete, translate, ppgn)

__all__ = [
    "CHECKPOINT_FILE",
    "CHECKPOINT_STATE_FILE",
    "COMPLETIONS_FILE",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "HISTORY_FILE",
    "MODEL_FILE",
    "PREDICTIONS_FILE",
    "PROG",
    "RECONSTRUCTIONS_FILE",
    "RUN_CONFIG_FILE",
    "SAMPLES_3D_FILE",
    "SAMPLES_CLIPS_FILE",
    "SAMPLES_FILE",
    "TRANSLATIONS_FILE",
    "CommandError",
    "build_model",
    "build_parser",
    "load_generative_model",
    "main",
    "plot_history",
]


def build_parser() -> argparse.ArgumentParser:
    """The `keras-gen` argument parser, one subcommand per module of `keras_gen.cli`."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train, sample from, evaluate and tune keras_gen generative models.",
        epilog="Run 'keras-gen COMMAND --help' for the flags of one command and "
        "'keras-gen models' for the model families. See docs/cli.md.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for subcommand in SUBCOMMANDS:
        subcommand.add_parser(commands)
    return parser


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
