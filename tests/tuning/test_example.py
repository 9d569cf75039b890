"""examples/tune_vae_dcgan.py runs end to end in --smoke mode (slow: about a minute)."""

import os
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
def test_tune_example_smoke_run(tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": REPO_ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, os.path.join(REPO_ROOT, "examples", "tune_vae_dcgan.py"), "--smoke"]
        + ["--out", str(out), "--data", "digits"],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    for name in ("best_vae.keras", "best_dcgan.keras", "samples.png"):
        assert (out / name).is_file(), name
    assert "val_negative_elbo" in result.stdout and "val_kid" in result.stdout
    assert f"Wrote {out}/samples.png" in result.stdout
