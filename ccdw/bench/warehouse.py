"""Warehouse benchmark: a full ``dbt build``, then an incremental build after one more day.

On the scale's generated data (``ccdw.bench.ingest.generated``: made once, then reused):

1. split it into everything before its last call day and that whole last day: the day's
   rotated files (``queue_log-YYYYMMDD``, ``Master-YYYYMMDD.csv``) are held back whole, and
   the day's rows of every other event-dated file (per-account and branch CDR copies,
   transactions, tickets, ticket events, web callbacks) are moved into a file of their own;
   snapshot feeds (customers, accounts, policies, premiums, agents, queues, ...) stay put;
2. ingest the first part into a fresh home and time a full build (``--full-refresh``);
3. ingest the last day and time the incremental build.

Prints wall and CPU seconds (dbt's subprocess) and the ratio incremental / full (target:
under 10 %). ``python -m ccdw.bench.warehouse [--scale medium]`` (default: medium and large);
``make bench`` calls ``run``.
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
from pathlib import Path

from ccdw.bench.common import children_cpu
from ccdw.settings import Settings, get_settings

log = logging.getLogger(__name__)

BENCH_SCALES = ("medium", "large")
TARGET_RATIO = 0.10
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
_DAY_IN_NAME = re.compile(r"(\d{8})")


@dataclass(frozen=True)
class Split:
    first: Path  # landing with every day but the last
    last_day: Path  # landing with the last day only
    day: str  # YYYY-MM-DD
    rows_moved: dict[str, int]  # feed -> rows of dated files moved to the last day



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


def _split_file(path: Path, column: str | int, day: str) -> tuple[list[bytes], list[bytes]]:
    """(lines of other days, lines of ``day``), a header line (if any) heading both."""
    lines = _read_lines(path)
    header: list[bytes] = []
    if isinstance(column, str):
        header, lines = lines[:1], lines[1:]
        names = next(csv.reader(io.StringIO(_decode(header[0])))) if header else []
        if column not in names:
            return header + lines, []
        index = names.index(column)
    else:
        index = column
    marker = day.encode()
    keep, moved = list(header), list(header)
    for line in lines:
        # only lines mentioning the day need parsing
        if marker in line and _field(line, index).startswith(day):
            moved.append(line)
        else:
            keep.append(line)
    return keep, moved


def split_last_day(data: Path, work: Path) -> Split:
    """Lay ``data`` out as two landings: every day but the last, and the last day."""
    day = _last_day(data)
    first, last_day = work / "landing-first", work / "landing-last-day"
    for landing in (first, last_day):
        shutil.rmtree(landing, ignore_errors=True)
    held_back = {
        path
        for feed, pattern in DAILY_FILES.items()
        for path in (data / feed).glob(pattern)
        if day.replace("-", "") in path.name
    }
    rows_moved: dict[str, int] = {}
    for feed_dir in sorted(p for p in data.iterdir() if p.is_dir() and p.name != "truth"):
        for path in sorted(p for p in feed_dir.iterdir() if p.is_file()):
            relative = path.relative_to(data)
            if path in held_back:
                _link(path, last_day / relative)
                continue
            daily = feed_dir.name in DAILY_FILES and path.match(DAILY_FILES[feed_dir.name])
            if feed_dir.name not in DATED_ROWS or daily:
                _link(path, first / relative)
                continue
            keep, moved = _split_file(path, DATED_ROWS[feed_dir.name], day)
            header = 1 if isinstance(DATED_ROWS[feed_dir.name], str) else 0
            if len(moved) == header:
                _link(path, first / relative)
                continue
            plain = relative.with_name(relative.name.removesuffix(".gz"))
            (first / plain).parent.mkdir(parents=True, exist_ok=True)
            (first / plain).write_bytes(b"".join(keep))
            shutil.copystat(path, first / plain)
            day_file = last_day / plain.with_name(f"{plain.stem}-{day.replace('-', '')}{plain.suffix}")
            day_file.parent.mkdir(parents=True, exist_ok=True)
            day_file.write_bytes(b"".join(moved))
            rows_moved[feed_dir.name] = rows_moved.get(feed_dir.name, 0) + len(moved) - header
    return Split(first=first, last_day=last_day, day=day, rows_moved=rows_moved)


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


def bench_incremental(data: Path, work: Path, scale: str) -> dict:
    """Full build of all days but the last, then the incremental build after the last day."""
    from ccdw.warehouse import prepare_warehouse, run_dbt

    split = split_last_day(data, work)
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
    }


def run(settings: Settings | None = None, scale: str | None = None) -> list[dict]:
    """The one-day increment on ``scale``, or on medium and large (the issue's scales) when
    none is given; data from the bench cache."""
    from ccdw.bench.ingest import generated

    settings = settings or get_settings()
    rows = []
    for each in [scale] if scale else list(BENCH_SCALES):
        work = settings.home / ".bench" / f"warehouse-{each}"
        work.mkdir(parents=True, exist_ok=True)
        rows.append(bench_incremental(generated(each), work, each))
        log.info("%s", rows[-1])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=None, help="tiny|small|medium|large (default: medium and large)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for row in run(scale=args.scale):
        print(row)  # noqa: T201 - the benchmark's report on stdout
        print(  # noqa: T201
            f"{row['scale']}: full build {row['full_seconds']} s ({row['full_cpu_seconds']} s CPU);"
            f" incremental after {row['day_added']}: {row['seconds']} s ({row['cpu_seconds']} s CPU)"
            f" = {row['ratio']:.1%} of wall, {row['cpu_ratio']:.1%} of CPU (target < {TARGET_RATIO:.0%})"
        )


if __name__ == "__main__":
    main()
