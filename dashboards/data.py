"""Read-only queries against the published serving copy of the warehouse.

The dashboard never opens the live warehouse: ``ccdw.db.publish`` replaces
``settings.serving_path`` atomically after each successful build, and every query here reads
that file ``read_only=True``. A long-lived connection would keep reading the old (replaced)
file, so there is none: inside one script run (:func:`script_run`, entered by ``app.py``)
the queries that miss the cache share one connection, opened on the first miss and closed
when the run ends; outside a run each query opens, runs and closes. Results are cached with a
time-to-live and keyed by the serving file's identity (inode + mtime), taken once per run, so
a new publish is visible on the next rerun.

Every query that runs (a cache miss) is logged at INFO with its name (the calling page
function), seconds and rows; the run's total is logged when it ends (``app.py``).

All user input reaches SQL only as ``?`` parameters; identifiers come from constants in the
page modules.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from ccdw.settings import Settings

log = logging.getLogger(__name__)

CACHE_TTL_SECONDS = 300
# A publish replaces the file between our stat() and connect(); retry once on a failed open.
_OPEN_RETRIES = 3

ServingVersion = tuple[int, int]


def current_settings() -> Settings:
    """Settings from the environment as it is now (the app may run under another CCDW_HOME)."""
    return Settings()


def serving_version(path: Path) -> ServingVersion | None:
    """The serving file's identity, or None when nothing has been published yet."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns)


def _to_duckdb(value: Any) -> Any:
    # Tuples keep cache keys hashable; DuckDB wants lists for list parameters.
    if isinstance(value, tuple):
        return list(value)
    return value


def connect_serving(path: Path) -> duckdb.DuckDBPyConnection:
    """Open ``path`` read-only, retrying while a publish swaps the file in."""
    last_error: Exception | None = None
    for attempt in range(_OPEN_RETRIES):
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:  # replaced or briefly missing during a publish
            last_error = exc
            time.sleep(0.05 * (attempt + 1))
    assert last_error is not None
    raise last_error


def _execute(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any]) -> pd.DataFrame:
    return con.execute(sql, [_to_duckdb(p) for p in params]).df()


def run_query(path: Path, sql: str, params: Sequence[Any] = (), name: str = "query") -> pd.DataFrame:
    """Open ``path`` read-only, run one query with bound parameters, close."""
    started = time.perf_counter()
    con = connect_serving(path)
    opened = time.perf_counter()
    try:
        frame = _execute(con, sql, params)
    finally:
        con.close()
    _log_query(name, time.perf_counter() - started, opened - started, len(frame))
    return frame


def _log_query(name: str, seconds: float, open_seconds: float, rows: int) -> None:
    log.info("query %s %.3fs (open %.3fs) rows=%d", name, seconds, open_seconds, rows)


@dataclass
class RunStats:
    """What one script run spent on queries (cache misses only; hits cost nothing here)."""

    queries: int = 0
    seconds: float = 0.0
    open_seconds: float = 0.0
    slowest: list[tuple[str, float]] = field(default_factory=list)

    def add(self, name: str, seconds: float) -> None:
        self.queries += 1
        self.seconds += seconds
        self.slowest = sorted([*self.slowest, (name, seconds)], key=lambda item: -item[1])[:3]


class _RunReader:
    """The serving copy as one script run sees it: one version, at most one connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stats = RunStats()
        self._version: ServingVersion | None = None
        self._pinned = False
        self._con: duckdb.DuckDBPyConnection | None = None

    def version(self) -> ServingVersion | None:
        # Taken before any connect: a connection opened later reads this file or a newer one,
        # so a cached result is never older than the version it is keyed by.
        if not self._pinned:
            self._version = serving_version(self.path)
            self._pinned = True
        return self._version

    def query(self, sql: str, params: Sequence[Any], name: str) -> pd.DataFrame:
        started = time.perf_counter()
        opened = started
        if self._con is None:
            self._con = connect_serving(self.path)
            opened = time.perf_counter()
            self.stats.open_seconds += opened - started
        frame = _execute(self._con, sql, params)
        seconds = time.perf_counter() - started
        self.stats.add(name, seconds)
        _log_query(name, seconds, opened - started, len(frame))
        return frame

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


_RUN: ContextVar[_RunReader | None] = ContextVar("ccdw_dashboard_run", default=None)


@contextmanager
def script_run(settings: Settings | None = None) -> Iterator[RunStats]:
    """One script run: queries share one read-only connection, closed when the run ends."""
    settings = settings or current_settings()
    reader = _RunReader(settings.serving_path)
    token = _RUN.set(reader)
    try:
        yield reader.stats
    finally:
        _RUN.reset(token)
        reader.close()


def _run_sql(path: str, sql: str, params: Sequence[Any], name: str) -> pd.DataFrame:
    reader = _RUN.get()
    if reader is not None and str(reader.path) == path:
        return reader.query(sql, params, name)
    return run_query(Path(path), sql, params, name)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=1024)
def _cached_query(
    path: str, version: ServingVersion, sql: str, params: tuple[Any, ...], _name: str = "query"
) -> pd.DataFrame:
    del version  # part of the cache key only
    return _run_sql(path, sql, params, _name)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=64)
def _cached_tables(path: str, version: ServingVersion) -> dict[str, int]:
    del version
    frame = _run_sql(
        path,
        "select schema_name || '.' || table_name as name, estimated_size as n "
        "from duckdb_tables() union all "
        "select schema_name || '.' || view_name, -1 from duckdb_views() where not internal",
        (),
        "data.tables",
    )
    return {str(row.name): int(row.n) for row in frame.itertuples()}


def _version(path: Path) -> ServingVersion | None:
    reader = _RUN.get()
    if reader is not None and reader.path == path:
        return reader.version()
    return serving_version(path)


def _caller(depth: int = 2) -> str:
    """``module.function:line`` of the page code that asked (a cheap frame lookup)."""
    frame = sys._getframe(depth)
    return f"{Path(frame.f_code.co_filename).stem}.{frame.f_code.co_name}:{frame.f_lineno}"


def query(
    sql: str, params: Sequence[Any] = (), settings: Settings | None = None, name: str | None = None
) -> pd.DataFrame:
    """Run ``sql`` with ``params`` on the serving copy (cached). Empty frame if unpublished.

    ``name`` labels the query in the log; by default the calling function."""
    settings = settings or current_settings()
    path = settings.serving_path
    version = _version(path)
    if version is None:
        return pd.DataFrame()
    return _cached_query(str(path), version, sql, tuple(params), name or _caller())


def tables(settings: Settings | None = None) -> dict[str, int]:
    """``schema.table`` → estimated rows (-1 for views) in the serving copy; {} if unpublished."""
    settings = settings or current_settings()
    version = _version(settings.serving_path)
    if version is None:
        return {}
    return _cached_tables(str(settings.serving_path), version)


def missing_tables(names: Sequence[str], settings: Settings | None = None) -> list[str]:
    """The names in ``names`` that the serving copy lacks."""
    present = tables(settings)
    return [name for name in names if name not in present]


def has_table(name: str, settings: Settings | None = None) -> bool:
    return name in tables(settings)


def published_at(settings: Settings | None = None) -> float | None:
    """Modification time of the serving copy (epoch seconds), None if unpublished."""
    settings = settings or current_settings()
    try:
        return settings.serving_path.stat().st_mtime
    except FileNotFoundError:
        return None
