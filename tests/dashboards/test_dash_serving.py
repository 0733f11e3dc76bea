"""The dashboard reads only the published serving copy: a writer holding the live warehouse
and a publish replacing the serving file never break or block it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from ccdw.settings import Settings
from dashboards import data
from dashboards.filters import Filters
from tests.dashboards.dash_sample import APP, build_sample_warehouse

REPO = Path(__file__).resolve().parents[2]


def _python(code: str, home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        env={"CCDW_HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_line(process: subprocess.Popen[str], expected: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if expected in line:
            return
        if process.poll() is not None:
            raise AssertionError(f"helper exited: {process.stderr.read() if process.stderr else ''}")
    raise AssertionError(f"helper never printed {expected!r}")


@pytest.fixture
def live_and_served(tmp_path: Path, use_home) -> Settings:
    """A home with a live warehouse and a published serving copy of it."""
    settings = use_home(Settings(home=tmp_path / "home"))
    build_sample_warehouse(settings.warehouse_path)
    from ccdw.db import publish

    publish(settings)
    return settings


def test_reads_while_another_process_holds_the_live_warehouse(live_and_served: Settings) -> None:
    settings = live_and_served
    writer = _python(
        """
        import duckdb, os, sys, time
        con = duckdb.connect(os.environ["CCDW_HOME"] + "/warehouse.duckdb")
        con.execute("insert into marts.dim_queue values ('new', 'GD', 'life', 20)")
        print("holding", flush=True)
        time.sleep(120)
        """,
        settings.home,
    )
    try:
        _wait_for_line(writer, "holding")
        # The live file is locked: a reader of it would fail ...
        with pytest.raises(duckdb.IOException):
            duckdb.connect(str(settings.warehouse_path), read_only=True)
        # ... the dashboard, reading the serving copy, does not.
        frame = data.run_query(settings.serving_path, "select count(*) as n from marts.dim_queue")
        assert int(frame["n"].iloc[0]) == 3
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.run()
        assert not at.exception
        assert any(m.label == "Offered · period" and m.value == "3,360" for m in at.metric)
    finally:
        writer.kill()
        writer.wait()


def test_reads_stay_consistent_while_publish_replaces_the_file(live_and_served: Settings) -> None:
    """Each publish swaps in a warehouse where every queue has the same offered count N
    (N grows per publish); a reader must never see a mix of two versions or fail to open."""
    settings = live_and_served
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("create table marts.version_probe (queue varchar, n integer)")
        con.execute("insert into marts.version_probe select queue, 0 from marts.dim_queue")
    from ccdw.db import publish

    publish(settings)
    publisher = _python(
        """
        import duckdb, os
        from ccdw.db import publish
        from ccdw.settings import Settings
        settings = Settings()
        print("start", flush=True)
        for n in range(1, 16):
            with duckdb.connect(str(settings.warehouse_path)) as con:
                con.execute("update marts.version_probe set n = ?", [n])
            publish(settings)
        print("done", flush=True)
        """,
        settings.home,
    )
    versions: set[int] = set()
    reads = 0
    try:
        _wait_for_line(publisher, "start")
        while publisher.poll() is None:
            frame = data.run_query(
                settings.serving_path, "select min(n) as lo, max(n) as hi, count(*) as k from marts.version_probe"
            )
            lo, hi = int(frame["lo"].iloc[0]), int(frame["hi"].iloc[0])
            assert lo == hi, f"mixed versions {lo}..{hi}"
            versions.add(lo)
            reads += 1
        assert publisher.returncode == 0, publisher.stderr.read() if publisher.stderr else ""
    finally:
        if publisher.poll() is None:
            publisher.kill()
            publisher.wait()
    final = data.run_query(settings.serving_path, "select max(n) as n from marts.version_probe")
    assert int(final["n"].iloc[0]) == 15
    assert reads > 0 and len(versions) >= 1


def test_cached_queries_follow_a_new_publish(live_and_served: Settings) -> None:
    settings = live_and_served
    sql = "select count(*) as n from marts.dim_queue"
    assert int(data.query(sql, settings=settings)["n"].iloc[0]) == 3
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("insert into marts.dim_queue values ('new', 'GD', 'life', 20)")
    assert int(data.query(sql, settings=settings)["n"].iloc[0]) == 3, "live writes are not served"
    from ccdw.db import publish

    publish(settings)
    assert int(data.query(sql, settings=settings)["n"].iloc[0]) == 4, "a publish is served at once"


def test_unpublished_home_has_no_tables(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "nothing")
    assert data.tables(settings) == {}
    assert data.query("select 1", settings=settings).empty
    assert data.published_at(settings) is None


def test_filters_bind_values_never_splice_them(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "h")
    build_sample_warehouse(settings.serving_path)
    hostile = "life') or ('1'='1"
    f = Filters(start=build_sample_end(), end=build_sample_end(), queues=(hostile,), centers=("GD' --",))
    where, params = f.where(date_expr="date", center_expr="center_id", queue_expr="queue")
    assert hostile not in where and "GD'" not in where
    frame = data.run_query(settings.serving_path, f"select count(*) as n from marts.agg_queue_daily where {where}", params)
    assert int(frame["n"].iloc[0]) == 0
    # The same clause with real values selects rows (the filter is not vacuous).
    f = Filters(start=build_sample_end(), end=build_sample_end(), queues=("life",), centers=("GD",))
    where, params = f.where(date_expr="date", center_expr="center_id", queue_expr="queue")
    frame = data.run_query(settings.serving_path, f"select count(*) as n from marts.agg_queue_daily where {where}", params)
    assert int(frame["n"].iloc[0]) == 1


def build_sample_end():
    from tests.dashboards.dash_sample import END

    return END


def test_serving_copy_is_opened_read_only(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "h")
    build_sample_warehouse(settings.serving_path)
    with pytest.raises(duckdb.Error, match="read-only"):
        data.run_query(settings.serving_path, "create table marts.x (a int)")
    shutil.rmtree(settings.home)
