"""The transactional outbox (``ops.outbox``) and the sender that empties it.

Writers (alerts, reports) only *insert* rows, inside their own transaction, keyed by an
idempotency key that is UNIQUE in the table: enqueueing the same anomaly/recipient or the same
report/period/recipient twice inserts nothing the second time. The complete RFC 5322 message
(``mime``) is rendered at enqueue time, so what is sent later is exactly what was committed.

Delivery guarantee — **at most once per idempotency key**, precisely:

1. The sender opens the transport, then per message: ``MAIL FROM``/``RCPT TO`` (nothing is
   delivered yet; a failure here leaves the row ``pending`` with a back-off), then **commits a
   claim** (``claimed_at``, ``transport``, ``attempts + 1``), then sends ``DATA``, then commits
   ``status = 'sent'``.
2. A crash before the claim commit: the row is still unclaimed ``pending`` and is sent on the
   next run (the server discarded the unfinished SMTP transaction).
3. A crash between the claim and the sent commit (the *in-doubt window*: the server may or may
   not have accepted ``DATA``): the next run finds a claimed ``pending`` row and reconciles it:
   - ``file`` transport: the ``.eml`` is written atomically (temp file + ``os.replace``) under
     a name derived from the key, so its existence is proof: present → ``sent``, absent →
     unclaimed and sent again.
   - ``smtp`` transport: the server cannot be asked, so the row becomes ``failed`` with
     ``last_error`` starting ``in doubt:`` and is **not** resent automatically. An operator
     who checked the mailbox can run ``ccdw alerts send --resend-in-doubt``; the resend carries
     the same ``Message-ID`` (derived from the key), which mail stores use to drop duplicates.
4. SMTP unreachable or a temporary (4xx) refusal: the row stays ``pending``; ``attempts`` and
   ``last_error`` are recorded and ``next_attempt_at`` backs off exponentially (capped), so it
   is retried by later runs, never dropped. A permanent (5xx) refusal makes it ``failed``.

Timestamps in ``ops.outbox`` are naive site-local time, like the marts.
"""

from __future__ import annotations

import hashlib
import logging
import os
import smtplib
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import duckdb

from ccdw.db import connect
from ccdw.ops import ensure_ops_schema
from ccdw.settings import Settings, get_settings

log = logging.getLogger(__name__)

# Columns beyond the contract's (added, never changed: the contract columns live in ccdw.ops).
OUTBOX_EXTRA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ref_id", "varchar"),  # anomaly_id for alerts, "<kind>:<center>:<period>" for reports
    ("center_id", "varchar"),
    ("rfc_message_id", "varchar"),  # the Message-ID header, derived from the idempotency key
    ("mime", "blob"),  # the complete message as committed
    ("next_attempt_at", "timestamp"),
    ("claimed_at", "timestamp"),  # set while a send is in flight (the in-doubt marker)
    ("transport", "varchar"),  # smtp | file, recorded with the claim
)

IN_DOUBT_PREFIX = "in doubt:"
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
CONNECT_RETRY_DELAYS_SECONDS: tuple[float, ...] = (0.5, 1.0)
SMTP_TIMEOUT_SECONDS = 30.0
DEFAULT_SENDER = "ccdw@localhost"


def ensure_outbox_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The contract table plus this room's columns (idempotent; safe inside a transaction)."""
    ensure_ops_schema(con)
    for name, sql_type in OUTBOX_EXTRA_COLUMNS:
        # Identifiers come from the constant above, never from data.
        con.execute(f"alter table ops.outbox add column if not exists {name} {sql_type}")


def site_now(settings: Settings | None = None) -> datetime:
    """Naive site-local "now" (the warehouse's convention for timestamps)."""
    settings = settings or get_settings()
    return datetime.now(ZoneInfo(settings.timezone)).replace(tzinfo=None, microsecond=0)


def _key_digest(idempotency_key: str) -> str:
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()


