# Thin wrappers; each target is documented in README.md.
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := .local/uv/bin/uv
PY := .venv/bin/python
PORT ?= 3000
PYTEST_ARGS ?=

.PHONY: install run test test-fast lint clean help sam-cli checkov iac-pins build deploy destroy iac-test

# uv lives in its own small venv so `uv sync` (which makes .venv exactly the lock file) never removes it.
$(UV):
	python3 -m venv .local/uv
	.local/uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)  ## .venv from uv.lock (no changes to the lock)
	$(UV) sync --frozen --python python3 --quiet

run: install  ## API on http://127.0.0.1:$(PORT), DynamoDB Local data in .local/
	$(PY) -m tasktracker.cli serve --port $(PORT)

test: install browser lint  ## everything CI runs: lint, then every suite (sets up Chromium for the docs-page test if missing)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install  ## unit tests only, no Java
	$(PY) -m pytest tests/unit -m "not integration" $(PYTEST_ARGS)

lint: install  ## ruff over the Python code and openapi-spec-validator (make test runs it first)
	$(PY) -m ruff check src tests scripts bench loadtest
	$(PY) -m openapi_spec_validator openapi.yaml

clean:  ## delete .venv, .local (dev API key, cursor secret, DynamoDB Local data, tool venvs), build, .aws-sam
	rm -rf .venv .local build .aws-sam .pytest_cache

help:  ## list the targets
	@grep -E '^[a-z][a-z0-9-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z0-9-]+):.*## /\1\t/' | expand -t 16

.PHONY: clients
clients: install  ## regenerate clients/python and clients/typescript from openapi.yaml (commit the result)
	$(PY) scripts/gen_clients.py

# ---------------------------------------------------------------- AWS deployment (README: "Deploying to AWS")
# sam-cli and checkov live in their own venvs under .local/ (scripts/requirements/README.md says why).
STAGE ?= dev
ARCH ?= arm64
SAM := .local/sam/bin/sam
CHECKOV := .local/checkov/bin/checkov
export SAM_CLI_TELEMETRY := 0

$(SAM): scripts/requirements/sam-cli.txt | $(UV)
	rm -rf .local/sam
	$(UV) venv --quiet --python python3 .local/sam
	VIRTUAL_ENV=.local/sam $(UV) pip install --quiet --require-hashes -r scripts/requirements/sam-cli.txt

$(CHECKOV): scripts/requirements/checkov.txt | $(UV)
	rm -rf .local/checkov
	$(UV) venv --quiet --python python3 .local/checkov
	VIRTUAL_ENV=.local/checkov $(UV) pip install --quiet --require-hashes -r scripts/requirements/checkov.txt

sam-cli: $(SAM)  ## aws-sam-cli in .local/sam
checkov: $(CHECKOV)  ## checkov in .local/checkov

iac-pins: $(UV)  ## re-pin the tool venvs after editing scripts/requirements/*.in
	$(UV) pip compile scripts/requirements/sam-cli.in --python python3 --generate-hashes --quiet \
	  --custom-compile-command "make iac-pins" -o scripts/requirements/sam-cli.txt
	$(UV) pip compile scripts/requirements/checkov.in --python python3 --generate-hashes --quiet \
	  --custom-compile-command "make iac-pins" -o scripts/requirements/checkov.txt

build: install $(SAM)  ## sam build into .aws-sam/ (ARCH=arm64|x86_64): layer, functions, build/gateway/openapi.json
	$(PY) scripts/gateway_spec.py
	ARCHITECTURE=$(ARCH) $(SAM) build --template-file template.yaml --parameter-overrides Architecture=$(ARCH)

deploy: install $(SAM)  ## build and deploy STAGE=dev|prod to the AWS account of your credentials
	ARCH=$(ARCH) scripts/deploy.sh $(STAGE)

destroy: install $(SAM)  ## delete the STAGE=dev|prod stack (prod keeps its tables)
	scripts/destroy.sh $(STAGE)

