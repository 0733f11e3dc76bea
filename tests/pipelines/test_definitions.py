"""Definitions load; sensors and schedules evaluate (no Dagster run: these are fast)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from ccdw.db import connect
from ccdw.settings import Settings
from pipelines.assets import daily_report, weekly_report
from pipelines.definitions import build_definitions, defs
from pipelines.instance import DAGSTER_YAML, ensure_dagster_home
from pipelines.resources import WRITER_POOL, CcdwResource
from pipelines.schedules import daily_report_schedule, nightly_full_schedule, weekly_report_schedule
from pipelines.sensors import alert_sensor, landing_sensor

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_definitions_load_and_read_like_the_architecture() -> None:
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = graph.materializable_asset_keys
    groups = {graph.get(k).group_name for k in keys}
    assert {"ingest", "staging", "intermediate", "marts", "ml", "campaigns", "serving",
            "delivery"} <= groups
    for key in [["raw", "cdr"], ["raw", "queue_log"], ["marts", "agg_queue_daily"],
                ["ml", "fund_anomalies"], ["ops", "campaign_members"],
                ["delivery", "daily_report"], ["delivery", "anomaly_alerts"],
                ["serving", "warehouse"]]:
        assert dg.AssetKey(key) in keys, key
    # dbt sources resolve to the ingest assets: raw.cdr feeds the staging model.
    assert dg.AssetKey(["raw", "cdr"]) in graph.get(dg.AssetKey(["staging", "stg_raw__cdr"])).parent_keys
    # ML reads the marts; alerts read the ML output.
    assert dg.AssetKey(["marts", "fct_transactions"]) in graph.get(dg.AssetKey(["ml", "fund_anomalies"])).parent_keys
    # dbt tests are asset checks.
    assert len(list(graph.asset_check_keys)) > 20
    job = defs.resolve_job_def("ccdw_full")
    assert {n.name for n in job.graph.node_defs} >= {"ingest_feeds", "warehouse_dbt", "ml_scores"}
    for node in job.graph.node_defs:
        if not node.name.endswith(("_balance", "_message", "_in_doubt")):
            assert node.pool == WRITER_POOL, node.name  # one DuckDB writer at a time
    for key in keys:
        assert graph.get(key).description, key


def test_definitions_bind_a_given_home(tmp_path: Path) -> None:
    bound = build_definitions(Settings(home=tmp_path / "elsewhere"))
    resource = bound.resources["ccdw"]
    assert isinstance(resource, CcdwResource)
    assert resource.settings().warehouse_path == tmp_path / "elsewhere" / "warehouse.duckdb"


def test_instance_limits_pools_to_one(tmp_path: Path) -> None:
    home = ensure_dagster_home(Settings(home=tmp_path))
    assert (home / "dagster.yaml").read_text() == DAGSTER_YAML
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        config = instance.get_concurrency_config()
        assert config.pool_config.default_pool_limit == 1
    finally:
        instance.dispose()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_landing_sensor_fires_on_new_complete_files_only(tmp_path: Path) -> None:
    ccdw = CcdwResource(home=str(tmp_path))
    context = dg.build_sensor_context(resources={"ccdw": ccdw})
    assert isinstance(landing_sensor(context), dg.SkipReason)  # no landing dir yet
    _write(tmp_path / "landing" / "cdr" / "Master-1.csv", "a,b\n")
    first = landing_sensor(dg.build_sensor_context(resources={"ccdw": ccdw}))
    assert isinstance(first, dg.SensorResult) and len(first.run_requests or []) == 1
    cursor = first.cursor
    # In-flight files do not count until they are renamed.
    _write(tmp_path / "landing" / "cdr" / "Master-2.csv.part", "a,b\n")
    _write(tmp_path / "landing" / "cdr" / ".Master-3.csv", "a,b\n")
    same = landing_sensor(dg.build_sensor_context(cursor=cursor, resources={"ccdw": ccdw}))
    assert isinstance(same, dg.SkipReason)
    os.replace(tmp_path / "landing" / "cdr" / "Master-2.csv.part", tmp_path / "landing" / "cdr" / "Master-2.csv")
    second = landing_sensor(dg.build_sensor_context(cursor=cursor, resources={"ccdw": ccdw}))
    assert isinstance(second, dg.SensorResult)
    assert second.cursor != cursor
    assert second.run_requests[0].run_key != first.run_requests[0].run_key


def test_alert_sensor_fires_when_the_serving_copy_has_new_anomalies(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    ccdw = CcdwResource(home=str(tmp_path))
    assert isinstance(alert_sensor(dg.build_sensor_context(resources={"ccdw": ccdw})), dg.SkipReason)
    with connect(settings, path=settings.serving_path) as con:
        con.execute("create schema ml")
        con.execute("create table ml.fund_anomalies (anomaly_id varchar, detected_at timestamp)")
        con.execute("insert into ml.fund_anomalies values ('A1', '2026-11-29 02:00')")
    fired = alert_sensor(dg.build_sensor_context(resources={"ccdw": ccdw}))
    assert isinstance(fired, dg.SensorResult) and len(fired.run_requests or []) == 1
    quiet = alert_sensor(dg.build_sensor_context(cursor=fired.cursor, resources={"ccdw": ccdw}))
    assert isinstance(quiet, dg.SkipReason)
    with connect(settings, path=settings.serving_path) as con:
        con.execute("insert into ml.fund_anomalies values ('A2', '2026-11-30 02:00')")
    again = alert_sensor(dg.build_sensor_context(cursor=fired.cursor, resources={"ccdw": ccdw}))
    assert isinstance(again, dg.SensorResult)


@pytest.mark.parametrize(
    ("schedule", "when", "asset", "expected"),
    [
        (daily_report_schedule, datetime(2026, 12, 2, 6, 30, tzinfo=SHANGHAI), daily_report, "2026-12-01"),
        # Just after midnight site time is still "yesterday = the 1st" (not UTC's date).
        (daily_report_schedule, datetime(2026, 12, 2, 0, 5, tzinfo=SHANGHAI), daily_report, "2026-12-01"),
        (weekly_report_schedule, datetime(2026, 11, 30, 7, 0, tzinfo=SHANGHAI), weekly_report, "2026-11-23"),
    ],
)
def test_report_schedules_ask_for_the_right_period(schedule, when, asset, expected) -> None:  # noqa: ANN001
    request = schedule(dg.build_schedule_context(scheduled_execution_time=when))
    assert isinstance(request, dg.RunRequest)
    assert request.run_config["ops"][asset.op.name]["config"]["date"] == expected
    assert expected in request.run_key


def test_schedules_run_in_site_time() -> None:
    for schedule in (nightly_full_schedule, daily_report_schedule, weekly_report_schedule):
        assert schedule.execution_timezone == "Asia/Shanghai"
    assert nightly_full_schedule.job_name == "ccdw_full"
