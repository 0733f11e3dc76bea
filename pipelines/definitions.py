"""The one Dagster ``Definitions`` (``dagster dev -m pipelines.definitions``).

Graph, in the architecture's order: ingest (raw.*) → staging → intermediate → marts (dbt,
tests as checks) → ml → campaigns (→ campaign marts) → serving copy; delivery (reports,
alerts) reads marts and ml. All writers share the ``duckdb_writer`` pool and runs execute
in-process, one step at a time.
"""

from __future__ import annotations

import dagster as dg

from ccdw.settings import Settings
from pipelines.assets import PY_ASSETS
from pipelines.checks import CHECKS
from pipelines.dbt_assets import DBT_ASSETS
from pipelines.jobs import JOBS
from pipelines.resources import resources
from pipelines.schedules import SCHEDULES
from pipelines.sensors import SENSORS


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    """Definitions bound to ``settings`` (default: the environment)."""
    return dg.Definitions(
        assets=[*DBT_ASSETS, *PY_ASSETS],
        asset_checks=CHECKS,
        jobs=JOBS,
        schedules=SCHEDULES,
        sensors=SENSORS,
        resources=resources(settings),
        executor=dg.in_process_executor,
    )


defs = build_definitions()
