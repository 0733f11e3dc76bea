"""Manager reports: rendered from marts, archived, delivered once to a real SMTP server."""

from __future__ import annotations

from datetime import date

import pytest

from ccdw.db import connect
from ccdw.delivery.report_data import default_period, period_for
from ccdw.delivery.reports import render_report
from ccdw.errors import CcdwError
from ccdw.settings import CenterSettings, Settings
from tests.delivery.conftest import REPORT_DAY, SmtpServer, smtp_settings


def test_default_periods_are_yesterday_and_last_full_week() -> None:
    wednesday = date(2026, 12, 2)
    assert default_period("daily", wednesday).start == date(2026, 12, 1)
    week = default_period("weekly", wednesday)
    assert (week.start, week.end, week.label) == (date(2026, 11, 23), date(2026, 11, 29), "2026-W48")
    monday = date(2026, 11, 30)
    assert default_period("weekly", monday).end == date(2026, 11, 29)
    with pytest.raises(CcdwError, match="daily or weekly"):
        period_for("monthly", monday)


def test_report_arrives_with_images_and_pdf_once(mini: Settings, smtp_server: SmtpServer) -> None:
    settings = smtp_settings(mini, smtp_server).model_copy(
        update={
            "report_recipients": ["ops@example.test"],
            "centers": {"GD-GZ": CenterSettings(report_recipients=["gz-manager@example.test"])},
        }
    )
    run = render_report("daily", REPORT_DAY, settings, send=True)
    assert {r.center_id for r in run.reports} == {"HQ", "GD", "GD-GZ", "GD-SZ"}
    assert run.sent is not None and run.sent.sent == 4
    by_rcpt = {r.recipients[0]: r.message for r in smtp_server.received}
    assert sorted(by_rcpt) == ["gz-manager@example.test", "ops@example.test"]
    gz = next(r.message for r in smtp_server.received if "(GD-GZ)" in str(r.message["Subject"]))
    assert gz["To"] == "gz-manager@example.test"
    html_part = gz.get_body(("html",))
    html = html_part.get_content()
    images = [p for p in gz.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 3
    for image in images:
        cid = image["Content-ID"].strip("<>")
        assert f"cid:{cid}" in html
        assert image.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    pdfs = [p for p in gz.walk() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_filename() == "GD-GZ.pdf"
    assert pdfs[0].get_content().startswith(b"%PDF")
    assert "广州" in html and "Service level" in html and "Agent leaderboard" in html
    # The GZ report covers only GZ queues; the province roll-up covers both cities.
    assert "gz-retail" in html and "sz-retail" not in html
    gd = next(r.message for r in smtp_server.received if "(GD)" in str(r.message["Subject"]))
    gd_html = gd.get_body(("html",)).get_content()
    assert "gz-retail" in gd_html and "sz-retail" in gd_html
    # Re-running the period renders again but sends nothing.
    again = render_report("daily", REPORT_DAY, settings, send=True)
    assert again.enqueued == 0 and again.sent is not None and again.sent.sent == 0
    assert len(smtp_server.received) == 4


def test_report_numbers_come_from_the_marts(mini: Settings) -> None:
    run = render_report("daily", REPORT_DAY, mini)
    html = next(r for r in run.reports if r.center_id == "GD-SZ").html_path.read_text("utf-8")
    with connect(mini, read_only=True) as con:
        sl, offered = con.execute(
            "select service_level, offered from marts.agg_queue_daily "
            "where queue = 'sz-retail' and date = ?",
            [REPORT_DAY],
        ).fetchone()
    # One queue, one day: the report shows exactly the mart's service level.
    assert f"{sl * 100:.1f}%" in html
    assert f"{offered} calls offered" in html
    assert "data:image/png;base64," in html  # the archive copy is self-contained
    # Campaign lift = treated − control conversion rate: 30/100 − 4/20 = +10.0 points.
    assert "<td>premium_reminder</td>" in html and "10.0%" in html
    weekly = render_report("weekly", REPORT_DAY, mini).reports[0].html_path.read_text("utf-8")
    # Over the week: 40/200 − 6/40 = 5.0 points; no control group → no lift.
    row = weekly.split("<td>premium_reminder</td>")[1].split("</tr>")[0]
    assert row.endswith('<td class="num">5.0%</td>')
    callback = weekly.split("<td>web_callback</td>")[1].split("</tr>")[0]
    assert callback.endswith('<td class="num">–</td>')


def test_archive_holds_html_and_pdf_with_chinese_font(mini: Settings) -> None:
    run = render_report("weekly", REPORT_DAY, mini)
    assert run.period.label == "2026-W48"
    for report in run.reports:
        assert report.html_path.parent == mini.reports_dir / "weekly" / "2026-W48"
        pdf = report.pdf_path.read_bytes()
        assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf
    assert run.reports[0].recipients == []  # none configured: archived only


def test_period_without_data_is_a_clear_error(mini: Settings) -> None:
    with pytest.raises(CcdwError, match="nothing to report"):
        render_report("daily", date(2020, 1, 1), mini)
