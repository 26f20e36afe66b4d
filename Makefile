# Two commands: `make run` starts the whole system, `make test` runs every test.
# Needs only Python 3.11+ and make: everything else (NATS, PostgreSQL for tests) comes from pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install browser contracts openapi bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Headless Chromium for the dashboard's browser tests, a Thai system font, and SoftHSM (a PKCS#11
# token standing in for an HSM in the key tests), from Debian's packages: installed only where
# missing (apt-get needs root, as on CI and the dev machines).
CHROMIUM := /usr/bin/chromium
SOFTHSM := /usr/bin/softhsm2-util
$(CHROMIUM) $(SOFTHSM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-thai-tlwg softhsm2

browser: $(CHROMIUM)

run: $(STAMP)
	$(BIN)/python -m shared.launcher

test: $(STAMP) $(CHROMIUM) $(SOFTHSM)
	$(BIN)/ruff check contracts shared services benchmarks tests examples
	$(BIN)/python -m pytest

# Regenerate the committed JSON Schemas and AsyncAPI document from the contract models, and the
# OpenAPI document of every service.
contracts: $(STAMP) openapi
	$(BIN)/python -m contracts.generate

# contracts/openapi/<service>.json: what each service serves at /openapi.json.
openapi: $(STAMP)
	$(BIN)/python -m services.openapi

bench: $(STAMP)
	$(BIN)/python -m benchmarks.correspondence_throughput
	$(BIN)/python -m benchmarks.budgeting_allocation

clean:
	rm -rf $(VENV) var .pytest_cache
