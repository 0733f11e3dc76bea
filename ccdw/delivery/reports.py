"""Daily and weekly manager reports: one per center (its subtree = the roll-up) and period.

``render_report`` reads the marts with a read-only connection, renders HTML (charts as
inline CID images) and a PDF, archives both under ``$CCDW_HOME/reports/<kind>/<period>/``,
and with ``send=True`` enqueues one outbox message per recipient keyed by
``report:<kind>:<center>:<period>:<recipient>`` — so re-running a period never sends it again
— and then runs the outbox sender for reports.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from ccdw.db import connect, transaction
from ccdw.delivery import report_render as render
from ccdw.delivery.outbox import (
    OutboxMessage,
    SendSummary,
    enqueue_many,
    ensure_outbox_schema,
    send_pending,
)
from ccdw.delivery.rendering import table_exists
from ccdw.delivery.report_data import (
    Period,
    ReportData,
    Targets,
    default_period,
    load_centers,
    load_report,
    period_for,
)
from ccdw.errors import CcdwError
from ccdw.settings import Settings, get_settings

log = logging.getLogger(__name__)

TREND_DAYS = {"daily": 14, "weekly": 56}


@dataclass
class RenderedReport:
    center_id: str
    html_path: Path
    pdf_path: Path
    recipients: list[str]


@dataclass
class ReportRun:
    kind: str
    period: Period
    reports: list[RenderedReport] = field(default_factory=list)
    enqueued: int = 0
    sent: SendSummary | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "period": self.period.label,
            "reports": len(self.reports),
            "archive": str(self.reports[0].html_path.parent) if self.reports else None,
            "enqueued": self.enqueued,
            "sent": self.sent.as_dict() if self.sent else None,
        }


def site_today(settings: Settings) -> date:
    return datetime.now(ZoneInfo(settings.timezone)).date()


def report_key(kind: str, center_id: str, period: Period, recipient: str) -> str:
    return f"report:{kind}:{center_id}:{period.label}:{recipient}"


def render_report(
    kind: str,
    period_date: date | None = None,
    settings: Settings | None = None,
    send: bool = False,
    targets: Targets | None = None,
) -> ReportRun:
    """Render (and with ``send`` deliver) the ``daily``/``weekly`` report of every center."""
    settings = settings or get_settings()
    targets = targets or Targets()
    period = (
        period_for(kind, period_date)
        if period_date
        else default_period(kind, site_today(settings))
    )
    datas = _load(settings, period)
    run = ReportRun(kind, period)
    messages: list[OutboxMessage] = []
    for data in datas:
        rendered, message_list = _render_one(settings, data, targets)
        run.reports.append(rendered)
        messages += message_list
    if send:
        run.enqueued = _enqueue(settings, messages)
        run.sent = send_pending(settings, kind="report")
    log.info("report %s %s: %s", kind, period.label, run.as_dict())
    return run


def _load(settings: Settings, period: Period) -> list[ReportData]:
    if not settings.warehouse_path.exists():
        raise CcdwError(f"no warehouse at {settings.warehouse_path}: run 'ccdw build' first")
    with connect(settings, read_only=True) as con:
        if not table_exists(con, "marts", "agg_queue_daily"):
            raise CcdwError("marts.agg_queue_daily does not exist: run 'ccdw build' first")
        centers = load_centers(con)
        datas = [load_report(con, c, period, TREND_DAYS[period.kind]) for c in centers]
    active = [d for d in datas if d.offered > 0 or (d.tickets.get("created") or 0) > 0]
    if not active:
        raise CcdwError(
            f"no calls or tickets in {period.kind} period {period.label} "
            f"({period.start}..{period.end}): nothing to report; pass --date for a loaded day"
        )
    return active


def _write_atomic(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def _render_one(
    settings: Settings, data: ReportData, targets: Targets
) -> tuple[RenderedReport, list[OutboxMessage]]:
    chart_list = render.charts(data, targets)
    pdf_bytes = render.pdf(data, targets, chart_list)
    folder = settings.reports_dir / data.period.kind / data.period.label
    stem = data.center.center_id
    html_path, pdf_path = folder / f"{stem}.html", folder / f"{stem}.pdf"
    _write_atomic(html_path, render.html(data, targets, chart_list, inline=True).encode("utf-8"))
    _write_atomic(pdf_path, pdf_bytes)
    recipients = settings.report_recipients_for(data.center.center_id)
    messages = [
        OutboxMessage(
            kind="report",
            recipient=recipient,
            subject=f"[ccdw report] {render.title(data)}",
            idempotency_key=report_key(data.period.kind, stem, data.period, recipient),
            body=_mime(data, targets, chart_list, pdf_bytes, pdf_path.name),
            ref_id=f"{data.period.kind}:{stem}:{data.period.label}",
            center_id=stem,
        )
        for recipient in recipients
    ]
    return RenderedReport(stem, html_path, pdf_path, recipients), messages


def _mime(
    data: ReportData,
    targets: Targets,
    chart_list: list[render.Chart],
    pdf_bytes: bytes,
    pdf_name: str,
) -> EmailMessage:
    mail = EmailMessage()
    mail.set_content(render.text(data, targets))
    mail.add_alternative(render.html(data, targets, chart_list, inline=False), subtype="html")
    html_part = mail.get_payload()[1]  # type: ignore[index]
    for chart in chart_list:
        html_part.add_related(chart.png, "image", "png", cid=f"<{chart.cid}>")
    mail.add_attachment(pdf_bytes, "application", "pdf", filename=pdf_name)
    return mail


def _enqueue(settings: Settings, messages: list[OutboxMessage]) -> int:
    if not messages:
        log.info("no report recipients configured: reports archived only")
        return 0
    with connect(settings) as con:
        ensure_outbox_schema(con)
        with transaction(con):
            return enqueue_many(con, messages, settings)
