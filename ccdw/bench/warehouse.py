"""Warehouse benchmark: a full ``dbt build``, then an incremental build after one more day.

On the scale's generated data (``ccdw.bench.ingest.generated``: made once, then reused):

1. lay it out as a ``HISTORY_DAYS``-day warehouse and the day after it (the data's last call
   day): the daily rotated files (``queue_log-YYYYMMDD``, ``Master-YYYYMMDD.csv``) of the
   window go to the first landing and the last day's are held back whole; the rows of every
   other event-dated file (per-account and branch CDR copies, transactions, tickets, ticket
   events, web callbacks) are split by their date — older than the window left out, the last
   day's moved into a file of their own; the CRM snapshots (customers, accounts, policies)
   keep every row, except that the rows changed on the last day arrive with it, as a CRM
   delta would; the remaining snapshots (premiums, agents, queues, ...) stay put;
2. ingest the first part into a fresh home and time a full build (``--full-refresh``);
3. ingest the last day and time the incremental build.

Prints wall and CPU seconds (dbt's subprocess) and the ratio incremental / full (target:
under 10 %). ``python -m ccdw.bench.warehouse [--scale medium] [--history-days 30]`` (default:
medium and large); ``make bench`` calls ``run``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ccdw.bench.common import children_cpu
from ccdw.settings import Settings, get_settings

log = logging.getLogger(__name__)

BENCH_SCALES = ("medium", "large")
TARGET_RATIO = 0.10
# The issue: "an incremental run after landing one more day onto a 30-day warehouse".
HISTORY_DAYS = 30
# Files rotated per day: the newest one is the last day, held back whole.
DAILY_FILES = {"queue_log": "queue_log-*", "cdr": "Master-*"}
# Event-dated rows in files spanning many days: feed -> (column holding the row's time,
# or its 0-based position in a headerless file). The CDR's `start` is field 10 of cdr_csv.
DATED_ROWS: dict[str, str | int] = {
    "cdr": 9,
    "transactions": "booked_at",
    "tickets": "updated_at",
    "ticket_events": "event_at",
    "web_callbacks": "requested_at",
}
# Snapshot rows that carry the time they changed: the last day's changes arrive with it.
CHANGED_ROWS: dict[str, str] = {
    "customers": "updated_at",
    "accounts": "opened_at",
    "policies": "updated_at",
}
_DAY_IN_NAME = re.compile(r"(\d{8})")


@dataclass(frozen=True)
class Split:
    first: Path  # landing with every day but the last
    last_day: Path  # landing with the last day only
    day: str  # YYYY-MM-DD
    first_day: str | None  # YYYY-MM-DD: the window's first day (None: every earlier day)
    rows_moved: dict[str, int]  # feed -> rows of dated files moved to the last day
    rows_left_out: dict[str, int]  # feed -> rows older than the window



def _last_day(data: Path) -> str:
    days = [
        match.group(1)
        for feed, pattern in DAILY_FILES.items()
        for path in (data / feed).glob(pattern)
        if (match := _DAY_IN_NAME.search(path.name))
    ]
    if not days:
        raise FileNotFoundError(f"no daily queue_log/CDR files under {data}")
    day = max(days)
    return f"{day[:4]}-{day[4:6]}-{day[6:]}"


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _read_lines(path: Path) -> list[bytes]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return handle.read().splitlines(keepends=True)


def _decode(line: bytes) -> str:
    try:
        return line.decode("utf-8-sig")
    except UnicodeDecodeError:
        return line.decode("gb18030")


def _field(line: bytes, index: int) -> str:
    fields = next(csv.reader(io.StringIO(_decode(line))), [])
    return fields[index] if index < len(fields) else ""


def _split_file(
    path: Path, column: str | int, day: str, first_day: str | None = None
) -> tuple[list[bytes], list[bytes], int]:
    """(lines of the window before ``day``, lines of ``day``, lines older than ``first_day``
    left out); a header line (if any) heads both lists. ISO dates compare as text."""
    lines = _read_lines(path)
    header: list[bytes] = []
    if isinstance(column, str):
        header, lines = lines[:1], lines[1:]
        names = next(csv.reader(io.StringIO(_decode(header[0])))) if header else []
        if column not in names:
            return header + lines, list(header), 0
        index = names.index(column)
    else:
        index = column
    marker = day.encode()
    keep, moved = list(header), list(header)
    left_out = 0
    for line in lines:
        if first_day is None and marker not in line:
            keep.append(line)  # only lines mentioning the day need parsing
            continue
        value = _field(line, index)[:10]
        if value == day:
            moved.append(line)
        elif first_day is not None and value and value < first_day:
            left_out += 1
        else:
            keep.append(line)
    return keep, moved, left_out


def _window_start(day: str, history_days: int | None) -> str | None:
    if history_days is None:
        return None
    return (date.fromisoformat(day) - timedelta(days=history_days)).isoformat()


def split_last_day(data: Path, work: Path, history_days: int | None = HISTORY_DAYS) -> Split:
    """Lay ``data`` out as two landings: the ``history_days`` days before the last day (every
    earlier day when None), and the last day."""
    day = _last_day(data)
    first_day = _window_start(day, history_days)
    first, last_day = work / "landing-first", work / "landing-last-day"
    for landing in (first, last_day):
        shutil.rmtree(landing, ignore_errors=True)
    rows_moved: dict[str, int] = {}
    rows_left_out: dict[str, int] = {}
    for feed_dir in sorted(p for p in data.iterdir() if p.is_dir() and p.name != "truth"):
        feed = feed_dir.name
        for path in sorted(p for p in feed_dir.iterdir() if p.is_file()):
            relative = path.relative_to(data)
            if feed in DAILY_FILES and path.match(DAILY_FILES[feed]):
                file_day = _file_day(path)
                if file_day == day:
                    _link(path, last_day / relative)
                elif first_day is None or file_day is None or file_day >= first_day:
                    _link(path, first / relative)
                continue
            column = DATED_ROWS.get(feed, CHANGED_ROWS.get(feed))
            if column is None:
                _link(path, first / relative)
                continue
            window_start = first_day if feed in DATED_ROWS else None
            keep, moved, left_out = _split_file(path, column, day, window_start)
            header = 1 if isinstance(column, str) else 0
            if left_out:
                rows_left_out[feed] = rows_left_out.get(feed, 0) + left_out
            if len(moved) == header and not left_out:
                _link(path, first / relative)
                continue
            plain = relative.with_name(relative.name.removesuffix(".gz"))
            if len(keep) > header:
                (first / plain).parent.mkdir(parents=True, exist_ok=True)
                (first / plain).write_bytes(b"".join(keep))
                shutil.copystat(path, first / plain)
            if len(moved) > header:
                day_file = last_day / plain.with_name(f"{plain.stem}-{day.replace('-', '')}{plain.suffix}")
                day_file.parent.mkdir(parents=True, exist_ok=True)
                day_file.write_bytes(b"".join(moved))
                rows_moved[feed] = rows_moved.get(feed, 0) + len(moved) - header
    return Split(
        first=first, last_day=last_day, day=day, first_day=first_day, rows_moved=rows_moved, rows_left_out=rows_left_out
    )


def _file_day(path: Path) -> str | None:
    match = _DAY_IN_NAME.search(path.name)
    if match is None:
        return None
    found = match.group(1)
    return f"{found[:4]}-{found[4:6]}-{found[6:]}"


def _ingest(landing: Path, settings: Settings) -> float:
    from ingest.run import ingest_landing

    started = time.perf_counter()
    ingest_landing(landing, settings=settings)
    return time.perf_counter() - started


def _timed_build(settings: Settings, full_refresh: bool) -> tuple[float, float, list[tuple[str, float]]]:
    """Wall seconds, CPU seconds of dbt, and the slowest nodes."""
    from ccdw.warehouse import build

    cpu_before = children_cpu()
    started = time.perf_counter()
    result = build(settings, full_refresh=full_refresh, publish_copy=False)
    wall = time.perf_counter() - started
    slowest = sorted(
        ((node.unique_id.split(".", 2)[-1], node.execution_seconds) for node in result.nodes),
        key=lambda item: -item[1],
    )
    return wall, children_cpu() - cpu_before, slowest[:8]


def bench_incremental(data: Path, work: Path, scale: str, history_days: int | None = HISTORY_DAYS) -> dict:
    """Full build of the window before the last day, then the incremental build after it."""
    from ccdw.warehouse import prepare_warehouse, run_dbt

    split = split_last_day(data, work, history_days)
    settings = Settings(home=work / "home")
    shutil.rmtree(settings.home, ignore_errors=True)
    settings.home.mkdir(parents=True)
    ingest_first = _ingest(split.first, settings)
    prepare_warehouse(settings)
    run_dbt(["parse"], settings)  # both timed builds start from a parsed project
    full_wall, full_cpu, full_slowest = _timed_build(settings, full_refresh=True)
    ingest_day = _ingest(split.last_day, settings)
    wall, cpu, slowest = _timed_build(settings, full_refresh=False)
    log.info("slowest nodes, full build: %s", full_slowest)
    log.info("slowest nodes, incremental build: %s", slowest)
    return {
        "bench": "warehouse.incremental_one_day",
        "scale": scale,
        "day_added": split.day,
        "history_from": split.first_day,
        "ingest_seconds": round(ingest_first, 1),
        "ingest_day_seconds": round(ingest_day, 1),
        "full_seconds": round(full_wall, 1),
        "full_cpu_seconds": round(full_cpu, 1),
        "seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "ratio": round(wall / full_wall, 3),
        "cpu_ratio": round(cpu / full_cpu, 3) if full_cpu else None,
        "target_ratio": TARGET_RATIO,
        "rows_moved_to_last_day": split.rows_moved,
        "rows_left_out": split.rows_left_out,
    }


def run(
    settings: Settings | None = None, scale: str | None = None, history_days: int | None = HISTORY_DAYS
) -> list[dict]:
    """The one-day increment on ``scale``, or on medium and large (the issue's scales) when
    none is given; data from the bench cache."""
    from ccdw.bench.ingest import generated

    settings = settings or get_settings()
    rows = []
    for each in [scale] if scale else list(BENCH_SCALES):
        work = settings.home / ".bench" / f"warehouse-{each}"
        work.mkdir(parents=True, exist_ok=True)
        rows.append(bench_incremental(generated(each), work, each, history_days))
        log.info("%s", rows[-1])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=None, help="tiny|small|medium|large (default: medium and large)")
    parser.add_argument(
        "--history-days",
        type=int,
        default=HISTORY_DAYS,
        help=f"days of history before the added day (default {HISTORY_DAYS}; 0: every day in the data)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for row in run(scale=args.scale, history_days=args.history_days or None):
        print(row)  # noqa: T201 - the benchmark's report on stdout
        print(  # noqa: T201
            f"{row['scale']}: full build {row['full_seconds']} s ({row['full_cpu_seconds']} s CPU);"
            f" incremental after {row['day_added']} (history from {row['history_from'] or 'the start'}):"
            f" {row['seconds']} s ({row['cpu_seconds']} s CPU)"
            f" = {row['ratio']:.1%} of wall, {row['cpu_ratio']:.1%} of CPU (target < {TARGET_RATIO:.0%})"
        )


if __name__ == "__main__":
    main()
