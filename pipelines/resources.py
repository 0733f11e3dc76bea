"""Resources, configured from the environment (``CCDW_*``; see ccdw.settings)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from ccdw.settings import Settings, get_settings
from pipelines.dbt_project import dbt_executable, dbt_project

# Every asset that writes the DuckDB warehouse runs in this pool. DuckDB allows one writer
# at a time; the instance's dagster.yaml (pipelines.instance) limits the pool to 1 across runs,
# and runs use the in-process executor, so steps of one run are serial as well.
WRITER_POOL = "duckdb_writer"


class CcdwResource(dg.ConfigurableResource):
    """Where the warehouse lives. ``home`` None: ``CCDW_HOME``; everything else from the env."""

    home: str | None = None

    def settings(self) -> Settings:
        base = get_settings(fresh=True)
        if self.home:
            return base.model_copy(update={"home": Path(self.home)})
        return base


def ccdw_resource(settings: Settings | None = None) -> CcdwResource:
    home = settings.home if settings is not None else os.environ.get("CCDW_HOME")
    return CcdwResource(home=str(home) if home else None)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(dbt_project.profiles_dir),
        dbt_executable=dbt_executable(),
    )


def resources(settings: Settings | None = None) -> dict[str, object]:
    return {"ccdw": ccdw_resource(settings), "dbt": dbt_resource()}
