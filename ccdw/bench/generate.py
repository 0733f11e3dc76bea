"""Generator benchmark: wall time, output size, rows and peak RSS per scale.

Each scale runs ``ccdw generate`` in a fresh subprocess (so peak RSS is the generator's own),
into ``<home>/gen-<scale>``; the output is removed afterwards unless ``keep=True``.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ccdw.settings import Settings, get_settings

DEFAULT_SCALES = ("tiny", "small", "medium")
END_DATE = "2026-11-29"


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_one(settings: Settings, scale: str, seed: int = 42, keep: bool = False) -> dict:
    out = settings.home / f"gen-{scale}"
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, CCDW_HOME=str(settings.home), CCDW_TIMEZONE=settings.timezone)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ccdw.cli", "generate", "--scale", scale, "--seed", str(seed),
         "--end-date", END_DATE, "--out", str(out)],
        check=True, env=env, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    manifest = json.loads((out / "truth" / "manifest.json").read_text(encoding="utf-8"))
    rows = manifest["rows"]
    row = {
        "bench": f"generate {scale}",
        "seconds": round(seconds, 1),
        "rows": sum(rows.values()),
        "rows_per_s": round(sum(rows.values()) / seconds),
        "mb": round(_dir_bytes(out) / 1e6, 1),
        # ru_maxrss of children is the max over every child so far: scales run small to large
        "peak_rss_mb": round(peak_kb / 1024) if peak_kb > before else None,
        "cdr_rows": rows["cdr"],
        "queue_log_rows": rows["queue_log"],
        "transactions": rows["transactions"],
        "customers": rows["customers"],
    }
    if not keep:
        shutil.rmtree(out, ignore_errors=True)
    return row


def run(settings: Settings | None = None, scale: str | None = None) -> list[dict]:
    settings = settings or get_settings()
    scales = (scale,) if scale else DEFAULT_SCALES
    return [run_one(settings, s) for s in scales]
