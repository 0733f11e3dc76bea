"""``make bench``: run every room's benchmark and print one table.

Each ``ccdw/bench/<room>.py`` has ``run(settings, scale) -> list[dict]``; a row holds at least
``bench`` and ``seconds`` and usually ``rows_per_s``, ``peak_rss_mb`` and ``ratio_vs_raw``.
``scale=None`` lets each room use the scale its issue names. Results also go to
``.bench/results.json`` so a closing note can quote them.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ccdw.logging import setup_logging
from ccdw.settings import Settings

ROOMS = ("generate", "ingest", "warehouse", "ml", "campaigns", "dashboards", "delivery")
log = logging.getLogger("ccdw.bench")


def _run_room(room: str, scale: str | None, home: Path) -> list[dict]:
    try:
        module = importlib.import_module(f"ccdw.bench.{room}")
    except ModuleNotFoundError as exc:
        if exc.name == f"ccdw.bench.{room}":
            return [{"bench": room, "note": "no benchmark yet"}]
        raise
    settings = Settings(home=home / room)
    started = time.perf_counter()
    rows = module.run(settings, scale)
    log.info("%s benchmarks took %.1f s", room, time.perf_counter() - started)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", default=",".join(ROOMS), help="comma-separated rooms")
    parser.add_argument("--scale", default=None, help="override every room's scale")
    parser.add_argument("--home", default=".bench/home", help="scratch CCDW_HOME root")
    args = parser.parse_args()
    setup_logging()
    home = Path(args.home).resolve()
    results: list[dict] = []
    for room in [r.strip() for r in args.rooms.split(",") if r.strip()]:
        for row in _run_room(room, args.scale, home):
            results.append({"room": room, **row})
    out = Path(".bench/results.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    columns = sorted({k for row in results for k in row}, key=lambda k: (k != "room", k != "bench", k))
    table = Table(title="ccdw benchmarks")
    for column in columns:
        table.add_column(column)
    for row in results:
        table.add_row(*(_fmt(row.get(c)) for c in columns))
    Console(width=220).print(table)  # wide enough for every column when piped


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


if __name__ == "__main__":
    main()
