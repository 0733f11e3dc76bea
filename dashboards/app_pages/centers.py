"""Centers: the province → city → county hierarchy with drill-down and roll-ups."""

from __future__ import annotations

import streamlit as st

from dashboards import data, ui
from dashboards.kpis import QUEUE_MEASURES

ui.header("Centers", "服务中心", "Queue KPIs rolled up the province → city → county hierarchy; pick a level to drill down.")
f = ui.filters()
ui.filter_note(f)

ALL = "(all)"
# Every level is a constant pair (id column, name column) of marts.dim_center.
LEVELS = (
    ("province", "c.province_id", "c.province_name"),
    ("city", "c.city_id", "c.city_name"),
    ("county", "c.county_id", "c.county_name"),
)
JOIN = "from marts.agg_queue_daily q join marts.dim_center c on c.center_id = q.center_id"


def base_where() -> tuple[str, list]:
    return f.where(date_expr="q.date", center_expr="q.center_id", queue_expr="q.queue")


def children(depth: int, path: list[str]) -> tuple[str, str]:
    """The rows one level below the chosen path (ids travel as parameters)."""
    return LEVELS[depth][1], LEVELS[depth][2]


def drill() -> None:
    where, params = base_where()
    path: list[str] = []
    cols = st.columns(len(LEVELS))
    for depth, (level, id_col, name_col) in enumerate(LEVELS):
        cond = " and ".join([where] + [f"{LEVELS[i][1]} = ?" for i in range(depth)])
        options = data.query(
            f"select distinct {id_col} as id, coalesce({name_col}, {id_col}) as name {JOIN} "  # noqa: S608
            f"where {id_col} is not null and {cond} order by name",
            params + path,
        )
        names = dict(zip(options["id"], options["name"], strict=True)) if not ui.is_empty(options) else {}
        pick = cols[depth].selectbox(
            level.capitalize(), [ALL, *names], format_func=lambda v, n=names: n.get(v, v),
            key=f"drill_{level}", disabled=not names,
        )
        if pick == ALL or pick is None:
            break
        path.append(pick)
    depth = len(path)
    cond = " and ".join([where] + [f"{LEVELS[i][1]} = ?" for i in range(depth)])
    if depth < len(LEVELS):
        level, id_col, name_col = LEVELS[depth]
        group = f"coalesce({name_col}, {id_col}, '(' || c.level || ' level)')"
    else:
        level, group = "queue", "q.queue"
    frame = data.query(
        f"select {group} as {level}, {QUEUE_MEASURES} {JOIN} where {cond} "  # noqa: S608
        "group by 1 order by offered desc",
        params + path,
    )
    if ui.is_empty(frame):
        ui.no_data("no queue calls for this part of the hierarchy in the selected period.")
        return
    where_label = " / ".join(path) if path else "all provinces"
    left, right = st.columns(2)
    left.altair_chart(ui.bars(frame, "offered", level, title=f"Calls offered by {level} · {where_label}"), width="stretch")
    right.altair_chart(ui.bars(frame.dropna(subset=["service_level"]), "service_level", level,
                               title=f"Service level by {level} (target line)", x_format=".0%",
                               target=ui.TARGETS["service_level"]), width="stretch")
    ui.table(frame, f"centers_by_{level}", column_config={
        "service_level": st.column_config.ProgressColumn("Service level", format="percent", min_value=0, max_value=1),
        "abandon_rate": st.column_config.NumberColumn("Abandon rate", format="percent"),
        "asa_seconds": st.column_config.NumberColumn("ASA (s)", format="%.0f"),
        "aht_seconds": st.column_config.NumberColumn("AHT (s)", format="%.0f"),
        "max_wait_seconds": st.column_config.NumberColumn("Max wait (s)", format="%.0f"),
    })


def rollup() -> None:
    where, params = base_where()
    frame = data.query(
        "select coalesce(c.province_name, '(all)') as province, "  # noqa: S608
        "case when grouping(c.city_name) = 1 then '(subtotal)' else coalesce(c.city_name, '—') end as city, "
        "case when grouping(c.county_name) = 1 then '(subtotal)' else coalesce(c.county_name, '—') end as county, "
        f"{QUEUE_MEASURES} {JOIN} where {where} "
        "group by rollup (c.province_name, c.city_name, c.county_name) "
        "order by c.province_name nulls first, c.city_name nulls first, c.county_name nulls first",
        params,
    )
    if ui.is_empty(frame):
        return
    st.subheader("Roll-up · 汇总")
    st.caption("Every level of the hierarchy with its subtotal; rates are recomputed from counts, not averaged.")
    ui.table(frame, "centers_rollup", column_config={
        "service_level": st.column_config.NumberColumn("Service level", format="percent"),
        "abandon_rate": st.column_config.NumberColumn("Abandon rate", format="percent"),
        "asa_seconds": st.column_config.NumberColumn("ASA (s)", format="%.0f"),
        "aht_seconds": st.column_config.NumberColumn("AHT (s)", format="%.0f"),
        "max_wait_seconds": st.column_config.NumberColumn("Max wait (s)", format="%.0f"),
    })


if ui.require(["marts.agg_queue_daily", "marts.dim_center"], "center KPIs appear after the first `ccdw build`."):
    drill()
    rollup()
