"""``ccdw report daily|weekly [--date D] [--send]`` and ``ccdw alerts send``."""

from __future__ import annotations

import json
from datetime import date

import typer

from ccdw.errors import CcdwError


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CcdwError(f"--date {value!r} is not a date (use YYYY-MM-DD)") from exc


def _report(kind: str, day: str | None, send: bool) -> None:
    from ccdw.delivery.reports import render_report

    run = render_report(kind, _parse_date(day), send=send)
    typer.echo(json.dumps(run.as_dict(), ensure_ascii=False))


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    report = groups["report"]
    alerts = groups["alerts"]

    @report.command("daily")
    def report_daily(
        day: str | None = typer.Option(
            None, "--date", help="The day (YYYY-MM-DD); default yesterday in site time."
        ),
        send: bool = typer.Option(False, "--send", help="Email it to the configured recipients."),
    ) -> None:
        """The daily report per center (and roll-ups), archived in $CCDW_HOME/reports/."""
        _report("daily", day, send)

    @report.command("weekly")
    def report_weekly(
        day: str | None = typer.Option(
            None, "--date", help="Any day of the week (Mon-Sun); default the last full week."
        ),
        send: bool = typer.Option(False, "--send", help="Email it to the configured recipients."),
    ) -> None:
        """The weekly report per center (and roll-ups), archived in $CCDW_HOME/reports/."""
        _report("weekly", day, send)

    @alerts.command("send")
    def alerts_send(
        resend_in_doubt: bool = typer.Option(
            False,
            "--resend-in-doubt",
            help="Also resend messages whose earlier send was interrupted (same Message-ID).",
        ),
    ) -> None:
        """Deliver pending anomaly alerts (SMTP, or .eml files when no SMTP is configured)."""
        from ccdw.delivery.alerts import enqueue_and_commit, reroute_undeliverable
        from ccdw.delivery.outbox import send_pending

        caught_up = enqueue_and_commit()  # anomalies that have no message yet (idempotent)
        rerouted = reroute_undeliverable()
        summary = send_pending(kind="alert", resend_in_doubt=resend_in_doubt)
        typer.echo(
            json.dumps({"enqueued": caught_up, "rerouted": rerouted, **summary.as_dict()})
        )
