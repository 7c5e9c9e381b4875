# The two commands: `make dev` (the whole portal locally) and `make test` (every test).
SHELL := /bin/bash
PY := .venv/bin/python
# Keep build artifacts stable between runs; CI points this at a cache outside the clone.
export CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TERM_COLOR ?= never

.PHONY: dev sample-events test tools lock unit integration lint bench bench-scale bench-mailbox routes deploy-check deploy-build deploy

tools:
	@scripts/tools.sh

# Recompile the hashed locks of the Python tools (requirements-*.txt) from requirements-*.in;
# UPGRADE=1 moves every pin to the newest allowed.
lock:
	scripts/lock.sh

dev: tools
	$(PY) scripts/dev.py

# While `make dev` runs: the ready-to-use sample events (events/.local/) with fresh tokens.
sample-events: tools
	$(PY) scripts/dev.py --events

test: tools lint unit integration

# Routes are declared once, in infra/openapi.yaml; this writes what follows from it (the
# Rust route tables, the local router in Cargo.toml, the template's HttpApi events).
routes: tools
	$(PY) scripts/routes.py

# Also: the tree is formatted (rustfmt), no crate declares a dependency it does not use
# (cargo-machete), and licenses, banned crates and sources pass deny.toml (cargo-deny; its
# advisories need the network and are not checked here).
lint: tools
	@scripts/tools.sh lint
	$(PY) scripts/routes.py --check
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	.tools/bin/cargo-machete
	.tools/bin/cargo-deny --offline check licenses bans sources
	AWS_DEFAULT_REGION=us-east-1 $(PY) scripts/check_template.py

unit:
	cargo test --workspace --locked

# The browser tests need Debian's Chromium; nothing else does.
integration: tools
	@scripts/tools.sh browser
	cd tests && ../$(PY) -m pytest -q .

# Performance figures (issue 8): release builds, cold starts, sizes, memory, AWS calls.
bench: tools
	$(PY) scripts/bench.py

# A firm of 10,000 clients: cost per request at two sizes, latency under load, bulk invite.
bench-scale: tools
	$(PY) scripts/bench_scale.py

# The local mailbox's read time after 1..5000 emails (moto and the SES proxy only; no Rust).
bench-mailbox: tools
	$(PY) scripts/bench_mailbox.py

# The build and deploy path without AWS (CI runs it after `make test`): the stack name,
# `sam validate --lint` and a debug `sam build` of every function for arm64, offline
# (scripts/deploy_check.sh says why debug and how offline).
deploy-check: tools
	@scripts/tools.sh sam
	scripts/deploy_check.sh check

# The release build that `sam deploy` uploads (infra/.aws-sam/build).
deploy-build: tools
	@scripts/tools.sh sam
	scripts/deploy_check.sh release

# Deploy the build to the stack named in infra/samconfig.toml (or STACK=<name>, REGION=<r>);
# GUIDED=1 for the first deploy (`sam deploy --guided` asks for the parameters, saves them).
deploy: deploy-build
	$(PY) scripts/stack_name.py $(STACK)
	cd infra && PATH="$(CURDIR)/.venv-sam/bin:$$PATH" SAM_CLI_TELEMETRY=0 sam deploy \
	  $(if $(STACK),--stack-name $(STACK)) $(if $(REGION),--region $(REGION)) $(if $(GUIDED),--guided)
