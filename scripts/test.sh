#!/usr/bin/env bash
# Run the checks and the test suite (after scripts/quickstart.sh): ruff and mypy --strict on the
# package, then pytest (the layering contracts among its tests). Installs the pinned Node
# packages of the tests that run real Node tools on first run. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "no .venv: run scripts/quickstart.sh first" >&2
  exit 2
fi
if command -v npm >/dev/null 2>&1; then
  # the pinned Node packages of the Mermaid, TypeScript, SARIF and export checks, once
  for dir in tests/mermaid tests/typescript tests/sarif tests/exports; do
    [ -d "$dir/node_modules" ] || npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  done
fi
# checkov pins many libraries: it gets a virtual environment of its own.
if [ ! -x .venv-checkov/bin/checkov ]; then
  python3 -m venv .venv-checkov
  .venv-checkov/bin/python -m pip install --quiet 'checkov==3.3.30'
fi
if [ ! -x .venv/bin/ruff ] || [ ! -x .venv/bin/mypy ]; then
  .venv/bin/python -m pip install --quiet -e '.[test,dev]'
fi
.venv/bin/ruff check compiler tests benchmarks
.venv/bin/mypy
. scripts/tf-env.sh
exec .venv/bin/python -m pytest "$@"