iac-test: install  ## the offline proofs of the deployment (tests/iac)
	$(PY) -m pytest tests/iac $(PYTEST_ARGS)

# ---- contract, spec gates, docs (tests/contract, tests/spec, tests/docs) ----------------------------------
.PHONY: fuzz lint-spec spec-tools release-spec docs browser
SPEC_TOOLS := tools/spec/node_modules/.bin/redocly

$(SPEC_TOOLS): tools/spec/package.json tools/spec/package-lock.json
	cd tools/spec && npm ci --no-audit --no-fund --loglevel=error
	touch $@

spec-tools: $(SPEC_TOOLS)  ## Redocly CLI + openapi-diff, pinned, in tools/spec/node_modules

fuzz: install  ## the contract suite against any deployment: make fuzz URL=https://... KEY=... [KEY2=...] [SEED=n]
	@test -n "$(URL)" -a -n "$(KEY)" || { echo "usage: make fuzz URL=<base url> KEY=<api key> [KEY2=<another user's key>] [SEED=n]"; exit 2; }
	CONTRACT_URL="$(URL)" CONTRACT_API_KEY="$(KEY)" CONTRACT_API_KEY2="$(KEY2)" CONTRACT_SEED="$(SEED)" \
	  $(PY) -m pytest tests/contract/test_schemathesis.py::test_deployment -p no:cacheprovider -s $(PYTEST_ARGS)

lint-spec: install $(SPEC_TOOLS)  ## openapi-spec-validator, Redocly lint, breaking-change check vs spec/released
	$(PY) tools/spec/gates.py openapi.yaml

release-spec: install  ## record openapi.yaml as released (spec/released/openapi-<info.version>.yaml)
	@v=$$($(PY) -c "import yaml; print(yaml.safe_load(open('openapi.yaml'))['info']['version'])"); \
	  test ! -e spec/released/openapi-$$v.yaml || { echo "spec/released/openapi-$$v.yaml exists: bump info.version"; exit 1; }; \
	  cp openapi.yaml spec/released/openapi-$$v.yaml && echo "released spec $$v: commit spec/released/openapi-$$v.yaml"

browser:  ## Debian's chromium for the docs-page test (tests/docs), if it is missing
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	@chromium --version

docs: install  ## the local server with the docs page: http://127.0.0.1:$(PORT)/docs/ (spec at /openapi.json)
	$(PY) -m tasktracker.cli serve --port $(PORT)

.PHONY: loadtest
LOAD_USERS ?= $(or $(USERS),16)
LOAD_TIME ?= $(or $(TIME),60s)
loadtest: install  ## headless locust: make loadtest [URL=https://... KEY=...] [USERS=16] [TIME=60s] (no URL: a local server on DynamoDB Local); summary in build/loadtest/
	LOADTEST_KEYS="$(KEY)" $(PY) loadtest/run.py --users $(LOAD_USERS) --time $(LOAD_TIME) $(if $(URL),--url $(URL))

# ---------------------------------------------------------------- performance (README: "Performance")
.PHONY: bench bench-profile
BENCH_ARGS ?=
bench: install  ## cold start, warm cost, DynamoDB calls and sizes of every function vs a bare handler and stock Connexion; JSON in build/bench/results.json
	$(PY) -m bench.run $(BENCH_ARGS)

bench-profile: install  ## where a cold start's time goes: CPU per stage, -X importtime, cProfile (FUNCTION=get_task)
	$(PY) -m bench.profile --scenario $(or $(FUNCTION),get_task)

# ---------------------------------------------------------------- sam local (README: "sam local")
SAM_LOCAL_ARGS ?=
.PHONY: sam-local
sam-local: install $(SAM)  ## sam local start-api on :$(PORT) for this machine's arch (SAM_LOCAL_ARGS="--warm-containers EAGER")
	$(PY) scripts/sam_local.py --port $(PORT) $(SAM_LOCAL_ARGS)
