"""ccdw analyst dashboard: ``streamlit run dashboards/app.py`` (or ``ccdw dashboard``).

The entrypoint draws the shared sidebar filters (bound to the URL's query parameters, so a
view can be bookmarked), stores them in the session for the pages, then runs the page.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

# This file runs once per script run: the run's clock starts before the first run's imports.
RUN_STARTED, RUN_CPU_STARTED = time.perf_counter(), time.process_time()

import streamlit as st  # noqa: E402

# `streamlit run` puts only this folder on sys.path; the pages import `dashboards.*`.
_REPO = Path(__file__).resolve().parents[1]
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

from dashboards import data  # noqa: E402
from dashboards.filters import Filters  # noqa: E402
from dashboards.serve import log_to_stderr  # noqa: E402
from dashboards.ui import FILTERS_KEY  # noqa: E402

DEFAULT_DAYS = 14

log = logging.getLogger("dashboards.app")

PAGES = {
    "Contact center": [
        st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("app_pages/queues.py", title="Queues", icon=":material/call_split:"),
        st.Page("app_pages/agents.py", title="Agents", icon=":material/support_agent:"),
        st.Page("app_pages/centers.py", title="Centers", icon=":material/account_tree:"),
    ],
    "Customers & risk": [
        st.Page("app_pages/customers.py", title="Customers", icon=":material/group:"),
        st.Page("app_pages/anomalies.py", title="Fund anomalies", icon=":material/gpp_maybe:"),
        st.Page("app_pages/campaigns.py", title="Campaigns", icon=":material/campaign:"),
        st.Page("app_pages/tickets.py", title="Tickets", icon=":material/confirmation_number:"),
    ],
    "Platform": [
        st.Page("app_pages/data_quality.py", title="Data quality", icon=":material/fact_check:"),
    ],
}


def _date_bounds() -> tuple[date, date]:
    """First and last day with data (queue marts, else tickets), else the last weeks."""
    present = data.tables()
    for table, column in (
        ("marts.agg_queue_daily", "date"),
        ("marts.fct_tickets", "cast(created_at as date)"),
    ):
        if table in present:
            frame = data.query(f"select min({column}) as lo, max({column}) as hi from {table}")  # noqa: S608 (constants)
            if not frame.empty and frame["hi"].notna().all():
                return _as_date(frame["lo"].iloc[0]), _as_date(frame["hi"].iloc[0])
    today = date.today()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)[:10]).date()


def _options(sql: str) -> dict[str, str]:
    frame = data.query(sql)
    if frame.empty:
        return {}
    return dict(zip(frame.iloc[:, 0].astype(str), frame.iloc[:, 1].astype(str), strict=True))


def sidebar_filters() -> Filters:
    lo, hi = _date_bounds()
    default_start = max(lo, hi - timedelta(days=DEFAULT_DAYS - 1))
    present = data.tables()
    with st.sidebar:
        st.subheader("Filters · 筛选")
        picked = st.date_input(
            "Date range",
            value=(default_start, hi),
            min_value=lo - timedelta(days=365),
            max_value=hi + timedelta(days=31),
            key="dates",
            bind="query-params",
        )
        centers: dict[str, str] = {}
        if "marts.dim_center" in present:
            centers = _options(
                "select center_id, coalesce(center_path, name, center_id) from marts.dim_center "
                "order by center_path nulls last, center_id"
            )
        chosen_centers = st.multiselect(
            "Centers (includes the centers below)",
            options=list(centers),
            format_func=lambda c: centers.get(c, c),
            key="center",
            bind="query-params",
            placeholder="All centers",
        )
        queues: dict[str, str] = {}
        if "marts.dim_queue" in present:
            queues = _options("select queue, queue from marts.dim_queue order by queue")
        chosen_queues = st.multiselect(
            "Queues",
            options=list(queues),
            key="queue",
            bind="query-params",
            placeholder="All queues",
        )
        when = data.published_at()
        if when is None:
            st.caption("Serving copy: not published yet")
        else:
            st.caption(f"Data as of publish {datetime.fromtimestamp(when):%Y-%m-%d %H:%M}")
    if isinstance(picked, tuple) and len(picked) == 2:
        start, end = picked
    elif isinstance(picked, tuple) and len(picked) == 1:
        start = end = picked[0]
    elif isinstance(picked, date):
        start = end = picked
    else:
        start, end = default_start, hi
    return Filters(start=start, end=end, centers=tuple(chosen_centers), queues=tuple(chosen_queues))


def main() -> None:
    st.set_page_config(page_title="ccdw · 呼叫中心数据仓库", page_icon=":material/headset_mic:", layout="wide")
    log_to_stderr()
    page = st.navigation(PAGES)
    # One read-only connection for the run's cache misses, closed when the run ends.
    with data.script_run() as stats:
        try:
            st.session_state[FILTERS_KEY] = sidebar_filters()
            page.run()
        finally:
            # One line per run: what the server spent, apart from the browser (the bench reads it).
            log.info(
                "script page=%s seconds=%.3f cpu_seconds=%.3f queries=%d query_seconds=%.3f "
                "open_seconds=%.3f at=%.3f",
                page.url_path or "overview", time.perf_counter() - RUN_STARTED,
                time.process_time() - RUN_CPU_STARTED, stats.queries, stats.seconds, stats.open_seconds,
                time.time(),
            )


main()
