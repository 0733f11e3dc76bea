"""Sending members to Asterisk: the AMI dialer with its rate and concurrency limits."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as dtime
from zoneinfo import ZoneInfo

import duckdb

from ccdw.errors import CcdwError
from telephony_adapter import store
from telephony_adapter.ami import (
    AmiConnection,
    AmiDisconnected,
    AmiError,
    AmiMessage,
    reason_to_status,
)
from telephony_adapter.safety import (
    check_caller_id,
    check_member_id,
    check_token,
    check_variable,
    dial_channel,
)

log = logging.getLogger(__name__)

# Dialplan context that sends an answered campaign call into the queue named by the extension
# (docs/dialer.md shows it).
QUEUE_CONTEXT = "ccdw-queue"


@dataclass
class DialSummary:
    via: str
    considered: int = 0
    sent: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    final: dict[str, int] = field(default_factory=dict)
    reconciled: int = 0
    redelivered: int = 0
    open_attempts: int = 0
    reconnects: int = 0
    output: str | None = None
    preview: list[dict[str, str]] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def count_final(self, status: str) -> None:
        self.final[status] = self.final.get(status, 0) + 1

    def as_dict(self) -> dict[str, object]:
        return {
            "via": self.via,
            "considered": self.considered,
            "sent": self.sent,
            "skipped": dict(self.skipped),
            "final": dict(self.final),
            "reconciled": self.reconciled,
            "redelivered": self.redelivered,
            "open_attempts": self.open_attempts,
            "reconnects": self.reconnects,
            "output": self.output,
        }


def _hhmm(text: str) -> dtime:
    hours, minutes = text.split(":")
    return dtime(int(hours), int(minutes))


def in_calling_window(member: store.DialMember, now_site: datetime, site_tz: str) -> bool:
    """Is ``now`` (naive site-local) inside the member's window in the customer's local time?"""
    local = now_site.replace(tzinfo=ZoneInfo(site_tz)).astimezone(
        ZoneInfo(member.local_timezone or site_tz)
    )
    days = {int(d) for d in member.weekdays.split(",") if d.strip()}
    if local.isoweekday() not in days:
        return False
    return _hhmm(member.window_start) <= local.time() < _hhmm(member.window_end)


class RateLimiter:
    """At most ``cps`` sends per second: each send waits until 1/cps after the previous."""

    def __init__(self, cps: float, sleep: Callable[[float], None] = time.sleep) -> None:
        if cps <= 0:
            raise CcdwError("calls per second must be positive")
        self.interval = 1.0 / cps
        self._sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        now = time.monotonic()
        if self._last is not None and now < self._last + self.interval:
            self._sleep(self._last + self.interval - now)
        self._last = time.monotonic()


def originate_fields(member: store.DialMember, ring_timeout_s: int) -> list[tuple[str, str]]:
    """The Originate action for one member; every value checked (raises UnsafeValueError)."""
    member_id = check_member_id(member.member_id)
    fields = [
        ("Action", "Originate"),
        ("Channel", dial_channel(member.dial_channel, member.phone_e164)),
    ]
    if member.dial_queue:
        # Through the dialplan, not Application: Queue, so the call has a normal CDR.
        fields += [
            ("Context", QUEUE_CONTEXT),
            ("Exten", check_token("queue", member.dial_queue)),
            ("Priority", "1"),
        ]
    else:
        fields += [
            ("Context", check_token("context", member.dial_context)),
            ("Exten", check_token("extension", member.dial_extension)),
            ("Priority", "1"),
        ]
    if member.caller_id:
        fields.append(("CallerID", check_caller_id(member.caller_id)))
    fields += [
        ("Timeout", str(int(ring_timeout_s) * 1000)),
        ("Async", "true"),
        ("Variable", check_variable("CCDW_MEMBER", member_id)),
        ("Variable", check_variable("CDR(userfield)", member_id)),
        ("Variable", check_variable("CCDW_CAMPAIGN", member.campaign_id)),
    ]
    return fields


@dataclass
class AmiOptions:
    host: str
    port: int
    username: str
    secret: str
    cps: float = 2.0
    max_concurrent: int = 10
    ring_timeout_s: int = 30
    response_timeout_s: float = 10.0
    max_reconnects: int = 5
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    drain_timeout_s: float | None = None  # default: ring timeout + 15 s


class AmiDialer:
    """Originates members one by one; each attempt is committed before its action is sent."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        options: AmiOptions,
        summary: DialSummary,
        clock: Callable[[], datetime],
    ) -> None:
        self.con = con
        self.options = options
        self.summary = summary
        self.clock = clock
        self.limiter = RateLimiter(options.cps)
        self.conn = AmiConnection(options.host, options.port, timeout=options.response_timeout_s)
        # ActionID -> monotonic send time, for calls whose OriginateResponse is still due.
        self.inflight: OrderedDict[str, float] = OrderedDict()

    # -- connection -------------------------------------------------------------------
    def _connect_once(self) -> None:
        self.conn.open()
        self.conn.login(
            self.options.username, self.options.secret, timeout=self.options.response_timeout_s
        )

    def connect(self) -> None:
        """Connect and log in, retrying with exponential backoff (a refused login is final)."""
        delay = self.options.backoff_initial_s
        for attempt in range(self.options.max_reconnects + 1):
            try:
                self._connect_once()
                return
            except AmiDisconnected as exc:
                self.conn.close()
                if attempt == self.options.max_reconnects:
                    raise CcdwError(
                        f"AMI at {self.options.host}:{self.options.port} unreachable after "
                        f"{attempt + 1} tries: {exc}"
                    ) from exc
                log.warning("AMI connect failed (%s); retrying in %.1fs", exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, self.options.backoff_max_s)

    def _reconnect(self) -> None:
        self.summary.reconnects += 1
        # Events for calls originated on the lost session will not come to the new one:
        # those attempts stay open until a CDR (or the stale timeout) closes them.
        self.inflight.clear()
        self.conn.close()
        self.connect()

    # -- events -----------------------------------------------------------------------
    def on_event(self, message: AmiMessage) -> None:
        if (message.get("event") or "").lower() != "originateresponse":
            return
        action_id = message.action_id
        if not action_id or action_id not in self.inflight:
            return
        self.inflight.pop(action_id, None)
        try:
            reason = int(message.get("reason") or "")
        except ValueError:
            reason = None
        status = reason_to_status(reason)
        if (message.get("response") or "").lower() == "success" and reason is None:
            status = "answered"
        uniqueid = message.get("uniqueid")
        store.record_final(
            self.con,
            action_id,
            status,
            now=self.clock(),
            source="originate_response",
            reason_code=reason,
            uniqueid=uniqueid if uniqueid and uniqueid != "<null>" else None,
        )
        self.summary.count_final(status)

    def _pump(self, timeout: float) -> None:
        """Read and dispatch messages for up to ``timeout`` seconds (or until one arrives)."""
        try:
            self.on_event(self.conn.read_message(timeout))
        except TimeoutError:
            pass

    def _wait_for_capacity(self) -> None:
        limit = self.options.ring_timeout_s + 15.0
        while len(self.inflight) >= self.options.max_concurrent:
            oldest_id, sent = next(iter(self.inflight.items()))
            remaining = sent + limit - time.monotonic()
            if remaining <= 0:
                # No OriginateResponse in time: stop waiting for it (a CDR will close it).
                self.inflight.pop(oldest_id, None)
                continue
            self._pump(remaining)

    # -- the run ----------------------------------------------------------------------
    def send(self, member: store.DialMember) -> None:
        fields = originate_fields(member, self.options.ring_timeout_s)  # refuse before record
        self._wait_for_capacity()
        self.limiter.wait()
        attempt_id = store.record_attempt(self.con, member, via="ami", now=self.clock())
        self.summary.sent += 1
        # In flight from the moment it is sent: an OriginateResponse that overtakes the
        # action's own response still finds its attempt.
        self.inflight[attempt_id] = time.monotonic()
        try:
            reply = self.conn.request(
                fields, attempt_id, timeout=self.options.response_timeout_s, on_event=self.on_event
            )
        except (AmiDisconnected, TimeoutError) as exc:
            # Unknown whether Asterisk queued it: the attempt stays open and is never re-sent
            # until reconciled.
            log.warning("AMI lost during Originate %s (%s); reconnecting", attempt_id, exc)
            self._reconnect()
            return
        response = reply.get("response") or ""
        store.record_response(self.con, attempt_id, response, reply.get("message"))
        if response.lower() != "success" and self.inflight.pop(attempt_id, None) is not None:
            store.record_final(
                self.con, attempt_id, "failed", now=self.clock(), source="originate_response",
                message=reply.get("message"),
            )
            self.summary.count_final("failed")

    def drain(self) -> None:
        limit = self.options.drain_timeout_s
        if limit is None:
            limit = self.options.ring_timeout_s + 15.0
        deadline = time.monotonic() + limit
        while self.inflight and time.monotonic() < deadline:
            try:
                self._pump(deadline - time.monotonic())
            except AmiDisconnected:
                log.warning("AMI closed while waiting for %d call outcomes", len(self.inflight))
                self.inflight.clear()
                return

    def run(self, members: list[store.DialMember], admit: Callable[[store.DialMember], bool]) -> None:
        self.connect()
        try:
            for member in members:
                if not admit(member):
                    continue
                while True:
                    try:
                        self.send(member)
                        break
                    except AmiDisconnected:
                        # Lost while waiting for capacity, before this member was recorded.
                        self._reconnect()
            self.drain()
        except AmiError:
            raise
        finally:
            self.conn.logoff()
