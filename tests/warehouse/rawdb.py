"""Hand-made raw warehouses for the dbt tests: contract DDL from ingest.feeds, rows we write."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from ingest.feeds import FEEDS
from ingest.schema import ensure_raw_schema


def create_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    ensure_raw_schema(con)


class RawWriter:
    """Lands rows into raw.<feed> as one 'file' per call, like ingest would."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        create_raw_schema(con)
        row = con.execute("select coalesce(max(file_id), 0) from raw.ingest_files").fetchone()
        self.next_file_id = int(row[0]) + 1 if row else 1

    def land(
        self,
        feed_name: str,
        rows: Iterable[dict[str, Any]],
        mtime: datetime,
        name: str | None = None,
    ) -> int:
        feed = FEEDS[feed_name]
        file_id = self.next_file_id
        self.next_file_id += 1
        rows = list(rows)
        path = f"/landing/{feed_name}/{name or f'file{file_id:04d}.csv'}"
        self.con.execute(
            "insert into raw.ingest_files values (?, ?, ?, ?, 0, 'utf-8', ?, ?, 0, 0,"
            " 'landed', null, ?, ?)",
            [file_id, feed_name, path, f"sha{file_id}", len(rows), len(rows), mtime, mtime],
        )
        names = feed.column_names
        columns = ", ".join(f'"{c}"' for c in (*names, "_file_id", "_line_no", "_record_key", "_row_hash"))
        placeholders = ", ".join("?" for _ in range(len(names) + 4))
        for line_no, row in enumerate(rows, start=1):
            values = [row.get(c) for c in names]
            key = _record_key(feed_name, feed.key, row)
            digest = int(hashlib.sha256(repr(values).encode()).hexdigest()[:16], 16)  # UBIGINT
            self.con.execute(
                f"insert into raw.{feed_name} ({columns}) values ({placeholders})",
                [*values, file_id, line_no, key, digest],
            )
        return file_id


def _record_key(feed_name: str, key: Sequence[str], row: dict[str, Any]) -> str:
    if feed_name == "cdr":
        if row.get("uniqueid") and row.get("sequence") is not None:
            return f"{row['uniqueid']}|{row['sequence']}"
        if row.get("uniqueid"):
            return str(row["uniqueid"])
    if key and feed_name != "cdr":
        return "|".join(str(row.get(k)) for k in key)
    return hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()


def queue_log_rows(text: str) -> list[dict[str, Any]]:
    """Parse queue_log lines (``epoch|callid|queue|agent|event|data1..5``) into raw rows."""
    rows = []
    for line in text.strip().splitlines():
        parts = line.strip().split("|")
        parts += [None] * (10 - len(parts))
        epoch, callid, queue, agent, event, *data = parts[:10]
        row: dict[str, Any] = {
            "epoch": int(epoch),
            "callid": callid,
            "queuename": queue,
            "agent": agent,
            "event": event,
        }
        for index, value in enumerate(data, start=1):
            row[f"data{index}"] = value if value not in (None, "") else None
        rows.append(row)
    return rows


def open_db(path: Path) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path))
