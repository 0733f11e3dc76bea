"""Edge cases from tests/ingest/corpus/edge: layouts a file cannot be landed with, blank lines,
and a quoted newline (a record spanning two physical lines)."""

from __future__ import annotations

import shutil
from pathlib import Path

from ccdw.settings import Settings
from ingest.run import ingest_landing
from tests.ingest.ingest_test_helpers import CORPUS, query

EDGE = CORPUS.parent / "edge"


def test_edge_corpus(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(EDGE, landing)
    settings = Settings(home=tmp_path / "home")
    summary = ingest_landing(landing, settings=settings)
    results = {Path(r.path).name: r for r in summary.files}

    cdr = results["Master-19.csv"]
    assert cdr.status == "rejected"
    assert cdr.message == (
        f"{cdr.path}: unsupported CDR layout: 25 columns (cdr_csv writes 16, 17, 18 or 21)"
    )
    no_amount = results["no-amount.csv"]
    assert no_amount.message == f"{no_amount.path}: header has no required column amount"
    empty = results["empty.csv"]
    assert empty.message == f"{empty.path}: empty file: no header row"

    tickets = results["tickets.csv"]
    # Lines: 1 header, 2-3 a record with a quoted newline, 4 blank (skipped), 5 a record.
    assert tickets.status == "landed"
    assert (tickets.rows_read, tickets.rows_landed, tickets.rows_quarantined) == (3, 1, 2)
    assert query(
        settings,
        "select line_no, reason, raw_line from raw.quarantine where file_id = ? order by 1",
        [tickets.file_id],
    ) == [
        (
            2,
            "malformed CSV quoting (a quote is not closed on this line)",
            'K1,2026-11-28 09:00:00,open,"caller asked about',
        ),
        (
            3,
            "malformed CSV quoting (a quote is not closed on this line)",
            'a refund",2026-11-28 09:00:00',
        ),
    ]
    assert query(settings, "select ticket_id, _line_no from raw.tickets") == [("K2", 5)]
