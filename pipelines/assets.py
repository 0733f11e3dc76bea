"""Python assets: ingest, ML scores, campaign lists, delivery, the serving copy.

Each asset only calls a room's public function (the same one the CLI calls) and closes its
warehouse connection before it returns, so the next writer (often dbt) can open the file.
Room code is imported inside the bodies: the definitions load even while a room is absent.
"""

import json
from datetime import date

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from ingest.feeds import FEEDS
from pipelines.dbt_assets import DBT_ASSETS, warehouse_dbt
from pipelines.resources import WRITER_POOL, CcdwResource

INGEST_FILES = dg.AssetKey(["raw", "ingest_files"])
ML_KEYS = {
    name: dg.AssetKey(["ml", name]) for name in ("customer_value", "fund_anomalies", "model_runs")
}
CAMPAIGN_MEMBERS = dg.AssetKey(["ops", "campaign_members"])


def mart(name: str) -> dg.AssetKey:
    return get_asset_key_for_model([warehouse_dbt], name)


def _dbt_keys() -> list[dg.AssetKey]:
    return [key for assets in DBT_ASSETS for key in assets.keys]


@dg.multi_asset(
    name="ingest_feeds",
    specs=[
        dg.AssetSpec(
            ["raw", name],
            group_name="ingest",
            description=f"raw.{name}: {feed.description or feed.kind + ' feed'} — every version, "
            "as landed from $CCDW_HOME/landing/" + name,
        )
        for name, feed in FEEDS.items()
    ]
    + [
        dg.AssetSpec(
            INGEST_FILES,
            group_name="ingest",
            description="raw.ingest_files and raw.quarantine: one row per complete file seen.",
        )
    ],
    pool=WRITER_POOL,
)
def ingest_feeds(context: dg.AssetExecutionContext, ccdw: CcdwResource):  # noqa: ANN201
    """Land every new complete file (ingest.run.ingest_landing) into raw.*."""
    from ingest.run import ingest_landing

    settings = ccdw.settings()
    summary = ingest_landing(settings.landing_dir, settings)
    totals = summary.by_feed()
    for name in FEEDS:
        t = totals.get(name)
        yield dg.MaterializeResult(
            asset_key=["raw", name],
            metadata={
                "files": t.files if t else 0,
                "rows_landed": t.landed if t else 0,
                "rows_duplicate": t.duplicate if t else 0,
                "rows_quarantined": t.quarantined if t else 0,
                "files_rejected": t.rejected if t else 0,
            },
        )
    yield dg.MaterializeResult(
        asset_key=INGEST_FILES,
        metadata={"files_seen": len(summary.files), "rows_read": summary.rows_read},
    )


@dg.multi_asset(
    name="ml_scores",
    specs=[
        dg.AssetSpec(
            ML_KEYS["customer_value"],
            group_name="ml",
            description="Customer value (BG/NBD + Gamma-Gamma): value_score, rank, high-value flag.",
            deps=[mart("mart_customer_360"), mart("fct_transactions"), mart("dim_policy"),
                  mart("fct_premiums"), mart("dim_account")],
        ),
        dg.AssetSpec(
            ML_KEYS["fund_anomalies"],
            group_name="ml",
            description="Fund-flow anomalies (typology rules + IsolationForest), with their "
            "outbox alert messages written in the same transaction.",
            deps=[mart("fct_transactions"), mart("mart_customer_360"), mart("dim_account")],
        ),
        dg.AssetSpec(ML_KEYS["model_runs"], group_name="ml", description="Model versions and metrics."),
    ],
    pool=WRITER_POOL,
)
def ml_scores(context: dg.AssetExecutionContext, ccdw: CcdwResource):  # noqa: ANN201
    """Score value and anomalies (models_ml.score.score)."""
    from models_ml.score import score

    summary = score(ccdw.settings())
    metadata = {k: v for k, v in summary.items() if isinstance(v, int | float | str)}
    for key in ML_KEYS.values():
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)


