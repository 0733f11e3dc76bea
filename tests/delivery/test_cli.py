"""The delivery commands as a user runs them (a real `ccdw` subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ccdw.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def ccdw(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CCDW_HOME": str(home), **env}
    environment.pop("CCDW_SMTP_HOST", None)
    return subprocess.run(
        [sys.executable, "-m", "ccdw.cli", *args],
        cwd=REPO, env=environment, capture_output=True, text=True, timeout=300, check=False,
    )


def test_report_and_alerts_commands(mini: Settings) -> None:
    bad = ccdw(mini.home, "report", "daily", "--date", "2026-13-01")
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines()[-1] == (
        "ccdw: error: --date '2026-13-01' is not a date (use YYYY-MM-DD)"
    )
    done = ccdw(mini.home, "report", "weekly", "--date", "2026-11-25", "--send",
                CCDW_REPORT_RECIPIENTS="boss@example.test, deputy@example.test")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["period"] == "2026-W48" and summary["reports"] == 4
    assert summary["enqueued"] == 8 and summary["sent"]["sent"] == 8  # 4 centers x 2 people
    sent = ccdw(mini.home, "alerts", "send", CCDW_ALERTS_DEFAULT_RECIPIENT="desk@example.test")
    assert sent.returncode == 0, sent.stderr
    alerts = json.loads(sent.stdout.strip().splitlines()[-1])
    # AN-1 to its RM; AN-2 (no RM) and AN-3 (RM without email) to the default recipient.
    assert alerts["enqueued"] == 3 and alerts["sent"] == 3 and alerts["transport"] == "file"
    assert len(list(mini.outbox_dir.glob("*.eml"))) == 11


def test_report_without_a_warehouse_is_one_clear_line(tmp_path: Path) -> None:
    result = ccdw(tmp_path / "nothing", "report", "daily")
    assert result.returncode == 1
    assert "no warehouse at" in result.stderr and "ccdw build" in result.stderr
