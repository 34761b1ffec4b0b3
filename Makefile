# Thin wrappers; each target is documented in README.md.
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := .local/uv/bin/uv
PY := .venv/bin/python
PORT ?= 3000
PYTEST_ARGS ?=

.PHONY: install run test test-fast lint clean

# uv lives in its own small venv so `uv sync` (which makes .venv exactly the lock file) never removes it.
$(UV):
	python3 -m venv .local/uv
	.local/uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)  ## .venv from uv.lock (no changes to the lock)
	$(UV) sync --frozen --python python3 --quiet

run: install  ## API on http://127.0.0.1:$(PORT), DynamoDB Local data in .local/
	$(PY) -m tasktracker.cli serve --port $(PORT)

test: install  ## everything CI runs
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install  ## unit tests only, no Java
	$(PY) -m pytest tests/unit -m "not integration" $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check src tests
	$(PY) -m openapi_spec_validator openapi.yaml

clean:
	rm -rf .venv .local build .aws-sam .pytest_cache

.PHONY: clients
clients: install  ## regenerate clients/python and clients/typescript from openapi.yaml (commit the result)
	$(PY) scripts/gen_clients.py
