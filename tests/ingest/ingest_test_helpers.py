"""Ingest test helpers: a private copy of the bad-input corpus with a fixed arrival order."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from ccdw.settings import Settings

CORPUS = Path(__file__).parent / "corpus" / "landing"
# Arrival order (mtime) of the corpus files: later files correct or repeat earlier ones.
ARRIVAL = (
    "cdr/Master.csv",
    "cdr/1001.csv",
    "cdr/1001-resent.csv",
    "cdr/pbx11-18col.csv",
    "cdr/old-16col.csv",
    "cdr/uniq-17col.csv",
    "cdr/Master-crlf-bom.csv.gz",
    "queue_log/queue_log.log",
    "customers/customers-2026-11-27.csv",
    "customers/customers-2026-11-28.csv",
    "policies/policies-gbk.csv",
    "accounts/accounts-nokey.csv",
    "transactions/txn-2026-11-28.csv",
    "transactions/txn-truncated.csv.gz",
    "transactions/garbage.csv",
)
BASE_MTIME = 1_764_000_000


def copy_corpus(dest: Path) -> Path:
    """Copy the corpus to ``dest`` and give the files a deterministic arrival order."""
    shutil.copytree(CORPUS, dest)
    for i, rel in enumerate(ARRIVAL):
        os.utime(dest / rel, (BASE_MTIME + 60 * i, BASE_MTIME + 60 * i))
    return dest


def query(settings: Settings, sql: str, params: list[object] | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
