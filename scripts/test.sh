#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh), then runs the test suite, one pytest
# worker per CPU core (pytest-xdist; an idle worker takes tests queued for the
# other, so a long test near the end does not leave a core idle). Tests marked slow, jax,
# bf16 or distributed are skipped (pytest.ini); run them with `bash scripts/test.sh -m slow`
# (or -m jax, -m bf16, -m distributed; -m "" for all): a -m given here replaces pytest.ini's.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh

export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-3}
.venv/bin/python -m pytest -q -p no:cacheprovider -n auto --dist worksteal --durations=15 "$@"
