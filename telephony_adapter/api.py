"""``dial()``: choose who is due, check them, reconcile, and send through one channel."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import duckdb

from ccdw.db import connect
from ccdw.errors import CcdwError
from ccdw.settings import Settings, get_settings
from telephony_adapter import callfile, csv_export, store
from telephony_adapter.dialer import (
    AmiDialer,
    AmiOptions,
    DialSummary,
    in_calling_window,
    originate_fields,
)
from telephony_adapter.safety import UnsafeValueError, mask_phone

log = logging.getLogger(__name__)

Via = Literal["dry-run", "ami", "callfile", "csv"]
VIAS = ("dry-run", "ami", "callfile", "csv")


BATCH = 500


def _batches(items: list[store.DialMember], size: int) -> list[list[store.DialMember]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _site_now(settings: Settings) -> datetime:
    return datetime.now(ZoneInfo(settings.timezone)).replace(tzinfo=None, microsecond=0)


def _reconcile_callfiles(
    con: duckdb.DuckDBPyConnection,
    spool: callfile.Spool,
    clock: Callable[[], datetime],
    summary: DialSummary,
    options: callfile.CallFileOptions,
    redeliver: bool,
) -> None:
    """Read back ``outgoing_done`` statuses; re-deliver attempts whose file never arrived.

    An attempt recorded but absent from both ``outgoing/`` and ``outgoing_done/`` crashed
    between the commit and the rename: Asterisk never saw it, so finishing its delivery (same
    attempt id, same file name) cannot dial anyone twice.
    """
    for attempt_id, member_id, _via, _sent, response in store.open_attempts(con, via="callfile"):
        place = spool.where(attempt_id)
        if place == "done":
            status = callfile.read_status(spool.done / spool.file_name(attempt_id))
            if status:
                store.record_final(con, attempt_id, status, now=clock(), source="callfile")
                summary.count_final(status)
                summary.reconciled += 1
        elif place == "outgoing":
            if response is None:
                store.record_response(con, attempt_id, "queued")
        elif place is None and response is None and redeliver:
            member = _member(con, member_id)
            if member is not None:
                content = callfile.render(member, options)
                callfile.deliver(spool, attempt_id, content, None)
                store.record_response(con, attempt_id, "queued")
                summary.redelivered += 1


def _member(con: duckdb.DuckDBPyConnection, member_id: str) -> store.DialMember | None:
    row = con.execute(
        f"select {store._MEMBER_FIELDS} from ops.campaign_members where member_id = ?",  # noqa: S608
        [member_id],
    ).fetchone()
    return store.DialMember(*row) if row else None


def _check_member(member: store.DialMember, via: str, options: callfile.CallFileOptions) -> None:
    """Raise UnsafeValueError if anything about this member may not reach Asterisk."""
    originate_fields(member, 30)
    if via == "callfile":
        callfile.render(member, options)


def _exclude_unsafe(con: duckdb.DuckDBPyConnection, member_id: str, now: datetime) -> None:
    con.execute(
        """update ops.campaign_members set status = 'excluded', exclusion_reason = 'unsafe_value',
           updated_at = ? where member_id = ?""",
        [now, member_id],
    )


def dial(
    settings: Settings | None = None,
    via: Via = "dry-run",
    *,
    campaign_ids: list[str] | None = None,
    limit: int | None = None,
    now: datetime | None = None,
    cps: float = 2.0,
    max_concurrent: int = 10,
    ring_timeout_s: int = 30,
    out_path: Path | None = None,
    max_reconnects: int = 5,
    backoff_initial_s: float = 0.5,
    drain_timeout_s: float | None = None,
    callfile_options: callfile.CallFileOptions | None = None,
    stale_after: timedelta = timedelta(hours=24),
) -> DialSummary:
    """Dial the members that are due now through ``via``; returns what happened.

    ``now`` (naive, site-local) fixes the clock for the window and eligibility checks.
    """
    settings = settings or get_settings()
    if via not in VIAS:
        raise CcdwError(f"unknown --via {via!r}; use one of {', '.join(VIAS)}")
    fixed_now = now
    clock: Callable[[], datetime] = (lambda: fixed_now) if fixed_now else (lambda: _site_now(settings))
    cf_options = callfile_options or callfile.CallFileOptions(wait_time=ring_timeout_s)
    summary = DialSummary(via=via)
    spool = callfile.Spool(settings.asterisk_spool_dir)
    if via == "ami" and not (settings.ami_user and settings.ami_secret):
        raise CcdwError("--via ami needs CCDW_AMI_USER and CCDW_AMI_SECRET in the environment")
    if via == "callfile":
        spool.prepare()

    with connect(settings, read_only=False) as con:
        store.ensure_dial_schema(con)
        if via != "dry-run":
            if via == "callfile" or spool.outgoing.is_dir():
                _reconcile_callfiles(con, spool, clock, summary, cf_options, via == "callfile")
            summary.reconciled += store.reconcile_from_cdrs(
                con, clock(), site_timezone=settings.timezone,
                cdr_usegmtime=settings.cdr_usegmtime,
            )
            store.expire_stale_attempts(con, clock(), stale_after)

        start = clock()
        members = store.due_members(con, start, campaign_ids=campaign_ids, limit=limit)
        summary.considered = len(members)
        day_cap = settings.campaign_max_calls_per_day
        week_cap = settings.campaign_max_calls_per_week

        safe: list[store.DialMember] = []
        for member in members:
            try:
                _check_member(member, via, cf_options)
            except UnsafeValueError as exc:
                log.warning("member %s refused: %s", member.member_id, exc)
                summary.skip("unsafe_value")
                if via != "dry-run":
                    _exclude_unsafe(con, member.member_id, start)
                continue
            safe.append(member)

        recent = store.recent_call_counts(con, start)

        def admit(member: store.DialMember) -> bool:
            if not in_calling_window(member, clock(), settings.timezone):
                summary.skip("outside_calling_window")
                return False
            key = store.cap_key(member)
            day, week = recent.get(key, (0, 0))
            if day >= day_cap or week >= week_cap:
                summary.skip("frequency_cap")
                return False
            recent[key] = (day + 1, week + 1)
            return True

        if via == "dry-run":
            for member in safe:
                if admit(member):
                    summary.sent += 1
                    summary.preview.append(
                        {"member_id": member.member_id, "campaign_id": member.campaign_id,
                         "phone": mask_phone(member.phone_e164)}
                    )
        elif via == "ami":
            options = AmiOptions(
                host=settings.ami_host, port=settings.ami_port,
                username=settings.ami_user or "", secret=settings.ami_secret or "",
                cps=cps, max_concurrent=max_concurrent, ring_timeout_s=ring_timeout_s,
                max_reconnects=max_reconnects, backoff_initial_s=backoff_initial_s,
                drain_timeout_s=drain_timeout_s,
            )
            AmiDialer(con, options, summary, clock).run(safe, admit)
        elif via == "callfile":
            admitted = [m for m in safe if admit(m)]
            for batch in _batches(admitted, BATCH):
                attempt_ids = store.record_attempts(con, batch, via="callfile", now=clock())
                for member, attempt_id in zip(batch, attempt_ids, strict=True):
                    callfile.deliver(spool, attempt_id, callfile.render(member, cf_options), None)
                store.record_responses(con, attempt_ids, "queued")
                summary.sent += len(batch)
        else:  # csv
            target = out_path or settings.home / "exports" / f"dial-{start:%Y%m%dT%H%M%S}.csv"
            admitted = [m for m in safe if admit(m)]
            attempt_ids = []
            for batch in _batches(admitted, BATCH):
                attempt_ids += store.record_attempts(con, batch, via="csv", now=clock())
            rows = [
                csv_export.vicidial_row(m.member_id, m.campaign_id, m.phone_e164, None, m.priority)
                for m in admitted
            ]
            summary.sent = csv_export.write_rows(target, rows)
            store.record_responses(con, attempt_ids, "exported")
            con.execute(
                """update ops.campaign_members set status = 'queued'
                   where list_contains($ids, member_id) and status = 'dialing'""",
                {"ids": [m.member_id for m in admitted]},
            )
            summary.output = str(target)
        open_row = con.execute(
            "select count(*) from ops.dial_attempts where final_status is null"
        ).fetchone()
        summary.open_attempts = int(open_row[0]) if open_row else 0
    log.debug("dial via %s: %s", via, summary.as_dict())
    return summary


def reconcile(settings: Settings | None = None, *, now: datetime | None = None) -> dict[str, int]:
    """Close open attempts from call-file statuses and landed CDRs (run after each ingest);
    re-sends nothing."""
    settings = settings or get_settings()
    at = now or _site_now(settings)
    summary = DialSummary(via="reconcile")
    spool = callfile.Spool(settings.asterisk_spool_dir)
    with connect(settings) as con:
        store.ensure_dial_schema(con)
        if spool.outgoing.is_dir():
            _reconcile_callfiles(con, spool, lambda: at, summary, callfile.CallFileOptions(), False)
        from_cdrs = store.reconcile_from_cdrs(
            con, at, site_timezone=settings.timezone, cdr_usegmtime=settings.cdr_usegmtime
        )
        row = con.execute(
            "select count(*) from ops.dial_attempts where final_status is null"
        ).fetchone()
    return {
        "from_callfiles": summary.reconciled,
        "from_cdrs": from_cdrs,
        "open_attempts": int(row[0]) if row else 0,
    }
