"""Where a benchmark figure came from: the `"provenance"` object every result file carries.

One helper for every script in `benchmarks/`: call `start()` when the run
begins and `write_json(path, results, run)` at the end; the file then holds
`{"provenance": {...}, **results}` with the commit measured (and whether the
working tree differed from it), the exact command line, start and finish times,
the Python, TensorFlow, Keras, numpy (and JAX) versions, the Keras backend, the
processor (`lscpu`'s model name and its bf16/AMX flags), the cores this
process may use, and the 1- and 5-minute load averages at start and end (a
load above the core count means other work shared the machine).

No Keras import here: a driver that has not chosen its backend may use it.

    run = provenance.start()
    ...
    provenance.write_json("benchmarks/results/x.json", {"results": rows}, run)
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CPU_FLAGS = ("amx_bf16", "amx_tile", "avx512_bf16")
PACKAGES = {"tensorflow": ("tensorflow", "tensorflow-cpu"), "keras": ("keras",), "numpy": ("numpy",),
            "jax": ("jax",), "jaxlib": ("jaxlib",)}
# The keys `start()` fills and `finish()` adds; tests/test_benchmarks.py checks every result file for them.
FIELDS = ("commit", "dirty", "command", "started", "finished", "python", "tensorflow", "keras", "numpy",
          "backend", "processor", "cores", "load_average_start", "load_average_end")


def _output(command: list[str]) -> str:
    try:
        return subprocess.run(command, check=False, capture_output=True, text=True, cwd=ROOT, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def _now() -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def load_average() -> dict[str, float]:
    """The 1- and 5-minute load averages now, rounded: `{"1min": ..., "5min": ...}`."""
    one, five, _ = os.getloadavg()
    return {"1min": round(one, 2), "5min": round(five, 2)}


def processor() -> dict:
    """`lscpu`'s model name and whether the bf16/AMX instructions are there."""
    text = _output(["lscpu"])
    model = re.search(r"^Model name:\s*(.+)$", text, re.MULTILINE)
    flags = re.search(r"^Flags:\s*(.+)$", text, re.MULTILINE)
    flags = set(flags.group(1).split()) if flags else set()
    return {"model_name": model.group(1).strip() if model else None,
            "flags": {flag: flag in flags for flag in CPU_FLAGS}}


def versions() -> dict[str, str | None]:
    """Installed versions of the packages measured, read without importing them."""
    found: dict[str, str | None] = {}
    for name, distributions in PACKAGES.items():
        found[name] = None
        for distribution in distributions:
            try:
                found[name] = importlib.metadata.version(distribution)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
    return found


def git(ignore=()) -> dict:
    """The commit measured, and whether (and in how many paths) the working tree differed from it; paths in
    `ignore` (relative to the repository, such as the results file a run is writing) do not count."""
    # --no-optional-locks: `status` must not rewrite the index while others work in the tree.
    ignored = set(ignore)
    dirty = [line for line in _output(["git", "--no-optional-locks", "status", "--porcelain",
                                       "--untracked-files=no"]).splitlines() if line[3:] not in ignored]
    return {"commit": _output(["git", "rev-parse", "HEAD"]).strip() or None, "dirty": bool(dirty),
            "dirty_paths": len(dirty)}


def start(argv: list[str] | None = None, results_file: str | None = None) -> dict:
    """The provenance of a run beginning now (`finish` completes it).

    `results_file`: the file the run writes, if it is tracked and may hold
    uncommitted rows of an earlier part of the same table (`--append`); it does
    not make the tree dirty.
    """
    found = versions()
    ignore = [os.path.relpath(os.path.abspath(results_file), ROOT)] if results_file else []
    return {
        **git(ignore),
        "command": shlex.join([os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(ROOT)
                               else sys.executable, *(sys.argv if argv is None else argv)]),
        "started": _now(),
        "python": sys.version.split()[0],
        "tensorflow": found["tensorflow"], "keras": found["keras"], "numpy": found["numpy"],
        "jax": found["jax"], "jaxlib": found["jaxlib"],
        "backend": os.environ.get("KERAS_BACKEND", "tensorflow"),
        "processor": processor(),
        "cores": len(os.sched_getaffinity(0)),
        "load_average_start": load_average(),
    }


def finish(run: dict) -> dict:
    """`run` completed with the finish time and the load averages now."""
    return {**run, "finished": _now(), "load_average_end": load_average()}


def write_json(path: str, results: dict, run: dict) -> dict:
    """Writes `{"provenance": finish(run), **results}` to `path` (folders made) and returns it."""
    if "provenance" in results:
        raise ValueError("results must not have a 'provenance' key of their own: write_json adds it.")
    payload = {"provenance": finish(run), **results}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(payload, f, indent=2)
        f.write("\n")
    return payload


def saved_file(path: str) -> dict:
    """A file the run read, such as a model trained by an earlier run: its path and when it was last written."""
    modified = datetime.datetime.fromtimestamp(os.path.getmtime(path)).astimezone()
    return {"path": path, "modified": modified.isoformat(timespec="seconds")}


def missing_fields(payload: dict) -> list[str]:
    """The provenance keys a result file lacks (all of them when it has no provenance)."""
    record = payload.get("provenance") if isinstance(payload, dict) else None
    if not isinstance(record, dict):
        return list(FIELDS)
    return [field for field in FIELDS if field not in record]
