#!/usr/bin/env bash
# Set up edac in .venv, compile the bundled example into build/, and check the result with
# terraform (init + validate) when terraform is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test,dev]'
# bytecode now, as pip does for a regular install (an editable one would write it at the first
# run, or never where PYTHONDONTWRITEBYTECODE is set: then every run compiles edac again)
.venv/bin/python -m compileall -q compiler/edac >/dev/null

.venv/bin/edac validate examples/orders
.venv/bin/edac compile examples/orders -o build

if ! command -v terraform >/dev/null 2>&1; then
  echo "terraform is not installed: skipping terraform init/validate of build/"
  exit 0
fi
# Without registry access, use a local provider mirror when there is one (see scripts/tf-env.sh).
. scripts/tf-env.sh
terraform -chdir=build init -backend=false -input=false >/dev/null
terraform -chdir=build validate
