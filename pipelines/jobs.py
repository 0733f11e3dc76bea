"""Jobs: the whole pipeline, the report runs and the alert run."""

from __future__ import annotations

import dagster as dg

from pipelines.assets import anomaly_alerts, daily_report, weekly_report

full_pipeline_job = dg.define_asset_job(
    "ccdw_full",
    selection=dg.AssetSelection.all(),
    description="Ingest → dbt marts (+ tests) → ML scores → campaigns → serving copy → "
    "reports and alerts. `ccdw run` runs this once.",
)
daily_report_job = dg.define_asset_job(
    "daily_report_job", selection=dg.AssetSelection.assets(daily_report)
)
weekly_report_job = dg.define_asset_job(
    "weekly_report_job", selection=dg.AssetSelection.assets(weekly_report)
)
alerts_job = dg.define_asset_job(
    "alerts_job", selection=dg.AssetSelection.assets(anomaly_alerts)
)

JOBS = [full_pipeline_job, daily_report_job, weekly_report_job, alerts_job]


def report_run_config(kind: str, day: str | None, send: bool = True) -> dict[str, object]:
    """Run config that sets a report asset's date (op names come from the asset keys)."""
    asset = daily_report if kind == "daily" else weekly_report
    return {"ops": {asset.op.name: {"config": {"date": day, "send": send}}}}
