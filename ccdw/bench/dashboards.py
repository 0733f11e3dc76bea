"""Dashboard benchmark: page load times in headless Chromium against a served warehouse.

A page counts as loaded when its script finished and every visible chart and table drew
itself (``dashboards.screenshots``). The browser opens the app once (``open_app``: Streamlit's
own JavaScript, the session, the Overview page), then moves between pages through the
sidebar as an analyst does. Two rounds: ``cold`` (first visit after the server started, query
cache empty) and ``warm`` (query results cached). Target: < 2 s per page.

``python -m ccdw.bench.dashboards --scale medium [--home DIR]`` prints the rows; ``--home``
serves a home that already holds a warehouse (e.g. after ``make demo``); otherwise the built and
scored home of ``scale`` comes from the benchmark cache (``ccdw.bench.homes``).
``make bench`` calls :func:`run`.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from ccdw.db import publish
from ccdw.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_SCALE = "medium"
TARGET_SECONDS = 2.0


def measure(settings: Settings, scale: str) -> list[dict[str, object]]:
    """Serve ``settings.home`` and time every page, cold then warm."""
    from dashboards.screenshots import PAGES, capture_pages, sample_customer
    from dashboards.server import running_app

    lookup = sample_customer(settings)
    rows: list[dict[str, object]] = []
    with running_app(settings) as base_url:
        shots = capture_pages(base_url, settings.home / "bench-shots", rounds=2, lookup=lookup)
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
                "charts": shot.charts,
                "tables": shot.tables,
                "errors": len(shot.errors),
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
