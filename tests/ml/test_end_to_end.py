"""End to end on the shared tiny warehouse: generated, ingested, built with dbt, scored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ccdw.settings import Settings
from models_ml.evaluate import evaluate

pytestmark = pytest.mark.slow


def test_scored_tiny_warehouse(tiny_scored: Settings) -> None:
    con = duckdb.connect(str(tiny_scored.warehouse_path), read_only=True)
    try:
        customers = con.execute("select count(*) from marts.mart_customer_360").fetchone()[0]
        scored = con.execute("select count(*), count(distinct value_rank) from ml.customer_value").fetchone()
        alerts = con.execute("select typology, score, reasons, txn_ids from ml.fund_anomalies").fetchall()
        outbox = con.execute("select count(*) from ops.outbox where kind = 'alert'").fetchone()[0]
        runs = con.execute("select count(*) from ml.model_runs").fetchone()[0]
    finally:
        con.close()
    assert scored == (customers, customers)
    assert alerts, "tiny data plants anomalies; some must be found"
    assert all(0 <= score <= 1 and "CNY" in reasons and txn_ids for _, score, reasons, txn_ids in alerts)
    assert outbox >= len(alerts)
    assert runs == 2


def test_evaluate_against_truth(tiny_scored: Settings, tiny_data: Path) -> None:
    rows = evaluate(tiny_data / "truth", tiny_scored)
    by_key = {(r["metric"], r["scope"]): r for r in rows}
    assert by_key[("recall", "all")]["value"] >= 0.8
    assert by_key[("precision_at_k", "all")]["value"] >= 0.85
    assert by_key[("lookalikes_flagged_share", "all")]["value"] <= 0.1
    assert by_key[("high_value_f1", "all")]["value"] >= 0.8  # 200 customers: a coarse check


def test_evaluate_command_prints_a_table(tiny_scored: Settings, tiny_data: Path) -> None:
    env = {**os.environ, "CCDW_HOME": str(tiny_scored.home), "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "ccdw.cli", "evaluate", str(tiny_data)],
        capture_output=True, text=True, check=False, env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "precision_at_k" in result.stdout and "high_value_f1" in result.stdout
