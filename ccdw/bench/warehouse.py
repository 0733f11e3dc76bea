"""Warehouse benchmark: a full ``dbt build``, and an incremental build after one more day.

1. ``full``: generate ``scale`` data, ingest it, time ``ccdw.warehouse.build`` (full refresh).
2. ``incremental``: generate ``small`` (30 call days); land every file except the last day's
   queue_log and CDR (Master-YYYYMMDD, and the per-account copies) files, build; then land
   that last day and time the incremental build (29 days + 1). The ratio incremental / full is the target (< 10 %).

``python -m ccdw.bench.warehouse --scale medium`` prints the rows; ``make bench`` calls ``run``.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
import time
from pathlib import Path

from ccdw.settings import Settings, get_settings

log = logging.getLogger(__name__)

INCREMENTAL_SCALE = "small"
SEED = 42


def _generate(out: Path, scale: str) -> None:
    from ccdw.generate import generate

    generate(out, scale=scale, seed=SEED)


def _timed_build(settings: Settings, full_refresh: bool) -> float:
    from ccdw.warehouse import build

    started = time.perf_counter()
    build(settings, full_refresh=full_refresh, publish_copy=False)
    return time.perf_counter() - started


def _ingest(landing: Path, settings: Settings) -> float:
    from ingest.run import ingest_landing

    started = time.perf_counter()
    ingest_landing(landing, settings=settings)
    return time.perf_counter() - started


def _last_day_files(data: Path) -> list[Path]:
    """The newest day's rotated queue_log and main-PBX CDR file, and the per-account CDR copies.

    The per-account copies (``<accountcode>.csv``) repeat Master records of every day: landed
    with the last day they add only that day's records (the rest are duplicates).
    """
    picked = []
    for feed, pattern in (("queue_log", "queue_log-*"), ("cdr", "Master-*.csv")):
        files = sorted((data / feed).glob(pattern))
        if files:
            picked.append(files[-1])
    picked += [
        path for path in sorted((data / "cdr").glob("*.csv"))
        if not path.name.startswith(("Master-", "branch-"))
    ]
    return picked


def bench_full(work: Path, scale: str) -> dict:
    data = work / f"data-{scale}"
    _generate(data, scale)
    settings = Settings(home=work / f"home-{scale}")
    ingest_seconds = _ingest(data, settings)
    build_seconds = _timed_build(settings, full_refresh=True)
    return {
        "bench": "warehouse.full_build",
        "scale": scale,
        "ingest_seconds": round(ingest_seconds, 1),
        "seconds": round(build_seconds, 1),
    }


def bench_incremental(work: Path) -> dict:
    data = work / f"data-{INCREMENTAL_SCALE}"
    if not data.exists():
        _generate(data, INCREMENTAL_SCALE)
    held_back = _last_day_files(data)
    first_landing = work / "landing-first"
    last_day = work / "landing-last-day"
    shutil.copytree(data, first_landing, ignore=shutil.ignore_patterns("truth"))
    for path in held_back:
        relative = path.relative_to(data)
        (first_landing / relative).unlink()
        (last_day / relative.parent).mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, last_day / relative)
    settings = Settings(home=work / "home-incremental")
    _ingest(first_landing, settings)
    full_seconds = _timed_build(settings, full_refresh=True)
    _ingest(last_day, settings)
    incremental_seconds = _timed_build(settings, full_refresh=False)
    return {
        "bench": "warehouse.incremental_one_day",
        "scale": INCREMENTAL_SCALE,
        "full_seconds": round(full_seconds, 1),
        "seconds": round(incremental_seconds, 1),
        "ratio": round(incremental_seconds / full_seconds, 3),
        "target_ratio": 0.10,
        "files_added": [p.name for p in held_back],
    }


def run(settings: Settings | None = None, scale: str | None = "medium") -> list[dict]:
    """Full build on ``scale`` (default medium, the issue's scale) and the one-day increment."""
    settings = settings or get_settings()
    scale = scale or "medium"
    base = settings.home / ".bench"
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="warehouse-", dir=base) as tmp:
        work = Path(tmp)
        rows = [bench_full(work, scale), bench_incremental(work)]
    for row in rows:
        log.info("%s", row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium", help="scale of the full build (tiny|small|medium|large)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = run(scale=args.scale)
    for row in rows:
        print(row)  # noqa: T201 - the benchmark's report on stdout
    incremental = rows[-1]
    print(
        f"full build ({rows[0]['scale']}): {rows[0]['seconds']} s; incremental one day on"
        f" {incremental['scale']}: {incremental['seconds']} s vs full {incremental['full_seconds']} s"
        f" = {incremental['ratio']:.1%} (target < 10%)"
    )


if __name__ == "__main__":
    main()
