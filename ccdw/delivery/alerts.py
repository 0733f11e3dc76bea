"""Anomaly alerts for relationship managers, written to the outbox with the anomaly.

``enqueue_alerts`` runs inside the *caller's* open transaction (models_ml inserts new
``ml.fund_anomalies`` rows and calls it before committing), so an anomaly and its message are
committed together or not at all. Routing: the customer's RM email
(``marts.dim_relationship_manager``), else the center's default recipient from configuration,
else the row is kept ``failed`` with an ``undeliverable: ...`` reason (no recipient to try).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

import duckdb

from ccdw.delivery.outbox import OutboxMessage, enqueue_many, ensure_outbox_schema, site_now
from ccdw.delivery.rendering import mask_name, rows_as_dicts, table_exists, templates
from ccdw.errors import CcdwError
from ccdw.settings import Settings, get_settings

log = logging.getLogger(__name__)

UNDELIVERABLE = "undeliverable"


@dataclass(frozen=True)
class Route:
    recipient: str | None
    description: str
    reason: str | None = None  # why there is no recipient


def alert_key(anomaly_id: str, recipient: str | None) -> str:
    return f"alert:{anomaly_id}:{recipient or UNDELIVERABLE}"


def enqueue_alerts(
    con: duckdb.DuckDBPyConnection,
    settings: Settings | None = None,
    anomaly_ids: list[str] | None = None,
) -> int:
    """Insert one outbox message per anomaly per recipient; returns how many were inserted.

    ``anomaly_ids=None`` means every anomaly that has no alert message yet. Does not begin or
    commit: the caller's transaction decides. Re-running inserts nothing new (idempotency key).
    """
    settings = settings or get_settings()
    if not table_exists(con, "ml", "fund_anomalies"):
        raise CcdwError("ml.fund_anomalies does not exist: run 'ccdw score' before alerts")
    ensure_outbox_schema(con)
    anomalies = _load_anomalies(con, anomaly_ids)
    lookups = load_lookups(con, anomalies)
    messages = [build_alert(settings, anomaly, lookups) for anomaly in anomalies]
    inserted = enqueue_many(con, messages, settings, site_now(settings))
    log.info("alerts: %d new outbox messages for %d anomalies", inserted, len(anomalies))
    return inserted


def reroute_undeliverable(settings: Settings | None = None) -> int:
    """Re-route alerts kept undeliverable, after the configuration gained a recipient."""
    from ccdw.db import connect

    settings = settings or get_settings()
    with connect(settings) as con:
        ensure_outbox_schema(con)
        ids = [
            r[0]
            for r in con.execute(
                "select ref_id from ops.outbox where kind = 'alert' and recipient is null"
            ).fetchall()
        ]
        if not ids or not table_exists(con, "ml", "fund_anomalies"):
            return 0
        con.execute("begin")
        anomalies = _load_anomalies(con, ids)
        lookups = load_lookups(con, anomalies)
        routed = [build_alert(settings, a, lookups) for a in anomalies]
        count = enqueue_many(con, [m for m in routed if m.recipient], settings)
        con.execute("commit")
        return count


def _load_anomalies(
    con: duckdb.DuckDBPyConnection, anomaly_ids: list[str] | None
) -> list[dict[str, object]]:
    if anomaly_ids is None:
        cursor = con.execute(
            """select * from ml.fund_anomalies a
               where not exists (select 1 from ops.outbox o
                                 where o.kind = 'alert' and o.ref_id = a.anomaly_id)
               order by a.detected_at, a.anomaly_id"""
        )
    else:
        if not anomaly_ids:
            return []
        cursor = con.execute(
            """select * from ml.fund_anomalies
               where anomaly_id in (select unnest(cast(? as varchar[])))
               order by detected_at, anomaly_id""",
            [list(anomaly_ids)],
        )
    return rows_as_dicts(cursor)


@dataclass(frozen=True)
class Lookups:
    """Everything the alerts of one batch need, fetched with one query per table."""

    customers: dict[str, dict[str, object]]
    rms: dict[str, dict[str, object]]
    transactions: dict[str, dict[str, object]]


def _by_key(
    con: duckdb.DuckDBPyConnection, sql: str, ids: set[str], key: str
) -> dict[str, dict[str, object]]:
    if not ids:
        return {}
    rows = rows_as_dicts(con.execute(sql, [sorted(ids)]))
    return {str(row[key]): row for row in rows}


def load_lookups(con: duckdb.DuckDBPyConnection, anomalies: list[dict[str, object]]) -> Lookups:
    customers: dict[str, dict[str, object]] = {}
    if table_exists(con, "marts", "mart_customer_360"):
        customers = _by_key(
            con,
            """select customer_id, name, gender, birth_year, province, city, center_id, rm_id,
                      phone_e164_masked, n_accounts, total_balance
               from marts.mart_customer_360
               where customer_id in (select unnest(cast(? as varchar[])))""",
            {str(a["customer_id"]) for a in anomalies if a.get("customer_id")},
            "customer_id",
        )
    rms: dict[str, dict[str, object]] = {}
    if table_exists(con, "marts", "dim_relationship_manager"):
        rm_ids = {str(a["rm_id"]) for a in anomalies if a.get("rm_id")}
        rm_ids |= {str(c["rm_id"]) for c in customers.values() if c.get("rm_id")}
        rms = _by_key(
            con,
            """select rm_id, name, email, center_id from marts.dim_relationship_manager
               where rm_id in (select unnest(cast(? as varchar[])))""",
            rm_ids,
            "rm_id",
        )
    transactions: dict[str, dict[str, object]] = {}
    if table_exists(con, "marts", "fct_transactions"):
        transactions = _by_key(
            con,
            """select txn_id, booked_at, amount, direction, txn_type, channel, counterparty,
                      currency
               from marts.fct_transactions
               where txn_id in (select unnest(cast(? as varchar[])))""",
            {str(t) for a in anomalies for t in (a.get("txn_ids") or [])},  # type: ignore[union-attr]
            "txn_id",
        )
    return Lookups(customers, rms, transactions)


def route(
    settings: Settings, rm: dict[str, object] | None, center_id: str | None, rm_id: object
) -> Route:
    if rm and rm.get("email"):
        return Route(str(rm["email"]), f"relationship manager {rm['rm_id']}")
    default = settings.alert_recipient_for_center(center_id)
    if default:
        return Route(default, f"center {center_id or '(unknown)'} default recipient")
    why = f"RM {rm_id} has no email" if rm_id else "the customer has no RM"
    return Route(
        None,
        "nobody",
        f"{why} and center {center_id or '(unknown)'} has no default alert recipient "
        "(set CCDW_ALERTS_DEFAULT_RECIPIENT or [centers.<id>] alerts_default_recipient)",
    )


def build_alert(
    settings: Settings, anomaly: dict[str, object], lookups: Lookups
) -> OutboxMessage:
    """The outbox message for one anomaly (routing, masked summary, transactions)."""
    anomaly_id = str(anomaly["anomaly_id"])
    customer_id = anomaly.get("customer_id")
    customer = lookups.customers.get(str(customer_id), {"customer_id": customer_id})
    rm_id = anomaly.get("rm_id") or customer.get("rm_id")
    rm = lookups.rms.get(str(rm_id)) if rm_id else None
    center_id = customer.get("center_id") or (rm or {}).get("center_id")
    center = str(center_id) if center_id else None
    routed = route(settings, rm, center, rm_id)
    txn_ids = [str(t) for t in (anomaly.get("txn_ids") or [])]  # type: ignore[union-attr]
    txns = sorted(
        (lookups.transactions[t] for t in txn_ids if t in lookups.transactions),
        key=lambda t: (str(t["booked_at"]), str(t["txn_id"])),
    )
    found = {str(t["txn_id"]) for t in txns}
    summary = {
        "customer_id": customer.get("customer_id"),
        "name_masked": mask_name(customer.get("name")),  # type: ignore[arg-type]
        "gender": customer.get("gender"),
        "birth_year": customer.get("birth_year"),
        "province": customer.get("province"),
        "city": customer.get("city"),
        "phone_masked": customer.get("phone_e164_masked"),
        "n_accounts": customer.get("n_accounts"),
        "total_balance": customer.get("total_balance"),
    }
    context = {
        "a": anomaly,
        "c": summary,
        "txns": txns,
        "missing_txns": [t for t in txn_ids if t not in found],
        "routed": routed.description,
    }
    score = anomaly.get("score")
    score_text = f" (score {float(score):.2f})" if score is not None else ""  # type: ignore[arg-type]
    subject = f"[ccdw alert] Fund anomaly {anomaly_id}: {anomaly.get('typology')}{score_text}"
    body = None
    if routed.recipient:
        body = EmailMessage()
        body.set_content(templates().get_template("alert.txt.j2").render(**context))
        body.add_alternative(
            templates().get_template("alert.html.j2").render(**context), subtype="html"
        )
    return OutboxMessage(
        kind="alert",
        recipient=routed.recipient,
        subject=subject,
        idempotency_key=alert_key(anomaly_id, routed.recipient),
        body=body,
        ref_id=anomaly_id,
        center_id=center,
        undeliverable_reason=routed.reason,
    )


def enqueue_and_commit(
    settings: Settings | None = None, anomaly_ids: list[str] | None = None
) -> int:
    """Enqueue alerts in a transaction of our own (the Dagster alerts asset, the CLI)."""
    from ccdw.db import connect, transaction

    settings = settings or get_settings()
    with connect(settings) as con, transaction(con):
        return enqueue_alerts(con, settings, anomaly_ids)


def latest_detected_at(settings: Settings | None = None) -> datetime | None:
    """Newest ``ml.fund_anomalies.detected_at`` in the serving copy (used by the alert sensor)."""
    from ccdw.db import connect

    settings = settings or get_settings()
    path = settings.serving_path if settings.serving_path.exists() else settings.warehouse_path
    if not path.exists():
        return None
    with connect(settings, read_only=True, path=path) as con:
        if not table_exists(con, "ml", "fund_anomalies"):
            return None
        row = con.execute("select max(detected_at) from ml.fund_anomalies").fetchone()
    return row[0] if row else None
