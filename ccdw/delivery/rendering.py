"""Shared rendering helpers: the jinja2 environment, masking, table lookups."""

from __future__ import annotations

from functools import lru_cache

import duckdb
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@lru_cache(maxsize=1)
def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("ccdw.delivery", "templates"),
        autoescape=select_autoescape(["html", "html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = format_pct
    env.filters["num"] = format_num
    return env


def format_pct(value: object, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{float(value) * 100:.{digits}f}%"  # type: ignore[arg-type]


def format_num(value: object, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{float(value):,.{digits}f}"  # type: ignore[arg-type]


def mask_name(name: str | None) -> str:
    """Keep the first character (a surname in Chinese names), mask the rest."""
    if not name:
        return "–"
    return name[0] + "*" * max(len(name) - 1, 1)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def rows_as_dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
