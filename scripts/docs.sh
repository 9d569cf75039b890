#!/usr/bin/env bash
# The documentation site (mkdocs.yml): builds it and serves it on http://127.0.0.1:PORT/
# (`mkdocs serve`, rebuilt on every change), or with --check builds it with --strict into a
# temporary folder and exits non-zero on any warning (a broken link, a page missing from the
# navigation, a family without a thumbnail, an unresolved docstring reference).
#
#   bash scripts/docs.sh                 # serve on 127.0.0.1:8000 (or make docs)
#   bash scripts/docs.sh --port 8100     # another port (or DOCS_PORT=8100)
#   bash scripts/docs.sh --check         # strict build, nothing served (or make docs-check)
#
# It uses .venv (scripts/setup.sh creates it, with the docs extra); without the docs
# extra in .venv it says what to run and exits with status 1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { echo "docs: $*" >&2; }

check=0
port=${DOCS_PORT:-8000}
while [ $# -gt 0 ]; do
    case "$1" in
        --check) check=1 ;;
        --port) port=${2:?--port needs a number}; shift ;;
        --port=*) port=${1#--port=} ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) say "unknown argument '$1'; use --check, --port N or --help"; exit 2 ;;
    esac
    shift
done

PYTHON=${DOCS_PYTHON:-.venv/bin/python}
if ! "$PYTHON" -c "import mkdocs, material, mkdocstrings_handlers.python, pymdownx" 2>/dev/null; then
    say "the docs extra is not installed in $PYTHON (MkDocs, Material, mkdocstrings, pymdown-extensions)."
    say "  install it with: bash scripts/setup.sh   (or: $PYTHON -m pip install -e \".[docs]\")"
    exit 1
fi

export NO_MKDOCS_2_WARNING=1            # Material's notice about MkDocs 2
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-3}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

if [ "$check" = 1 ]; then
    site=$(mktemp -d "${TMPDIR:-/tmp}/keras_gen-site.XXXXXX")
    trap 'rm -rf "$site"' EXIT
    "$PYTHON" -m mkdocs build --strict --quiet --site-dir "$site"
    say "strict build passed ($(du -sh "$site" | cut -f1) in a temporary folder, removed)"
    exit 0
fi

if ! "$PYTHON" - "$port" <<'PY'
import socket, sys
with socket.socket() as probe:
    try:
        probe.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        sys.exit(1)
PY
then
    say "port $port on 127.0.0.1 is taken; choose another: bash scripts/docs.sh --port 8100 (or DOCS_PORT=8100)"
    exit 1
fi
say "serving on http://127.0.0.1:$port/ (Ctrl-C stops it)"
exec "$PYTHON" -m mkdocs serve --dev-addr "127.0.0.1:$port"
