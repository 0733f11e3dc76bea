"""Campaign list building at scale (``make bench``).

The tables the campaigns read (marts/ml/raw/ops, columns as docs/interfaces.md names them)
are synthesised in DuckDB at the chosen size, then ``build_campaigns`` runs twice: the first
build, and a rebuild over existing members (the daily case). Also timed: a dry-run dial and
writing call files for every due member.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

import psutil

from ccdw.db import connect
from ccdw.ops import ensure_ops_schema
from ccdw.settings import Settings

log = logging.getLogger(__name__)

CUSTOMERS = {"tiny": 10_000, "small": 100_000, "medium": 300_000, "large": 1_000_000}
AS_OF = datetime(2026, 11, 30, 9, 30)


def _synthesise(settings: Settings, n: int) -> None:
    with connect(settings) as con:
        ensure_ops_schema(con)
        for schema in ("marts", "ml", "raw"):
            con.execute(f"create schema if not exists {schema}")
        values = {"n": n, "as_of": AS_OF}

        def run(sql: str) -> None:
            # DuckDB refuses unused named parameters: bind the ones this statement uses.
            con.execute(sql, {k: v for k, v in values.items() if f"${k}" in sql})

        run(
            """create or replace table marts.customer_contact_restricted as
               select 'C' || i as customer_id,
                      case when i % 100 = 7 then '12345' else '+86138' || lpad(i::varchar, 8, '0') end
                          as phone_e164,
                      null::varchar as phone2_e164, null::varchar as email
               from range($n) t(i)""")
        run(
            """create or replace table marts.dim_customer as
               select 'C' || i as customer_id, true as is_current, i % 50 = 3 as do_not_call
               from range($n) t(i)""")
        run(
            """create or replace table marts.mart_customer_360 as
               select 'C' || i as customer_id,
                      strftime(date '2001-01-01' + to_days((hash(i) % 365)::bigint), '%m-%d')
                          as birth_date_md,
                      (hash(i * 3) % 4)::int as n_policies, (hash(i * 5) % 3)::int as n_accounts,
                      i % 50 = 3 as do_not_call
               from range($n) t(i)""")
        run(
            """create or replace table ml.customer_value as
               select 'C' || i as customer_id, ($n - i)::double as value_score, i + 1 as value_rank,
                      i < ceil($n * 0.2) as is_high_value, 'x' as segment
               from range($n) t(i)""")
        run(
            """create or replace table marts.fct_premiums as
               select 'P' || i as policy_id, 'C' || (hash(i) % $n) as customer_id,
                      ($as_of::date + to_days((hash(i * 7) % 120)::bigint - 60))::date as due_date,
                      100.00::decimal(18,2) as amount_due, null::timestamp as paid_at,
                      null::decimal(18,2) as amount_paid, hash(i * 11) % 10 < 7 as is_paid,
                      0 as overdue_days, 'due' as premium_status
               from range($n // 2) t(i)""")
        run(
            """create or replace table ml.fund_anomalies as
               select 'A' || i as anomaly_id, 'C' || (hash(i) % $n) as customer_id,
                      'AC' || i as account_id, 'large_outflow' as typology, 0.9 as score,
                      $as_of as detected_at, $as_of - interval 3 day as window_end
               from range($n // 1000) t(i)""")
        run(
            """create or replace table marts.fct_queue_calls as
               select 'Q' || i as queue_call_id, 'u' || i as call_id, 'general' as queue,
                      $as_of - to_seconds((hash(i) % 86400)::bigint) as entered_at,
                      case when i % 10 = 0 then 'abandoned' else 'answered' end as outcome,
                      null::varchar as customer_id
               from range($n // 5) t(i)""")
        run(
            """create or replace table marts.queue_call_numbers_restricted as
               select 'Q' || i as queue_call_id, 'u' || i as call_id,
                      '+86139' || lpad((hash(i) % ($n // 10))::varchar, 8, '0') as caller_e164
               from range($n // 5) t(i)""")
        run(
            """create or replace table raw.web_callbacks as
               select 'W' || i as request_id, $as_of - interval 2 hour as requested_at,
                      '137' || lpad(i::varchar, 8, '0') as phone, null::varchar as customer_id,
                      'claim' as topic, null::timestamp as preferred_from,
                      null::timestamp as preferred_to, 1::bigint as _file_id, i::bigint as _line_no
               from range($n // 200) t(i)""")
        run(
            """create or replace table raw.dnc as
               select '138' || lpad((i * 97 % $n)::varchar, 8, '0') as phone,
                      $as_of as added_at, 'bench' as source
               from range($n // 100) t(i)""")


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1e6


def run(settings: Settings, scale: str | None) -> list[dict]:
    from ccdw.campaigns import build_campaigns
    from telephony_adapter import dial

    scale = scale or "large"
    n = CUSTOMERS.get(scale, CUSTOMERS["large"])
    settings = settings.model_copy(update={"asterisk_spool_dir": settings.home / "spool"})
    started = time.perf_counter()
    _synthesise(settings, n)
    synth_s = time.perf_counter() - started
    rows: list[dict] = []
    for label in ("first build", "rebuild"):
        started = time.perf_counter()
        summary = build_campaigns(settings, AS_OF)
        seconds = time.perf_counter() - started
        campaigns = summary["campaigns"]
        assert isinstance(campaigns, dict)
        candidates = sum(int(c["candidates"]) for c in campaigns.values())
        eligible = sum(int(c["eligible"]) for c in campaigns.values())
        rows.append({
            "bench": f"campaigns build ({label})", "scale": scale, "customers": n,
            "candidates": candidates, "eligible": eligible, "seconds": round(seconds, 2),
            "rows_per_s": round(candidates / seconds) if seconds else None,
            "peak_rss_mb": round(_rss_mb()), "synthesis_s": round(synth_s, 1),
        })
    now = AS_OF.replace(hour=10)
    # Call files: 2,000 are plenty to measure the write-fsync-rename rate (a real spool
    # should not get tens of thousands at once anyway).
    for via, limit in (("dry-run", None), ("callfile", 2000)):
        started = time.perf_counter()
        result = dial(settings, via=via, now=now, limit=limit)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
        rows.append({
            "bench": f"dial --via {via}", "scale": scale, "members": result.sent,
            "seconds": round(seconds, 2),
            "rows_per_s": round(result.sent / seconds) if seconds else None,
            "peak_rss_mb": round(_rss_mb()),
        })
    for row in rows:
        log.info("%s", row)
    return rows
