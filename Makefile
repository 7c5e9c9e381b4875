# The two commands: `make dev` (the whole portal locally) and `make test` (every test).
SHELL := /bin/bash
PY := .venv/bin/python
# Keep build artifacts stable between runs; CI points this at a cache outside the clone.
export CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TERM_COLOR ?= never

.PHONY: dev test tools unit integration lint bench bench-mailbox routes

tools:
	@scripts/tools.sh

dev: tools
	$(PY) scripts/dev.py

test: tools lint unit integration

# Routes are declared once, in infra/openapi.yaml; this writes what follows from it (the
# Rust route tables, the local router in Cargo.toml, the template's HttpApi events).
routes: tools
	$(PY) scripts/routes.py

lint: tools
	$(PY) scripts/routes.py --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	AWS_DEFAULT_REGION=us-east-1 $(PY) scripts/check_template.py

unit:
	cargo test --workspace --locked

integration: tools
	cd tests && ../$(PY) -m pytest -q .

# Performance figures (issue 8): release builds, cold starts, sizes, memory, AWS calls.
bench: tools
	$(PY) scripts/bench.py

# The local mailbox's read time after 1..5000 emails (moto and the SES proxy only; no Rust).
bench-mailbox: tools
	$(PY) scripts/bench_mailbox.py
