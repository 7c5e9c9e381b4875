#!/usr/bin/env bash
# Install the project's tools: pinned Python tools into .venv (moto, cargo-lambda, pytest,
# playwright, …) and Debian's Chromium for the browser tests. Idempotent: re-runs pip only
# when requirements-dev.txt changed, apt only when Chromium is missing.
# `scripts/tools.sh sam` also installs the AWS SAM CLI into .venv-sam (requirements-sam.txt;
# its own venv because it needs a newer boto3 than moto's pin) for `make deploy-check`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ "${1:-}" = sam ]; then
  stamp=.venv-sam/.requirements.sha256
  want=$(sha256sum requirements-sam.txt | cut -d' ' -f1)
  if [ ! -x .venv-sam/bin/python ]; then
    echo "creating .venv-sam with $($PYTHON --version)"
    "$PYTHON" -m venv .venv-sam
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "installing the pinned AWS SAM CLI from requirements-sam.txt"
    .venv-sam/bin/pip install --quiet --disable-pip-version-check -r requirements-sam.txt
    echo "$want" > "$stamp"
  fi
  # The functions run on arm64 (Graviton): cargo lambda cross-compiles with zig, against
  # rustup's standard library for that target.
  if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
    echo "adding the aarch64-unknown-linux-gnu target to the Rust toolchain"
    rustup target add aarch64-unknown-linux-gnu
  fi
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing pinned tools from requirements-dev.txt"
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  echo "$want" > "$stamp"
fi
# Playwright may not download its own browser here: the tests drive Debian's Chromium.
if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium for the browser tests"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
