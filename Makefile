# The README's commands. Every target installs what it needs itself.
SHELL := /bin/bash
PYTHON_312 := $(shell scripts/find-python)
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
CHECKOV_VENV := .venv-checkov
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONPATH := $(CURDIR)/layers/common/python:$(CURDIR)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: dev test venvs chromium node lint typecheck unit bench openapi sam-validate sam-build checkov clean

$(VENV)/.installed: requirements-dev.txt layers/common/requirements.txt
	@test -n "$(PYTHON_312)" || { echo "Python 3.12 is required" >&2; exit 1; }
	$(PYTHON_312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# The SAM CLI is large and used only to validate and build the template: it lives in its own venv.
$(SAM_VENV)/.installed:
	$(PYTHON_312) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli==1.170.0
	@touch $@

# The browser tests drive Debian's chromium (Playwright cannot download its own here). The script
# returns at once when chromium is on PATH; make dev never needs it.
chromium:
	@scripts/ensure-chromium

# The site's CloudFront Function is tested under node (Debian's nodejs). After chromium: both
# install with apt-get, which runs one install at a time.
node: chromium
	@scripts/ensure-node

# checkov pins many dependencies of its own: its venv keeps them away from the project's.
$(CHECKOV_VENV)/.installed:
	$(PYTHON_312) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet checkov==3.3.30
	@touch $@

## Start the whole local stack with demo data (Ctrl-C stops it).
dev: $(VENV)/.installed
	$(PY) -m infra.local.dev

## Run the whole test suite: lint, types, unit, integration, e2e, browser, template validation.
## Two lines of pytest runs side by side, so the two-core machine's second core is not idle:
## the end-to-end tests (the longest part) and then a few browser tests here, and beside them
## the unit and integration tests and then the other browser tests (each run with a stack of
## its own); the second line's report follows. BROWSER_AFTER_E2E evens the two lines out.
BROWSER_AFTER_E2E := tests/browser/test_dashboard_availability.py \
	tests/browser/test_dashboard_journey.py tests/browser/test_dashboard_plan.py
test: venvs
	$(MAKE) --no-print-directory lint typecheck
	@mkdir -p build
	@export SAM_CLI=$(CURDIR)/$(SAM_VENV)/bin/sam CHECKOV=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov; \
	( $(PY) -m pytest -m "not browser" tests/unit tests/integration; inner=$$?; \
	  $(PY) -m pytest -m browser $(addprefix --ignore=,$(BROWSER_AFTER_E2E)); browsers=$$?; \
	  exit $$(( inner || browsers )) \
	) > build/beside-tests.log 2>&1 & beside=$$!; \
	$(PY) -m pytest -m "not browser" tests/e2e; e2e=$$?; \
	$(PY) -m pytest -m browser $(BROWSER_AFTER_E2E); late=$$?; \
	wait $$beside; others=$$?; \
	echo "--- unit, integration and browser tests (build/beside-tests.log)"; \
	cat build/beside-tests.log; \
	exit $$(( e2e || late || others ))

# The three venvs, chromium and node install side by side: on a fresh machine that is most of
# make test's wait.
venvs:
	@$(MAKE) --no-print-directory -j4 $(VENV)/.installed $(SAM_VENV)/.installed \
		$(CHECKOV_VENV)/.installed node

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy layers/common/python/agenda functions infra tests

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit

## Measure cold start (beside its floor), warm latency, slot generation, the booking write, the
## reminder job, the notifications drain and the booking write under contention, each against a
## baseline measured in the same run. BASELINE=REV also measures the booking cold start
## of git revision REV, runs interleaved with the working tree's (empty: no baseline).
bench: $(VENV)/.installed
	$(PY) -m infra.bench$(if $(BASELINE), --baseline-rev '$(BASELINE)')$(if $(COLD_RUNS), --cold-runs $(COLD_RUNS))
	$(PY) -m infra.bench_jobs
	$(PY) -m infra.bench_drain --pollers 4
	$(PY) -m infra.bench_contention

## Write the OpenAPI 3.1 document generated from the code's models.
openapi: $(VENV)/.installed
	$(PY) -m infra.openapi --out build/openapi.json

.PHONY: pages deploy-pages lighthouse screenshots
STACK ?= agenda

## Build the site: pages/site -> build/site, assets renamed by their content's hash.
pages: $(VENV)/.installed
	$(PY) -m infra.pages build

## Build the site and upload it to the deployed stack's pages bucket and site index (its
## PagesBucketName and SiteIndexArn outputs, read with boto3: STACK=name, default agenda), or
## to BUCKET=name SITE_INDEX=arn.
deploy-pages: pages
	$(PY) -m infra.pages upload $(if $(BUCKET),--bucket '$(BUCKET)' --site-index '$(SITE_INDEX)',--stack '$(STACK)')

## Lighthouse's mobile preset on the booking page, five runs and their median, and the first
## load's gzipped bytes (a figure for docs/pages.md, not a test). Installs Lighthouse (npm,
## pinned in tools/lighthouse) and chromium itself.
lighthouse: $(VENV)/.installed chromium tools/lighthouse/node_modules/.installed
	$(PY) -m infra.lighthouse --runs $(or $(RUNS),5)

tools/lighthouse/node_modules/.installed: tools/lighthouse/package.json tools/lighthouse/package-lock.json
	@scripts/ensure-node npm
	npm ci --prefix tools/lighthouse --no-audit --no-fund --silent
	@touch $@

## Screenshots of every page at 360 px and desktop width into docs/screenshots/.
screenshots: $(VENV)/.installed chromium
	$(PY) -m infra.screenshots

sam-validate: $(SAM_VENV)/.installed
	$(SAM_VENV)/bin/sam validate --lint
	$(SAM_VENV)/bin/sam validate --region us-east-1

## checkov over template.yaml: fails on a finding that docs/operations.md does not explain.
checkov: $(VENV)/.installed $(CHECKOV_VENV)/.installed
	CHECKOV=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov $(PY) -m pytest -q \
		tests/integration/test_template.py -k checkov

sam-build: $(SAM_VENV)/.installed
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(SAM_VENV)/bin/sam build

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .aws-sam build .pytest_cache .mypy_cache .ruff_cache
