"""Shared page pieces: headers, the no-data state, KPI cards, tables with CSV download, charts."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data
from dashboards.filters import Filters

NO_DATA = "No data yet"
FILTERS_KEY = "ccdw_filters"

# Targets the contact center manages to (shown as rules on charts and deltas on cards).
TARGETS = {
    "service_level": 0.80,
    "abandon_rate": 0.05,
    "asa_seconds": 20.0,
    "aht_seconds": 300.0,
    "ticket_sla_24h": 0.85,
}

PALETTE = ["#1f6feb", "#f28e2b", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
GOOD, BAD = "#2e7d32", "#c62828"


def header(title: str, chinese: str, about: str) -> None:
    st.title(f"{title} · {chinese}")
    st.caption(about)


def filters() -> Filters:
    """The filters the entrypoint put in the session for this run."""
    found = st.session_state.get(FILTERS_KEY)
    if isinstance(found, Filters):
        return found
    today = date.today()
    return Filters(start=today, end=today)


def filter_note(f: Filters, *, uses_queue: bool = True, uses_center: bool = True) -> None:
    note = f.describe()
    if f.queues and not uses_queue:
        note += " — the queue filter does not apply to this page"
    if f.centers and not uses_center:
        note += " — the center filter does not apply to this page"
    st.caption(note)


def no_data(what: str, missing: Sequence[str] = ()) -> None:
    """The clear empty state: which tables are missing and what produces them."""
    text = f"**{NO_DATA}** — {what}"
    if missing:
        text += "\n\nWaiting for: " + ", ".join(f"`{name}`" for name in missing)
    if data.published_at() is None:
        text += (
            "\n\nNothing has been published to the serving copy yet. Run `ccdw build` "
            "(or `make demo`) and reload."
        )
    st.info(text, icon=":material/hourglass_empty:")


def require(tables: Sequence[str], what: str) -> bool:
    """True when every table exists; otherwise show the no-data state and return False."""
    missing = data.missing_tables(tables)
    if missing:
        no_data(what, missing)
        return False
    return True


def is_empty(frame: pd.DataFrame) -> bool:
    return frame is None or frame.empty


def download(frame: pd.DataFrame, name: str, label: str = "Download CSV") -> None:
    # utf-8-sig: Excel on Chinese Windows opens the file with the right encoding.
    st.download_button(
        label,
        frame.to_csv(index=False).encode("utf-8-sig"),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"download-{name}",
        icon=":material/download:",
    )


def table(
    frame: pd.DataFrame,
    name: str,
    *,
    column_config: dict | None = None,
    height: int | str = "auto",
) -> None:
    """The table as shown, and the same rows as CSV."""
    st.dataframe(frame, hide_index=True, column_config=column_config, height=height)
    download(frame, name)


def pct(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.{digits}f}%"


def secs(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    whole = int(round(float(value)))
    if whole >= 60:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole}s"


def num(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.0f}"


def delta(
    now: float | None, before: float | None, *, as_pct_points: bool = False, as_seconds: bool = False
) -> str | None:
    """The change from ``before`` to ``now``: rate points, seconds, or percent."""
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return None
    if as_pct_points:
        return f"{(now - before) * 100:+.1f} pts"
    if as_seconds:
        return f"{now - before:+.0f}s"
    if before == 0:
        return None
    return f"{(now - before) / before * 100:+.1f}%"


def value_of(frame: pd.DataFrame, column: str) -> float | None:
    if is_empty(frame) or column not in frame:
        return None
    value = frame[column].iloc[0]
    return None if pd.isna(value) else float(value)


def line_with_target(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    title: str,
    target: float | None = None,
    color: str | None = None,
    y_format: str = ".0%",
    x_type: str = "T",
) -> alt.LayerChart | alt.Chart:
    enc_color = (
        alt.Color(f"{color}:N", title=None, scale=alt.Scale(range=PALETTE), legend=alt.Legend(orient="bottom", labelLimit=400))
        if color
        else alt.value(PALETTE[0])
    )
    base = (
        alt.Chart(frame, title=title)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X(f"{x}:{x_type}", title=None),
            y=alt.Y(f"{y}:Q", title=None, axis=alt.Axis(format=y_format)),
            color=enc_color,
            tooltip=[alt.Tooltip(f"{x}:{x_type}"), alt.Tooltip(f"{y}:Q", format=y_format)]
            + ([alt.Tooltip(f"{color}:N")] if color else []),
        )
    )
    if target is None:
        return base
    rule = (
        alt.Chart(pd.DataFrame({"target": [target]}))
        .mark_rule(color=BAD, strokeDash=[6, 4])
        .encode(y="target:Q", tooltip=[alt.Tooltip("target:Q", format=y_format, title="target")])
    )
    return base + rule


def bar_height(rows: int) -> int:
    """Room for every category label on a horizontal bar chart."""
    return 70 + 34 * max(rows, 1)


def bars(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    title: str,
    x_format: str | None = None,
    color: str | None = None,
    sort: str = "-x",
    target: float | None = None,
) -> alt.LayerChart | alt.Chart:
    """Horizontal bars (categories on y, readable Chinese labels)."""
    axis = alt.Axis(format=x_format) if x_format else alt.Axis()
    enc = {
        "x": alt.X(f"{x}:Q", title=None, axis=axis),
        "y": alt.Y(f"{y}:N", title=None, sort=sort, axis=alt.Axis(labelLimit=220, labelOverlap=False)),
        "tooltip": [alt.Tooltip(f"{y}:N"), alt.Tooltip(f"{x}:Q", format=x_format or ",.0f")],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None, scale=alt.Scale(range=PALETTE))
    chart = (
        alt.Chart(frame, title=title)
        .mark_bar(color=PALETTE[0], cornerRadiusEnd=3)
        .encode(**enc)
        .properties(height=bar_height(frame[y].nunique()))
    )
    if target is None:
        return chart
    rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(color=BAD, strokeDash=[6, 4]).encode(x="target:Q")
    return chart + rule


def chart(obj: alt.TopLevelMixin) -> None:
    st.altair_chart(obj, width="stretch")


_MOBILE = re.compile(r"(?<!\d)(\+?86)?(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?(\d{3,4})(\d{4})(?!\d)")


def mask_pii(text: str | None) -> str | None:
    """Mask phone and ID numbers inside free text (e.g. a quarantined raw line)."""
    if text is None:
        return None
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}**********{m.group(2)}", text)
    text = _MOBILE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(4)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)
