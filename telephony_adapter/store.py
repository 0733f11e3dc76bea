"""The adapter's records in ``ops``: which members to dial, and every attempt.

The rule that keeps a number from being dialed twice: an attempt row is inserted and
committed (and the member set to ``dialing``) *before* any byte is sent to Asterisk. A member
with an attempt that has no final status is never offered for dialing again until that
attempt is reconciled (OriginateResponse, call-file status, or CDR).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from ccdw.campaigns.schema import ensure_campaign_schema
from ccdw.db import transaction

log = logging.getLogger(__name__)

FINAL_STATUSES = ("answered", "no answer", "busy", "failed", "congestion")
CDR_DISPOSITION_STATUS = {
    "ANSWERED": "answered",
    "NO ANSWER": "no answer",
    "BUSY": "busy",
    "FAILED": "failed",
    "CONGESTION": "congestion",
    "CANCEL": "no answer",
}


@dataclass(frozen=True)
class DialMember:
    """One member record as the adapter needs it (read from ``ops.campaign_members``)."""

    member_id: str
    campaign_id: str
    customer_id: str | None
    phone_e164: str
    priority: int
    eligible_from: datetime | None
    eligible_to: datetime | None
    local_timezone: str | None
    window_start: str
    window_end: str
    weekdays: str
    max_attempts: int
    retry_minutes: int
    caller_id: str | None
    dial_channel: str
    dial_context: str | None
    dial_extension: str | None
    dial_queue: str | None
    attempts: int


_MEMBER_FIELDS = (
    "member_id, campaign_id, customer_id, phone_e164, priority, eligible_from, eligible_to,"
    " local_timezone, coalesce(window_start, '09:00'), coalesce(window_end, '20:00'),"
    " coalesce(weekdays, '1,2,3,4,5,6,7'), coalesce(max_attempts, 1), coalesce(retry_minutes, 240),"
    " caller_id, dial_channel, dial_context, dial_extension, dial_queue, coalesce(attempts, 0)"
)


def ensure_dial_schema(con: duckdb.DuckDBPyConnection) -> None:
    ensure_campaign_schema(con)


def due_members(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    *,
    campaign_ids: list[str] | None = None,
    limit: int | None = None,
) -> list[DialMember]:
    """Active, non-control members whose time has come and who have no open attempt."""
    sql = f"""
        select {_MEMBER_FIELDS}
        from ops.campaign_members m
        where m.status in ('eligible', 'queued')
          and not m.is_control
          and coalesce(m.attempts, 0) < coalesce(m.max_attempts, 1)
          and (m.next_attempt_at is null or m.next_attempt_at <= $now)
          and (m.eligible_from is null or m.eligible_from <= $now)
          and (m.eligible_to is null or m.eligible_to >= $now)
          and ($all_campaigns or list_contains($campaigns, m.campaign_id))
          and not exists (
              select 1 from ops.dial_attempts a
              where a.member_id = m.member_id and a.final_status is null
          )
        order by m.priority desc, m.eligible_from nulls first, m.member_id
    """  # noqa: S608 - column list is a module constant; values are bound parameters
    params: dict[str, object] = {
        "now": now,
        "all_campaigns": not campaign_ids,
        "campaigns": list(campaign_ids or []),
    }
    if limit is not None:
        sql += " limit $limit"
        params["limit"] = int(limit)
    return [DialMember(*row) for row in con.execute(sql, params).fetchall()]


def recent_call_counts(
    con: duckdb.DuckDBPyConnection, now: datetime
) -> dict[str, tuple[int, int]]:
    """Calls in the last day and week per customer (or per number for unknown callers):
    the frequency cap, loaded once per run instead of once per member."""
    rows = con.execute(
        """select coalesce(m.customer_id, 'tel:' || m.phone_e164),
                  count(*) filter (where a.sent_at >= $now - interval 1 day),
                  count(*)
           from ops.dial_attempts a join ops.campaign_members m using (member_id)
           where a.sent_at >= $now - interval 7 day and a.sent_at <= $now
             and coalesce(a.response, '') <> 'Error'
           group by 1""",
        {"now": now},
    ).fetchall()
    return {key: (int(day), int(week)) for key, day, week in rows}


def cap_key(member: DialMember) -> str:
    return member.customer_id or f"tel:{member.phone_e164}"


def record_attempts(
    con: duckdb.DuckDBPyConnection, members: list[DialMember], *, via: str, now: datetime
) -> list[str]:
    """:func:`record_attempt` for a batch, in one transaction (call files and CSV lists:
    a batch recorded but not delivered is re-delivered by the next run, never duplicated)."""
    if not members:
        return []
    import pandas as pd

    frame = pd.DataFrame(
        {
            "attempt_id": [attempt_id_for(m) for m in members],
            "member_id": [m.member_id for m in members],
            "attempt_no": [m.attempts + 1 for m in members],
        }
    )
    con.register("new_attempts_df", frame)
    try:
        with transaction(con):
            con.execute(
                """insert into ops.dial_attempts
                   (attempt_id, member_id, action_id, sent_at, attempt_no, via)
                   select attempt_id, member_id, attempt_id, $now, attempt_no, $via
                   from new_attempts_df""",
                {"now": now, "via": via},
            )
            con.execute(
                """update ops.campaign_members m
                   set status = 'dialing', attempts = coalesce(m.attempts, 0) + 1, updated_at = $now
                   from new_attempts_df n where n.member_id = m.member_id""",
                {"now": now},
            )
    finally:
        con.unregister("new_attempts_df")
    return list(frame["attempt_id"])


def record_responses(
    con: duckdb.DuckDBPyConnection, attempt_ids: list[str], response: str
) -> None:
    con.execute(
        "update ops.dial_attempts set response = $response where list_contains($ids, attempt_id)",
        {"response": response, "ids": attempt_ids},
    )


def attempt_id_for(member: DialMember) -> str:
    """Deterministic per member and attempt number: a retry of a crashed run cannot mint a
    second id for the same attempt (the primary key refuses it)."""
    return f"{member.member_id}-{member.attempts + 1}"


def record_attempt(
    con: duckdb.DuckDBPyConnection, member: DialMember, *, via: str, now: datetime
) -> str:
    """Insert the attempt and mark the member dialing, committed, before anything is sent."""
    attempt_id = attempt_id_for(member)
    with transaction(con):
        con.execute(
            """insert into ops.dial_attempts
               (attempt_id, member_id, action_id, sent_at, attempt_no, via)
               values (?, ?, ?, ?, ?, ?)""",
            [attempt_id, member.member_id, attempt_id, now, member.attempts + 1, via],
        )
        con.execute(
            """update ops.campaign_members
               set status = 'dialing', attempts = coalesce(attempts, 0) + 1, updated_at = ?
               where member_id = ?""",
            [now, member.member_id],
        )
    return attempt_id


def record_response(
    con: duckdb.DuckDBPyConnection, attempt_id: str, response: str, message: str | None = None
) -> None:
    con.execute(
        "update ops.dial_attempts set response = ?, message = ? where attempt_id = ?",
        [response, (message or "")[:200], attempt_id],
    )


def record_final(
    con: duckdb.DuckDBPyConnection,
    attempt_id: str,
    final_status: str,
    *,
    now: datetime,
    source: str,
    reason_code: int | None = None,
    uniqueid: str | None = None,
    message: str | None = None,
) -> None:
    """Close an attempt and move its member on: done, or back to eligible after the retry gap."""
    if final_status not in FINAL_STATUSES:
        raise ValueError(f"unknown final status {final_status!r}")
    with transaction(con):
        con.execute(
            """update ops.dial_attempts
               set final_status = ?, final_at = ?, final_source = ?,
                   reason_code = coalesce(?, reason_code), uniqueid = coalesce(?, uniqueid),
                   message = coalesce(?, message)
               where attempt_id = ?""",
            [final_status, now, source, reason_code, uniqueid, message, attempt_id],
        )
        con.execute(
            """update ops.campaign_members m
               set last_final_status = ?,
                   status = case
                       when ? = 'answered' then 'done'
                       when coalesce(m.attempts, 0) >= coalesce(m.max_attempts, 1) then 'done'
                       else 'eligible' end,
                   next_attempt_at = ? + to_minutes(coalesce(m.retry_minutes, 240)::bigint),
                   updated_at = ?
               from ops.dial_attempts a
               where a.attempt_id = ? and m.member_id = a.member_id
                 and m.status in ('dialing', 'queued')""",
            [final_status, final_status, now, now, attempt_id],
        )


def open_attempts(con: duckdb.DuckDBPyConnection, via: str | None = None) -> list[tuple]:
    """``(attempt_id, member_id, via, sent_at, response)`` of attempts without a final status."""
    return con.execute(
        """select attempt_id, member_id, via, sent_at, response from ops.dial_attempts
           where final_status is null and (? is null or via = ?) order by sent_at""",
        [via, via],
    ).fetchall()


def reconcile_from_cdrs(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    *,
    site_timezone: str = "Asia/Shanghai",
    cdr_usegmtime: bool = False,
) -> int:
    """Close open attempts from landed CDRs (``raw.cdr.userfield`` = member_id).

    A member's CDR belongs to the latest attempt sent before the CDR started (2 minutes of
    clock skew allowed). Several CDRs of one call: ANSWERED wins, else the latest. CDR times
    are site-local unless the PBX writes UTC (``cdr_usegmtime``); attempts are site-local.
    """
    has_cdr = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'cdr'"
    ).fetchone()
    if not has_cdr or not has_cdr[0]:
        return 0
    rows = con.execute(
        """
        with open_attempts as (
            select attempt_id, member_id, sent_at from ops.dial_attempts
            where final_status is null and sent_at is not null
        ),
        raw_cdrs as (
            select userfield, upper(disposition) as disposition, uniqueid,
                   case when $utc then timezone($tz, timezone('UTC', start)) else start end
                       as start
            from raw.cdr where userfield is not null and userfield <> ''
        ),
        cdrs as (
            select c.userfield as member_id, c.start, c.disposition,
                   c.uniqueid, o.attempt_id
            from raw_cdrs c
            join open_attempts o
              on o.member_id = c.userfield
             and c.start >= o.sent_at - interval 2 minute
             and not exists (
                 select 1 from ops.dial_attempts later
                 where later.member_id = o.member_id and later.sent_at > o.sent_at
                   and c.start >= later.sent_at - interval 2 minute)
        )
        select attempt_id,
               arg_max(disposition, (disposition = 'ANSWERED')::int * 10000000000 + epoch(start)),
               arg_max(uniqueid, (disposition = 'ANSWERED')::int * 10000000000 + epoch(start))
        from cdrs group by attempt_id
        """,
        {"utc": cdr_usegmtime, "tz": site_timezone},
    ).fetchall()
    for attempt_id, disposition, uniqueid in rows:
        status = CDR_DISPOSITION_STATUS.get(disposition or "", "failed")
        record_final(con, attempt_id, status, now=now, source="cdr", uniqueid=uniqueid)
    if rows:
        log.info("closed %d open dial attempts from CDRs", len(rows))
    return len(rows)


def expire_stale_attempts(
    con: duckdb.DuckDBPyConnection, now: datetime, older_than: timedelta
) -> int:
    """Attempts still open long after they were sent (no event, no file status, no CDR) are
    closed as failed so the member can move on; they are never re-sent blindly before that."""
    stale = con.execute(
        "select attempt_id from ops.dial_attempts where final_status is null and sent_at < ?",
        [now - older_than],
    ).fetchall()
    for (attempt_id,) in stale:
        record_final(
            con, attempt_id, "failed", now=now, source="timeout", message="no outcome found"
        )
    return len(stale)
