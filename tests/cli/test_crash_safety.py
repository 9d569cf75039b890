"""`keras-gen train` killed with SIGKILL at several moments, then resumed with the same command.

Real subprocesses and real signals. A run on the bundled digits (8 steps per
epoch, a checkpoint every 2 steps) is killed before its first checkpoint,
then mid-epoch while a checkpoint is being written; each time `--resume` must
continue from the last checkpoint and end with a model that loads, the
optimizers' step count of an uninterrupted run, and each epoch once in
history.csv. Checkpoint writes that fail (a full disk) and the leftovers of
interrupted writes are tested in-process.
"""

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import keras
import pytest

from keras_gen import cli
from keras_gen.callbacks import checkpoint as run_checkpoint

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EPOCHS, STEPS_PER_EPOCH = 3, 8

def command(epochs=EPOCHS):
    return ["train", "dcgan", "--data", "digits", "--limit", "256", "--batch-size", "32", "--epochs", str(epochs),
            "--width", "4", "--latent-dim", "4", "--checkpoint-every", "2", "--verbose", "0"]


def start(out, *extra):
    env = {**os.environ, "PYTHONPATH": REPO_ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen([sys.executable, "-m", "keras_gen", *command(), "--out", str(out), *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def kill_when(process, condition, timeout=240):
    """SIGKILLs `process` as soon as `condition()` holds (polled every few milliseconds)."""
    deadline = time.time() + timeout
    while not condition():
        assert process.poll() is None, f"the run ended before the kill point:\n{process.stdout.read()}"
        assert time.time() < deadline, "the kill point was never reached"
        time.sleep(0.003)
    process.send_signal(signal.SIGKILL)
    process.wait()


def state(out):
    path = out / cli.CHECKPOINT_STATE_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def resume_to_the_end(out):
    process = start(out, "--resume")
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output
    final = state(out)
    assert final["epochs_done"] == EPOCHS and final["steps_in_epoch"] == 0
    # Nothing lost, nothing done twice: the optimizer steps of an uninterrupted run.
    assert final["optimizer_iterations"] == {"d_optimizer": EPOCHS * STEPS_PER_EPOCH,
                                             "g_optimizer": EPOCHS * STEPS_PER_EPOCH}
    model = keras.saving.load_model(out / cli.MODEL_FILE)
    assert int(model.g_optimizer.iterations.numpy()) == EPOCHS * STEPS_PER_EPOCH
    history = (out / cli.HISTORY_FILE).read_text().splitlines()
    assert [line.split(",")[0] for line in history[1:]] == [str(e) for e in range(EPOCHS)]
    assert not any(name.endswith((".tmp", ".tmp.keras")) for name in os.listdir(out))
    return output


def test_killed_before_the_first_checkpoint_during_a_checkpoint_write_and_mid_epoch(tmp_path):
    # 1. Killed before its first checkpoint: the resumed run starts from scratch.
    process = start(tmp_path)
    kill_when(process, lambda: (tmp_path / cli.RUN_CONFIG_FILE).exists())
    assert not (tmp_path / cli.CHECKPOINT_FILE).exists()
    # 2. That resumed run killed mid-epoch after its first epoch, while the model of a checkpoint is
    # being written (at step 4 or 6, not at the end of the epoch). One kill for both moments: a
    # third run, killed between checkpoints, took the same resume path and cost a process start.
    process = start(tmp_path, "--resume")
    kill_when(process, lambda: (state(tmp_path) or {}).get("epochs_done", 0) >= 1
              and (state(tmp_path) or {}).get("steps_in_epoch") in (2, 4)
              and (tmp_path / "checkpoint.tmp.keras").exists())
    output = process.stdout.read()
    assert "no checkpoint yet" in output and "starting from scratch" in output, output
    before = state(tmp_path)
    assert before["epochs_done"] >= 1 and before["steps_in_epoch"] >= 2, before  # mid-epoch
    keras.saving.load_model(tmp_path / cli.CHECKPOINT_FILE)  # the previous checkpoint is whole
    # 3. Resumed to the end: nothing lost, nothing done twice.
    output = resume_to_the_end(tmp_path)
    assert "resuming" in output and "steps of epoch" in output


# --- in-process: interrupted and failed writes ---------------------------------------------------
@pytest.fixture
def one_epoch(train_once, tmp_path):
    """A finished one-epoch run, copied into this test's folder: trained once per test run (tests/conftest.py)."""

    def make(folder):
        run = os.path.join(folder, "run")
        if not os.path.isdir(run):  # renamed when whole: another worker may copy it
            shutil.rmtree(run + ".partial", ignore_errors=True)
            assert cli.main([*command(epochs=1), "--out", run + ".partial"]) == 0
            os.replace(run + ".partial", run)
        return run

    shutil.copytree(train_once("crash_safety_one_epoch", make), tmp_path, dirs_exist_ok=True)
    return tmp_path


def test_a_full_disk_stops_training_and_keeps_the_previous_checkpoint(one_epoch, monkeypatch, capsys):
    out = one_epoch
    before = state(out)

    def full(path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

    monkeypatch.setattr(run_checkpoint, "fsync_file", full)
    assert cli.main([*command(epochs=2), "--out", str(out), "--resume"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "Could not write the checkpoint" in err and "No space left on device" in err and "intact" in err
    assert state(out) == before
    assert sorted(os.listdir(out)) == sorted(n for n in os.listdir(out) if ".tmp" not in n)
    model = keras.saving.load_model(out / cli.CHECKPOINT_FILE)
    assert int(model.d_optimizer.iterations.numpy()) == before["optimizer_iterations"]["d_optimizer"]


@pytest.mark.parametrize("leftover", ["partial model", "both temporaries", "state after the model rename"])
def test_recover_finishes_or_undoes_an_interrupted_commit(one_epoch, leftover):
    out = one_epoch
    before = state(out)
    newer = {**before, "epochs_done": 2, "history": before["history"] + [{**before["history"][0], "epoch": 1}]}
    if leftover == "partial model":
        (out / "checkpoint.tmp.keras").write_bytes(b"PK\x03\x04 half a zip")
    elif leftover == "both temporaries":
        (out / "checkpoint.tmp.keras").write_bytes((out / cli.CHECKPOINT_FILE).read_bytes())
        (out / "checkpoint.json.tmp").write_text(json.dumps(newer))
    else:
        (out / "checkpoint.json.tmp").write_text(json.dumps(newer))
    recovered = run_checkpoint.recover(str(out))
    expected = newer if leftover == "state after the model rename" else before
    assert recovered == expected and state(out) == expected
    assert not any(".tmp" in name for name in os.listdir(out))
    rows = (out / cli.HISTORY_FILE).read_text().splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == [str(r["epoch"]) for r in expected["history"]]


def test_run_checkpoint_rejects_a_bad_interval():
    with pytest.raises(ValueError, match="every_steps"):
        run_checkpoint.RunCheckpoint("x", every_steps=0)
