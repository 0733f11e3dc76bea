"""``ccdw generate`` through the real CLI (a subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_ccdw(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"CCDW_HOME": str(home), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "ccdw.cli", *args], capture_output=True,
                          text=True, check=False, env=env)


def test_generate_into_default_landing(tmp_path: Path) -> None:
    result = run_ccdw("generate", "--scale", "tiny", "--seed", "1", "--end-date", "2026-06-30",
                      home=tmp_path)
    assert result.returncode == 0, result.stderr
    landing = tmp_path / "landing"
    assert (landing / "truth" / "manifest.json").is_file()
    assert (landing / "queue_log" / "queue_log-20260630.log").is_file()
    assert "transactions" in result.stdout


def test_generate_rejects_bad_options(tmp_path: Path) -> None:
    bad_scale = run_ccdw("generate", "--scale", "huge", "--out", str(tmp_path / "x"), home=tmp_path)
    assert bad_scale.returncode == 1
    assert bad_scale.stderr.strip() == (
        "ccdw: error: unknown scale 'huge': choose one of tiny, small, medium, large")
    bad_date = run_ccdw("generate", "--scale", "tiny", "--end-date", "29/11/2026", home=tmp_path)
    assert bad_date.returncode == 1
    assert "--end-date '29/11/2026' is not a date in YYYY-MM-DD form" in bad_date.stderr
    assert not (tmp_path / "x").exists()
