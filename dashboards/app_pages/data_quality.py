"""Data quality: ingested files, the quarantine browser, and reconciliation checks."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data, ui
from dashboards.filters import local_days_as_epochs
from ingest.feeds import FEEDS

ui.header("Data quality", "数据质量", "What arrived, what was set aside and why, and whether the numbers add up.")
f = ui.filters()
ui.filter_note(f, uses_queue=False, uses_center=False)

FILE_FILTER = {"date_expr": "cast(i.landed_at as date)"}
QUARANTINE_LIMIT = 500


def landing_filter() -> tuple[str, list]:
    """Files landed in the date range; all files when none landed then (e.g. a demo ingested
    today data that ends yesterday), said so on the page."""
    where, params = f.where(**FILE_FILTER)
    found = data.query(f"select count(*) as n from raw.ingest_files i where {where}", params)  # noqa: S608
    if ui.value_of(found, "n"):
        st.caption("Files and quarantined lines landed in the selected date range.")
        return where, params
    st.caption("No file landed in the selected date range: showing every file ever ingested.")
    return "true", []


def files(where: str, params: list) -> pd.DataFrame:
    frame = data.query(
        "select file_id, feed, path, status, encoding, rows_read, rows_landed, rows_duplicate, "  # noqa: S608
        "rows_quarantined, case when status = 'landed' "
        "then rows_read = rows_landed + rows_duplicate + rows_quarantined end as balanced, "
        f"message, landed_at from raw.ingest_files i where {where} order by landed_at desc, file_id desc",
        params,
    )
    if ui.is_empty(frame):
        ui.no_data("no files were ingested in the selected period.")
        return frame
    landed = frame[frame["status"] == "landed"]
    cols = st.columns(5)
    cols[0].metric("Files landed", ui.num(len(landed)), border=True)
    cols[1].metric("Duplicate files", ui.num((frame["status"] == "duplicate").sum()), border=True)
    cols[2].metric("Rejected files", ui.num((frame["status"] == "rejected").sum()), border=True)
    cols[3].metric("Rows landed", ui.num(frame["rows_landed"].sum()), border=True)
    quarantined = frame["rows_quarantined"].sum()
    share = quarantined / max(frame["rows_read"].sum(), 1)
    cols[4].metric("Rows quarantined", ui.num(quarantined), f"{share:.2%} of read", delta_color="off", border=True)

    per_feed = (
        frame.groupby("feed", as_index=False)[["rows_landed", "rows_duplicate", "rows_quarantined"]].sum()
        .melt(id_vars="feed", var_name="rows", value_name="count")
    )
    per_feed["rows"] = per_feed["rows"].str.removeprefix("rows_")
    ui.chart(
        alt.Chart(per_feed, title="Rows per feed: landed, duplicate, quarantined")
        .mark_bar()
        .encode(
            y=alt.Y("feed:N", title=None, sort="-x"),
            x=alt.X("count:Q", title=None, stack="zero", scale=alt.Scale(type="linear")),
            color=alt.Color("rows:N", title=None, scale=alt.Scale(domain=["landed", "duplicate", "quarantined"],
                                                                   range=[ui.PALETTE[0], "#9e9e9e", ui.BAD])),
            tooltip=["feed:N", "rows:N", alt.Tooltip("count:Q", format=",.0f")],
        )
        .properties(height=ui.bar_height(frame["feed"].nunique()))
    )
    st.subheader("Ingested files")
    ui.table(frame, "ingest_files", column_config={
        "balanced": st.column_config.CheckboxColumn("read = landed + dup + quarantined"),
        "landed_at": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
    }, height=300)
    return frame


def quarantine(where: str, params: list) -> None:
    st.subheader("Quarantine browser · 隔离数据")
    if not data.has_table("raw.quarantine"):
        ui.no_data("the quarantine table does not exist yet.", ["raw.quarantine"])
        return
    feeds = data.query(
        "select distinct q.feed from raw.quarantine q join raw.ingest_files i using (file_id) "  # noqa: S608
        f"where {where} order by 1",
        params,
    )
    if ui.is_empty(feeds):
        st.success("Nothing was quarantined in the selected period.")
        return
    left, right = st.columns([1, 2])
    feed = left.selectbox("Feed", ["(all feeds)", *feeds["feed"]], key="q_feed")
    search = right.text_input("Reason contains", key="q_reason", placeholder="e.g. birth_date, epoch, missing")
    conds, cparams = [where], list(params)
    if feed and feed != "(all feeds)":
        conds.append("q.feed = ?")
        cparams.append(feed)
    if search:
        conds.append("contains(lower(q.reason), lower(?))")
        cparams.append(search)
    frame = data.query(
        "select q.feed, i.path, q.line_no, q.reason, q.raw_line, i.landed_at "  # noqa: S608
        "from raw.quarantine q join raw.ingest_files i using (file_id) "
        f"where {' and '.join(conds)} order by i.landed_at desc, i.path, q.line_no limit {QUARANTINE_LIMIT}",
        cparams,
    )
    reasons = data.query(
        "select regexp_replace(q.reason, ':.*$', '') as reason, count(*) as lines "  # noqa: S608
        "from raw.quarantine q join raw.ingest_files i using (file_id) "
        f"where {' and '.join(conds)} group by 1 order by lines desc limit 15",
        cparams,
    )
    if ui.is_empty(frame):
        st.info("No quarantined lines match.")
        return
    if not ui.is_empty(reasons):
        ui.chart(ui.bars(reasons, "lines", "reason", title="Quarantined lines by reason"))
    # Raw lines can carry phone and ID numbers: shown masked (the warehouse keeps the original).
    frame["raw_line"] = frame["raw_line"].map(ui.mask_pii)
    st.caption(f"Showing up to {QUARANTINE_LIMIT} lines; phone and ID numbers in raw lines are masked.")
    ui.table(frame, "quarantine", column_config={
        "raw_line": st.column_config.TextColumn("Raw line", width="large"),
        "landed_at": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
    })


def raw_row_counts(feeds: list[str]) -> dict[str, int]:
    """Rows per ``raw.<feed>`` table, in one query (names are trusted feed-contract constants)."""
    if not feeds:
        return {}
    frame = data.query(
        " union all ".join(f"select '{feed}' as feed, count(*) as n from raw.{feed}" for feed in feeds)  # noqa: S608
    )
    return {str(feed): int(n) for feed, n in zip(frame["feed"], frame["n"], strict=True)}


def reconciliation(file_frame: pd.DataFrame) -> None:
    st.subheader("Reconciliation · 对账")
    checks: list[dict] = []
    if not ui.is_empty(file_frame):
        landed_files = file_frame[file_frame["status"] == "landed"]
        bad = landed_files[~landed_files["balanced"].fillna(False).astype(bool)]
        checks.append({"check": "landed files with rows read = landed + duplicate + quarantined",
                       "expected": len(landed_files), "actual": len(landed_files) - len(bad), "ok": bad.empty})
        inert = file_frame[(file_frame["status"] != "landed") & (file_frame["rows_landed"] != 0)]
        checks.append({"check": "duplicate and rejected files landed no rows",
                       "expected": 0, "actual": len(inert), "ok": inert.empty})
    present = data.tables()
    landed = data.query("select feed, sum(rows_landed)::bigint as landed from raw.ingest_files group by feed")
    landed_by_feed = dict(zip(landed["feed"], landed["landed"], strict=True)) if not ui.is_empty(landed) else {}
    counted = [feed for feed in FEEDS if f"raw.{feed}" in present]  # trusted names from the feed contract
    rows = raw_row_counts(counted)
    for feed in counted:
        table = f"raw.{feed}"
        actual = rows.get(feed, 0)
        expected = int(landed_by_feed.get(feed, 0))
        checks.append({"check": f"{table}: rows = rows landed by its files (all time)", "expected": expected,
                       "actual": actual, "ok": expected == actual})
    if "raw.queue_log" in present and "marts.agg_queue_daily" in present:
        tz = data.current_settings().timezone
        # The site-local days as an epoch range: the filter reads the raw column (zone maps skip
        # most of the file) instead of converting every event's epoch to a local date.
        recon = data.query(
            "with raw_entries as (select count(*) as n from raw.queue_log "
            "where event = 'ENTERQUEUE' and epoch >= ? and epoch < ?), "
            "mart as (select sum(offered) as n from marts.agg_queue_daily where date between ? and ?) "
            "select raw_entries.n as expected, coalesce(mart.n, 0) as actual from raw_entries, mart",
            [*local_days_as_epochs(f.start, f.end, tz), f.start, f.end],
        )
        if not ui.is_empty(recon):
            expected, actual = int(recon["expected"].iloc[0]), int(recon["actual"].iloc[0])
            checks.append({"check": "queue_log ENTERQUEUE events = calls offered in marts (period)",
                           "expected": expected, "actual": actual, "ok": expected == actual})
    if not checks:
        st.info("No reconciliation checks could run on this warehouse yet.")
        return
    frame = pd.DataFrame(checks)
    failed = int((~frame["ok"]).sum())
    if failed:
        st.warning(f"{failed} of {len(frame)} checks do not reconcile.")
    else:
        st.success(f"All {len(frame)} checks reconcile.")
    ui.table(frame, "reconciliation", column_config={"ok": st.column_config.CheckboxColumn("OK")})


if ui.require(["raw.ingest_files"], "ingest metadata appears after the first `ccdw ingest`."):
    landed_where, landed_params = landing_filter()
    file_frame = files(landed_where, landed_params)
    quarantine(landed_where, landed_params)
    reconciliation(file_frame)
