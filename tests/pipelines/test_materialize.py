"""The whole graph, materialised once through Dagster on tiny data (the one slow test)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from ccdw.db import connect
from ccdw.settings import Settings
from pipelines.run import run_pipeline

pytestmark = pytest.mark.slow
TINY_END_DATE = date(2026, 11, 29)  # tests/conftest.py: the tiny data end on this day


def test_whole_graph_materialises_once_through_dagster(
    tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    shutil.copytree(tiny_data, home / "landing", ignore=shutil.ignore_patterns("truth"))
    monkeypatch.setenv("CCDW_HOME", str(home))
    monkeypatch.setenv("CCDW_REPORT_RECIPIENTS", "managers@example.test")
    monkeypatch.setenv("CCDW_ALERTS_DEFAULT_RECIPIENT", "alerts-desk@example.test")
    settings = Settings()
    assert settings.home == home and settings.report_recipients == ["managers@example.test"]

    outcome = run_pipeline(settings, report_date=TINY_END_DATE)

    assert outcome.success and outcome.checks_failed == []
    # The run is recorded in the instance `make dagster` shows.
    instance = dg.DagsterInstance.from_config(str(home / "dagster"))
    try:
        run = instance.get_run_by_id(outcome.run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
    finally:
        instance.dispose()
    with connect(settings, read_only=True) as con:
        landed = con.execute("select sum(rows_landed) from raw.ingest_files").fetchone()[0]
        anomalies = con.execute("select count(*) from ml.fund_anomalies").fetchone()[0]
        members = con.execute("select count(*) from ops.campaign_members").fetchone()[0]
        outbox = dict(
            con.execute(
                "select kind || ':' || status, count(*) from ops.outbox group by all"
            ).fetchall()
        )
        center_sl = con.execute(
            "select center_id, service_level from marts.agg_center_daily where date = ? "
            "and service_level is not null order by center_id limit 1",
            [TINY_END_DATE],
        ).fetchone()
        centers_with_calls = con.execute(
            "select count(distinct center_id) from marts.agg_center_daily where date = ? "
            "and offered > 0",
            [TINY_END_DATE],
        ).fetchone()[0]
    assert landed > 1000 and anomalies > 0 and members > 0
    # Every anomaly produced exactly one delivered alert (all routable here).
    assert outbox.get("alert:sent") == anomalies and "alert:failed" not in outbox
    daily_dir = home / "reports" / "daily" / TINY_END_DATE.isoformat()
    assert len(list(daily_dir.glob("*.pdf"))) >= centers_with_calls > 0
    # The daily headline is dbt's number for that center and day.
    center_id, service_level = center_sl
    html = (daily_dir / f"{center_id}.html").read_text("utf-8")
    assert f"{service_level * 100:.1f}%" in html
    # Reports (daily + weekly, one recipient) and alerts all left as .eml files (no SMTP).
    emls = list((home / "outbox").glob("*.eml"))
    assert len(emls) == outbox["alert:sent"] + outbox["report:sent"]
    # The serving copy was published with the scores in it.
    with connect(settings, read_only=True, path=settings.serving_path) as con:
        assert con.execute("select count(*) from ml.fund_anomalies").fetchone()[0] == anomalies
