"""What makes the cold path fast, checked for behaviour (speed itself is the bench's job):
one serving connection per script run, closed at its end, one version per run; query and
run timings logged in the form the bench reads; the pre-aggregated wait mart and the
epoch-range reconciliation give the same numbers as the facts they replace."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ccdw.bench.dashboards import script_runs, server_side
from ccdw.db import publish
from ccdw.settings import Settings
from dashboards import data
from dashboards.filters import Filters, local_days_as_epochs
from dashboards.kpis import WAIT_FILTER, WAIT_MART, wait_distribution_sql
from tests.dashboards.dash_sample import APP, build_sample_warehouse


@pytest.fixture
def served(tmp_path: Path, use_home) -> Settings:
    """A home with a live warehouse and its published serving copy; empty query cache."""
    settings = use_home(Settings(home=tmp_path / "home"))
    build_sample_warehouse(settings.warehouse_path)
    publish(settings)
    st.cache_data.clear()
    return settings


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every duckdb.connect the code under test makes (the real connect still runs)."""
    calls: list[str] = []
    real = duckdb.connect

    def counting(database: str = ":memory:", *args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        calls.append(str(database))
        return real(database, *args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", counting)
    return calls


def test_a_run_opens_the_serving_copy_once_and_closes_it(served: Settings, connects: list[str]) -> None:
    with data.script_run(served) as stats:
        assert data.has_table("marts.dim_queue", served)
        queues = data.query("select count(*) as n from marts.dim_queue", settings=served)
        offered = data.query("select sum(offered) as n from marts.agg_queue_daily", settings=served)
        # Open: a read-write connection to the same file in this process is refused.
        with pytest.raises(duckdb.Error):
            duckdb.connect(str(served.serving_path))
    assert int(queues["n"].iloc[0]) == 3 and int(offered["n"].iloc[0]) > 0
    assert connects.count(str(served.serving_path)) == 2  # the run's one, and the probe above
    assert stats.queries == 3 and stats.seconds > 0 and stats.open_seconds > 0
    # Closed at the end of the run: the same read-write open now works.
    duckdb.connect(str(served.serving_path)).close()


def test_cache_hits_open_nothing(served: Settings, connects: list[str]) -> None:
    sql = "select count(*) as n from marts.dim_center"
    with data.script_run(served):
        data.query(sql, settings=served)
        data.tables(served)
    opened = len(connects)
    with data.script_run(served) as stats:
        assert int(data.query(sql, settings=served)["n"].iloc[0]) == 8
        data.tables(served)
    assert len(connects) == opened and stats.queries == 0


def test_a_run_sees_one_version_and_the_next_run_the_new_one(served: Settings) -> None:
    """A publish during a run does not mix versions inside it; the next run serves the new one."""
    probe = "select count(*) as n from marts.dim_queue"
    with data.script_run(served):
        assert int(data.query(probe, settings=served)["n"].iloc[0]) == 3
        with duckdb.connect(str(served.warehouse_path)) as con:
            con.execute("insert into marts.dim_queue values ('new', 'GD', 'life', 20)")
        publish(served)
        # A query the run has not asked yet still reads the version the run started on.
        again = data.query(probe + " where queue <> 'nothing'", settings=served)
        assert int(again["n"].iloc[0]) == 3
    with data.script_run(served):
        assert int(data.query(probe, settings=served)["n"].iloc[0]) == 4


def test_outside_a_run_each_query_opens_and_closes(served: Settings, connects: list[str]) -> None:
    data.query("select 1 as one", settings=served)
    data.query("select 2 as two", settings=served)
    assert connects.count(str(served.serving_path)) == 2
    duckdb.connect(str(served.serving_path)).close()  # nothing left open


def test_an_unpublished_run_opens_nothing(tmp_path: Path, connects: list[str]) -> None:
    settings = Settings(home=tmp_path / "nothing")
    with data.script_run(settings) as stats:
        assert data.query("select 1", settings=settings).empty
        assert data.tables(settings) == {}
    assert connects == [] and stats.queries == 0


def test_queries_and_runs_are_logged_as_the_bench_reads_them(
    served: Settings, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.INFO, logger="dashboards")
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("dashboards")]
    queries = [m for m in messages if m.startswith("query ")]
    assert any(m.startswith("query overview.period_kpis:") for m in queries), queries
    assert all(" rows=" in m and "(open " in m for m in queries)
    log_file = tmp_path / "server.log"
    log_file.write_text("\n".join(f"2026-12-02 08:00:00,000 INFO dashboards.app {m}" for m in messages))
    runs = script_runs(log_file)
    assert [r.page for r in runs] == ["overview"]
    assert runs[0].queries == len(queries) and runs[0].seconds >= runs[0].query_seconds > 0
    visit = server_side(runs, "overview", runs[0].at - 5, runs[0].at + 1)
    assert visit["script_runs"] == 1 and visit["queries"] == len(queries)
    assert server_side(runs, "queues", runs[0].at - 5, runs[0].at + 1)["script_runs"] == 0


def test_local_days_as_epochs() -> None:
    first, after = local_days_as_epochs(date(2026, 11, 1), date(2026, 11, 2), "Asia/Shanghai")
    assert first == 1793462400  # 2026-11-01 00:00 +08:00 (China has no daylight saving)
    assert after - first == 2 * 86400


@pytest.mark.slow
def test_wait_mart_matches_the_fact_on_the_tiny_warehouse(tiny_serving: Settings) -> None:
    path = tiny_serving.serving_path
    assert WAIT_MART in data.tables(tiny_serving), "dbt built the dashboards mart"
    days = data.run_query(path, "select min(date) as lo, max(date) as hi from marts.agg_queue_daily")
    lo, hi = days["lo"].iloc[0], days["hi"].iloc[0]
    queue = str(data.run_query(path, "select min(queue) as q from marts.fct_queue_calls")["q"].iloc[0])
    centers = tuple(data.run_query(path, "select distinct center_id from marts.dim_queue where center_id is not null")
                    ["center_id"].head(1))
    for f in (
        Filters(start=lo, end=hi),
        Filters(start=lo, end=lo + timedelta(days=2), queues=(queue,)),
        Filters(start=lo, end=hi, centers=centers),
    ):
        where, params = f.where(**WAIT_FILTER)
        mart = data.run_query(path, wait_distribution_sql(where, from_mart=True), params)
        fact = data.run_query(path, wait_distribution_sql(where, from_mart=False), params)
        assert len(mart) > 0
        assert mart.to_dict("records") == fact.to_dict("records"), f
    total = data.run_query(path, f"select sum(calls) as n from {WAIT_MART}")
    waited = data.run_query(path, "select count(*) as n from marts.fct_queue_calls where wait_seconds is not null")
    assert int(total["n"].iloc[0]) == int(waited["n"].iloc[0])


@pytest.mark.slow
def test_epoch_range_counts_the_same_local_days_on_the_tiny_warehouse(tiny_serving: Settings) -> None:
    path, tz = tiny_serving.serving_path, tiny_serving.timezone
    days = data.run_query(path, "select min(date) as lo, max(date) as hi from marts.agg_queue_daily")
    lo, hi = days["lo"].iloc[0], days["hi"].iloc[0]
    for start, end in ((lo, hi), (lo + timedelta(days=1), lo + timedelta(days=1)), (hi, hi)):
        by_date = data.run_query(
            path,
            "select count(*) as n from raw.queue_log where event = 'ENTERQUEUE' "
            "and cast(timezone(?, to_timestamp(epoch)) as date) between ? and ?",
            [tz, start, end],
        )
        by_epoch = data.run_query(
            path,
            "select count(*) as n from raw.queue_log where event = 'ENTERQUEUE' and epoch >= ? and epoch < ?",
            list(local_days_as_epochs(start, end, tz)),
        )
        assert int(by_epoch["n"].iloc[0]) == int(by_date["n"].iloc[0]) > 0

