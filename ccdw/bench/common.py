"""Pieces every benchmark room shares: where cached data lives, and CPU seconds of children."""

from __future__ import annotations

import os
import resource
from pathlib import Path


def cache_root() -> Path:
    """Root of the benchmark cache (generated data, built homes): ``CCDW_BENCH_CACHE`` or
    ``.bench/cache``."""
    return Path(os.environ.get("CCDW_BENCH_CACHE", ".bench/cache")).resolve()


def children_cpu() -> float:
    """User + system CPU seconds of every finished child process so far (less sensitive to
    other load on a shared machine than wall time)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
