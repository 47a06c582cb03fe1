# Easy CRM — every target does its own set-up on a fresh machine.
PYTHON ?= python3
export SAM_CLI_TELEMETRY := 0
VENV := .venv
SAM_VENV := .venv-sam
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
# Lambda runs python3.13; `sam build` needs that interpreter on PATH (pyenv provides one here).
SAM_PYENV ?= 3.11.7:3.13.0

.PHONY: setup run test unit integration e2e fuzz js-test frontend lint typecheck format bench validate build sample clean

$(VENV)/.installed: requirements-dev.txt layers/shared/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(SAM_VENV)/.installed:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The web app's stylesheet, built by the Tailwind CLI from the classes its HTML and JavaScript use.
frontend/app.css: node_modules/.installed frontend/tailwind.css frontend/index.html $(wildcard frontend/js/*.js)
	npx --no-install tailwindcss -i frontend/tailwind.css -o $@ --minify
	touch $@  # the CLI leaves an unchanged file as it was, and make would build it again every time

frontend: frontend/app.css

## What `scripts/easycrm` needs: the virtualenv, the Node packages (Tailwind, dynalite, s3rver), the stylesheet.
setup: $(VENV)/.installed node_modules/.installed frontend

## The whole app on the local stack at http://127.0.0.1:3000 (prints a demo login; Ctrl-C stops it).
## Leads, uploads and files are kept in .easycrm/ across restarts.
run: setup
	scripts/easycrm serve

## Everything: lint, type check, template validation, unit, integration and end-to-end tests.
test: setup $(SAM_VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM) validate --lint --template template.yaml --region us-east-1
	npm test
	$(PY) -m pytest

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit

integration: setup
	$(PY) -m pytest tests/integration

e2e: setup
	$(PY) -m pytest tests/e2e

## A longer schema fuzz of the API than the bounded one `make test` runs, with a new seed each time.
fuzz: setup
	EASYCRM_FUZZ_SEED=$$(date +%s) EASYCRM_FUZZ_EXAMPLES=200 $(PY) -m pytest tests/e2e/test_api_fuzz.py

## The web app's JavaScript unit tests (Node's built-in test runner).
js-test: node_modules/.installed
	npm test

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/cfn-lint template.yaml

## mypy over functions/, layers/ and scripts/ (the files and settings are in pyproject.toml).
typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

validate: $(SAM_VENV)/.installed
	$(SAM) validate --lint --template template.yaml --region us-east-1
	$(VENV)/bin/cfn-lint template.yaml

## Performance figures (sample workbook and a 50,000-row CSV) as a table and bench-results.json.
bench: setup
	$(PY) scripts/bench.py

build: $(SAM_VENV)/.installed
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" PYENV_VERSION=$(SAM_PYENV) $(SAM) build

sample: $(VENV)/.installed
	$(PY) scripts/make_sample_workbook.py

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .pytest_cache .ruff_cache artifacts node_modules frontend/app.css
