"""How long a benchmark trains each model: minutes of wall-clock time, or a number of real images seen.

Every script that trains takes `--budget-minutes M` and `--images N`
(`add_arguments`). With `--images`, each model trains until it has seen N real
images, the same data on any machine and under any load (images/s is then only
indicative); without it, for M minutes. `callback` gives the
`TimeBudget` that stops training, `record` the JSON fields saying
which limit a result file measured, and `training_row` what one training did.

    budget.add_arguments(parser, minutes=15.0)
    args = parser.parse_args(argv)
    budget.check(parser, args)
    stop = budget.callback(args, batch_size=64)
    model.fit(data, epochs=1000, callbacks=[stop])
    row = budget.training_row(stop, batch_size=64)
"""

import os
import time

import keras

TRAIN_IMAGES = 60000  # Fashion-MNIST's training split, for epochs


class TimeBudget(keras.callbacks.Callback):
    """Stops training once `seconds` of wall-clock time have passed, or `images` real images were seen.

    With `images`, runs compare across machines and under load: the model sees
    the same data whatever the speed (`seconds=None` for no time limit).
    """

    def __init__(self, seconds, batch_size, images=None):
        super().__init__()
        self.seconds = float("inf") if seconds is None else seconds
        self.batch_size = batch_size
        self.images = images
        self.steps = 0
        # Seconds spent inside training on other work (scoring at checkpoints), left out of `elapsed`.
        self.excluded_seconds = 0.0

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_end(self, logs=None):
        # 5-minute load average at the end: > cores means other work competed for the CPU.
        self.load_average = os.getloadavg()[1]

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        self.elapsed = time.perf_counter() - self.start - self.excluded_seconds
        if self.elapsed >= self.seconds or (self.images is not None and self.steps * self.batch_size >= self.images):
            self.model.stop_training = True


def add_arguments(parser, minutes):
    """`--budget-minutes` (default `minutes`) and `--images` on `parser`."""
    parser.add_argument("--budget-minutes", type=float, default=minutes,
                        help="wall-clock training budget per model (ignored with --images)")
    parser.add_argument("--images", type=int,
                        help="train each model until it has seen this many real images instead (the same data on "
                        "any machine and under any load; images/s is then only indicative)")


def check(parser, args):
    """Stops with a usage message when `--images` is not a positive number."""
    if args.images is not None and args.images <= 0:
        parser.error(f"--images must be a positive number of images, got {args.images}.")


def describe(args):
    """The limit in words, for the first line a script prints."""
    return f"{args.images} images" if args.images else f"{args.budget_minutes:g} min"


def callback(args, batch_size, minutes=None):
    """A `TimeBudget` that stops at `--images`, else after `minutes` (default `--budget-minutes`)."""
    minutes = args.budget_minutes if minutes is None else minutes
    return TimeBudget(None if args.images else minutes * 60, batch_size, images=args.images)


def record(args):
    """The JSON fields of the limit: `budget_minutes` (None with `--images`) and `images`."""
    return {"budget_minutes": None if args.images else args.budget_minutes, "images": args.images}


def training_row(stop, batch_size, train_images=TRAIN_IMAGES):
    """Seconds, steps, images seen, images/s, epochs (of `train_images`) and load of one finished `fit`."""
    seen = stop.steps * batch_size
    return {"train_seconds": stop.elapsed, "steps": stop.steps, "images_seen": seen,
            "images_per_second": seen / stop.elapsed, "epochs": seen / train_images,
            "load_average_during_training": stop.load_average}
