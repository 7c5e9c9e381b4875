#!/usr/bin/env bash
# Install the project's tools: the Python tools into .venv (moto, cargo-lambda and the zig
# linker it uses, pytest, playwright, …) from the hashed lock requirements-dev.txt — every
# package pinned, each file checked against its hash (--require-hashes). Idempotent: re-runs
# pip only when the lock changed. The locks are compiled from the top-level lists
# (requirements-*.in) by `make lock` (scripts/lock.sh).
# `scripts/tools.sh sam` also installs the AWS SAM CLI into .venv-sam (requirements-sam.txt;
# its own venv because it needs a newer boto3 than moto's pin) for `make deploy-check`.
# `scripts/tools.sh browser` also installs Debian's Chromium, for the browser tests only
# (`make dev` and the other tests need no Debian package).
# `scripts/tools.sh lint` also installs the pinned cargo tools of `make lint` (cargo-machete,
# cargo-deny) from the crate registry into .tools/bin (built once, a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

# install_lock <venv> <lock>: the venv (made if missing) holds exactly what the lock pins.
install_lock() {
  local venv=$1 lock=$2 stamp want
  stamp=$venv/.requirements.sha256
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv with $($PYTHON --version)"
    "$PYTHON" -m venv "$venv"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "installing the locked tools of $lock into $venv (hashes checked)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$lock"
    echo "$want" > "$stamp"
  fi
}

if [ "${1:-}" = sam ]; then
  install_lock .venv-sam requirements-sam.txt
  # The functions run on arm64 (Graviton): cargo lambda cross-compiles with zig, against
  # rustup's standard library for that target.
  if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
    echo "adding the aarch64-unknown-linux-gnu target to the Rust toolchain"
    rustup target add aarch64-unknown-linux-gnu
  fi
fi
install_lock .venv requirements-dev.txt
if [ "${1:-}" = lint ]; then
  for tool in cargo-machete@0.9.2 cargo-deny@0.20.2; do
    if ! .tools/bin/"${tool%@*}" --version 2>/dev/null | grep -qw "${tool#*@}"; then
      echo "installing $tool into .tools (cargo install --locked)"
      cargo install --quiet --locked --root .tools "$tool"
    fi
  done
fi
# Playwright may not download its own browser here: the browser tests drive Debian's Chromium.
if [ "${1:-}" = browser ] && [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium for the browser tests"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