def message_id_for(idempotency_key: str) -> str:
    """The outbox row id: deterministic, so a re-run computes the same id for the same key."""
    return "m-" + _key_digest(idempotency_key)[:24]


def sender_address(settings: Settings) -> str:
    return settings.smtp_from or DEFAULT_SENDER


def rfc_message_id_for(idempotency_key: str, settings: Settings) -> str:
    domain = sender_address(settings).rpartition("@")[2] or "localhost"
    return f"<ccdw.{_key_digest(idempotency_key)[:32]}@{domain}>"


@dataclass(frozen=True)
class OutboxMessage:
    """One message to enqueue. ``recipient=None`` with ``undeliverable_reason`` keeps a record."""

    kind: str  # report | alert
    recipient: str | None
    subject: str
    idempotency_key: str
    body: EmailMessage | None
    ref_id: str
    center_id: str | None = None
    undeliverable_reason: str | None = None


def finalize(message: OutboxMessage, settings: Settings, now: datetime) -> bytes | None:
    """Stamp the envelope headers and serialise with CRLF line ends (what SMTP expects)."""
    if message.body is None or message.recipient is None:
        return None
    mail = message.body
    for header in ("From", "To", "Subject", "Message-ID", "Date"):
        del mail[header]
    mail["From"] = sender_address(settings)
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Message-ID"] = rfc_message_id_for(message.idempotency_key, settings)
    mail["Date"] = format_datetime(now.replace(tzinfo=ZoneInfo(settings.timezone)))
    return mail.as_bytes(policy=SMTP_POLICY)


