"""What every `keras-gen` subcommand shares: errors, argument types, files, model loading."""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import tempfile
import zipfile

PROG = "keras-gen"

# Exit codes: 2 for usage errors (what argparse uses too), 1 for a failed run.
EXIT_USAGE = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130

# The paired tasks of keras_gen.data.load_pairs (keras_gen.data.TASKS), named here so that
# parsing the command line does not import TensorFlow; tests/cli checks the two agree.
PAIRED_TASKS = ("edges", "superres", "inpaint")

# Lines TensorFlow's C++ runtime prints while it loads on a machine without a GPU.
_STARTUP_NOISE = re.compile(
    r"cudart_stub|cuda_(dnn|fft|blas|executor)|absl::InitializeLog|oneDNN custom operations|"
    r"cpu_feature_guard|This TensorFlow binary is optimized|rebuild TensorFlow with|"
    r"Unable to register cu(DNN|FFT|BLAS) factory|computation placer already registered|"
    r"TF-TRT Warning|Could not find TensorRT"
)


class CommandError(Exception):
    """A problem the user can fix; printed as `keras-gen: error: ...` with exit code 2."""


def say(message: str) -> None:
    print(f"{PROG}: {message}", flush=True)


def import_tensorflow_quietly() -> None:
    """Imports TensorFlow with its C++ start-up notices filtered out of stderr.

    TensorFlow's runtime writes lines such as "cudart_stub ... Could not find
    cuda drivers" straight to file descriptor 2 while it loads, whatever
    TF_CPP_MIN_LOG_LEVEL says. They mean nothing to a user on a CPU machine;
    anything else it prints is passed on.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    with tempfile.TemporaryFile(mode="w+b") as captured:
        saved = os.dup(2)
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode(errors="replace").splitlines()
            kept = [line for line in lines if line.strip() and not _STARTUP_NOISE.search(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr)


# --- argument types -----------------------------------------------------------------
def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def unit_float(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must lie in [0, 1), got {text}")
    return value


def metric_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give at least one metric name, e.g. fid,kid")
    return names


def default_verbose(verbose: int | None) -> int:
    """Keras' progress bar in a terminal, one line per epoch in a file or pipe."""
    return verbose if verbose is not None else (1 if sys.stdout.isatty() else 2)


def output_directory(text: str) -> str:
    """A folder to write into: it may not exist yet, but it must not be a file or lie under one."""
    path = os.path.abspath(text)
    if os.path.exists(path) and not os.path.isdir(path):
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder; give a folder to write into")
    existing = path
    while not os.path.exists(existing):  # the nearest folder that exists, where the rest will be made
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise argparse.ArgumentTypeError(f"{text} lies under the file {existing}; give a folder to write into")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text}: no permission to write into {existing}")
    return text


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows "(default: ...)" only where the help text does not already give it and there is one to show.

    Flags without a default worth printing (None, False, an empty list of a
    repeatable flag) say in their help what happens without them.
    """

    def _get_help_string(self, action):
        # `is`, not `in (None, False)`: a default of 0 equals False but should show.
        default = action.default
        no_default = default is None or default is False or (isinstance(default, (list, tuple)) and not default)
        if no_default or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def add_command(
    commands, name: str, handler, help: str, description: str, model: str | None = None
) -> argparse.ArgumentParser:
    """Adds the subcommand `name`, run by `handler(args)`, to `commands` (argparse's subparsers).

    Args:
        commands: what `ArgumentParser.add_subparsers()` returned.
        name: the subcommand, e.g. "sample".
        handler: the function that runs it; it gets the parsed arguments and
            returns the exit code.
        help: its line in `keras-gen --help`.
        description: the text at the top of `keras-gen NAME --help`.
        model: for a command that reads a saved model, the help of its first
            argument, MODEL.keras (`args.model_path`).

    Returns:
        The subcommand's parser, for its own flags.

    Example:
    >>> parser = add_command(commands, "sample", run, help="draw images", description="Draw images.",
    ...                      model="a saved keras_gen model")
    """
    parser = commands.add_parser(name, help=help, description=description, formatter_class=HelpFormatter)
    if model is not None:
        parser.add_argument("model_path", metavar="MODEL.keras", help=model)
    parser.set_defaults(handler=handler)
    return parser


# --- models on disk -----------------------------------------------------------------
def load_generative_model(path: str, capability: type | tuple[type, ...] | None = None, lacking: str = ""):
    """Loads a keras_gen model saved with `model.save(path)`, or raises a CommandError.

    Args:
        path: the `.keras` file.
        capability: what the command needs the model to be (e.g.
            `keras_gen.models.Completes`, or a tuple of capabilities, any of
            which will do); None: any generative model.
        lacking: without the capability, the error goes on after "PATH: a
            CLASS ": what the model cannot do and which models can.
    """
    import_tensorflow_quietly()
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
    if capability is not None and not isinstance(model, capability):
        raise CommandError(f"{path}: a {type(model).__name__} {lacking}")
    return model


def read_images(path: str, model, expected_shape=None):
    """Images from a .npy file or a folder of PNG/JPEG files, in the model's data scale.

    Integer pixels are taken as 0-255 and scaled; float pixels must already lie
    in the model's `data_scale`. They must have `expected_shape` (default the
    model's `image_shape`).
    """
    expected_shape = tuple(model.image_shape if expected_shape is None else expected_shape)
    import numpy as np

    from keras_gen.data import scale_images

    if os.path.isdir(path):
        from PIL import Image

        names = sorted(n for n in os.listdir(path) if n.lower().endswith((".png", ".jpg", ".jpeg")))
        if not names:
            raise CommandError(f"--images: the folder {path} holds no .png or .jpg files.")
        mode = "L" if expected_shape[-1] == 1 else "RGB"
        images = np.stack([np.asarray(Image.open(os.path.join(path, n)).convert(mode)) for n in names])
    elif path.endswith(".npy") and os.path.isfile(path):
        images = np.load(path, allow_pickle=False)
    else:
        raise CommandError(f"--images: {path} is neither a .npy file nor a folder of images.")
    if images.ndim == 3 and expected_shape[-1] == 1:
        images = images[..., None]
    if images.dtype.kind in "iu":
        images = scale_images(images, from_range=(0, 255), to_range=model.data_scale)
    return model.check_images(images, role="--images", expected_shape=expected_shape)
