"""Every registered family under JAX: the family contract of tests/test_families.py, run on the JAX backend.

Marked `jax` (deselected by default; `bash scripts/test.sh -m jax`). One
subprocess runs the contract's training, saving, loading, resuming and
bad-batch tests with `KERAS_BACKEND=jax` on two pytest workers: a new family
is covered by its registry entry, with no JAX code of its own. Programs XLA
compiled once are kept for the run (JAX's persistent compilation cache), so
the contract's fresh and reloaded models of a family compile once.
"""

import os
import subprocess
import sys

import pytest

pytest.importorskip("jax", reason="the jax extra is not installed: pip install -e .[jax]")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.jax
def test_every_family_trains_saves_loads_resumes_and_rejects_bad_batches_under_jax(tmp_path):
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "JAX_COMPILATION_CACHE_DIR": str(tmp_path / "xla_cache"),
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
        "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
    }
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "worksteal",
        "tests/test_families.py", "-k", "one_step or bad_batches or seeds_choose", "-m", "not slow",
        "--basetemp", str(tmp_path / "runs"),
    ]
    out = subprocess.run(command, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
    summary = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    print(summary)
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
    assert " passed" in summary and "failed" not in summary
