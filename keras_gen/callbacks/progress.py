"""How long a run has taken and how long it will take: `TrainingProgress` and `Progress`.

`TrainingProgress` is the callback `keras-gen train` prints its epochs with;
`Progress` shows one long stage of work (sampling, feature extraction, a
likelihood) as Keras' progress bar in a terminal and as plain lines in a log.
Both estimate the time left from the time per unit of work so far.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable

import keras


def format_duration(seconds: float) -> str:
    """A duration for people: "0.4 s", "42 s", "3 min 05 s", "2 h 07 min".

    Example:
    >>> format_duration(185)
    '3 min 05 s'
    """
    if not math.isfinite(seconds):
        return "unknown"
    seconds = max(0.0, float(seconds))
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _is_terminal() -> bool:
    return hasattr(sys.stdout, "isatty") and sys.stdout.isatty()


def _format_logs(logs: dict) -> str:
    return " - ".join(f"{name}: {float(value):.4g}" for name, value in logs.items())


class TrainingProgress(keras.callbacks.Callback):
    """Prints after every epoch the time so far and an estimate for the whole run.

    The estimate is the time per training step measured so far (without the
    first epoch once there is a later one: the first also traces the train
    step) times the steps left. The line follows Keras' progress bar when
    `show_logs` is False; with `show_logs` it also carries the epoch's logs
    and is the only line an epoch prints (for `fit(verbose=0)`, as when the
    output goes to a file):

        epoch 2/5 - d_loss: 1.32 - g_loss: 0.7013 - elapsed 25 s, whole run about 1 min 02 s (37 s left)

    The clock starts at the first `fit` that uses the callback, so a run split
    into several `fit` calls (`keras-gen train` resuming within an epoch) is
    timed as one; epochs done by an earlier process are not timed.

    Args:
        epochs: the epoch the run ends with (`fit`'s `epochs`).
        steps_per_epoch: training steps of a whole epoch; None takes `fit`'s
            (give it when a `fit` trains part of an epoch).
        show_logs: also print the epoch's logs (losses and metrics).
        print_fn: where the lines go (default: `print`, flushed).
        clock: seconds as a float, `time.monotonic` by default (tests pass their own).

    Example:
    >>> gan.fit(ds, epochs=5, verbose=0, callbacks=[TrainingProgress(5, show_logs=True)])
    """

    def __init__(
        self,
        epochs: int,
        steps_per_epoch: int | None = None,
        show_logs: bool = False,
        print_fn: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.epochs = int(epochs)
        self.steps_per_epoch = steps_per_epoch if steps_per_epoch and steps_per_epoch > 0 else None
        self.show_logs = show_logs
        self.print_fn = print_fn or (lambda line: print(line, flush=True))
        self.clock = clock
        self.started: float | None = None
        self.epoch_times: list[tuple[float, int | None]] = []  # (seconds, steps) of each timed epoch
        self._epoch_start = 0.0

    def on_train_begin(self, logs=None):
        if self.started is None:
            self.started = self.clock()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = self.clock()

    def on_epoch_end(self, epoch, logs=None):
        now = self.clock()
        steps = (self.params or {}).get("steps")
        self.epoch_times.append((now - self._epoch_start, steps))
        elapsed = now - (self.started if self.started is not None else self._epoch_start)
        left = self.seconds_left(epochs_left=self.epochs - (epoch + 1))
        parts = [f"epoch {epoch + 1}/{self.epochs}"]
        if self.show_logs and logs:
            parts.append(_format_logs(logs))
        parts.append(
            f"elapsed {format_duration(elapsed)}, whole run about {format_duration(elapsed + left)} "
            f"({format_duration(left)} left)"
        )
        self.print_fn(" - ".join(parts))

    def seconds_left(self, epochs_left: int) -> float:
        """The estimated seconds the next `epochs_left` whole epochs take."""
        if epochs_left <= 0 or not self.epoch_times:
            return 0.0
        timed = self.epoch_times[1:] or self.epoch_times  # the first epoch also traces the step
        steps = [count for _, count in timed]
        full_epoch = self.steps_per_epoch or (self.params or {}).get("steps")
        if full_epoch and all(steps):
            per_step = sum(seconds for seconds, _ in timed) / sum(steps)
            return per_step * full_epoch * epochs_left
        return sum(seconds for seconds, _ in timed) / len(timed) * epochs_left


class Progress:
    """The progress of one long stage of work, with an estimate of the time left.

    Prints a header (`what`: `total` units), then in a terminal Keras' progress
    bar (`keras.utils.Progbar`, with its time left); elsewhere (a log file, a
    pipe) a plain line after the first batch and then at most every
    `interval` seconds, each with the count done, the time so far and the time
    left; and a last line with the total time.

    Args:
        total: units of work in the stage, e.g. images to sample.
        what: the stage, e.g. "sampling".
        unit: what one unit is, e.g. "image".
        interval: least seconds between two plain lines.
        print_fn: where plain lines go (default: `print`, flushed).
        terminal: whether to draw the bar; default: whether stdout is a terminal.
        clock: seconds as a float, `time.monotonic` by default.

    Example:
    >>> progress = Progress(10000, "sampling")
    >>> for start in range(0, 10000, 256):
    ...     images = model.generate(min(256, 10000 - start))
    ...     progress.add(len(images))
    """

    def __init__(
        self,
        total: int,
        what: str,
        unit: str = "image",
        interval: float = 30.0,
        print_fn: Callable[[str], None] | None = None,
        terminal: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = int(total)
        self.what = what
        self.unit = unit
        self.interval = float(interval)
        self.print_fn = print_fn or (lambda line: print(line, flush=True))
        self.clock = clock
        self.done = 0
        self.started = clock()
        self._last_line: float | None = None
        self.print_fn(f"{what}: {self.total} {self._units(self.total)}")
        terminal = _is_terminal() if terminal is None else terminal
        self._bar = keras.utils.Progbar(self.total, unit_name=unit) if terminal else None

    def _units(self, count: int) -> str:
        return self.unit if count == 1 else f"{self.unit}s"

    def seconds_left(self) -> float:
        """The time the rest takes at the rate so far (infinite before any unit is done)."""
        if self.done <= 0:
            return math.inf
        return (self.clock() - self.started) / self.done * max(0, self.total - self.done)

    def add(self, count: int) -> None:
        """Counts `count` more units as done."""
        self.done += int(count)
        if self._bar is not None:
            self._bar.update(min(self.done, self.total))
            return
        now = self.clock()
        finished = self.done >= self.total
        if finished:
            self.print_fn(
                f"{self.what}: {self.done}/{self.total} {self._units(self.total)} in "
                f"{format_duration(now - self.started)}"
            )
        elif self._last_line is None or now - self._last_line >= self.interval:
            self.print_fn(
                f"{self.what}: {self.done}/{self.total} {self._units(self.total)}, elapsed "
                f"{format_duration(now - self.started)}, about {format_duration(self.seconds_left())} left"
            )
            self._last_line = now
