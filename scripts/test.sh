#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh), then runs the test suite, one pytest
# worker per CPU core and one more (pytest-xdist; an idle worker takes tests queued for the
# other, so a long test near the end does not leave a core idle). Tests marked slow, jax,
# bf16, distributed or browser are skipped (pytest.ini); run them with `bash scripts/test.sh -m slow`
# (or -m jax, -m bf16, -m distributed, -m browser; -m "" for all): a -m given here replaces pytest.ini's.
# Extra arguments go to pytest. How long it took, and on which processor: README.md, "The two commands".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The browser tests (-m browser) need Debian's chromium; scripts/setup.sh installs it for them.
case " $* " in *browser*) export KERAS_GEN_BROWSER=1 ;; esac
source scripts/setup.sh

export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-3}
# One pytest worker more than the CPU cores: many tests wait on subprocesses (fresh
# processes, killed runs, two-worker strategies), and with one worker per core a core
# sat idle for about a fifth of the run (one worker more made the whole run 13 % shorter).
workers=$(( $(nproc 2>/dev/null || echo 1) + 1 ))
.venv/bin/python -m pytest -q -p no:cacheprovider -n "$workers" --dist worksteal --durations=15 "$@"
