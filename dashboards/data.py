"""Read-only queries against the published serving copy of the warehouse.

The dashboard never opens the live warehouse: ``ccdw.db.publish`` replaces
``settings.serving_path`` atomically after each successful build, and every query here opens
that file ``read_only=True``, runs, and closes. A long-lived connection would keep reading the
old (replaced) file, so there is none. Results are cached with a time-to-live and keyed by
the serving file's identity (inode + mtime), so a new publish is visible on the next rerun.

All user input reaches SQL only as ``?`` parameters; identifiers come from constants in the
page modules.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
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


def run_query(path: Path, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """Open ``path`` read-only, run one query with bound parameters, close."""
    last_error: Exception | None = None
    for attempt in range(_OPEN_RETRIES):
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:  # replaced or briefly missing during a publish
            last_error = exc
            time.sleep(0.05 * (attempt + 1))
            continue
        try:
            return con.execute(sql, [_to_duckdb(p) for p in params]).df()
        finally:
            con.close()
    assert last_error is not None
    raise last_error


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=1024)
def _cached_query(
    path: str, version: ServingVersion, sql: str, params: tuple[Any, ...]
) -> pd.DataFrame:
    del version  # part of the cache key only
    return run_query(Path(path), sql, params)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False, max_entries=64)
def _cached_tables(path: str, version: ServingVersion) -> dict[str, int]:
    del version
    frame = run_query(
        Path(path),
        "select schema_name || '.' || table_name as name, estimated_size as n "
        "from duckdb_tables() union all "
        "select schema_name || '.' || view_name, -1 from duckdb_views() where not internal",
    )
    return {str(row.name): int(row.n) for row in frame.itertuples()}


def query(sql: str, params: Sequence[Any] = (), settings: Settings | None = None) -> pd.DataFrame:
    """Run ``sql`` with ``params`` on the serving copy (cached). Empty frame if unpublished."""
    settings = settings or current_settings()
    path = settings.serving_path
    version = serving_version(path)
    if version is None:
        return pd.DataFrame()
    return _cached_query(str(path), version, sql, tuple(params))


def tables(settings: Settings | None = None) -> dict[str, int]:
    """``schema.table`` → estimated rows (-1 for views) in the serving copy; {} if unpublished."""
    settings = settings or current_settings()
    version = serving_version(settings.serving_path)
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
