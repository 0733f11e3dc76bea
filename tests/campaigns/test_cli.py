"""The campaign commands as a person runs them (subprocess, real warehouse file)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from ccdw.settings import Settings
from tests.campaigns.handmade import build_handmade


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CCDW_HOME": str(home), "CCDW_ASTERISK_SPOOL_DIR": str(home / "spool")}
    return subprocess.run([sys.executable, "-m", "ccdw.cli", *args], capture_output=True,
                          text=True, env=env, check=False, timeout=300)


def test_build_export_and_dial_commands(tmp_path: Path) -> None:
    home = tmp_path / "home"
    build_handmade(Settings(home=home))

    built = run(home, "campaigns", "build", "--as-of", "2026-12-02 09:30")
    assert built.returncode == 0, built.stderr
    assert "unpaid_premium_reminder" in built.stdout and "do_not_call 1" in built.stdout

    out = tmp_path / "list.csv"
    exported = run(home, "campaigns", "export", "--format", "vicidial", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(out.open()))
    assert rows and all(r["phone_code"] == "86" and r["vendor_lead_code"] for r in rows)

    dry = run(home, "dial", "--via", "dry-run", "--as-of", "2026-12-02 10:00")
    assert dry.returncode == 0 and "would be sent" in dry.stdout
    assert "+86138****" in dry.stdout and "+8613800000001" not in dry.stdout  # masked

    files = run(home, "dial", "--via", "callfile", "--as-of", "2026-12-02 10:00")
    assert files.returncode == 0, files.stderr
    assert len(list((home / "spool" / "outgoing").glob("ccdw-*.call"))) > 0


def test_errors_are_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    bad_date = run(home, "campaigns", "build", "--as-of", "yesterday")
    assert bad_date.returncode == 1
    assert bad_date.stderr.strip().splitlines()[-1].startswith("ccdw: error: --as-of 'yesterday'")
    no_marts = run(home, "campaigns", "build", "--as-of", "2026-12-02")
    assert no_marts.returncode == 1 and "build the marts and scores first" in no_marts.stderr
    bad_via = run(home, "dial", "--via", "carrier-pigeon")
    assert bad_via.returncode == 1 and "unknown --via 'carrier-pigeon'" in bad_via.stderr
    no_secret = run(home, "dial", "--via", "ami")
    assert no_secret.returncode == 1 and "CCDW_AMI_USER" in no_secret.stderr
