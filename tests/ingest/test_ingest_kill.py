"""SIGKILL in the middle of a file's transaction: the warehouse stays as before that file, the
next run finishes the job, and the final state equals an uninterrupted run's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ccdw.settings import Settings
from ingest.feeds import FEEDS
from ingest.run import PAUSE_ENV, ingest_landing
from tests.ingest.ingest_test_helpers import ARRIVAL, copy_corpus, query

REPO = Path(__file__).resolve().parents[2]


def _state(settings: Settings) -> dict[str, list[str]]:
    """Every raw table, rows sorted; ingest_files without its wall-clock landed_at."""
    state = {
        "raw.ingest_files": query(
            settings, "select * exclude (landed_at) from raw.ingest_files order by file_id"
        ),
        "raw.quarantine": query(settings, "select * from raw.quarantine order by file_id, line_no"),
    }
    for feed in FEEDS:
        state[f"raw.{feed}"] = query(
            settings, f"select * from raw.{feed} order by _file_id, _line_no"
        )
    return {table: [repr(row) for row in rows] for table, rows in state.items()}


def _kill_inside_file(landing: Path, home: Path, ordinal: int) -> None:
    """Run ``ccdw ingest`` in a subprocess, wait until it pauses inside file ``ordinal``'s
    transaction, and SIGKILL it there."""
    env = {**os.environ, "CCDW_HOME": str(home), PAUSE_ENV: f"{ordinal}:120"}
    marker = home / "tmp" / "ingest-paused"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ccdw.cli", "ingest", str(landing)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            if proc.poll() is not None:
                raise AssertionError(f"ingest ended before the pause: {proc.stderr.read()!r}")
            if time.monotonic() > deadline:
                raise AssertionError("ingest never reached the pause")
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize(
    "ordinal",
    [
        5,  # old-16col.csv: the one-pass insert path
        8,  # queue_log.log: the validating path, with quarantine rows
    ],
)
def test_sigkill_mid_file_then_rerun_equals_uninterrupted(tmp_path: Path, ordinal: int) -> None:
    landing = copy_corpus(tmp_path / "landing")
    reference = Settings(home=tmp_path / "reference")
    ingest_landing(landing, settings=reference)

    killed = Settings(home=tmp_path / "killed")
    _kill_inside_file(landing, killed.home, ordinal)

    # As before that file: the files before it are complete, it and later ones absent.
    recorded = query(killed, "select path from raw.ingest_files order by file_id")
    assert [Path(p).name for (p,) in recorded] == [Path(a).name for a in ARRIVAL[: ordinal - 1]]
    killed_file = landing / ARRIVAL[ordinal - 1]
    feed = FEEDS[killed_file.parent.name].name
    assert query(
        killed,
        f"select count(*) from raw.{feed} where _file_id >= ?",
        [ordinal],
    ) == [(0,)]
    assert query(killed, "select count(*) from raw.quarantine where file_id >= ?", [ordinal]) == [
        (0,)
    ]

    resumed = ingest_landing(landing, settings=killed)
    assert Path(resumed.files[0].path).name == killed_file.name
    assert _state(killed) == _state(reference)
