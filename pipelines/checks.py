"""Asset checks beyond dbt's tests: ingest bookkeeping and the outbox's promises."""

import dagster as dg

from pipelines.assets import INGEST_FILES, anomaly_alerts
from pipelines.resources import CcdwResource


def _scalar(ccdw: CcdwResource, sql: str) -> int:
    from ccdw.db import connect

    with connect(ccdw.settings(), read_only=True) as con:
        row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


@dg.asset_check(asset=INGEST_FILES, description="rows_read = landed + duplicate + quarantined")
def ingest_files_balance(ccdw: CcdwResource) -> dg.AssetCheckResult:
    unbalanced = _scalar(
        ccdw,
        "select count(*) from raw.ingest_files where status = 'landed' and "
        "rows_read <> rows_landed + rows_duplicate + rows_quarantined",
    )
    return dg.AssetCheckResult(passed=unbalanced == 0, metadata={"unbalanced_files": unbalanced})


@dg.asset_check(
    asset=anomaly_alerts,
    description="Every anomaly has its alert message in ops.outbox (the transactional outbox).",
)
def every_anomaly_has_a_message(ccdw: CcdwResource) -> dg.AssetCheckResult:
    missing = _scalar(
        ccdw,
        "select count(*) from ml.fund_anomalies a where not exists (select 1 from ops.outbox o "
        "where o.kind = 'alert' and o.ref_id = a.anomaly_id)",
    )
    return dg.AssetCheckResult(passed=missing == 0, metadata={"anomalies_without_message": missing})


@dg.asset_check(
    asset=anomaly_alerts,
    description="No alert is in doubt (a send interrupted after DATA); an operator must decide.",
)
def no_alert_in_doubt(ccdw: CcdwResource) -> dg.AssetCheckResult:
    in_doubt = _scalar(
        ccdw,
        "select count(*) from ops.outbox where status = 'failed' and last_error like 'in doubt:%'",
    )
    undeliverable = _scalar(
        ccdw,
        "select count(*) from ops.outbox where status = 'failed' and recipient is null",
    )
    return dg.AssetCheckResult(
        passed=in_doubt == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"in_doubt": in_doubt, "undeliverable_no_recipient": undeliverable},
    )


CHECKS = [ingest_files_balance, every_anomaly_has_a_message, no_alert_in_doubt]
