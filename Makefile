# ccdw — set-up, demo, tests, benchmarks. Needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export CCDW_HOME ?= $(CURDIR)/var
DEMO_SCALE ?= small

.PHONY: venv demo demo-campaigns test lint bench dashboard dagster clean

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

# The campaign loop (docs/dialer.md): lists, push as call files into a local spool, simulated
# outcomes landed by the next ingest, campaign marts rebuilt, lift printed. Needs `make demo`.
DEMO_AS_OF ?= $(shell TZ=Asia/Shanghai date +%F) 10:00
demo-campaigns: venv
	$(BIN)/ccdw score
	$(BIN)/ccdw campaigns build --as-of "$(DEMO_AS_OF)"
	CCDW_ASTERISK_SPOOL_DIR=$(CCDW_HOME)/spool $(BIN)/ccdw dial --via callfile --as-of "$(DEMO_AS_OF)"
	$(BIN)/ccdw campaigns simulate --seed 42
	$(BIN)/ccdw ingest
	CCDW_ASTERISK_SPOOL_DIR=$(CCDW_HOME)/spool $(BIN)/ccdw dial --reconcile-only
	$(BIN)/ccdw build --select "+path:models/marts/campaigns"
	$(BIN)/ccdw campaigns lift

lint: venv
	$(BIN)/ruff check .

test: venv lint
	$(BIN)/pytest

bench: venv
	$(BIN)/python -m ccdw.bench

dashboard: venv
	$(BIN)/ccdw dashboard

dagster: venv
	DAGSTER_HOME=$$($(BIN)/python -m pipelines.instance) $(BIN)/dagster dev -m pipelines.definitions -h 127.0.0.1

clean:
	rm -rf $(CCDW_HOME) .pytest_cache .ruff_cache dbt_project/target
