"""`ccdw build` end to end through the CLI, `dbt docs generate`, and its one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ccdw.settings import Settings
from tests.conftest import copy_home


def run_ccdw(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CCDW_HOME": str(home), **env}
    return subprocess.run(
        [sys.executable, "-m", "ccdw.cli", *args],
        capture_output=True, text=True, check=False, env=environment,
    )


def test_build_command_selects_and_generates_docs(tiny_built: Settings, tmp_path: Path) -> None:
    settings = copy_home(tiny_built, tmp_path / "home")
    result = run_ccdw(settings.home, "build", "--select", "dim_interval", "--docs")
    assert result.returncode == 0, result.stderr
    assert "dbt build:" in result.stdout
    target = settings.home / "dbt" / "target"
    assert (target / "index.html").exists()
    catalog = json.loads((target / "catalog.json").read_text())
    documented = {node["metadata"]["name"] for node in catalog["nodes"].values()}
    assert {"fct_queue_calls", "agg_queue_daily", "agg_agent_daily", "dim_customer"} <= documented
    assert settings.serving_path.exists()  # published after the successful build


def test_build_rejects_an_unknown_time_zone(tmp_path: Path) -> None:
    result = run_ccdw(tmp_path / "home", "build", CCDW_TIMEZONE="Mars/Olympus_Mons")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "ccdw: error: CCDW_TIMEZONE='Mars/Olympus_Mons' is not a known time zone"
    ]


def test_failed_dbt_run_names_the_failing_node(tiny_built: Settings, tmp_path: Path) -> None:
    settings = copy_home(tiny_built, tmp_path / "home")
    import duckdb

    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("drop table raw.queue_log")
    con.execute("create table raw.queue_log (epoch varchar)")  # a broken raw layout
    con.close()
    result = run_ccdw(settings.home, "build", "--select", "stg_raw__queue_log")
    assert result.returncode == 1
    assert result.stderr.startswith("ccdw: error: dbt build failed")
    assert "stg_raw__queue_log" in result.stderr
