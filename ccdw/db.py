"""The DuckDB warehouse: connections and publish-by-replace for readers.

DuckDB allows one read-write process or many read-only ones. Writers open the warehouse,
do their work and close before the next writer (dbt) starts. Readers (dashboards) never
open the live file: they read the serving copy that :func:`publish` replaces atomically.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ccdw.settings import Settings, get_settings


@contextmanager
def connect(
    settings: Settings | None = None,
    *,
    read_only: bool = False,
    path: Path | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse (or ``path``) and always close it, so the next writer can open it."""
    settings = settings or get_settings()
    target = Path(path) if path is not None else settings.warehouse_path
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(target), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """``begin`` … ``commit``, or ``rollback`` on any exception (a kill rolls back by itself)."""
    con.execute("begin")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def publish(settings: Settings | None = None) -> Path:
    """Copy the (closed) warehouse to the serving path atomically.

    Copy to a temporary file beside the target, then ``os.replace``: a reader opening the
    serving path sees either the old complete copy or the new complete copy, never a mix.
    """
    settings = settings or get_settings()
    source = settings.warehouse_path
    target = settings.serving_path
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with connect(settings):  # a checkpoint on close folds the WAL into the file
        pass
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)
    return target
