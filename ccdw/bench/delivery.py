"""Delivery benchmarks (``make bench``): enqueueing alerts, and the outbox sender's throughput
to ``.eml`` files and to a real SMTP server (aiosmtpd on 127.0.0.1).

The tables alerts read (``ml.fund_anomalies``, ``marts.mart_customer_360``,
``marts.dim_relationship_manager``, ``marts.fct_transactions``) are synthesised in DuckDB.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

from ccdw.db import connect
from ccdw.settings import Settings

ANOMALIES = {"tiny": 200, "small": 2_000, "medium": 10_000, "large": 50_000}

SYNTH_SQL = """
create schema if not exists marts;
create schema if not exists ml;
create or replace table marts.dim_relationship_manager as
select 'RM' || i as rm_id, 'RM ' || i as name, 'rm' || i || '@bank.example' as email,
       'C' || (i % 5) as center_id
from range(0, 50) r(i);
create or replace table marts.mart_customer_360 as
select 'CU' || i as customer_id, '客户' || i as name, 'F' as gender, 1980 as birth_year,
       '广东' as province, '广州' as city, 'C' || (i % 5) as center_id,
       case when i % 4 = 0 then null else 'RM' || (i % 50) end as rm_id,
       '+86138****' || lpad(cast(i % 10000 as varchar), 4, '0') as phone_e164_masked,
       2 as n_accounts, 10000.0 + i as total_balance
from range(0, $n) r(i);
create or replace table marts.fct_transactions as
select 'T' || i as txn_id, 'A' || (i // 3) as account_id, 'CU' || (i // 3) as customer_id,
       timestamp '2026-11-28 10:00' + to_minutes(i % 600) as booked_at,
       -1000.0 - i as amount, 'out' as direction, 'transfer' as txn_type, 'mobile' as channel,
       'acct ****' || (i % 10000) as counterparty, 'CNY' as currency
from range(0, 3 * $n) r(i);
create or replace table ml.fund_anomalies as
select 'FA-' || i as anomaly_id, 'CU' || i as customer_id, 'A' || i as account_id,
       timestamp '2026-11-28 10:00' as window_start, timestamp '2026-11-28 11:00' as window_end,
       ['T' || (3 * i), 'T' || (3 * i + 1), 'T' || (3 * i + 2)] as txn_ids,
       'structuring' as typology, 0.9 as score, 'three transfers just under the threshold' as reasons,
       case when i % 4 = 0 then null else 'RM' || (i % 50) end as rm_id, 'bench' as model_version,
       timestamp '2026-11-29 02:00' as detected_at
from range(0, $n) r(i);
"""


def _synthesise(settings: Settings, n: int) -> None:
    with connect(settings) as con:
        con.execute(SYNTH_SQL.replace("$n", str(int(n))))


def _enqueue(settings: Settings, n: int) -> dict:
    from ccdw.delivery.alerts import enqueue_and_commit

    started = time.perf_counter()
    count = enqueue_and_commit(settings)
    seconds = time.perf_counter() - started
    return {"bench": "enqueue_alerts", "rows": count, "seconds": round(seconds, 2),
            "rows_per_s": round(count / seconds, 1)}


def _send(settings: Settings, label: str) -> dict:
    from ccdw.delivery.outbox import send_pending

    started = time.perf_counter()
    summary = send_pending(settings, kind="alert")
    seconds = time.perf_counter() - started
    return {"bench": f"send_pending_{label}", "rows": summary.sent, "seconds": round(seconds, 2),
            "rows_per_s": round(summary.sent / seconds, 1), "retry_later": summary.retry_later}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        self.count += 1
        return "250 OK"


def run(settings: Settings, scale: str | None) -> list[dict]:
    n = ANOMALIES[scale or "small"]
    rows: list[dict] = []
    files_home = settings.model_copy(update={"home": Path(settings.home) / "files",
                                             "alerts_default_recipient": "desk@bank.example"})
    _synthesise(files_home, n)
    rows.append(_enqueue(files_home, n))
    rows.append(_send(files_home, "eml_files"))
    try:
        from aiosmtpd.controller import Controller
    except ModuleNotFoundError:  # a dev dependency
        return rows
    sink = _Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp_home = files_home.model_copy(
            update={"home": Path(settings.home) / "smtp", "smtp_host": "127.0.0.1",
                    "smtp_port": port, "smtp_security": "none"}
        )
        _synthesise(smtp_home, n)
        _enqueue(smtp_home, n)
        rows.append({**_send(smtp_home, "smtp"), "server_received": sink.count})
    finally:
        controller.stop()
    return rows
