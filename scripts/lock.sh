#!/usr/bin/env bash
# `make lock`: compile the hashed locks of the Python tools from their top-level lists —
# requirements-dev.in → requirements-dev.txt (.venv) and requirements-sam.in →
# requirements-sam.txt (.venv-sam) — with uv, pinned in requirements-dev.in and so itself
# installed from the lock. uv keeps every version the existing lock names unless the .in
# asks for another (UPGRADE=1 moves everything to the newest allowed). The locks are
# universal (any OS and CPU, Python 3.11+): each pin carries the hashes of all its files.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/tools.sh
upgrade=()
if [ -n "${UPGRADE:-}" ]; then upgrade=(--upgrade); fi
for name in dev sam; do
  .venv/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes "${upgrade[@]}" \
    --custom-compile-command "make lock" -o "requirements-$name.txt" "requirements-$name.in" "$@"
done
