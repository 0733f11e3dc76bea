"""Dashboard benchmark: page load times in headless Chromium against a served warehouse.

A page counts as loaded when its script finished and every visible chart and table drew
itself (``dashboards.screenshots``). Rows, in order:

- ``dashboard.server_start``: ``streamlit run`` until the server answers its health check
  (Python and Streamlit start-up; the app's modules are preloaded here, ``dashboards.serve``).
- ``dashboard.open_app``: the browser opens the app by URL: Streamlit's own JavaScript and
  its app shell (``shell_s``), the session, the first script run, the Overview page drawn.
- ``dashboard.<page>.cold`` / ``.warm``: the browser then moves between pages through the
  sidebar as an analyst does, twice: ``cold`` (first visit after the server started, query
  cache empty) and ``warm`` (query results cached). Target: < 2 s per page.

Each page row carries the browser's wall seconds and, from the server's log, what the server
spent on that visit: ``script_s`` (script runs, wall), ``script_cpu_s`` (server process CPU),
``queries`` and ``query_s`` (cache misses, including opening the serving copy). The rest of
``seconds`` is the browser: messages, charts and tables drawing. ``load1`` is the machine's
1-minute load average when the page loaded (2 cores: a loaded machine is slower).

``python -m ccdw.bench.dashboards --scale medium [--home DIR]`` prints the rows; ``--home``
serves a home that already holds a warehouse (e.g. after ``make demo``); otherwise the built and
scored home of ``scale`` comes from the benchmark cache (``ccdw.bench.homes``).
``make bench`` calls :func:`run`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from ccdw.db import publish
from ccdw.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_SCALE = "medium"
TARGET_SECONDS = 2.0
# The app logs one line per script run (dashboards/app.py).
_SCRIPT_LINE = re.compile(
    r"script page=(?P<page>\S+) seconds=(?P<seconds>[\d.]+) cpu_seconds=(?P<cpu>[\d.]+) "
    r"queries=(?P<queries>\d+) query_seconds=(?P<query_s>[\d.]+) open_seconds=[\d.]+ at=(?P<at>[\d.]+)"
)


@dataclass(frozen=True)
class ScriptRun:
    page: str
    seconds: float
    cpu_seconds: float
    queries: int
    query_seconds: float
    at: float


def script_runs(server_log: Path) -> list[ScriptRun]:
    """The per-run lines the app wrote to the server's log."""
    if not server_log.exists():
        return []
    runs = []
    for line in server_log.read_text(errors="replace").splitlines():
        found = _SCRIPT_LINE.search(line)
        if found:
            runs.append(
                ScriptRun(
                    page=found["page"], seconds=float(found["seconds"]), cpu_seconds=float(found["cpu"]),
                    queries=int(found["queries"]), query_seconds=float(found["query_s"]), at=float(found["at"]),
                )
            )
    return runs


def server_side(runs: list[ScriptRun], page: str, started_at: float, loaded_at: float) -> dict[str, object]:
    """What the server spent on one visit: the runs of ``page`` that ended while it loaded."""
    mine = [r for r in runs if r.page == page and started_at <= r.at <= loaded_at]
    return {
        "script_runs": len(mine),
        "script_s": round(sum(r.seconds for r in mine), 3),
        "script_cpu_s": round(sum(r.cpu_seconds for r in mine), 3),
        "queries": sum(r.queries for r in mine),
        "query_s": round(sum(r.query_seconds for r in mine), 3),
    }


def measure(settings: Settings, scale: str) -> list[dict[str, object]]:
    """Serve ``settings.home`` and time every page, cold then warm."""
    from dashboards.screenshots import PAGES, capture_pages, sample_customer
    from dashboards.server import running_app

    lookup = sample_customer(settings)
    out_dir = settings.home / "bench-shots"
    server_log = out_dir / "server.log"
    started = time.perf_counter()
    with running_app(settings, log_path=server_log) as base_url:
        server_start = time.perf_counter() - started
        shots = capture_pages(base_url, out_dir, rounds=2, lookup=lookup)
    runs = script_runs(server_log)
    rows: list[dict[str, object]] = [
        {"bench": "dashboard.server_start", "seconds": round(server_start, 3), "scale": scale,
         "load1": round(os.getloadavg()[0], 1)},
    ]
    for shot in shots:
        if shot.visit == 1 and shot.page == PAGES[0][0]:
            name = "dashboard.open_app"  # the browser loads Streamlit itself, then the page
        else:
            name = f"dashboard.{shot.page}.{'cold' if shot.visit == 1 else 'warm'}"
        rows.append(
            {
                "bench": name,
                "seconds": shot.load_seconds,
                "scale": scale,
                "target_s": TARGET_SECONDS,
                "within_target": shot.load_seconds < TARGET_SECONDS,
                **server_side(runs, shot.page, shot.started_at, shot.loaded_at),
                "charts": shot.charts,
                "tables": shot.tables,
                "errors": len(shot.errors),
                "load1": shot.load1,
                **({"shell_s": shot.shell_seconds} if shot.shell_seconds is not None else {}),
            }
        )
    return rows


def run(settings: Settings | None = None, scale: str | None = None) -> list[dict[str, object]]:
    """Time every page on ``settings.home`` when it holds a warehouse, else on the benchmark
    cache's built and scored home for ``scale`` (``ccdw.bench.homes``)."""
    from ccdw.bench.homes import built_home

    scale = scale or DEFAULT_SCALE
    if settings is not None and settings.warehouse_path.exists():
        if not settings.serving_path.exists():
            publish(settings)
    else:
        settings, _, _ = built_home(scale, scored=True)
    return measure(settings, scale)


def main() -> None:
    from ccdw.logging import setup_logging

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default=DEFAULT_SCALE)
    parser.add_argument("--home", type=Path, default=None, help="reuse this CCDW_HOME")
    args = parser.parse_args()
    setup_logging()
    settings = Settings(home=args.home) if args.home else None
    for row in run(settings, args.scale):
        print(json.dumps(row))


if __name__ == "__main__":
    main()
