"""Ingest benchmark: ``ccdw ingest`` of the CDR and transaction feeds against a plain DuckDB
``CREATE TABLE AS SELECT * FROM read_csv(...)`` of the same files, in the same run.

The generator's files are made once per scale and seed and cached under
``.bench/cache/ingest-<scale>-<seed>/`` (``CCDW_BENCH_CACHE`` overrides the root). Both
sides run in a fresh subprocess against a fresh warehouse; peak RSS is sampled with psutil
over the subprocess and its children. The file cache is warmed before each side so neither
pays for the first disk read.

Run: ``python -m ccdw.bench --rooms ingest --scale medium`` (``make bench`` uses ``large``).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil

from ccdw.bench.common import cache_root, children_cpu
from ccdw.settings import Settings, get_settings

log = logging.getLogger(__name__)

DEFAULT_SCALE = "large"
SEED = 42
END_DATE = "2026-11-29"
FEEDS = ("cdr", "transactions")

# The baseline: one plain CTAS per file, DuckDB's own type detection, nothing else.
RAW_SCRIPT = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
rows = 0
for i, path in enumerate(sys.argv[2:]):
    con.execute(f"create table t{i} as select * from read_csv(?)", [path])
    rows += con.execute(f"select count(*) from t{i}").fetchone()[0]
con.close()
print(rows)
"""


def generated(scale: str, seed: int = SEED) -> Path:
    """The generator's output for ``scale`` (made once, then reused)."""
    out = cache_root() / f"ingest-{scale}-{seed}"
    if (out / "truth" / "manifest.json").exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    log.info("generating %s data into %s (cached for later runs)", scale, out)
    subprocess.run(
        [
            sys.executable, "-m", "ccdw.cli", "generate", "--scale", scale,
            "--seed", str(seed), "--end-date", END_DATE, "--out", str(out),
        ],
        check=True,
    )  # fmt: skip
    return out


def _landing(data: Path, home: Path) -> tuple[Path, list[Path]]:
    """A landing directory holding (hard links to) only the benchmarked feeds."""
    landing = home / "landing"
    shutil.rmtree(landing, ignore_errors=True)
    files: list[Path] = []
    for feed in FEEDS:
        (landing / feed).mkdir(parents=True)
        for source in sorted((data / feed).iterdir()):
            if source.is_file():
                target = landing / feed / source.name
                try:
                    os.link(source, target)
                except OSError:
                    shutil.copy2(source, target)
                files.append(target)
    return landing, files


def _warm(files: list[Path]) -> None:
    for path in files:
        with path.open("rb") as handle:
            while handle.read(16 * 1024 * 1024):
                pass



def _measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system; less sensitive to other load on a shared
    machine), peak RSS (bytes, process tree, sampled every 50 ms) and stdout."""
    cpu_before = children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watched = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = watched.memory_info().rss
            rss += sum(c.memory_info().rss for c in watched.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    stdout, stderr = proc.communicate()
    cpu = children_cpu() - cpu_before
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:4]} failed: {stderr.decode(errors='replace')[-2000:]}")
    return seconds, cpu, peak, stdout.decode()


def _row(
    name: str, seconds: float, cpu: float, rows: int, size: int, peak: int, load: float
) -> dict:
    return {
        "bench": name,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "rows": rows,
        "rows_per_s": round(rows / seconds),
        "mb_per_s": round(size / 1e6 / seconds, 1),
        "peak_rss_mb": round(peak / 1e6),
        # The machine is shared: the 1-minute load average when the side finished says how
        # much the other work disturbed its wall time.
        "load_avg_1m": round(load, 1),
    }


def run(settings: Settings | None = None, scale: str | None = None) -> list[dict]:
    settings = settings or get_settings()
    scale = scale or DEFAULT_SCALE
    data = generated(scale)
    home = settings.home / f"ingest-{scale}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    landing, files = _landing(data, home)
    size = sum(p.stat().st_size for p in files)
    env = {**os.environ, "CCDW_HOME": str(home / "ccdw"), "CCDW_LOG_LEVEL": "WARNING"}

    _warm(files)
    raw_seconds, raw_cpu, raw_peak, raw_out = _measure(
        [sys.executable, "-c", RAW_SCRIPT, str(home / "raw.duckdb"), *map(str, files)], env
    )
    raw_rows = int(raw_out.strip().splitlines()[-1])
    raw_load = os.getloadavg()[0]

    _warm(files)
    ingest_seconds, ingest_cpu, ingest_peak, _ = _measure(
        [sys.executable, "-m", "ccdw.cli", "ingest", str(landing)], env
    )
    ingest_load = os.getloadavg()[0]
    import duckdb

    con = duckdb.connect(str(home / "ccdw" / "warehouse.duckdb"), read_only=True)
    try:
        read, landed, quarantined, rejected = con.execute(
            "select sum(rows_read), sum(rows_landed), sum(rows_quarantined),"
            " count(*) filter (where status = 'rejected') from raw.ingest_files"
        ).fetchone()
    finally:
        con.close()

    raw = _row(
        f"raw read_csv CTAS {scale}", raw_seconds, raw_cpu, raw_rows, size, raw_peak, raw_load
    )
    ours = _row(
        f"ccdw ingest {scale}",
        ingest_seconds,
        ingest_cpu,
        int(read),
        size,
        ingest_peak,
        ingest_load,
    )
    ours.update(
        {
            "files": len(files),
            "mb": round(size / 1e6, 1),
            "rows_landed": int(landed),
            "rows_quarantined": int(quarantined),
            "rejected_files": int(rejected),
            "ratio_vs_raw": round(ingest_seconds / raw_seconds, 2),
            "cpu_ratio_vs_raw": round(ingest_cpu / raw_cpu, 2),
        }
    )
    log.info("ingest bench: %s", json.dumps([raw, ours]))
    shutil.rmtree(home, ignore_errors=True)
    return [raw, ours]
