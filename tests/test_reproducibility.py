"""Two runs in fresh processes with the same seed give the same weights and samples, bit for bit."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_gen import cli

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def train_in_a_fresh_process(out, family, *extra):
    env = {**os.environ, "PYTHONPATH": REPO_ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
    argv = ["train", family, "--data", "digits", "--limit", "128", "--batch-size", "32", "--epochs", "2",
            "--width", "4", "--latent-dim", "4", "--seed", "3", "--verbose", "0", "--out", str(out), *extra]
    result = subprocess.run([sys.executable, "-m", "keras_gen", *argv], env=env, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return keras.saving.load_model(out / cli.MODEL_FILE)


# The VAE with --deterministic runs with -m slow: the default run keeps one fresh-process case,
# and every family's same-seed repetition in process (tests/test_families.py).
@pytest.mark.parametrize("family, extra", [("dcgan", ()), pytest.param("vae", ("--deterministic",), marks=pytest.mark.slow)])
def test_same_seed_same_weights_and_samples_in_fresh_processes(family, extra, tmp_path):
    first, second = (train_in_a_fresh_process(tmp_path / name, family, *extra) for name in ("a", "b"))
    assert len(first.weights) == len(second.weights)
    for a, b in zip(first.weights, second.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    np.testing.assert_array_equal(first.generate(4), second.generate(4))  # the saved seed-generator states
    assert (tmp_path / "a" / cli.HISTORY_FILE).read_text() == (tmp_path / "b" / cli.HISTORY_FILE).read_text()
