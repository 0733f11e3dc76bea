"""Sensors: new complete landing files → the full pipeline; new anomalies → alerts."""

import hashlib
import json

import dagster as dg

from pipelines.jobs import alerts_job, full_pipeline_job
from pipelines.resources import CcdwResource


def landing_listing(ccdw: CcdwResource) -> list[tuple[str, int, int]]:
    """Complete files (ingest's own rule: no ``.part``/``.tmp``/dot files) with size, mtime."""
    from ingest.files import discover

    landing = ccdw.settings().landing_dir
    if not landing.is_dir():
        return []
    out = []
    for landed in discover(landing):
        stat = landed.path.stat()
        out.append((str(landed.path.relative_to(landing)), stat.st_size, stat.st_mtime_ns))
    return sorted(out)


@dg.sensor(
    name="landing_files",
    job=full_pipeline_job,
    minimum_interval_seconds=60,
    description="Starts the full pipeline when complete files appear or change under "
    "$CCDW_HOME/landing (in-flight .part/.tmp files are ignored until renamed).",
)
def landing_sensor(
    context: dg.SensorEvaluationContext, ccdw: CcdwResource
) -> dg.SensorResult | dg.SkipReason:
    listing = landing_listing(ccdw)
    digest = hashlib.sha256(json.dumps(listing).encode()).hexdigest()[:20]
    if not listing:
        return dg.SkipReason("no complete files in the landing directory")
    if context.cursor == digest:
        return dg.SkipReason(f"no new files ({len(listing)} seen)")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"landing-{digest}", tags={"ccdw/files": str(len(listing))})],
        cursor=digest,
    )


def anomaly_marker(ccdw: CcdwResource) -> str | None:
    """Count and newest detection in the serving copy (readers never open the live file)."""
    from ccdw.db import connect
    from ccdw.delivery.rendering import table_exists

    settings = ccdw.settings()
    if not settings.serving_path.exists():
        return None
    with connect(settings, read_only=True, path=settings.serving_path) as con:
        if not table_exists(con, "ml", "fund_anomalies"):
            return None
        count, newest = con.execute(
            "select count(*), max(detected_at) from ml.fund_anomalies"
        ).fetchone()
    return f"{count}@{newest}" if count else None


@dg.sensor(
    name="new_anomalies",
    job=alerts_job,
    minimum_interval_seconds=60,
    description="Runs the alert delivery when the published warehouse holds new anomalies.",
)
def alert_sensor(
    context: dg.SensorEvaluationContext, ccdw: CcdwResource
) -> dg.SensorResult | dg.SkipReason:
    marker = anomaly_marker(ccdw)
    if marker is None:
        return dg.SkipReason("no anomalies published yet")
    if context.cursor == marker:
        return dg.SkipReason(f"no new anomalies since {marker}")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"alerts-{marker}")], cursor=marker
    )


SENSORS = [landing_sensor, alert_sensor]
