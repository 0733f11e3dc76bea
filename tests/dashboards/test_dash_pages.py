"""Every page under streamlit's AppTest: data, the empty state, and filters that bite."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from ccdw.settings import Settings
from dashboards.ui import NO_DATA
from tests.dashboards.dash_sample import APP, PAGE_FILES

TIMEOUT = 120


def open_page(page: str, **state: object) -> AppTest:
    """Run the app on ``page``; ``state`` presets sidebar widgets by key."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def infos(at: AppTest) -> str:
    return "\n".join(str(i.value) for i in at.info)


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


# Pages that, on the sample warehouse, still show a no-data box somewhere by design.
PARTIAL = {"customers": "segment movement"}


@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_renders_sample_data(page: str, sample_home: Settings, use_home) -> None:
    use_home(sample_home)
    at = open_page(page)
    assert titles(at), "page has a title"
    assert any("·" in t for t in titles(at)), "title carries its Chinese name"
    text = infos(at)
    if page in PARTIAL:
        assert NO_DATA not in text.replace(f"**{NO_DATA}** — {PARTIAL[page]}", "")
    else:
        assert NO_DATA not in text, text
    assert at.get("vega_lite_chart"), f"{page} draws at least one chart"
    # Every page offers what it shows as CSV.
    assert at.get("download_button"), f"{page} has a CSV download"


@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_on_empty_home_says_no_data(page: str, empty_home: Settings, use_home) -> None:
    use_home(empty_home)
    at = open_page(page)
    assert NO_DATA in infos(at)
    assert "Nothing has been published" in infos(at)
    assert not at.get("vega_lite_chart")


def test_tables_present_but_empty(tmp_path, use_home) -> None:
    """Missing rows (tables exist, no data in range) is a clear state too, not a traceback."""
    settings = use_home(Settings(home=tmp_path / "h"))
    from tests.dashboards.dash_sample import build_sample_warehouse

    build_sample_warehouse(settings.serving_path, end=date(2020, 1, 14))
    at = open_page("queues", dates=(date(2020, 1, 20), date(2020, 1, 21)))
    assert NO_DATA in infos(at)


def test_queue_filter_changes_overview(sample_home: Settings, use_home) -> None:
    use_home(sample_home)
    at = open_page("overview")
    before = metric_values(at)["Offered · period"]
    at.multiselect(key="queue").set_value(["life"]).run()
    assert not at.exception
    after = metric_values(at)["Offered · period"]
    assert before == "3,360" and after == "1,120"


def test_center_filter_includes_centers_below(sample_home: Settings, use_home) -> None:
    use_home(sample_home)
    at = open_page("overview")
    # Guangdong province holds the life and bank queues (two of three).
    at.multiselect(key="center").set_value(["GD"]).run()
    assert metric_values(at)["Offered · period"] == "2,240"
    at.multiselect(key="center").set_value(["GD-SZ-NS"]).run()
    assert metric_values(at)["Offered · period"] == "1,120"


def test_date_filter_changes_tickets(sample_home: Settings, use_home) -> None:
    use_home(sample_home)
    assert metric_values(open_page("tickets"))["Tickets"] == "200"
    at = open_page("tickets", dates=(date(2026, 11, 29), date(2026, 11, 29)))
    # One day of fourteen: tickets i with i % 14 == 0 → 15 of 200.
    assert metric_values(at)["Tickets"] == "15"


def test_customer_lookup_by_id_and_phone_masks_pii(sample_home: Settings, use_home) -> None:
    use_home(sample_home)
    at = open_page("customers")
    at.text_input(key="lookup").input("C0005").run()
    assert not at.exception
    profile = " ".join(m.value for m in at.markdown)
    assert "138****0185" in profile
    assert "4401**********1234" in profile
    history = at.dataframe[-1].value
    assert len(history) > 0 and set(history["channel"]) >= {"call"}
    # The same customer by phone, typed the way people type it (C0005's is +8613801855678).
    at.text_input(key="lookup").input("0086 138-0185-5678").run()
    assert not at.exception
    assert "Found by phone number." in [c.value for c in at.caption]
    assert "138****0185" in " ".join(m.value for m in at.markdown)
    shown_text = " ".join(str(e.value) for e in [*at.markdown, *at.metric, *at.caption])
    assert "01855678" not in shown_text
    for frame in at.dataframe:
        assert not frame.value.astype(str).apply(lambda col: col.str.contains("01855678")).any().any()


def test_customer_lookup_unknown(sample_home: Settings, use_home) -> None:
    use_home(sample_home)
    at = open_page("customers")
    at.text_input(key="lookup").input("'; drop table marts.mart_customer_360; --").run()
    assert not at.exception
    assert any("not a phone number" in w.value for w in at.warning)


def test_quarantine_raw_lines_are_masked(sample_home: Settings, use_home) -> None:
    use_home(sample_home)
    at = open_page("data_quality")
    frames = [d.value for d in at.dataframe if "raw_line" in d.value.columns]
    assert frames, "quarantine browser shows raw lines"
    raw = " ".join(frames[0]["raw_line"])
    assert "13812345678" not in raw and "440106199003141234" not in raw
    assert "138****5678" in raw
    at.text_input(key="q_reason").input("epoch").run()
    frames = [d.value for d in at.dataframe if "raw_line" in d.value.columns]
    assert set(frames[0]["reason"]) == {"bad epoch"}


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGE_FILES)
def test_page_renders_real_tiny_warehouse(page: str, tiny_serving: Settings, use_home) -> None:
    use_home(tiny_serving)
    at = open_page(page)
    assert titles(at)


@pytest.mark.slow
def test_lookup_on_real_tiny_warehouse(tiny_serving: Settings, use_home) -> None:
    """A real customer by ID and by a differently typed phone: 360 shown, number masked."""
    use_home(tiny_serving)
    from dashboards.data import run_query

    row = run_query(
        tiny_serving.serving_path,
        "select r.customer_id, r.phone_e164, m.phone_e164_masked from marts.customer_contact_restricted r "
        "join marts.mart_customer_360 m using (customer_id) "
        "where r.phone_e164 like '+861%' order by m.calls_90d desc, r.customer_id limit 1",
    ).iloc[0]
    local = row["phone_e164"].removeprefix("+86")
    typed = f"0086 {local[:3]} {local[3:7]}-{local[7:]}"
    at = open_page("customers")
    for query in (row["customer_id"], typed):
        at.text_input(key="lookup").input(query).run()
        assert not at.exception, [e.value for e in at.exception]
        shown = " ".join(m.value for m in at.markdown)
        assert row["customer_id"] in shown and row["phone_e164_masked"] in shown
        assert local not in shown
        assert any("contact_at" in d.value.columns for d in at.dataframe)
