# Two commands: `make run` starts the whole system, `make test` runs every test.
# Needs only Python 3.11+ and make: everything else (NATS, PostgreSQL for tests) comes from pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install browser contracts openapi bench bench-history clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Headless Chromium for the dashboard's browser tests, a Thai system font, poppler's tools
# (pdftotext, pdfsig, pdftoppm: the PDF tests read letters and reports the way an independent reader
# does), and SoftHSM (a PKCS#11 token standing in for an HSM in the key tests), from Debian's
# packages: installed only where missing (apt-get needs root, as on CI and the dev machines).
CHROMIUM := /usr/bin/chromium
POPPLER := /usr/bin/pdftotext
SOFTHSM := /usr/bin/softhsm2-util
APT_PACKAGES := chromium fonts-thai-tlwg poppler-utils softhsm2
$(CHROMIUM) $(POPPLER) $(SOFTHSM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES)

browser: $(CHROMIUM) $(POPPLER)

run: $(STAMP)
	$(BIN)/python -m shared.launcher

test: $(STAMP) $(CHROMIUM) $(POPPLER) $(SOFTHSM)
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

# Years of an office's history (issue 13): generated once under var/history (minutes a year of
# history; tens of GB for ten years), then measured with the services as real processes.
HISTORY_YEARS ?= 1 3
bench-history: $(STAMP)
	for n in $(HISTORY_YEARS); do test -e var/history/years-$$n/generated.json || \
		$(BIN)/python -m benchmarks.history generate --years $$n --out var/history || exit 1; done
	$(BIN)/python -m benchmarks.history measure --years $(HISTORY_YEARS) --root var/history

clean:
	rm -rf $(VENV) var .pytest_cache
