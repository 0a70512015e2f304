#!/usr/bin/env bash
# Makes (or reuses) the virtual environment of the Python and TensorFlow tests,
# $CARGO_TARGET_DIR/venv (target/venv by default), with the pinned packages of
# bindings/python/requirements-test.txt, and installs the tfe package into it
# (`pip install ./bindings/python`: cargo reuses the release build of the same
# target directory). Prints the venv's path on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

target="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)"
venv="$target/venv"
requirements=bindings/python/requirements-test.txt

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
# Reinstall the pinned packages only when the requirements changed.
if ! cmp -s "$requirements" "$venv/.requirements-test.txt"; then
    "$venv/bin/python" -m pip install --quiet -r "$requirements"
    cp "$requirements" "$venv/.requirements-test.txt"
fi
CARGO_TARGET_DIR="$target" "$venv/bin/python" -m pip install --quiet ./bindings/python >&2
echo "$venv"
