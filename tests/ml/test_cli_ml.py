"""The ML commands through the real CLI (a subprocess, as a user runs them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from ccdw.settings import Settings
from tests.ml.conftest import private_copy


def run_ccdw(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CCDW_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "ccdw.cli", *args], capture_output=True, text=True, check=False, env=env
    )


def test_score_without_marts_fails_with_one_line(tmp_path: Path) -> None:
    result = run_ccdw(tmp_path / "empty", "score")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("ccdw: error: the warehouse has no marts.")


def test_feedback_then_tune(scenario_scored: Settings, tmp_path: Path) -> None:
    settings = private_copy(scenario_scored, tmp_path / "home")
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    anomaly_id = con.execute("select min(anomaly_id) from ml.fund_anomalies").fetchone()[0]
    con.close()
    result = run_ccdw(settings.home, "alerts", "feedback", "--anomaly-id", anomaly_id,
                      "--disposition", "expected", "--note", "客户已说明", "--rm-id", "RM09")
    assert result.returncode == 0, result.stderr
    assert f"recorded expected on {anomaly_id} by RM09" in result.stdout
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    rows = con.execute("select anomaly_id, rm_id, disposition, note from ops.alert_feedback").fetchall()
    con.close()
    assert rows == [(anomaly_id, "RM09", "expected", "客户已说明")]

    bad = run_ccdw(settings.home, "alerts", "feedback", "--anomaly-id", "FA-missing", "--disposition", "confirmed")
    assert bad.returncode == 1
    assert "no anomaly FA-missing" in bad.stderr

    tuned = run_ccdw(settings.home, "tune", "--min-feedback", "1")
    assert tuned.returncode == 0, tuned.stderr
    assert "structuring" in tuned.stdout and "precision" in tuned.stdout
