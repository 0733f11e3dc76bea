"""The CLI lists its commands and turns a CcdwError into one line on stderr, exit 1."""

from __future__ import annotations

import subprocess
import sys


def run_ccdw(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ccdw.cli", *args], capture_output=True, text=True, check=False
    )


def test_help_lists_commands() -> None:
    result = run_ccdw("--help")
    assert result.returncode == 0
    for command in ("campaigns", "report", "alerts"):
        assert command in result.stdout
