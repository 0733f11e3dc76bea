"""The generator's tiny data and the real Asterisk files from public repositories."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ccdw.settings import Settings
from ingest.feeds import FEEDS
from ingest.run import ingest_landing
from tests.ingest.ingest_test_helpers import query

REPO = Path(__file__).resolve().parents[2]


def _reconcile(settings: Settings) -> list[tuple]:
    files = query(
        settings,
        "select file_id, feed, path, rows_read, rows_landed, rows_duplicate, rows_quarantined,"
        " status from raw.ingest_files order by file_id",
    )
    for file_id, feed, path, read, landed, duplicate, quarantined, status in files:
        assert status == "landed", path
        assert read == landed + duplicate + quarantined, path
        assert query(
            settings, f"select count(*) from raw.{feed} where _file_id = ?", [file_id]
        ) == [(landed,)], path
        assert query(
            settings, "select count(*) from raw.quarantine where file_id = ?", [file_id]
        ) == [(quarantined,)], path
    return files


def test_tiny_generated_data_reconciles_per_file(tiny_data: Path, tiny_ingested: Settings) -> None:
    files = _reconcile(tiny_ingested)
    feeds_landed = {feed for _, feed, *_ in files}
    assert feeds_landed == set(FEEDS)
    # Every line of every generated file was read (no file silently skipped).
    for _, feed, path, read, *_ in files:
        if path.endswith((".csv", ".log")):
            lines = Path(path).read_bytes().count(b"\n")
            header = 0 if FEEDS[feed].kind in ("cdr", "queue_log") else 1
            assert read == lines - header, path
    assert not [p for _, _, p, *_ in files if "/truth/" in p]


def test_tiny_second_run_lands_nothing(
    tiny_data: Path, tiny_ingested: Settings, tmp_path: Path
) -> None:
    shutil.copytree(tiny_ingested.home, tmp_path / "home")
    settings = tiny_ingested.model_copy(update={"home": tmp_path / "home"})
    counts = query(settings, "select count(*) from raw.ingest_files")
    again = ingest_landing(tiny_data, settings=settings)
    assert again.files == []
    assert query(settings, "select count(*) from raw.ingest_files") == counts


def test_real_asterisk_files_every_row_lands_or_is_quarantined(
    shared_fixtures: Path, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    (landing / "cdr").mkdir(parents=True)
    for source in shared_fixtures.glob("*.csv"):
        # A symlink: the fixtures are read in place, never copied into the repository.
        (landing / "cdr" / source.name).symlink_to(source)
    settings = Settings(home=tmp_path / "home")
    summary = ingest_landing(landing, settings=settings)
    _reconcile(settings)
    by_name = {Path(r.path).name: r for r in summary.files}
    dj = by_name["dj-asterisk-cdr_Master.csv"]
    buga = by_name["BugaDM-TelephonySwitching_Master.csv"]
    assert (dj.rows_read, buga.rows_read) == (84, 105)
    assert dj.rows_landed + dj.rows_quarantined == 84
    assert buga.rows_landed + buga.rows_quarantined == 105
    # The uniqueid gains a system-name prefix mid-file: those rows land like the others.
    prefixed = query(
        settings, "select count(*) from raw.cdr where uniqueid like 'mainserverdss-%'"
    )[0][0]
    assert prefixed > 0
    # The invalid UTF-8 bytes in clid are kept visibly, the row is not lost.
    assert dj.message == "invalid UTF-8 bytes kept as \\xNN escapes"
    escaped = query(
        settings,
        "select clid, src from raw.cdr where src = '81079246516548' order by _line_no",
    )
    assert len(escaped) == 2
    assert all("\\x" in clid and clid.endswith("<81079246516548>") for clid, _ in escaped)


def test_cli_prints_a_summary_and_fails_cleanly(corpus_landing: Path, tmp_path: Path) -> None:
    env_home = {"CCDW_HOME": str(tmp_path / "home")}
    run = subprocess.run(
        [sys.executable, "-m", "ccdw.cli", "ingest", str(corpus_landing)],
        cwd=REPO,
        env={**_env(), **env_home, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "customers" in run.stdout and "quarantined" in run.stdout
    assert "header has no key column account_id" in run.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "ccdw.cli", "ingest", str(tmp_path / "nowhere")],
        cwd=REPO,
        env={**_env(), **env_home},
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        f"ccdw: error: landing directory {tmp_path / 'nowhere'} does not exist"
    )


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)
