"""Whole-project builds after the first: only what is downstream of changed sources is rebuilt,
and the data tests on the big incremental tables read only rows from files newer than the
last build. A changed project variable makes the next build whole again."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from ccdw.settings import Settings
from ccdw.warehouse import build, built_through, newest_landed_file
from tests.conftest import copy_home
from tests.warehouse.rawdb import RawWriter, queue_log_rows

COUNTED = ("fct_queue_calls", "agg_queue_daily", "agg_agent_daily", "fct_agent_states")


def _counts(settings: Settings) -> dict[str, int]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in COUNTED}
    finally:
        con.close()


def _built_models(result: object) -> set[str]:
    return {node.unique_id.split(".")[-1] for node in result.nodes if node.unique_id.startswith("model.")}


def _fresh_run_dir(settings: Settings) -> Path:
    run_dir = settings.home / "dbt" / "target" / "run"
    shutil.rmtree(run_dir, ignore_errors=True)  # the copied home holds the first build's SQL
    return run_dir


def _land_abandoned_call(settings: Settings) -> None:
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        queue, epoch = con.execute(
            "select queuename, max(epoch) from raw.queue_log where event = 'ENTERQUEUE' group by 1 order by 1 limit 1"
        ).fetchone()
        text = f"{epoch + 1}|NEWCALL1|{queue}|NONE|ENTERQUEUE||13800000000|1\n{epoch + 9}|NEWCALL1|{queue}|NONE|ABANDON|1|1|8"
        RawWriter(con).land("queue_log", queue_log_rows(text), datetime(2030, 1, 1), "queue_log-new")
    finally:
        con.close()


def test_nothing_new_rebuilds_only_what_ml_and_ops_feed(tiny_built: Settings, tmp_path: Path) -> None:
    settings = copy_home(tiny_built, tmp_path / "home")
    newest = newest_landed_file(settings)
    assert newest is not None and built_through(settings) == newest
    before = _counts(settings)

    result = build(settings, publish_copy=False)

    built = _built_models(result)
    assert "fct_campaign_attempts" in built  # downstream of ops.dial_attempts
    assert not built & {"fct_queue_calls", "dim_customer", "fct_tickets", "agg_queue_daily"}
    assert _counts(settings) == before


def test_new_queue_log_file_rebuilds_its_descendants_with_scoped_tests(tiny_built: Settings, tmp_path: Path) -> None:
    settings = copy_home(tiny_built, tmp_path / "home")
    previous = newest_landed_file(settings)
    before = _counts(settings)
    _land_abandoned_call(settings)
    run_dir = _fresh_run_dir(settings)

    result = build(settings, publish_copy=False)

    built = _built_models(result)
    assert {"fct_queue_calls", "agg_queue_daily", "fct_contacts_fcr", "mart_customer_360"} <= built
    assert not built & {"dim_customer", "int_customers_current", "fct_tickets", "fct_transactions"}
    assert _counts(settings)["fct_queue_calls"] == before["fct_queue_calls"] + 1
    [sql_path] = list(run_dir.rglob("unique_fct_queue_calls_queue_call_id.sql"))
    assert f"last_source_file_id > {previous}" in sql_path.read_text()
    # the key test of the view behind it runs on full builds only
    [view_test] = list(run_dir.rglob("unique_int_queue_entries_queue_call_id.sql"))
    assert "where false" in view_test.read_text()
    assert built_through(settings) == newest_landed_file(settings)


def test_changed_variable_builds_the_whole_project(tiny_built: Settings, tmp_path: Path) -> None:
    settings = copy_home(tiny_built, tmp_path / "home").model_copy(update={"fcr_window_hours": 48})

    result = build(settings, publish_copy=False)

    assert {"fct_queue_calls", "dim_customer", "fct_tickets", "dim_date"} <= _built_models(result)


def test_full_refresh_tests_whole_tables(tiny_built: Settings, tmp_path: Path) -> None:
    settings = copy_home(tiny_built, tmp_path / "home")
    run_dir = _fresh_run_dir(settings)
    build(settings, select="fct_queue_calls", full_refresh=True, publish_copy=False)
    [sql_path] = list(run_dir.rglob("unique_fct_queue_calls_queue_call_id.sql"))
    assert "__new_files__" not in sql_path.read_text()
    assert "last_source_file_id >" not in sql_path.read_text()
