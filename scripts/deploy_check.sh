#!/usr/bin/env bash
# The build and deploy path, run without AWS (issue 17): the stack name, `sam validate --lint`
# and `sam build` of every function, exactly as an operator runs them from infra/.
#
#   scripts/deploy_check.sh          `make deploy-check` (CI): a debug build, offline
#   scripts/deploy_check.sh release  `make deploy-build`: the release build you deploy
#
# The check builds in debug mode (SAM_BUILD_MODE=debug: aws-lambda-builders then omits
# `--release`): the release profile (fat LTO, one codegen unit) of 16 functions takes far too
# long for CI on 2 cores, and what the check proves — SAM finds cargo lambda, each
# function's `Binary` is a bin of the workspace, CodeUri is right, every function
# cross-compiles for arm64 and lands where SAM packages it from — does not depend on the
# profile. `make bench` and `make deploy-build` build the release profile.
#
# Offline: fake credentials, no telemetry, cargo offline (crates come from the registry
# cache `make test` filled), and the commands run in a network namespace of their own with
# no interface but a downed loopback (`unshare --net`, as root), so nothing can reach AWS
# or anywhere else; where that is not possible the script says so and relies on the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-check}
root=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
# cargo-lambda and zig (PyPI ziglang, which cargo lambda finds through `python3 -m ziglang`,
# so .venv comes first) from .venv; sam from .venv-sam (scripts/tools.sh sam).
export PATH="$root/.venv/bin:$root/.venv-sam/bin:$PATH"
export SAM_CLI_TELEMETRY=0
export CARGO_TERM_COLOR=never

.venv/bin/python scripts/stack_name.py
# The crates Cargo.lock names, while the network is still there (a no-op when cached).
cargo fetch --locked --quiet

run=()
if [ "$mode" = check ]; then
  export SAM_BUILD_MODE=debug
  export CARGO_NET_OFFLINE=true
  export AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKEFAKE AWS_SECRET_ACCESS_KEY=fake AWS_SESSION_TOKEN=fake
  export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
  unset AWS_PROFILE AWS_ENDPOINT_URL
  # If anything still tried: a proxy nothing listens on.
  export HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY=
  if unshare --net true 2>/dev/null; then
    run=(unshare --net)
  else
    echo "deploy-check: cannot make a network namespace here (unshare --net needs root);" \
         "running with fake credentials, cargo offline and a dead proxy only" >&2
  fi
elif [ "$mode" = release ]; then
  # cfn-lint needs a region to check against; the build needs none.
  export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-${AWS_REGION:-us-east-1}}
else
  echo "usage: $0 [check|release]" >&2
  exit 2
fi

started=$SECONDS
cd infra
"${run[@]}" sam validate --lint
"${run[@]}" sam build
cd "$root"
.venv/bin/python scripts/deploy_artifacts.py infra/.aws-sam/build
echo "deploy-check ($mode): passed in $((SECONDS - started)) s"
