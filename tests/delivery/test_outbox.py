"""Alerts through the outbox to a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from ccdw.db import connect
from ccdw.delivery.alerts import enqueue_alerts, enqueue_and_commit, reroute_undeliverable
from ccdw.delivery.outbox import IN_DOUBT_PREFIX, ensure_outbox_schema, send_pending, site_now
from ccdw.settings import Settings
from tests.delivery.conftest import SmtpServer, smtp_settings

REPO = Path(__file__).resolve().parents[2]


def outbox_rows(settings: Settings) -> list[tuple]:
    with connect(settings, read_only=True) as con:
        return con.execute(
            "select ref_id, recipient, status, attempts, last_error from ops.outbox "
            "where kind = 'alert' order by ref_id"
        ).fetchall()


def subjects(server: SmtpServer) -> Counter[str]:
    return Counter(str(r.message["Subject"]) for r in server.received)


def test_enqueue_runs_in_the_callers_transaction(mini: Settings) -> None:
    with connect(mini) as con:
        ensure_outbox_schema(con)
        con.execute("begin")
        assert enqueue_alerts(con, mini, ["AN-1", "AN-2"]) == 2
        con.execute("rollback")  # the anomaly insert failed: its messages go with it
        assert con.execute("select count(*) from ops.outbox").fetchone()[0] == 0
        con.execute("begin")
        assert enqueue_alerts(con, mini, ["AN-1"]) == 1
        con.execute("commit")
        # Re-enqueueing the same anomaly inserts nothing (idempotency key).
        assert enqueue_alerts(con, mini, ["AN-1"]) == 0
        assert con.execute("select count(*) from ops.outbox").fetchone()[0] == 1


def test_routing_rm_then_center_default_then_undeliverable(mini: Settings) -> None:
    assert enqueue_and_commit(mini) == 3
    rows = {r[0]: r for r in outbox_rows(mini)}
    assert rows["AN-1"][1:3] == ("rm1@example.test", "pending")
    assert rows["AN-2"][1:3] == ("gz-desk@example.test", "pending")  # no RM → GZ default
    assert rows["AN-3"][1] is None and rows["AN-3"][2] == "failed"
    assert rows["AN-3"][4].startswith("undeliverable:") and "GD-SZ" in rows["AN-3"][4]
    # Once the center has a default recipient, the kept alert is re-routed (once).
    configured = mini.model_copy(update={"alerts_default_recipient": "hq@example.test"})
    assert reroute_undeliverable(configured) == 1
    assert reroute_undeliverable(configured) == 0
    assert ("AN-3", "hq@example.test", "pending") in [r[:3] for r in outbox_rows(mini)]


def test_each_alert_arrives_once_with_masked_summary(mini: Settings, smtp_server: SmtpServer) -> None:
    settings = smtp_settings(mini, smtp_server)
    enqueue_and_commit(settings)
    first = send_pending(settings)
    again = send_pending(settings)
    enqueue_and_commit(settings)  # a re-run of scoring enqueues nothing new
    third = send_pending(settings)
    assert (first.sent, again.sent, third.sent) == (2, 0, 0)
    assert sorted(rcpt for r in smtp_server.received for rcpt in r.recipients) == [
        "gz-desk@example.test",
        "rm1@example.test",
    ]
    assert all(n == 1 for n in subjects(smtp_server).values())
    mail = next(r.message for r in smtp_server.received if "AN-1" in str(r.message["Subject"]))
    text = mail.get_body(("plain",)).get_content()
    assert "3 transfers just under 50,000" in text  # reasons
    assert text.count("transfer  mobile") == 3  # its three transactions
    assert "赵**" in text and "赵小明" not in text  # masked name
    assert "+86138****5678" in text
    assert "ccdw alerts feedback --anomaly-id AN-1 --disposition" in text
    assert mail["Message-ID"].startswith("<ccdw.")
    assert [r[2] for r in outbox_rows(settings)] == ["sent", "sent", "failed"]


def test_server_down_then_up_everything_arrives_once(mini: Settings, smtp_server: SmtpServer) -> None:
    settings = smtp_settings(mini, smtp_server)
    enqueue_and_commit(settings)
    smtp_server.stop()
    down = send_pending(settings)
    assert down.sent == 0 and down.retry_later == 2
    rows = outbox_rows(settings)
    assert [r[2:4] for r in rows[:2]] == [("pending", 1), ("pending", 1)]
    assert "unavailable" in rows[0][4]
    # The back-off holds them until it expires...
    smtp_server.start()
    assert send_pending(settings).sent == 0
    # ...then everything pending arrives, once.
    later = site_now(settings) + timedelta(hours=2)
    assert send_pending(settings, now=later).sent == 2
    assert send_pending(settings, now=later).sent == 0
    assert len(smtp_server.received) == 2
    assert all(n == 1 for n in subjects(smtp_server).values())


def test_crash_between_send_and_mark_as_sent_does_not_send_twice(
    mini: Settings, smtp_server: SmtpServer
) -> None:
    settings = smtp_settings(mini, smtp_server)
    enqueue_and_commit(settings, ["AN-1"])
    env = {
        **os.environ,
        "CCDW_HOME": str(settings.home),
        "CCDW_SMTP_HOST": "127.0.0.1",
        "CCDW_SMTP_PORT": str(smtp_server.port),
        "CCDW_SMTP_SECURITY": "none",
        "CCDW_SMTP_FROM": "ccdw@example.test",
    }
    sender = subprocess.Popen(
        [sys.executable, "-c", "from ccdw.delivery.outbox import send_pending; send_pending()"],
        env=env,
        cwd=REPO,
    )
    # The server SIGKILLs the sender after DATA arrived and before it answers 250: the
    # message was delivered, but the sender never recorded it.
    smtp_server.handler.kill_pid_after_data = sender.pid
    assert sender.wait(timeout=60) == -9
    assert len(smtp_server.received) == 1
    with connect(settings, read_only=True) as con:
        status, claimed = con.execute(
            "select status, claimed_at from ops.outbox where ref_id = 'AN-1'"
        ).fetchone()
    assert status == "pending" and claimed is not None  # the in-doubt marker survived
    # Re-runs (even much later) reconcile instead of resending.
    summary = send_pending(settings, now=site_now(settings) + timedelta(days=1))
    assert summary.in_doubt == 1 and summary.sent == 0
    assert send_pending(settings, now=site_now(settings) + timedelta(days=2)).sent == 0
    assert len(smtp_server.received) == 1
    row = outbox_rows(settings)[0]
    assert row[2] == "failed" and row[4].startswith(IN_DOUBT_PREFIX)
    # An operator who checked the mailbox may force it; it carries the same Message-ID.
    assert send_pending(settings, resend_in_doubt=True).sent == 1
    first, second = (r.message["Message-ID"] for r in smtp_server.received)
    assert first == second


def test_file_transport_writes_eml_once_and_reconciles_a_claim(mini: Settings) -> None:
    enqueue_and_commit(mini)
    assert send_pending(mini).sent == 2
    files = sorted(mini.outbox_dir.glob("*.eml"))
    assert len(files) == 2
    assert b"Subject: [ccdw alert] Fund anomaly AN-" in files[0].read_bytes()
    # Simulate a crash after the .eml was written but before 'sent' was committed:
    with connect(mini) as con:
        con.execute(
            "update ops.outbox set status = 'pending', claimed_at = now()::timestamp, "
            "sent_at = null where ref_id = 'AN-1'"
        )
    summary = send_pending(mini)
    assert summary.reconciled_sent == 1 and summary.sent == 0
    assert len(list(mini.outbox_dir.glob("*.eml"))) == 2


def test_missing_ml_table_is_a_clear_error(tmp_path: Path) -> None:
    from ccdw.errors import CcdwError

    settings = Settings(home=tmp_path / "empty")
    with connect(settings) as con, pytest.raises(CcdwError, match="ccdw score"):
        enqueue_alerts(con, settings)


def test_outbox_keys_are_unique_in_the_table(mini: Settings) -> None:
    enqueue_and_commit(mini)
    with connect(mini) as con, pytest.raises(duckdb.ConstraintException):
        con.execute(
            "insert into ops.outbox (message_id, kind, idempotency_key, status, created_at) "
            "select 'other', kind, idempotency_key, 'pending', now() from ops.outbox limit 1"
        )
