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

# The whole pipeline once through Dagster (ingest → dbt → scores → campaign lists → serving
# copy → reports and alerts), then the campaign loop, then dashboard screenshots. The demo
# recipients only make the .eml files appear in $(CCDW_HOME)/outbox; no SMTP is configured.
demo: venv
	$(BIN)/ccdw generate --scale $(DEMO_SCALE) --seed 42 --out $(CCDW_HOME)/landing
	CCDW_REPORT_RECIPIENTS=$${CCDW_REPORT_RECIPIENTS:-managers@example.cn} \
	CCDW_ALERTS_DEFAULT_RECIPIENT=$${CCDW_ALERTS_DEFAULT_RECIPIENT:-alerts-desk@example.cn} \
	$(BIN)/ccdw run
	$(MAKE) --no-print-directory demo-campaigns
	$(BIN)/ccdw dashboard --screenshots
	@echo ""
	@echo "ccdw demo done. Results under $(CCDW_HOME):"
	@echo "  warehouse      $(CCDW_HOME)/warehouse.duckdb (serving copy: $(CCDW_HOME)/serving/)"
	@echo "  reports        $(CCDW_HOME)/reports/"
	@echo "  alerts/reports $(CCDW_HOME)/outbox/*.eml"
	@echo "  screenshots    $(CCDW_HOME)/screenshots/"
	@echo "  dashboards     make dashboard  (http://127.0.0.1:8501)"

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
