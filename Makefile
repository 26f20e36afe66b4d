# Two commands: `make run` starts the whole system, `make test` runs every test.
# Needs only Python 3.11+ and make: everything else (NATS, PostgreSQL for tests) comes from pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install contracts bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m shared.launcher

test: $(STAMP)
	$(BIN)/ruff check contracts shared services benchmarks tests
	$(BIN)/python -m pytest

# Regenerate the committed JSON Schemas and AsyncAPI document from the contract models.
contracts: $(STAMP)
	$(BIN)/python -m contracts.generate

bench: $(STAMP)
	$(BIN)/python -m benchmarks.correspondence_throughput
	$(BIN)/python -m benchmarks.budgeting_allocation

clean:
	rm -rf $(VENV) var .pytest_cache
