# ccdw — set-up, demo, tests, benchmarks. Needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export CCDW_HOME ?= $(CURDIR)/var
DEMO_SCALE ?= small

.PHONY: venv demo test lint bench dashboard dagster clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(BIN)/ccdw generate --scale $(DEMO_SCALE) --seed 42 --out $(CCDW_HOME)/landing
	$(BIN)/ccdw ingest
	$(BIN)/ccdw build
	@echo "ccdw demo: results are under $(CCDW_HOME) (warehouse: $(CCDW_HOME)/warehouse.duckdb)"

lint: venv
	$(BIN)/ruff check .

test: venv lint
	$(BIN)/pytest

bench: venv
	$(BIN)/python -m ccdw.bench

dashboard: venv
	$(BIN)/ccdw dashboard

dagster: venv
	$(BIN)/dagster dev -m pipelines.definitions -h 127.0.0.1

clean:
	rm -rf $(CCDW_HOME) .pytest_cache .ruff_cache dbt_project/target
