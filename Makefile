# durable_sfn: two commands for a newcomer (make run, make test), the rest for daily work.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .make-stamps
# The CDK's jsii runtime warns on every call under Node.js 20; the warning is noise for our use.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: run test lint compile synth deploy bench install clean check-tools

check-tools:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || \
	  { echo "error: durable_sfn needs Python 3.11 or newer as '$(PYTHON)' (found: $$($(PYTHON) --version 2>&1 || echo none)). Set PYTHON=/path/to/python3.11." >&2; exit 1; }
	@command -v node >/dev/null || { echo "error: Node.js 20+ is needed for the AWS CDK CLI and asl-validator, but 'node' is not on PATH." >&2; exit 1; }
	@command -v npm >/dev/null || { echo "error: npm is needed to install the Node tools (package.json), but 'npm' is not on PATH." >&2; exit 1; }
	@node -e 'process.exit(parseInt(process.versions.node) >= 18 ? 0 : 1)' || { echo "error: Node.js 18 or newer is needed (found $$(node --version))." >&2; exit 1; }

$(STAMPS)/python: requirements.txt requirements-dev.txt pyproject.toml | check-tools
	@echo "==> Creating $(VENV) and installing Python requirements (first run takes a minute)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@$(BIN)/python -m pip install --quiet --no-deps -e .
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/node: package.json package-lock.json | check-tools
	@echo "==> Installing Node tools (npm ci: aws-cdk, asl-validator, jsonata)"
	@npm ci --silent --no-audit --no-fund
	@mkdir -p $(STAMPS) && touch $@

install: $(STAMPS)/python $(STAMPS)/node

# make run BULK_ORDERS=N: N bulk orders in the large batch instead of 10,000 (0 leaves it out).
run: install
	@$(BIN)/python -m statemachines.run $(if $(BULK_ORDERS),--orders $(BULK_ORDERS))

test: install
	@$(BIN)/python -m pytest -n 2 -q

lint: install
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy

compile: install
	@$(BIN)/durable-sfn compile statemachines

synth: install
	@PATH="$(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$$PATH" npx cdk synth --quiet

deploy: install
	@PATH="$(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$$PATH" npx cdk deploy --all

bench: install
	@$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) node_modules $(STAMPS) cdk.out .pytest_cache .mypy_cache .ruff_cache
