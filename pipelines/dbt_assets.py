"""The dbt project as assets: one asset per model, dbt tests as asset checks.

Models that read ``ops.*`` (the campaign marts) are a separate dbt step after the campaign
lists, so the graph stays acyclic: marts → ML → campaigns → campaign marts.
"""

import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from pipelines.dbt_project import dbt_project
from pipelines.resources import WRITER_POOL, CcdwResource

CAMPAIGN_MARTS = "path:models/marts/campaigns"
GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}


class CcdwTranslator(DagsterDbtTranslator):
    """Keys stay ``[schema, name]`` (sources ``raw.cdr`` → the ingest asset ``raw/cdr``);
    groups follow the dbt layers so the graph reads like the architecture."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        path = str(dbt_resource_props.get("original_file_path", ""))
        for folder, group in GROUPS.items():
            if f"models/{folder}/" in path:
                return "campaign_marts" if "marts/campaigns/" in path else group
        return super().get_group_name(dbt_resource_props)


def _has_campaign_marts() -> bool:
    manifest = json.loads(dbt_project.manifest_path.read_text())
    return any(
        "models/marts/campaigns/" in node.get("original_file_path", "")
        for node in manifest["nodes"].values()
        if node.get("resource_type") == "model"
    )


class DbtBuildConfig(dg.Config):
    """``full_refresh``: rebuild incremental models from scratch (after a model's columns
    changed, dbt refuses an incremental run on the old table)."""

    full_refresh: bool = False


def _dbt_build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    ccdw: CcdwResource,
    config: DbtBuildConfig,
) -> Iterator[object]:
    from ccdw.warehouse import dbt_artifacts_dir, dbt_env, prepare_warehouse

    settings = ccdw.settings()
    prepare_warehouse(settings)  # raw/ops/ml source tables exist, then the connection closes
    # dbt reads the warehouse path and KPI knobs from the environment (profiles.yml).
    for key, value in dbt_env(settings).items():
        if key.startswith("CCDW_") or key.startswith("DBT_"):
            os.environ[key] = value
    target = dbt_artifacts_dir(settings) / "dagster-target"
    args = ["build", "--full-refresh"] if config.full_refresh else ["build"]
    yield from dbt.cli(args, context=context, target_path=target).stream()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=CAMPAIGN_MARTS,
    dagster_dbt_translator=CcdwTranslator(),
    pool=WRITER_POOL,
    name="warehouse_dbt",
)
def warehouse_dbt(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    ccdw: CcdwResource,
    config: DbtBuildConfig,
) -> Iterator[object]:
    """dbt build of staging, intermediate and marts (models and their tests)."""
    yield from _dbt_build(context, dbt, ccdw, config)


DBT_ASSETS: list[dg.AssetsDefinition] = [warehouse_dbt]

if _has_campaign_marts():

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=CAMPAIGN_MARTS,
        dagster_dbt_translator=CcdwTranslator(),
        pool=WRITER_POOL,
        name="campaign_marts_dbt",
    )
    def campaign_marts_dbt(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        ccdw: CcdwResource,
        config: DbtBuildConfig,
    ) -> Iterator[object]:
        """dbt build of the campaign marts (they read ops.campaign_members/dial_attempts)."""
        yield from _dbt_build(context, dbt, ccdw, config)

    DBT_ASSETS.append(campaign_marts_dbt)
