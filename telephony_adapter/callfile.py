"""Asterisk call files: written beside the spool, renamed atomically into ``outgoing/``.

Asterisk's pbx_spool picks up any file that appears in ``outgoing/``; a file being written
in place could be read half-way. So the file is written and fsync'd in a temporary directory
on the same filesystem, its mtime set to when it should be dialed (Asterisk waits for a
future mtime), and then ``os.rename``d in: the rename is atomic on one filesystem. With
``Archive: yes`` Asterisk moves the finished file to ``outgoing_done/`` with a final
``Status: Completed|Expired|Failed`` line, which :func:`read_status` reads back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ccdw.errors import CcdwError
from telephony_adapter.safety import (
    check_caller_id,
    check_member_id,
    check_token,
    check_variable,
    dial_channel,
)
from telephony_adapter.store import DialMember

# Same dialplan context as the AMI path (see telephony_adapter.dialer).
QUEUE_CONTEXT = "ccdw-queue"
CALLFILE_STATUS = {"completed": "answered", "expired": "no answer", "failed": "failed"}


@dataclass(frozen=True)
class CallFileOptions:
    max_retries: int = 1
    retry_time: int = 300  # seconds between Asterisk's own retries of this one attempt
    wait_time: int = 30  # seconds to ring


class Spool:
    """``<spool>/outgoing``, ``<spool>/outgoing_done`` and our temp dir on the same device."""

    def __init__(self, spool_dir: Path) -> None:
        self.root = Path(spool_dir)
        self.outgoing = self.root / "outgoing"
        self.done = self.root / "outgoing_done"
        self.tmp = self.root / "ccdw-tmp"

    def prepare(self) -> None:
        try:
            self.outgoing.mkdir(parents=True, exist_ok=True)
            self.tmp.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CcdwError(f"cannot use the Asterisk spool {self.root}: {exc}") from exc
        if os.stat(self.tmp).st_dev != os.stat(self.outgoing).st_dev:
            raise CcdwError(
                f"{self.tmp} and {self.outgoing} are on different filesystems: "
                "a rename would not be atomic"
            )

    @staticmethod
    def file_name(attempt_id: str) -> str:
        return f"ccdw-{check_member_id(attempt_id)}.call"

    def where(self, attempt_id: str) -> str | None:
        """``outgoing``, ``done`` or None (never delivered)."""
        name = self.file_name(attempt_id)
        if (self.done / name).exists():
            return "done"
        if (self.outgoing / name).exists():
            return "outgoing"
        return None


def render(member: DialMember, options: CallFileOptions) -> str:
    member_id = check_member_id(member.member_id)
    lines = [f"Channel: {dial_channel(member.dial_channel, member.phone_e164)}"]
    if member.caller_id:
        lines.append(f"CallerID: {check_caller_id(member.caller_id)}")
    lines += [
        f"MaxRetries: {int(options.max_retries)}",
        f"RetryTime: {int(options.retry_time)}",
        f"WaitTime: {int(options.wait_time)}",
    ]
    if member.dial_queue:
        lines += [
            f"Context: {QUEUE_CONTEXT}",
            f"Extension: {check_token('queue', member.dial_queue)}",
            "Priority: 1",
        ]
    else:
        lines += [
            f"Context: {check_token('context', member.dial_context)}",
            f"Extension: {check_token('extension', member.dial_extension)}",
            "Priority: 1",
        ]
    lines += [
        f"Setvar: {check_variable('CCDW_MEMBER', member_id)}",
        f"Setvar: {check_variable('CDR(userfield)', member_id)}",
        f"Setvar: {check_variable('CCDW_CAMPAIGN', member.campaign_id)}",
        "Archive: yes",
    ]
    return "\n".join(lines) + "\n"


def deliver(spool: Spool, attempt_id: str, content: str, dial_at: datetime | None) -> Path:
    """Write to the temp dir, fsync, set mtime, rename into outgoing/. Returns the final path."""
    name = spool.file_name(attempt_id)
    tmp_path = spool.tmp / f".{name}.{os.getpid()}.tmp"
    target = spool.outgoing / name
    with open(tmp_path, "w", encoding="utf-8") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    if dial_at is not None:
        stamp = dial_at.timestamp()
        os.utime(tmp_path, (stamp, stamp))
    os.rename(tmp_path, target)
    return target


def read_status(path: Path) -> str | None:
    """The final status of an archived call file (its last ``Status:`` line), or None."""
    status = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == "status":
            status = value.strip().lower()
    return CALLFILE_STATUS.get(status or "") if status else None
