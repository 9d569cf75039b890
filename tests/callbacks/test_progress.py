"""TrainingProgress and Progress: the time so far and the estimates, on a clock the test sets; and
the stages `keras_gen.evaluation.evaluate(verbose=1)` shows with them."""

import numpy as np
import pytest

import keras_gen
from keras_gen.callbacks import Progress, TrainingProgress, format_duration
from keras_gen.evaluation import evaluate
from tests.evaluation.stand_ins import LinearGaussianVAE


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize(
    "seconds, text",
    [(0.42, "0.4 s"), (42, "42 s"), (185, "3 min 05 s"), (7620, "2 h 07 min"), (float("inf"), "unknown")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def _run_epochs(progress, clock, seconds_per_epoch, steps=4, first_epoch=0, logs=None):
    progress.set_params({"steps": steps, "epochs": progress.epochs})
    progress.on_train_begin()
    for epoch, seconds in enumerate(seconds_per_epoch, start=first_epoch):
        progress.on_epoch_begin(epoch)
        clock.now += seconds
        progress.on_epoch_end(epoch, logs or {})


def test_training_progress_prints_one_line_per_epoch_with_the_whole_run_estimate():
    clock, lines = FakeClock(), []
    progress = TrainingProgress(4, show_logs=True, print_fn=lines.append, clock=clock)
    # The first epoch also traces the step (30 s); the later ones take 10 s each.
    _run_epochs(progress, clock, [30, 10, 10, 10], logs={"d_loss": 1.25, "g_loss": 0.5})

    assert len(lines) == 4
    assert lines[0] == "epoch 1/4 - d_loss: 1.25 - g_loss: 0.5 - elapsed 30 s, whole run about 2 min 00 s (1 min 30 s left)"
    # From the second epoch on, the first one (with its tracing) no longer counts in the rate.
    assert lines[1].endswith("elapsed 40 s, whole run about 1 min 00 s (20 s left)")
    assert lines[2].endswith("elapsed 50 s, whole run about 1 min 00 s (10 s left)")
    assert lines[3].endswith("elapsed 1 min 00 s, whole run about 1 min 00 s (0.0 s left)")


def test_training_progress_times_a_partial_epoch_by_its_steps():
    """A run resumed within epoch 3 trains its last 2 of 8 steps, then whole epochs."""
    clock, lines = FakeClock(), []
    progress = TrainingProgress(5, steps_per_epoch=8, print_fn=lines.append, clock=clock)
    _run_epochs(progress, clock, [2], steps=2, first_epoch=2)  # 1 s per step
    assert lines == ["epoch 3/5 - elapsed 2.0 s, whole run about 18 s (16 s left)"]  # 2 epochs x 8 steps


def test_progress_plain_lines_count_and_estimate():
    clock, lines = FakeClock(), []
    progress = Progress(1000, "sampling", interval=30, print_fn=lines.append, terminal=False, clock=clock)
    for _ in range(10):
        clock.now += 5
        progress.add(100)
    assert lines == [
        "sampling: 1000 images",
        "sampling: 100/1000 images, elapsed 5.0 s, about 45 s left",  # after the first batch
        "sampling: 700/1000 images, elapsed 35 s, about 15 s left",  # 30 s later
        "sampling: 1000/1000 images in 50 s",
    ]


# --- keras_gen.evaluation.evaluate(verbose=1) -------------------------------------------
def test_evaluate_says_what_it_computes_and_shows_the_likelihood_bounds_stage(capsys):
    vae = LinearGaussianVAE()
    real = vae.generate(40)
    options = {"num_samples": 40, "metrics": ("iwae",), "batch_size": 16, "num_importance_samples": 8}
    quiet = evaluate(vae, real, **options)
    assert capsys.readouterr().out == ""
    shown = evaluate(vae, real, verbose=1, **options)
    assert shown == quiet  # the progress changes nothing that is computed
    lines = capsys.readouterr().out.splitlines()
    stage = "likelihood bounds (8 importance samples per image)"
    assert lines[0] == "Evaluating against the given images: iwae on 40 real images (8 importance samples each)."
    assert lines[1] == f"{stage}: 40 images"
    assert lines[2].startswith(f"{stage}: 16/40 images, elapsed ") and lines[2].endswith(" left")
    assert lines[3].startswith(f"{stage}: 40/40 images in ")
    assert np.isfinite(shown["iwae_nll"])


def test_evaluate_shows_the_likelihood_stage_of_an_autoregressive_model(capsys):
    model = keras_gen.models.PixelCNN.for_images((8, 8, 1), filters=4, num_layers=1, seed=0)
    images = (np.random.default_rng(0).integers(0, 256, (10, 8, 8, 1)) / 255.0).astype("float32")
    options = {"num_samples": 10, "metrics": ("nll",), "batch_size": 4}
    quiet = evaluate(model, images, **options)
    shown = evaluate(model, images, verbose=1, **options)
    np.testing.assert_allclose(shown["nll"], quiet["nll"], rtol=1e-6)
    printed = capsys.readouterr().out
    assert "Evaluating against the given images: nll on 10 real images." in printed
    assert "likelihood (log p(x)): 4/10 images, elapsed" in printed
    assert "likelihood (log p(x)): 10/10 images in" in printed
