# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install run test lint format docs lock clean

# The environment is rebuilt whenever the project or its pinned lock file changes.
$(INSTALLED): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

run: install  ## run the nightly flow once on data/raw; marts and extracts go to data/marts
	$(BIN)/spotprices run

test: install  ## the test suite, on real Prefect, DuckDB, Pandera and Great Expectations
	$(BIN)/python -m pytest

docs: run  ## regenerate docs/marts.md from the comments of the freshly built marts
	$(BIN)/spotprices docs

lint: install
	$(BIN)/ruff check flows schemas tests bench
	$(BIN)/ruff format --check flows schemas tests bench
	$(BIN)/sqlfluff lint sql

format: install
	$(BIN)/ruff check --fix flows schemas tests bench
	$(BIN)/ruff format flows schemas tests bench
	$(BIN)/sqlfluff fix sql

# Re-resolve every dependency and pin it; commit requirements.lock afterwards.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude-editable > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) data/marts/spotprices.duckdb data/marts/extracts data/marts/parquet data/marts/_state data/marts/data_docs
