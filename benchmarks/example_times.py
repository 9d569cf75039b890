"""How long each script in `examples/` takes, run in full with its defaults, one after another.

Each example's docstring says how long its full run takes on 2 CPU cores. This
script measures that: it runs `python examples/<name>.py --out <folder>` with no
other argument (the script's own defaults), one at a time, and records the wall
time, the exit status, the date, the processor and the load averages before and
after each run in `benchmarks/results/example_times.json` (merged with earlier
runs, so a long list can be measured over several sessions). Run it with
nothing else on the machine: the times are only true on a quiet machine.

Between two examples it waits while the file named by `--pause-file` exists, so
that short work can be done without disturbing a measurement.

`--write-docstrings` then puts each measured time into its example's
docstring (the line that starts "Full run on 2 CPU cores"), with the date, the
processor and the load; tests/test_docs.py checks that the two agree.

    python benchmarks/example_times.py --examples dcgan_fashion_mnist gan_fashion_mnist
    python benchmarks/example_times.py --all        # every example: several hours on 2 cores
    python benchmarks/example_times.py --write-docstrings
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import subprocess
import sys
import textwrap
import time

import provenance

ROOT = provenance.ROOT
RESULTS = os.path.join(ROOT, "benchmarks", "results", "example_times.json")


def available() -> list[str]:
    """The example scripts' names, without `.py`."""
    return sorted(
        os.path.splitext(os.path.basename(p))[0]
        for p in glob.glob(os.path.join(ROOT, "examples", "*.py"))
    )


def measure(name: str, out: str, timeout: float | None) -> dict:
    """One full run of `examples/<name>.py` with its defaults, timed."""
    command = [
        sys.executable,
        os.path.join("examples", name + ".py"),
        "--out",
        os.path.join(out, name),
    ]
    started = datetime.datetime.now().astimezone()
    load_start = provenance.load_average()
    begin = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
        returncode, tail = done.returncode, (done.stdout + done.stderr)[-2000:]
    except subprocess.TimeoutExpired as stopped:
        returncode, tail = None, f"stopped after {timeout} s: {str(stopped.stdout or '')[-1000:]}"
    seconds = time.perf_counter() - begin
    return {
        "command": "python " + " ".join(command[1:]),
        "seconds": round(seconds, 1),
        "minutes": round(seconds / 60, 1),
        "returncode": returncode,
        "started": started.isoformat(timespec="seconds"),
        "date": started.date().isoformat(),
        "processor": provenance.processor()["model_name"],
        "cores": len(os.sched_getaffinity(0)),
        "load_average_start": load_start,
        "load_average_end": provenance.load_average(),
        "output_tail": tail,
    }


FULL_RUN = "Full run on 2 CPU cores"


def full_run_line(row: dict) -> str:
    """The docstring sentence of one measured example."""
    load = max(row["load_average_start"]["1min"], row["load_average_end"]["1min"])
    return (f"{FULL_RUN} with its defaults: {row['minutes']} minutes (measured {row['date']} on an "
            f"{row['processor']}, load {load:.1f}, by benchmarks/example_times.py); `--smoke` finishes in seconds.")


def write_docstrings(results: str) -> list[str]:
    """Rewrites the "Full run on 2 CPU cores" paragraph of every example measured without error."""
    with open(results) as f:
        rows = json.load(f)["examples"]
    written = []
    for name, row in sorted(rows.items()):
        path = os.path.join(ROOT, "examples", name + ".py")
        if row.get("returncode") != 0 or not os.path.exists(path):
            continue
        with open(path) as f:
            text = f.read()
        start = text.index(FULL_RUN)
        end = text.index("\n\n", start)
        text = text[:start] + textwrap.fill(full_run_line(row), width=79) + text[end:]
        with open(path, "w") as f:
            f.write(text)
        written.append(name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    chosen = parser.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--examples", nargs="+", help="example names (file names without .py)")
    chosen.add_argument("--all", action="store_true", help="every script in examples/")
    chosen.add_argument("--write-docstrings", action="store_true",
                        help="put the measured times of --results into the examples' docstrings")
    parser.add_argument(
        "--out",
        default=os.path.join(ROOT, "runs", "example_times"),
        help="where the examples write their outputs",
    )
    parser.add_argument(
        "--pause-file", default=None, help="wait between examples while this file exists"
    )
    parser.add_argument(
        "--timeout-minutes", type=float, default=None, help="stop an example after this long"
    )
    parser.add_argument("--results", default=RESULTS, help="the JSON file to merge the times into")
    args = parser.parse_args(argv)
    if args.write_docstrings:
        print("updated:", ", ".join(write_docstrings(args.results)) or "nothing")
        return 0
    names = available() if args.all else args.examples
    unknown = sorted(set(names) - set(available()))
    if unknown:
        parser.error(
            f"no example named {', '.join(unknown)}; choose from: {', '.join(available())}"
        )
    run = provenance.start(argv if argv is not None else None)
    previous = {}
    if os.path.exists(args.results):
        with open(args.results) as f:
            previous = json.load(f).get("examples", {})
    timeout = None if args.timeout_minutes is None else args.timeout_minutes * 60
    for name in names:
        while args.pause_file and os.path.exists(args.pause_file):
            time.sleep(5)
        # The tree this example runs (commits may land between examples); the results file it writes is not a change.
        state = provenance.git(ignore=[os.path.relpath(os.path.abspath(args.results), provenance.ROOT)])
        row = measure(name, args.out, timeout)
        row["commit"], row["dirty"] = state["commit"], state["dirty"]
        previous[name] = row
        print(
            f"{name}: {row['minutes']} min, exit {row['returncode']}, load {row['load_average_end']}",
            flush=True,
        )
        provenance.write_json(args.results, {"examples": dict(sorted(previous.items()))}, run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
