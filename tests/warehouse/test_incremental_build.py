"""A second whole-project build with nothing new: incremental models keep their rows, and the
data tests on the big incremental tables read only rows from files newer than the last build."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ccdw.settings import Settings
from ccdw.warehouse import build, built_through, newest_landed_file
from tests.conftest import copy_home

COUNTED = ("fct_queue_calls", "agg_queue_daily", "agg_agent_daily", "fct_agent_states")


def _counts(settings: Settings) -> dict[str, int]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in COUNTED}
    finally:
        con.close()


def test_second_build_is_incremental_and_scopes_its_tests(tiny_built: Settings, tmp_path: Path) -> None:
    settings = copy_home(tiny_built, tmp_path / "home")
    newest = newest_landed_file(settings)
    assert newest is not None and built_through(settings) == newest
    before = _counts(settings)

    build(settings, publish_copy=False)

    assert _counts(settings) == before
    compiled = (settings.home / "dbt" / "target" / "run").rglob("unique_fct_queue_calls_queue_call_id.sql")
    [sql_path] = list(compiled)
    assert f"last_source_file_id > {newest}" in sql_path.read_text()
    run_dir = settings.home / "dbt" / "target" / "run"
    for full_build_only in ("unique_int_cdr_calls_call_id.sql", "unique_stg_raw__transactions_txn_id.sql"):
        [path] = list(run_dir.rglob(full_build_only))
        assert "where false" in path.read_text(), full_build_only


def test_full_refresh_tests_whole_tables(tiny_built: Settings, tmp_path: Path) -> None:
    settings = copy_home(tiny_built, tmp_path / "home")
    build(settings, select="fct_queue_calls", full_refresh=True, publish_copy=False)
    [sql_path] = list((settings.home / "dbt" / "target" / "run").rglob("unique_fct_queue_calls_queue_call_id.sql"))
    assert "__new_files__" not in sql_path.read_text()
    assert "last_source_file_id >" not in sql_path.read_text()
