"""Turn :class:`ReportData` into charts (matplotlib PNG), HTML (jinja2) and a PDF (reportlab).

Chart labels stay ASCII (queue names, dates, times) so they render without a CJK font; the
PDF uses reportlab's built-in CID font ``STSong-Light`` so Chinese center names render
without installing fonts.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import date

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # noqa: E402
from reportlab.lib.units import cm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from ccdw.delivery.rendering import format_num, format_pct, templates  # noqa: E402
from ccdw.delivery.report_data import MEASURES, ReportData, Targets  # noqa: E402

PDF_FONT = "STSong-Light"
LABELS = {
    "service_level": "Service level",
    "asa_seconds": "ASA (s)",
    "abandon_rate": "Abandon rate",
    "aht_seconds": "AHT (s)",
}
HIGHER_IS_BETTER = {"service_level"}


@dataclass(frozen=True)
class Chart:
    cid: str
    title: str
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def fmt(measure: str, value: object) -> str:
    if measure in ("service_level", "abandon_rate"):
        return format_pct(value)
    return format_num(value, 1)


def kpi_rows(data: ReportData, targets: Targets) -> list[dict[str, str | bool | None]]:
    rows: list[dict[str, str | bool | None]] = []
    for measure in MEASURES:
        this = data.kpis["this"].get(measure)
        target = getattr(targets, measure)
        met: bool | None = None
        if this is not None:
            met = this >= target if measure in HIGHER_IS_BETTER else this <= target
        rows.append(
            {
                "label": LABELS[measure],
                "this": fmt(measure, this),
                "target": ("≥ " if measure in HIGHER_IS_BETTER else "≤ ") + fmt(measure, target),
                "met": met,
                "last_week": fmt(measure, data.kpis["last_week"].get(measure)),
                "vs_last_week": _delta(measure, this, data.kpis["last_week"].get(measure)),
                "last_year": fmt(measure, data.kpis["last_year"].get(measure)),
                "vs_last_year": _delta(measure, this, data.kpis["last_year"].get(measure)),
            }
        )
    return rows


def _delta(measure: str, this: float | None, before: float | None) -> str:
    if this is None or before is None:
        return "–"
    if measure in ("service_level", "abandon_rate"):
        return f"{(this - before) * 100:+.1f} pt"
    return f"{this - before:+.1f} s"


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def charts(data: ReportData, targets: Targets) -> list[Chart]:
    out: list[Chart] = []
    if data.trend:
        fig, ax = plt.subplots(figsize=(7, 2.8))
        days = [r["date"] for r in data.trend]
        ax.plot(days, [r["service_level"] for r in data.trend], marker="o", label="service level")
        ax.plot(days, [r["abandon_rate"] for r in data.trend], marker="s", label="abandon rate")
        ax.axhline(targets.service_level, linestyle="--", color="grey", label="SL target")
        ax.set_ylim(0, 1)
        ax.set_title("Daily service level and abandon rate")
        ax.legend(loc="lower left", fontsize=8)
        fig.autofmt_xdate()
        out.append(Chart("trend", "Service level trend", _png(fig)))
    if data.interval_profile:
        fig, ax = plt.subplots(figsize=(7, 2.8))
        slots = [str(r["slot"]) for r in data.interval_profile]
        ax.bar(slots, [r["offered"] or 0 for r in data.interval_profile], color="#9ecae1")
        ax.set_ylabel("offered")
        twin = ax.twinx()
        twin.plot(slots, [r["service_level"] for r in data.interval_profile], color="#d62728")
        twin.set_ylim(0, 1)
        twin.set_ylabel("service level")
        ax.set_title("Calls offered and service level by half hour")
        ax.tick_params(axis="x", labelrotation=90, labelsize=7)
        out.append(Chart("intervals", "Half-hour profile", _png(fig)))
    if data.complaint_trend:
        fig, ax = plt.subplots(figsize=(7, 2.4))
        weeks = [str(r["week"]) for r in data.complaint_trend]
        ax.bar(weeks, [r["complaints"] or 0 for r in data.complaint_trend], label="complaints")
        ax.plot(weeks, [r["sla_breaches"] or 0 for r in data.complaint_trend], color="black",
                marker="o", label="ticket SLA breaches")
        ax.set_title("Complaints and ticket SLA breaches per week")
        ax.legend(fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        out.append(Chart("complaints", "Complaint trend", _png(fig)))
    return out


def title(data: ReportData) -> str:
    kind = "Daily" if data.period.kind == "daily" else "Weekly"
    span = (
        data.period.start.isoformat()
        if data.period.start == data.period.end
        else f"{data.period.label} ({data.period.start} – {data.period.end})"
    )
    return f"{kind} report · {data.center.name} ({data.center.center_id}) · {span}"


def html(data: ReportData, targets: Targets, chart_list: list[Chart], *, inline: bool) -> str:
    """``inline=False``: images as ``cid:`` (the email); ``True``: data URIs (the archive)."""
    sources = {c.cid: (c.data_uri if inline else f"cid:{c.cid}") for c in chart_list}
    return templates().get_template("report.html.j2").render(
        title=title(data),
        d=data,
        kpis=kpi_rows(data, targets),
        charts=[(c.title, sources[c.cid]) for c in chart_list],
        fmt=fmt,
        generated=date.today().isoformat(),
    )


def text(data: ReportData, targets: Targets) -> str:
    lines = [title(data), ""]
    for row in kpi_rows(data, targets):
        lines.append(
            f"{row['label']:<14} {row['this']:>8}  target {row['target']:<9} "
            f"vs last week {row['vs_last_week']:>9}  vs last year {row['vs_last_year']:>9}"
        )
    lines += ["", "The full report (charts, queues, agents, tickets) is in the HTML part and PDF."]
    return "\n".join(lines)


def _ensure_pdf_font() -> None:
    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))


def _table(header: list[str], rows: list[list[str]], style: ParagraphStyle) -> Table:
    cells = [[Paragraph(h, style) for h in header]]
    cells += [[Paragraph(str(v), style) for v in row] for row in rows]
    table = Table(cells, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def pdf(data: ReportData, targets: Targets, chart_list: list[Chart]) -> bytes:
    _ensure_pdf_font()
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName=PDF_FONT, fontSize=8)
    heading = ParagraphStyle("h", parent=base["Heading2"], fontName=PDF_FONT)
    # STSong-Light has no glyph for the middle dot; a bar reads the same on paper.
    pdf_title = title(data).replace(" · ", " | ")
    story: list[object] = [Paragraph(pdf_title, heading), Spacer(1, 0.3 * cm)]
    story.append(
        _table(
            ["KPI", "This period", "Target", "Last week", "vs LW", "Last year", "vs LY"],
            [
                [r["label"], r["this"], r["target"], r["last_week"], r["vs_last_week"],
                 r["last_year"], r["vs_last_year"]]  # type: ignore[list-item]
                for r in kpi_rows(data, targets)
            ],
            body,
        )
    )
    for chart in chart_list:
        story += [Spacer(1, 0.3 * cm), Image(io.BytesIO(chart.png), width=16 * cm, height=6 * cm)]
    sections = [
        ("Worst queues", ["Queue", "Offered", "SL", "ASA", "Abandon", "AHT"],
         [[q["queue"], format_num(q["offered"]), format_pct(q["service_level"]),
           format_num(q["asa_seconds"], 1), format_pct(q["abandon_rate"]),
           format_num(q["aht_seconds"], 1)] for q in data.worst_queues]),
        ("Worst half hours", ["Slot", "Offered", "SL", "Abandon"],
         [[i["slot"], format_num(i["offered"]), format_pct(i["service_level"]),
           format_pct(i["abandon_rate"])] for i in data.worst_intervals]),
        ("Agent leaderboard", ["Agent", "Calls", "AHT", "Occupancy"],
         [[a["agent_id"], format_num(a["calls_handled"]), format_num(a["aht_seconds"], 1),
           format_pct(a["occupancy"])] for a in data.agents]),
        ("Tickets", ["Created", "SLA breaches", "Complaints", "Open"],
         [[format_num(data.tickets.get("created")), format_num(data.tickets.get("sla_breaches")),
           format_num(data.tickets.get("complaints")), format_num(data.tickets.get("open_tickets"))]]
         if data.tickets else []),
        ("Campaigns (all centers)",
         ["Campaign", "Treated", "Control", "Conversions", "Conv. rate", "Lift"],
         [[c["campaign_id"], format_num(c["treated"]), format_num(c["control"]),
           format_num(c["conversions"]), format_pct(c["conversion_rate"]), format_pct(c["lift"])]
          for c in data.campaigns]),
        ("Anomaly alerts", ["Typology", "Disposition", "Anomalies"],
         [[r["typology"], r["disposition"], r["anomalies"]]
          for r in data.anomalies.get("rows", [])]),  # type: ignore[union-attr]
    ]
    for name, header, rows in sections:
        story += [Spacer(1, 0.3 * cm), Paragraph(name, heading)]
        story.append(_table(header, rows, body) if rows else Paragraph("No data.", body))
    for note in data.notes:
        story.append(Paragraph(f"Note: {note}", body))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=pdf_title).build(story)
    return buffer.getvalue()
