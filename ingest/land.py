"""Landing one file inside the caller's transaction: stage, validate, de-duplicate, insert.

All row work is DuckDB SQL over DuckDB's own readers. Identifiers in the SQL below come only
from :mod:`ingest.feeds` (trusted constants) or are generated (``c0``, ``c1`` ...); names and
values from the file travel as ``?`` parameters.

Steps:
1. ``_stage``: one VARCHAR column per contract column the file carries, plus ``_line_no`` and a
   structural ``_problem``. Fast path: ``read_csv`` with the file's layout; it is used when
   DuckDB reads every line as one record (row count + header = physical line count), so
   ``_line_no`` is the row's position. Otherwise (wrong column counts, broken quoting, blank
   lines) the exact path reads physical lines and splits them in SQL.
2. ``_typed``: typed contract columns, the quarantine ``_reason`` (all problems of the row),
   ``_record_key`` and ``_row_hash``.
3. Quarantined rows → ``raw.quarantine``; new records → ``raw.<feed>``; a record whose
   (key, hash) is already in raw, or earlier in the same file, is a duplicate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.feeds import QUEUE_LOG_COLUMNS, Column, Feed
from ingest.layout import FileLayout

log = logging.getLogger(__name__)

QUOTE = "'"
CSV_FIELD_PATTERN = ',("(?:[^"]|"")*"|[^,"]*)'

TYPE_PROBLEM = {
    "TIMESTAMP": "unparseable timestamp",
    "DATE": "unparseable date",
    "BIGINT": "not an integer",
    "INTEGER": "not an integer",
    "BOOLEAN": "not a boolean (0|1)",
}


@dataclass(frozen=True)
class LandCounts:
    rows_read: int
    rows_landed: int
    rows_duplicate: int
    rows_quarantined: int


@dataclass(frozen=True)
class ReadSource:
    """What DuckDB reads: the landed file or its UTF-8 transcode."""

    path: Path
    compression: str  # "gzip" | "none"
    line_count: int  # physical lines of the decompressed text


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_csv_fields(types: list[str], skip: int, compression: str) -> str:
    cols = ", ".join(f"'c{i}': '{typ}'" for i, typ in enumerate(types))
    return (
        f"read_csv(?, columns={{{cols}}}, header=false, skip={int(skip)}, auto_detect=false,"
        " delim=',', quote='\"', escape='\"', allow_quoted_nulls=false, strict_mode=true,"
        f" null_padding=false, compression='{compression}')"
    )


def _read_lines(compression: str) -> str:
    # NUL never occurs in text we accept (files with NUL bytes are rejected as binary), so
    # each physical line is one VARCHAR value; blank lines come back as NULL rows.
    return (
        "read_csv(?, columns={'line': 'VARCHAR'}, header=false, auto_detect=false,"
        f" delim='\\0', quote='', escape='', strict_mode=false, compression='{compression}')"
    )


def _extra_json(layout: FileLayout, ref: str) -> tuple[str, list[str]]:
    """``json_object(?, c5, ...)`` for extra columns (names as parameters)."""
    if not layout.extra_names:
        return "NULL::JSON", []
    parts = []
    params: list[str] = []
    for pos, name in sorted(layout.extra_names.items()):
        parts.append(f"?, {ref(pos)}")
        params.append(name)
    return f"json_object({', '.join(parts)})", params


def stage_lines(con: duckdb.DuckDBPyConnection, source: ReadSource) -> None:
    """``_lines``: every physical line, ``rowid + 1`` = its 1-based line number."""
    con.execute("drop table if exists _lines")
    con.execute(
        f"create temp table _lines as select line from {_read_lines(source.compression)}",  # noqa: S608 - identifiers from ingest.feeds only
        [str(source.path)],
    )


def csv_source_sql(
    layout: FileLayout, source: ReadSource, feed: Feed | None = None
) -> tuple[str, list[object]]:
    """A subquery over ``read_csv`` shaped like ``_stage`` (line = row position + header).

    With ``feed``, DuckDB's reader parses the contract types itself (the fast path for clean
    files: any bad value makes the read fail, and the VARCHAR path then finds the reasons)."""
    types = {c.name: c.type for c in feed.columns} if feed is not None else {}
    column_types = [types.get(name or "", "VARCHAR") for name in layout.columns]
    extra_sql, extra_params = _extra_json(layout, lambda pos: f"c{pos}")
    selected = [
        f"c{i} as {_ident(name)}" for i, name in enumerate(layout.columns) if name is not None
    ]
    sql = (
        f"(select row_number() over () + {int(layout.header_lines)} as _line_no,"  # noqa: S608 - trusted SQL
        " NULL::VARCHAR as _raw, NULL::VARCHAR as _problem,"
        f" {', '.join(selected)}, {extra_sql} as _extra"
        f" from {_read_csv_fields(column_types, layout.header_lines, source.compression)})"
    )
    return sql, [*extra_params, str(source.path)]


@dataclass(frozen=True)
class FastCheck:
    rows: int
    bad: int


def fast_check(
    con: duckdb.DuckDBPyConnection,
    feed: Feed,
    layout: FileLayout,
    source: ReadSource,
    typed_read: bool = False,
) -> FastCheck | None:
    """Parse and validate without writing. None: DuckDB could not read every line as one
    record of the file's width (or, with ``typed_read``, a value of the contract type), or the
    record count differs from the physical line count (blank lines, quoted newlines)."""
    sql, params = csv_source_sql(layout, source, feed if typed_read else None)
    typed = typed_select(feed, layout.present, sql, typed_source=typed_read)
    try:
        rows, bad = con.execute(
            f"select count(*), count(_reason) from ({typed})",  # noqa: S608 - trusted SQL
            params,
        ).fetchone()
    except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        log.debug("fast read failed, using the exact path: %s", exc)
        return None
    if rows + layout.header_lines != source.line_count:
        log.debug("rows %s + header != %s lines: exact path", rows, source.line_count)
        return None
    return FastCheck(int(rows), int(bad))


def stage_csv_fast(con: duckdb.DuckDBPyConnection, layout: FileLayout, source: ReadSource) -> None:
    """Materialise ``_stage`` from ``read_csv`` (the file has bad rows to quarantine)."""
    sql, params = csv_source_sql(layout, source)
    con.execute("drop table if exists _stage")
    con.execute(f"create temp table _stage as select * from {sql}", params)  # noqa: S608 - trusted SQL


def stage_csv_exact(con: duckdb.DuckDBPyConnection, layout: FileLayout, source: ReadSource) -> None:
    """Stage from physical lines: split CSV fields in SQL; wrong widths get a _problem."""
    stage_lines(con, source)
    width = layout.width

    def field(pos: int) -> str:
        raw = f"f[{pos + 1}]"
        return (
            f"(case when {raw} like '\"%' then replace({raw}[2:-2], '\"\"', '\"') else {raw} end)"
        )

    extra_sql, extra_params = _extra_json(layout, field)
    selected = [
        f"{field(i)} as {_ident(name)}" for i, name in enumerate(layout.columns) if name is not None
    ]
    con.execute("drop table if exists _stage")
    con.execute(
        "create temp table _stage as"  # noqa: S608 - identifiers from ingest.feeds only
        " with l as (select rowid + 1 as _line_no,"
        "   ltrim(rtrim(line, chr(13)), chr(65279)) as _raw from _lines),"
        " p as (select *, regexp_extract_all(',' || _raw, ?, 1) as f from l"
        f"   where _line_no > {int(layout.header_lines)} and coalesce(_raw, '') <> '')"
        " select _line_no, _raw,"
        "  case when length(_raw) + 1 <> list_sum(list_transform(f, lambda x: length(x) + 1))"
        "       then 'malformed CSV quoting (a quote is not closed on this line)'"
        f"      when len(f) <> {width} then 'expected {width} columns, found ' || len(f)"
        "  end as _problem,"
        f" {', '.join(selected)}, {extra_sql} as _extra from p",
        [CSV_FIELD_PATTERN, *extra_params],
    )


def stage_queue_log(con: duckdb.DuckDBPyConnection, source: ReadSource) -> None:
    """queue_log lines: ``epoch|callid|queuename|agent|event|data1..data5`` (data optional)."""
    stage_lines(con, source)
    names = [c.name for c in QUEUE_LOG_COLUMNS]
    selected = [f"f[{i + 1}] as {_ident(n)}" for i, n in enumerate(names[:-1])]
    # More than five data fields: the rest of the line stays in data5, nothing is cut.
    selected.append("array_to_string(f[10:], '|') as data5")
    con.execute("drop table if exists _stage")
    con.execute(
        "create temp table _stage as"  # noqa: S608 - identifiers from ingest.feeds only
        " with l as (select rowid + 1 as _line_no,"
        "   ltrim(rtrim(line, chr(13)), chr(65279)) as _raw from _lines),"
        " p as (select *, string_split(_raw, '|') as f from l where coalesce(_raw, '') <> '')"
        " select _line_no, _raw,"
        "  case when len(f) < 5 then"
        "   'expected at least 5 fields (epoch|callid|queuename|agent|event), found ' || len(f)"
        "  end as _problem,"
        f" {', '.join(selected)}, NULL::JSON as _extra from p"
    )


def stage_parquet(con: duckdb.DuckDBPyConnection, layout: FileLayout, path: Path) -> None:
    """Parquet: columns renamed by position, cast to VARCHAR; line = 1-based row number."""
    extra_sql, extra_params = _extra_json(layout, lambda pos: f"c{pos}::VARCHAR")
    aliases = ", ".join(f"c{i}" for i in range(layout.width))
    selected = [
        f"c{i}::VARCHAR as {_ident(name)}"
        for i, name in enumerate(layout.columns)
        if name is not None
    ]
    con.execute("drop table if exists _stage")
    con.execute(
        "create temp table _stage as"  # noqa: S608 - identifiers from ingest.feeds only
        " select file_row_number + 1 as _line_no, NULL::VARCHAR as _raw,"
        f" NULL::VARCHAR as _problem, {', '.join(selected)}, {extra_sql} as _extra"
        f" from read_parquet(?, file_row_number=true) as t({aliases}, file_row_number)",
        [*extra_params, str(path)],
    )


def _typed_expr(
    col: Column, present: set[str], typed_source: bool = False
) -> tuple[str, str | None]:
    """(typed value, reason-or-NULL) SQL for one contract column."""
    if col.name not in present:
        return f"NULL::{col.type}", None
    base = col.type.split("(")[0]
    if typed_source and base != "VARCHAR":
        # DuckDB's reader already parsed the value; only "required" is left to check.
        typed = f"s.{_ident(col.name)}"
        reason = (
            f"case when {typed} is null then 'missing {col.name}' end" if col.required else None
        )
        return typed, reason
    raw = f"nullif(s.{_ident(col.name)}, '')"
    if base == "VARCHAR":
        typed = raw
    elif base == "DATE":
        typed = (
            f"coalesce(try_cast(trim({raw}) as DATE),"
            f" try_cast(try_cast(trim({raw}) as TIMESTAMP) as DATE))"
        )
    elif base == "BOOLEAN":
        typed = (
            f"(case when lower(trim({raw})) in ('1', 'true', 't', 'y', 'yes') then true"
            f" when lower(trim({raw})) in ('0', 'false', 'f', 'n', 'no') then false end)"
        )
    elif base == "BIGINT" or base == "INTEGER":
        typed = f"try_cast(trim({raw}) as {col.type})"
    else:
        typed = f"try_cast(trim({raw}) as {col.type})"
    checks = []
    if col.required:
        checks.append(f"case when {raw} is null then 'missing {col.name}' end")
    if base != "VARCHAR":
        problem = TYPE_PROBLEM.get(base, "not a number")
        checks.append(
            f"case when {raw} is not null and {typed} is null then"
            f" '{col.name}: {problem} ''' || {raw} || '''' end"
        )
    reason = " , ".join(checks) if checks else None
    return typed, reason


def _key_expr(feed: Feed, present: set[str], row_key: str) -> str:
    """``_record_key`` SQL; ``row_key`` (the 128-bit whole-row key) sits only in the branches
    that need it, so CASE evaluates its second hash just for rows without a natural key."""
    if feed.kind == "cdr":
        if "uniqueid" in present and "sequence" in present:
            return (
                "case when uniqueid is not null and sequence is not null"
                " then uniqueid || '#' || sequence::VARCHAR"
                f" when uniqueid is not null then uniqueid else {row_key} end"
            )
        if "uniqueid" in present:
            return f"coalesce(uniqueid, {row_key})"
        return row_key
    if feed.kind == "queue_log" or not feed.key:
        return row_key
    return "concat_ws(chr(31), " + ", ".join(f"{_ident(k)}::VARCHAR" for k in feed.key) + ")"


def typed_select(feed: Feed, present: set[str], source_sql: str, typed_source: bool = False) -> str:
    """SELECT over a ``_stage``-shaped source (alias ``s``): typed contract columns plus
    _line_no, _raw, _extra, _reason (every problem of the row), _row_hash, _record_key."""
    typed_cols = []
    reasons = []
    for col in feed.columns:
        typed, reason = _typed_expr(col, present, typed_source)
        typed_cols.append(f"{typed} as {_ident(col.name)}")
        if reason:
            reasons.append(reason)
    reason_sql = (
        f"coalesce(s._problem, nullif(concat_ws('; ', {', '.join(reasons)}), ''))"
        if reasons
        else "s._problem"
    )
    # _row_hash: DuckDB's 64-bit hash of the typed columns, stored as UBIGINT. Where the whole
    # row is the identity, the key is both hashes in hex (a second, differently seeded 64-bit
    # hash: 128 bits, so distinct rows cannot collide in practice).
    hashed = ", ".join(_ident(c.name) for c in feed.columns)
    row_key = f"('row:' || to_hex(_row_hash) || ':' || to_hex(hash('ccdw', {hashed})))"
    return (
        "select *, " + _key_expr(feed, present, row_key) + " as _record_key from (select *,"  # noqa: S608 - trusted SQL
        f" hash({hashed}) as _row_hash"
        " from (select s._line_no, s._raw, s._extra,"
        f" {reason_sql} as _reason, {', '.join(typed_cols)} from {source_sql} s))"
    )


def build_typed(con: duckdb.DuckDBPyConnection, feed: Feed, present: set[str]) -> None:
    """``_typed`` from ``_stage``."""
    con.execute("drop table if exists _typed")
    con.execute(
        f"create temp table _typed as {typed_select(feed, present, '_stage')}"  # noqa: S608 - trusted SQL
    )


def attach_raw_lines(con: duckdb.DuckDBPyConnection, source: ReadSource | None) -> int:
    """Give quarantined rows of the fast path their physical line; returns the bad-row count."""
    bad = con.execute("select count(*) from _typed where _reason is not null").fetchone()[0]
    missing_raw = con.execute(
        "select count(*) from _typed where _reason is not null and _raw is null"
    ).fetchone()[0]
    if missing_raw and source is not None:
        stage_lines(con, source)
        con.execute(
            "update _typed set _raw = l.line from"
            " (select rowid + 1 as line_no, ltrim(rtrim(line, chr(13)), chr(65279)) as line"
            "  from _lines) l where _typed._reason is not null and l.line_no = _typed._line_no"
        )
    return int(bad)


def write_quarantine(con: duckdb.DuckDBPyConnection, feed: Feed, file_id: int) -> None:
    """Quarantined rows → ``raw.quarantine`` (parquet rows: the row as JSON)."""
    raw_fallback = (
        "coalesce(_raw, to_json(struct_pack("
        + ", ".join(f"{_ident(c.name)} := {_ident(c.name)}" for c in feed.columns)
        + "))::VARCHAR)"
    )
    con.execute(
        "insert into raw.quarantine (file_id, feed, line_no, raw_line, reason)"  # noqa: S608 - identifiers from ingest.feeds only
        f" select ?, ?, _line_no, {raw_fallback}, _reason from _typed"
        " where _reason is not null order by _line_no",
        [file_id, feed.name],
    )


def write_raw(
    con: duckdb.DuckDBPyConnection,
    feed: Feed,
    file_id: int,
    source: tuple[str, list[object]] | None = None,
    keep_all: bool = False,
) -> int:
    """Records → ``raw.<feed>``; returns how many were inserted.

    Default: the valid rows of ``_typed`` whose (key, hash) no earlier file landed.
    ``keep_all``: every row of ``source`` (a typed SELECT and its parameters); the caller
    then checks the rows and removes duplicates with :func:`delete_duplicates`."""
    cols = ", ".join(_ident(c.name) for c in feed.columns)
    table = f"raw.{feed.name}"
    from_sql, params = source if source is not None else ("select * from _typed", [])
    where = ""
    where_params: list[object] = []
    if not keep_all:
        where = " where _reason is null"
        col = dedup_range_column(feed)
        low, high = con.execute(
            f"select min({col}), max({col}) from ({from_sql}) where _reason is null",  # noqa: S608 - trusted SQL
            params,
        ).fetchone()
        earlier = (
            low is not None
            and con.execute(
                f"select exists (select 1 from {table} where {col} between ? and ?)",  # noqa: S608 - trusted SQL
                [low, high],
            ).fetchone()[0]
        )
        if earlier:
            where += (
                f" and not exists (select 1 from {table} r where r.{col} between ? and ?"  # noqa: S608 - trusted SQL
                f" and r.{col} = t.{col} and r._record_key = t._record_key"
                " and r._row_hash = t._row_hash)"
            )
            where_params = [low, high]
    inserted = con.execute(
        f"insert into {table} ({cols}, _file_id, _line_no, _record_key, _row_hash, _extra)"  # noqa: S608 - trusted SQL
        f" select {cols}, ?, _line_no, _record_key, _row_hash, _extra from ({from_sql}) t{where}",
        [file_id, *params, *where_params],
    ).fetchone()
    return int(inserted[0]) if inserted else 0


def missing_required(con: duckdb.DuckDBPyConnection, feed: Feed, file_id: int) -> bool:
    """Did the one-pass insert of ``file_id`` let through a row without a required value?"""
    required = [c.name for c in feed.columns if c.required]
    if not required:
        return False
    condition = " or ".join(f"{_ident(name)} is null" for name in required)
    row = con.execute(
        f"select exists (select 1 from raw.{feed.name} where _file_id = ? and ({condition}))",  # noqa: S608 - trusted SQL
        [file_id],
    ).fetchone()
    return bool(row[0])


def dedup_range_column(feed: Feed) -> str:
    """The column whose value range narrows the duplicate search: the feed's first required
    typed column (CDR ``start``, transactions ``booked_at``, queue_log ``epoch``, ...), else
    ``_record_key``. A duplicate has the same typed values, so it lies in the file's range of
    that column; typed values have sharp row-group min/max (shared string prefixes such as
    ``T0000000…`` do not), so DuckDB skips earlier data outside the range."""
    for col in feed.columns:
        if col.required and not col.type.startswith("VARCHAR"):
            return _ident(col.name)
    return "_record_key"


def delete_duplicates(con: duckdb.DuckDBPyConnection, feed: Feed, file_id: int) -> int:
    """Remove rows of ``file_id`` whose (key, hash) an earlier file landed; returns how many."""
    table = f"raw.{feed.name}"
    col = dedup_range_column(feed)
    low, high = con.execute(
        f"select min({col}), max({col}) from {table} where _file_id = ?",  # noqa: S608 - trusted SQL
        [file_id],
    ).fetchone()
    if low is None:
        return 0
    earlier = con.execute(
        f"select exists (select 1 from {table}"  # noqa: S608 - trusted SQL
        f" where {col} between ? and ? and _file_id <> ?)",
        [low, high, file_id],
    ).fetchone()[0]
    if not earlier:
        return 0
    deleted = con.execute(
        f"delete from {table} t where t._file_id = ? and exists (select 1 from {table} r"  # noqa: S608 - trusted SQL
        f" where r.{col} between ? and ? and r._file_id <> ? and r.{col} = t.{col}"
        " and r._record_key = t._record_key and r._row_hash = t._row_hash)",
        [file_id, low, high, file_id],
    ).fetchone()
    return int(deleted[0]) if deleted else 0


def count_typed(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("select count(*) from _typed").fetchone()[0])


def drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    for name in ("_typed", "_stage", "_lines"):
        con.execute(f"drop table if exists {name}")