@dg.asset(
    key=CAMPAIGN_MEMBERS,
    group_name="campaigns",
    deps=[ML_KEYS["customer_value"], ML_KEYS["fund_anomalies"], mart("mart_customer_360"),
          mart("fct_queue_calls"), mart("fct_premiums")],
    pool=WRITER_POOL,
    description="Compliant call lists (ccdw.campaigns.build_campaigns) in ops.campaign_members.",
)
def campaign_members(context: dg.AssetExecutionContext, ccdw: CcdwResource) -> dg.MaterializeResult:
    from ccdw.campaigns import build_campaigns

    counts = build_campaigns(ccdw.settings())
    summary = json.loads(json.dumps(counts, default=str))
    return dg.MaterializeResult(metadata={"campaigns": dg.MetadataValue.json(summary)})


@dg.asset(
    key=["serving", "warehouse"],
    group_name="serving",
    deps=[*_dbt_keys(), *ML_KEYS.values(), CAMPAIGN_MEMBERS],
    pool=WRITER_POOL,
    description="The read-only copy dashboards read, replaced atomically (ccdw.db.publish).",
)
def serving_copy(context: dg.AssetExecutionContext, ccdw: CcdwResource) -> dg.MaterializeResult:
    from ccdw.db import publish

    path = publish(ccdw.settings())
    return dg.MaterializeResult(metadata={"path": str(path), "bytes": path.stat().st_size})


class ReportConfig(dg.Config):
    """``date``: the day (daily) or any day of the week (weekly); default per the contract."""

    date: str | None = None
    send: bool = True


def _report(kind: str, config: ReportConfig, ccdw: CcdwResource) -> dg.MaterializeResult:
    from ccdw.delivery.reports import render_report

    day = date.fromisoformat(config.date) if config.date else None
    run = render_report(kind, day, ccdw.settings(), send=config.send)
    return dg.MaterializeResult(
        metadata={
            "period": run.period.label,
            "reports": len(run.reports),
            "archive": str(run.reports[0].html_path.parent),
            "enqueued": run.enqueued,
            "sent": run.sent.sent if run.sent else 0,
        }
    )


REPORT_DEPS = [
    mart("agg_queue_daily"), mart("agg_queue_interval"), mart("agg_agent_daily"),
    mart("dim_center"), mart("dim_agent"), mart("fct_tickets"), ML_KEYS["fund_anomalies"],
]


@dg.asset(
    key=["delivery", "daily_report"],
    group_name="delivery",
    deps=REPORT_DEPS,
    pool=WRITER_POOL,
    description="Daily manager report per center and roll-up: HTML email with charts + PDF, "
    "archived in $CCDW_HOME/reports/daily and sent once per recipient via ops.outbox.",
)
def daily_report(
    context: dg.AssetExecutionContext, config: ReportConfig, ccdw: CcdwResource
) -> dg.MaterializeResult:
    return _report("daily", config, ccdw)


@dg.asset(
    key=["delivery", "weekly_report"],
    group_name="delivery",
    deps=REPORT_DEPS,
    pool=WRITER_POOL,
    description="Weekly manager report (last full week) per center and roll-up, like the daily.",
)
def weekly_report(
    context: dg.AssetExecutionContext, config: ReportConfig, ccdw: CcdwResource
) -> dg.MaterializeResult:
    return _report("weekly", config, ccdw)


@dg.asset(
    key=["delivery", "anomaly_alerts"],
    group_name="delivery",
    deps=[ML_KEYS["fund_anomalies"]],
    pool=WRITER_POOL,
    description="RM alerts for new anomalies: delivered from ops.outbox (SMTP, else .eml files "
    "in $CCDW_HOME/outbox), at most once per anomaly and recipient.",
)
def anomaly_alerts(context: dg.AssetExecutionContext, ccdw: CcdwResource) -> dg.MaterializeResult:
    from ccdw.delivery.alerts import enqueue_and_commit, reroute_undeliverable
    from ccdw.delivery.outbox import send_pending

    settings = ccdw.settings()
    caught_up = enqueue_and_commit(settings)
    rerouted = reroute_undeliverable(settings)
    summary = send_pending(settings, kind="alert")
    return dg.MaterializeResult(
        metadata={"enqueued_late": caught_up, "rerouted": rerouted, **summary.as_dict()}
    )


PY_ASSETS = [ingest_feeds, ml_scores, campaign_members, serving_copy, daily_report,
             weekly_report, anomaly_alerts]