def enqueue(
    con: duckdb.DuckDBPyConnection,
    message: OutboxMessage,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> bool:
    """Insert one message unless its idempotency key exists (see :func:`enqueue_many`)."""
    return enqueue_many(con, [message], settings, now) == 1


def enqueue_many(
    con: duckdb.DuckDBPyConnection,
    messages: list[OutboxMessage],
    settings: Settings | None = None,
    now: datetime | None = None,
) -> int:
    """Insert the messages whose idempotency key is new, in one statement, inside the
    caller's transaction. Returns how many rows were inserted."""
    settings = settings or get_settings()
    now = now or site_now(settings)
    if not messages:
        return 0
    keys = list(dict.fromkeys(m.idempotency_key for m in messages))
    existing = {
        r[0]
        for r in con.execute(
            "select idempotency_key from ops.outbox "
            "where idempotency_key in (select unnest(cast(? as varchar[])))",
            [keys],
        ).fetchall()
    }
    seen: set[str] = set(existing)
    rows: dict[str, list[object]] = {name: [] for name in _INSERT_COLUMNS}
    for message in messages:
        if message.idempotency_key in seen:
            continue
        seen.add(message.idempotency_key)
        mime = finalize(message, settings, now)
        deliverable = mime is not None
        values = (
            message_id_for(message.idempotency_key),
            message.kind,
            message.recipient,
            message.subject,
            message.idempotency_key,
            "pending" if deliverable else "failed",
            now,
            None if deliverable else f"undeliverable: {message.undeliverable_reason}",
            message.ref_id,
            message.center_id,
            rfc_message_id_for(message.idempotency_key, settings),
            mime,
        )
        for name, value in zip(_INSERT_COLUMNS, values, strict=True):
            rows[name].append(value)
    count = len(rows["message_id"])
    if count:
        import pyarrow as pa

        batch = pa.table(
            {name: pa.array(values, type=_ARROW_TYPES.get(name, pa.string()))
             for name, values in rows.items()}
        )
        con.register("_ccdw_outbox_batch", batch)
        try:
            columns = ", ".join(_INSERT_COLUMNS)  # trusted constant
            con.execute(
                f"insert into ops.outbox ({columns}, attempts) "  # noqa: S608
                f"select {columns}, 0 from _ccdw_outbox_batch"
            )
        finally:
            con.unregister("_ccdw_outbox_batch")
    return count


_INSERT_COLUMNS = (
    "message_id", "kind", "recipient", "subject", "idempotency_key", "status", "created_at",
    "last_error", "ref_id", "center_id", "rfc_message_id", "mime",
)


def _arrow_types() -> dict[str, object]:
    import pyarrow as pa

    return {"created_at": pa.timestamp("us"), "mime": pa.binary()}


_ARROW_TYPES = _arrow_types()


# --- transports --------------------------------------------------------------------------


class TransientSendError(Exception):
    """Try again later (server down, 4xx)."""


class SessionLostError(TransientSendError):
    """The connection dropped before DATA: this message and the rest wait for the next run."""


class PermanentSendError(Exception):
    """The server refused for good (5xx): retrying cannot help."""


class Transport(Protocol):
    name: str

    def open(self) -> None: ...

    def prepare(self, sender: str, recipient: str, message_id: str) -> None: ...

    def deliver(self, mime: bytes) -> None: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...

    def already_delivered(self, message_id: str) -> bool | None: ...


def _raise_for_reply(code: int, reply: bytes | str, what: str) -> None:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    message = f"SMTP {what} refused: {code} {text}".strip()
    if code >= 500:
        raise PermanentSendError(message)
    raise TransientSendError(message)


class SmtpTransport:
    """One SMTP session per sender run (``none`` | ``starttls`` | ``ssl``; login if a user)."""

    name = "smtp"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        s = self._settings
        last_error: Exception | None = None
        for delay in (*CONNECT_RETRY_DELAYS_SECONDS, None):
            try:
                self._smtp = self._connect()
                return
            except (OSError, smtplib.SMTPException) as exc:
                last_error = exc
                log.warning("SMTP %s:%s unavailable: %s", s.smtp_host, s.smtp_port, exc)
                if delay is not None:
                    time.sleep(delay)
        raise TransientSendError(f"SMTP {s.smtp_host}:{s.smtp_port} unavailable: {last_error}")

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        assert s.smtp_host is not None
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT_SECONDS, context=context
            )
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
        try:
            smtp.ehlo()
            if s.smtp_security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
        except smtplib.SMTPAuthenticationError as exc:
            smtp.close()
            raise PermanentSendError(f"SMTP login refused for user {s.smtp_user}: {exc}") from exc
        except BaseException:
            smtp.close()
            raise
        return smtp

    def prepare(self, sender: str, recipient: str, message_id: str) -> None:
        smtp = self._require()
        try:
            code, reply = smtp.mail(sender)
            if code != 250:
                _raise_for_reply(code, reply, "MAIL FROM")
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                _raise_for_reply(code, reply, f"RCPT TO <{recipient}>")
        except (OSError, smtplib.SMTPException) as exc:
            raise SessionLostError(f"SMTP session lost before DATA: {exc}") from exc

    def deliver(self, mime: bytes) -> None:
        # Exceptions here are deliberately not translated: the caller treats them as in doubt.
        code, reply = self._require().data(mime)
        if code != 250:
            _raise_for_reply(code, reply, "DATA")

    def reset(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.rset()
            except (OSError, smtplib.SMTPException):
                self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def already_delivered(self, message_id: str) -> bool | None:
        return None  # an SMTP server cannot be asked

    def _require(self) -> smtplib.SMTP:
        if self._smtp is None:
            raise TransientSendError("SMTP session is closed")
        return self._smtp


class FileTransport:
    """No SMTP configured: each message becomes ``$CCDW_HOME/outbox/<message_id>.eml``."""

    name = "file"

    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self._target: Path | None = None

    def open(self) -> None:
        self._dir.mkdir(parents=True, exist_ok=True)

    def path_for(self, message_id: str) -> Path:
        return self._dir / f"{message_id}.eml"

    def prepare(self, sender: str, recipient: str, message_id: str) -> None:
        self._target = self.path_for(message_id)

    def deliver(self, mime: bytes) -> None:
        assert self._target is not None
        tmp = self._target.with_name(f".{self._target.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            handle.write(mime)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self._target)  # atomic: the file exists complete or not at all

    def reset(self) -> None:
        self._target = None

    def close(self) -> None:
        self._target = None

    def already_delivered(self, message_id: str) -> bool | None:
        return self.path_for(message_id).exists()


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_host:
        return SmtpTransport(settings)
    return FileTransport(settings.outbox_dir)


# --- the sender ---------------------------------------------------------------------------


@dataclass
class SendSummary:
    transport: str
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    in_doubt: int = 0
    reconciled_sent: int = 0

    def as_dict(self) -> dict[str, int | str]:
        return asdict(self)


@dataclass(frozen=True)
class _Due:
    message_id: str
    recipient: str
    mime: bytes
    attempts: int


def backoff_after(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failed tries (1 min, 2, 4, ... ≤ 1 h)."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


@contextmanager
def _opened(transport: Transport) -> Iterator[Transport]:
    transport.open()
    try:
        yield transport
    finally:
        transport.close()


def send_pending(
    settings: Settings | None = None,
    *,
    kind: str | None = None,
    now: datetime | None = None,
    resend_in_doubt: bool = False,
) -> SendSummary:
    """Deliver every due ``pending`` message (optionally only one ``kind``) once.

    ``now`` (site-local) decides which back-offs have expired; tests pass a later time.
    """
    settings = settings or get_settings()
    now = now or site_now(settings)
    transport = transport_for(settings)
    summary = SendSummary(transport=transport.name)
    with connect(settings) as con:
        ensure_outbox_schema(con)
        _reconcile(con, transport, summary, resend_in_doubt)
        due = _due_messages(con, kind, now)
        if not due:
            return summary
        try:
            with _opened(transport):
                for item in due:
                    if not _send_one(con, transport, settings, item, summary):
                        break  # the session is gone; the rest stay pending for the next run
        except TransientSendError as exc:  # could not even connect
            for item in due:
                _retry_later(con, item, str(exc), now)
            summary.retry_later += len(due)
        except PermanentSendError as exc:  # e.g. login refused: nothing can be sent
            for item in due:
                _retry_later(con, item, str(exc), now)
            summary.retry_later += len(due)
    log.info("outbox: %s", summary.as_dict())
    return summary


def _due_messages(con: duckdb.DuckDBPyConnection, kind: str | None, now: datetime) -> list[_Due]:
    rows = con.execute(
        """select message_id, recipient, mime, attempts from ops.outbox
           where status = 'pending' and claimed_at is null and recipient is not null
             and mime is not null
             and (next_attempt_at is null or next_attempt_at <= ?)
             and (cast(? as varchar) is null or kind = ?)
           order by created_at, message_id""",
        [now, kind, kind],
    ).fetchall()
    return [_Due(r[0], r[1], bytes(r[2]), int(r[3])) for r in rows]


def _reconcile(
    con: duckdb.DuckDBPyConnection,
    transport: Transport,
    summary: SendSummary,
    resend_in_doubt: bool,
) -> None:
    """Settle rows left claimed by a sender that stopped inside the in-doubt window."""
    if resend_in_doubt:
        con.execute(
            """update ops.outbox set status = 'pending', claimed_at = null, next_attempt_at = null
               where status = 'failed' and last_error like ?""",
            [IN_DOUBT_PREFIX + "%"],
        )
    claimed = con.execute(
        """select message_id, transport, claimed_at from ops.outbox
           where status = 'pending' and claimed_at is not null"""
    ).fetchall()
    for message_id, used_transport, claimed_at in claimed:
        proof = transport.already_delivered(message_id) if used_transport == transport.name else None
        if proof:
            con.execute(
                "update ops.outbox set status = 'sent', sent_at = ?, claimed_at = null "
                "where message_id = ?",
                [claimed_at, message_id],
            )
            summary.reconciled_sent += 1
        elif proof is False or resend_in_doubt:
            con.execute(
                "update ops.outbox set claimed_at = null where message_id = ?", [message_id]
            )
        else:
            con.execute(
                """update ops.outbox set status = 'failed', claimed_at = null, last_error = ?
                   where message_id = ?""",
                [
                    f"{IN_DOUBT_PREFIX} the sender stopped after DATA started at {claimed_at}; "
                    "not resent automatically (at most once). Check the mailbox, then "
                    "'ccdw alerts send --resend-in-doubt' resends with the same Message-ID",
                    message_id,
                ],
            )
            summary.in_doubt += 1
            log.warning("outbox: message %s is in doubt; not resent", message_id)


def _send_one(
    con: duckdb.DuckDBPyConnection,
    transport: Transport,
    settings: Settings,
    item: _Due,
    summary: SendSummary,
) -> bool:
    """Send one message; returns False when the session is unusable for the rest."""
    now = site_now(settings)
    try:
        transport.prepare(sender_address(settings), item.recipient, item.message_id)
    except TransientSendError as exc:
        _retry_later(con, item, str(exc), now)
        summary.retry_later += 1
        transport.reset()
        return not isinstance(exc, SessionLostError)
    except PermanentSendError as exc:
        _fail(con, item.message_id, str(exc), attempts=item.attempts + 1)
        summary.failed += 1
        transport.reset()
        return True
    # The claim is committed before DATA: from here on a crash leaves a claimed row.
    con.execute(
        """update ops.outbox set claimed_at = ?, transport = ?, attempts = attempts + 1
           where message_id = ? and status = 'pending' and claimed_at is null""",
        [now, transport.name, item.message_id],
    )
    try:
        transport.deliver(item.mime)
    except TransientSendError as exc:  # the server answered 4xx to DATA: not accepted
        _unclaim_retry(con, item, str(exc), now)
        summary.retry_later += 1
        transport.reset()
        return True
    except PermanentSendError as exc:
        _fail(con, item.message_id, str(exc))
        summary.failed += 1
        transport.reset()
        return True
    except (OSError, smtplib.SMTPException) as exc:
        # The connection broke during DATA: the server may have accepted it. At most once.
        _fail(
            con,
            item.message_id,
            f"{IN_DOUBT_PREFIX} connection lost during DATA ({exc}); not resent automatically",
        )
        summary.in_doubt += 1
        return False
    con.execute(
        "update ops.outbox set status = 'sent', sent_at = ?, claimed_at = null, last_error = null "
        "where message_id = ?",
        [site_now(settings), item.message_id],
    )
    summary.sent += 1
    return True


def _retry_later(con: duckdb.DuckDBPyConnection, item: _Due, error: str, now: datetime) -> None:
    attempts = item.attempts + 1
    con.execute(
        """update ops.outbox set attempts = ?, last_error = ?, next_attempt_at = ?
           where message_id = ? and status = 'pending'""",
        [attempts, error[:1000], now + backoff_after(attempts), item.message_id],
    )


def _unclaim_retry(con: duckdb.DuckDBPyConnection, item: _Due, error: str, now: datetime) -> None:
    con.execute(
        """update ops.outbox set claimed_at = null, last_error = ?, next_attempt_at = ?
           where message_id = ?""",
        [error[:1000], now + backoff_after(item.attempts + 1), item.message_id],
    )


def _fail(
    con: duckdb.DuckDBPyConnection, message_id: str, error: str, attempts: int | None = None
) -> None:
    con.execute(
        """update ops.outbox set status = 'failed', claimed_at = null, last_error = ?,
               attempts = coalesce(?, attempts)
           where message_id = ?""",
        [error[:1000], attempts, message_id],
    )
