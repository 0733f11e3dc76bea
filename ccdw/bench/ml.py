"""ML benchmark: ``ccdw score`` (value + anomalies) on a built warehouse — seconds and peak RSS.

Scoring runs in a child process that reports its own peak RSS (``ru_maxrss``), so the number
is the scorer's, not the generator's or dbt's. The built warehouse comes from the benchmark
cache (``ccdw.bench.homes``: generated, ingested and built once per scale, slow at ``large``)
and is scored on a copy; ``--home`` scores a home whose marts are already built instead.

``python -m ccdw.bench.ml [--scale medium] [--home DIR] [--truth DIR]`` prints the rows;
``make bench`` calls ``run``.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ccdw.settings import Settings, get_settings

log = logging.getLogger(__name__)

DEFAULT_SCALES = ("medium", "large")

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from ccdw.settings import Settings
from models_ml.score import score
settings = Settings(home=Path(sys.argv[1]))
started = time.perf_counter()
summary = score(settings)
seconds = time.perf_counter() - started
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_kb / 1024, "summary": summary}, default=str))
"""


def _scratch_copy(built: Settings, work: Path) -> Settings:
    """A copy of a built home's warehouse without ``ml`` outputs or queued messages, so that
    the first score starts from nothing and the cached home stays as it was."""
    settings = Settings(home=work / "home")
    settings.home.mkdir(parents=True)
    shutil.copy2(built.warehouse_path, settings.warehouse_path)
    from ccdw.db import connect

    with connect(settings) as con:  # the cached home may have been scored (dashboards bench)
        con.execute("drop schema if exists ml cascade")
        con.execute("delete from ops.outbox")
    return settings


def score_in_child(settings: Settings) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(settings.home)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"scoring failed: {result.stderr.strip().splitlines()[-1:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _transactions(settings: Settings) -> int:
    from ccdw.db import connect

    with connect(settings, read_only=True) as con:
        return int(con.execute("select count(*) from marts.fct_transactions").fetchone()[0])


def bench_score(settings: Settings, scale: str, truth: Path | None) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    n_txns = _transactions(settings)
    for label in ("score.first", "score.rescore"):  # the second run matches stored episodes
        measured = score_in_child(settings)
        summary = measured["summary"]
        assert isinstance(summary, dict)
        rows.append(
            {
                "bench": f"ml.{label}",
                "scale": scale,
                "seconds": round(float(measured["seconds"]), 1),
                "peak_rss_mb": round(float(measured["peak_rss_mb"]), 0),
                "rows_per_s": round(n_txns / max(float(measured["seconds"]), 1e-9)),
                "customers": summary.get("customers_scored"),
                "transactions": n_txns,
                "alerts_new": summary.get("alerts_new"),
            }
        )
    if truth is not None and truth.is_dir():
        from models_ml.evaluate import evaluate

        for row in evaluate(truth, settings):
            rows.append({"bench": f"ml.quality.{row['metric']}.{row['scope']}", "scale": scale,
                         "value": row["value"], "target": row["target"], "passed": row["passed"]})
    return rows


def run(settings: Settings | None = None, scale: str | None = None) -> list[dict[str, object]]:
    """Score each scale (default medium and large) on a copy of its cached built home."""
    from ccdw.bench.homes import built_home

    settings = settings or get_settings()
    rows: list[dict[str, object]] = []
    for each in [scale] if scale else list(DEFAULT_SCALES):
        built, truth, _ = built_home(each)
        settings.home.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f"ml-{each}-", dir=settings.home))
        try:
            rows += bench_score(_scratch_copy(built, work), each, truth)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default=None, help="one scale (default: medium and large)")
    parser.add_argument("--home", type=Path, default=None, help="a CCDW_HOME with marts already built")
    parser.add_argument("--truth", type=Path, default=None, help="the generator's truth/ for quality rows")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    if args.home:
        rows = bench_score(Settings(home=args.home), args.scale or "?", args.truth)
    else:
        rows = run(get_settings(), args.scale)
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
