#!/usr/bin/env bash
# Sets up a fresh machine for keras_gen: a virtual environment in .venv with
# keras_gen, its test tools, the JAX backend and the documentation tools, and
# Fashion-MNIST from Debian's dataset-fashion-mnist package when it can be installed.
# With KERAS_GEN_BROWSER=1 (scripts/test.sh sets it when the browser tests are
# selected: -m browser), also Debian's chromium and chromium-driver.
#
# Sourced by scripts/run.sh, scripts/test.sh and scripts/docs.sh; running it alone is fine too.
# Set PYTHON to choose the interpreter (default: python3).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
FASHION_MNIST_DIR=/usr/share/datasets/fashion-mnist

say() { echo "setup: $*" >&2; }

# Runs a command as root: directly when we are root, through sudo when it
# needs no password; returns 1 when neither is possible.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        return 1
    fi
}

apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; then
        # The package lists may be missing or stale on a fresh machine.
        as_root apt-get update -q >/dev/null && \
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
    fi
}

# 1. The virtual environment. Debian's python3 needs python3-venv for ensurepip.
if [ ! -x .venv/bin/python ]; then
    say "creating .venv with $PYTHON"
    if ! "$PYTHON" -m venv .venv; then
        rm -rf .venv
        version=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
        say "$PYTHON -m venv failed; installing python$version-venv with apt-get"
        apt_install "python$version-venv" || apt_install python3-venv || {
            say "cannot create a virtual environment: install python3-venv (Debian/Ubuntu) and rerun"
            exit 1
        }
        "$PYTHON" -m venv .venv
    fi
fi

# 2. keras_gen, editable, with the test extras (pytest, ruff), the JAX backend (the
#    tests check `keras-gen train --backend jax`; jax and jaxlib add about 15 s from an
#    empty cache, most of it compiling their bytecode) and the docs extra (MkDocs: the
#    default test run builds the site with --strict). uv installs the same packages from
#    the same index as pip, in about a fifth of the time (TensorFlow's wheel dominates);
#    pip does it where uv is not to be had. --compile-bytecode as pip does: without it
#    every fresh process of the tests compiled TensorFlow's modules again.
say "installing keras_gen and its dependencies into .venv (uv pip install -e .[test,jax,docs])"
if ! { .venv/bin/python -m pip install --quiet --disable-pip-version-check uv &&
       .venv/bin/uv pip install --quiet --compile-bytecode --python .venv/bin/python -e ".[test,jax,docs]"; }; then
    say "uv failed; installing with pip instead"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,jax,docs]"
fi

# 3. Fashion-MNIST. Without it, scripts/run.sh falls back to the bundled digits.
if [ -d "$FASHION_MNIST_DIR" ] || [ -n "${KERAS_GEN_DATA:-}" ]; then
    say "Fashion-MNIST: found (${KERAS_GEN_DATA:-$FASHION_MNIST_DIR})"
elif apt_install dataset-fashion-mnist; then
    say "Fashion-MNIST: installed Debian's dataset-fashion-mnist into $FASHION_MNIST_DIR"
else
    say "Fashion-MNIST: could not install Debian's dataset-fashion-mnist (needs apt-get and root or sudo);"
    say "  keras_gen will try to download it, else use the offline 'digits' data set"
fi

# 4. A browser for the browser tests (tests/test_docs_browser.py), only when they are selected.
if [ "${KERAS_GEN_BROWSER:-0}" = 1 ]; then
    if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
        say "browser: found $(command -v chromium) and $(command -v chromedriver)"
    elif apt_install chromium chromium-driver; then
        say "browser: installed Debian's chromium and chromium-driver"
    else
        say "browser: could not install Debian's chromium and chromium-driver (needs apt-get and root or sudo);"
        say "  install them (sudo apt-get install chromium chromium-driver), or the browser tests are skipped"
    fi
fi
