"""``ingest_landing``: land every new complete file of a landing directory into ``raw``.

Each file is landed in its own transaction: its raw rows, its quarantine rows and its
``raw.ingest_files`` row commit together or not at all, so a kill between two statements
leaves the warehouse as it was before that file and the next run simply lands it again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from ccdw.db import connect
from ccdw.errors import CcdwError
from ccdw.settings import Settings, get_settings
from ingest import land
from ingest.encoding import EncodingChoice, choose, transcode
from ingest.feeds import FEEDS
from ingest.files import FileFacts, LandedFile, UnreadableFile, discover, inspect, open_text_bytes
from ingest.layout import FileLayout, LayoutError, cdr_layout, crm_layout
from ingest.schema import ensure_raw_schema

log = logging.getLogger(__name__)

# Test hook for the kill test: "N:SECONDS" sleeps inside the transaction of the N-th file
# this run reads (1-based), after its rows are written and before the commit.
PAUSE_ENV = "CCDW_INGEST_PAUSE_IN_FILE"

CHECKPOINT_THRESHOLD = "256MB"

# DuckDB errors that mean "this file cannot be read" (not a bug, not the warehouse).
FILE_ERRORS = (
    duckdb.InvalidInputException,
    duckdb.ConversionException,
    duckdb.IOException,
)


@dataclass
class FileResult:
    file_id: int
    feed: str
    path: str
    status: str  # landed | duplicate | rejected
    encoding: str | None = None
    rows_read: int = 0
    rows_landed: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0
    message: str = ""
    seconds: float = 0.0


@dataclass
class FeedTotals:
    files: int = 0
    landed: int = 0
    duplicate: int = 0
    quarantined: int = 0
    rejected: int = 0  # files rejected whole
    rows_read: int = 0


@dataclass
class IngestSummary:
    landing_dir: Path
    files: list[FileResult] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_landed(self) -> int:
        return sum(f.rows_landed for f in self.files)

    @property
    def rows_duplicate(self) -> int:
        return sum(f.rows_duplicate for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def rejected(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "rejected"]

    def by_feed(self) -> dict[str, FeedTotals]:
        totals: dict[str, FeedTotals] = {}
        for result in self.files:
            t = totals.setdefault(result.feed, FeedTotals())
            t.files += 1
            t.landed += result.rows_landed
            t.duplicate += result.rows_duplicate
            t.quarantined += result.rows_quarantined
            t.rows_read += result.rows_read
            t.rejected += result.status == "rejected"
        return totals


def _known(con: duckdb.DuckDBPyConnection, path: str, sha256: str) -> bool:
    row = con.execute(
        "select 1 from raw.ingest_files where path = ? and sha256 = ? limit 1", [path, sha256]
    ).fetchone()
    return row is not None


def _landed_twin(con: duckdb.DuckDBPyConnection, sha256: str) -> str | None:
    row = con.execute(
        "select path from raw.ingest_files where sha256 = ? and status = 'landed'"
        " order by file_id limit 1",
        [sha256],
    ).fetchone()
    return row[0] if row else None


def _next_file_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(
        con.execute("select coalesce(max(file_id), 0) + 1 from raw.ingest_files").fetchone()[0]
    )


def _record(
    con: duckdb.DuckDBPyConnection, result: FileResult, facts: FileFacts, landed: LandedFile
) -> None:
    con.execute(
        "insert into raw.ingest_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.file_id,
            result.feed,
            result.path,
            facts.sha256,
            facts.size,
            result.encoding,
            result.rows_read,
            result.rows_landed,
            result.rows_duplicate,
            result.rows_quarantined,
            result.status,
            result.message or None,
            datetime.now(),
            landed.mtime,
        ],
    )


def _maybe_pause(ordinal: int, settings: Settings) -> None:
    """Test hook: hold the N-th file's transaction open so a test can kill the process there.

    ``CCDW_INGEST_PAUSE_IN_FILE=N:SECONDS``; on reaching it, ``$CCDW_HOME/tmp/ingest-paused``
    is created (the test waits for it), then the process sleeps before committing."""
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return
    nth, _, seconds = spec.partition(":")
    if int(nth) != ordinal:
        return
    marker = settings.home / "tmp" / "ingest-paused"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(os.getpid()), encoding="utf-8")
    log.warning("%s: pausing %ss inside the transaction of file %d", PAUSE_ENV, seconds, ordinal)
    time.sleep(float(seconds or 60))


@contextmanager
def _readable_source(
    landed: LandedFile, facts: FileFacts, choice: EncodingChoice, tmp_dir: Path
) -> Iterator[land.ReadSource]:
    """The file itself when DuckDB can read it, else a temporary UTF-8 transcode."""
    if choice.direct:
        yield land.ReadSource(landed.path, "gzip" if landed.is_gzip else "none", facts.line_count)
        return
    tmp_dir.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=".csv", dir=tmp_dir)
    os.close(handle)
    target = Path(name)
    try:
        transcode(open_text_bytes(landed), choice.codec, target)
        yield land.ReadSource(target, "none", facts.line_count)
    finally:
        target.unlink(missing_ok=True)


def _layout(landed: LandedFile, facts: FileFacts, codec: str, settings: Settings) -> FileLayout:
    feed = landed.feed
    if feed.kind == "cdr":
        return cdr_layout(facts.sample, codec, settings.cdr_userfield_without_uniqueid)
    if feed.kind == "crm":
        return crm_layout(feed, facts.sample, codec)
    return FileLayout(tuple(c.name for c in feed.columns))


def _parquet_layout(con: duckdb.DuckDBPyConnection, landed: LandedFile) -> FileLayout:
    names = [
        row[0]
        for row in con.execute(
            "select name from parquet_schema(?) where num_children is null", [str(landed.path)]
        ).fetchall()
    ]
    header = ",".join('"' + n.replace('"', '""') + '"' for n in names)
    return crm_layout(landed.feed, (header + "\n").encode(), "utf-8")


@dataclass
class Plan:
    """How one text file is read: its layout, the UTF-8 source DuckDB reads, and whether the
    one-pass typed insert may be tried (CSV feeds; queue_log always splits lines)."""

    layout: FileLayout
    source: land.ReadSource
    direct: bool


def _plan(
    landed: LandedFile,
    facts: FileFacts,
    result: FileResult,
    settings: Settings,
    resources: ExitStack,
) -> Plan:
    if facts.has_nul:
        raise UnreadableFile("binary content (NUL bytes): not a text export")
    choice = choose(facts.sample, facts.utf8_valid, settings.encoding)
    result.encoding = choice.name
    result.message = choice.note
    layout = _layout(landed, facts, choice.codec, settings)
    source = resources.enter_context(
        _readable_source(landed, facts, choice, settings.home / "tmp" / "ingest")
    )
    return Plan(layout, source, direct=landed.feed.kind != "queue_log")


def _try_direct(
    con: duckdb.DuckDBPyConnection, landed: LandedFile, plan: Plan, result: FileResult
) -> bool:
    """One pass, inside the file's transaction: DuckDB's reader parses the contract types and
    the rows go straight into raw. False (the caller rolls back and takes the validating
    path) when a value does not parse, a required value is missing, or the records do not
    match the physical lines one to one (blank lines, quoted newlines, wrong widths)."""
    feed = landed.feed
    sql, params = land.csv_source_sql(plan.layout, plan.source, feed)
    select = land.typed_select(feed, plan.layout.present, sql, typed_source=True)
    started = time.perf_counter()
    try:
        rows = land.write_raw(con, feed, result.file_id, (select, params), keep_all=True)
    except FILE_ERRORS as exc:
        log.debug("one-pass read of %s failed (%s): validating path", landed.path, exc)
        return False
    inserted_at = time.perf_counter()
    if rows + plan.layout.header_lines != plan.source.line_count:
        log.debug(
            "%s: %d records for %d lines: validating path",
            landed.path,
            rows,
            plan.source.line_count,
        )
        return False
    if land.missing_required(con, feed, result.file_id):
        return False
    checked_at = time.perf_counter()
    duplicates = land.delete_duplicates(con, feed, result.file_id)
    log.debug(
        "%s: insert %.2fs, checks %.2fs, duplicates %.2fs",
        landed.path.name,
        inserted_at - started,
        checked_at - inserted_at,
        time.perf_counter() - checked_at,
    )
    result.rows_read = rows
    result.rows_landed = rows - duplicates
    result.rows_duplicate = duplicates
    result.rows_quarantined = 0
    return True


def _stage_validating(
    con: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    plan: Plan | None,
    result: FileResult,
) -> None:
    """Build ``_typed`` (every row with its quarantine reason) outside the transaction."""
    feed = landed.feed
    if plan is None:  # parquet
        result.encoding = "parquet"
        layout = _parquet_layout(con, landed)
        land.stage_parquet(con, layout, landed.path)
        land.build_typed(con, feed, layout.present)
        result.rows_quarantined = land.attach_raw_lines(con, None)
    else:
        if feed.kind == "queue_log":
            land.stage_queue_log(con, plan.source)
        elif land.fast_check(con, feed, plan.layout, plan.source) is not None:
            land.stage_csv_fast(con, plan.layout, plan.source)
        else:
            land.stage_csv_exact(con, plan.layout, plan.source)
        land.build_typed(con, feed, plan.layout.present)
        result.rows_quarantined = land.attach_raw_lines(con, plan.source)
    result.rows_read = land.count_typed(con)


def _reject(
    con: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    facts: FileFacts,
    path: str,
    problem: str,
) -> FileResult:
    result = FileResult(0, landed.feed.name, path, "rejected", message=f"{path}: {problem}")
    con.execute("begin transaction")
    result.file_id = _next_file_id(con)
    _record(con, result, facts, landed)
    con.execute("commit")
    log.error("rejected %s", result.message)
    return result


def _commit_file(
    con: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    facts: FileFacts,
    result: FileResult,
    ordinal: int,
    settings: Settings,
) -> None:
    """The end of every file transaction: the test pause, the ingest_files row, commit."""
    _maybe_pause(ordinal, settings)
    _record(con, result, facts, landed)
    con.execute("commit")


def _land(
    con: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    facts: FileFacts,
    result: FileResult,
    ordinal: int,
    settings: Settings,
) -> FileResult:
    path = result.path
    with ExitStack() as resources:
        plan: Plan | None = None
        try:
            if not landed.is_parquet:
                plan = _plan(landed, facts, result, settings, resources)
        except (UnreadableFile, LayoutError, *FILE_ERRORS) as exc:
            return _reject(con, landed, facts, path, " ".join(str(exc).split()))
        if plan is not None and plan.direct:
            con.execute("begin transaction")
            try:
                result.file_id = _next_file_id(con)
                if _try_direct(con, landed, plan, result):
                    _commit_file(con, landed, facts, result, ordinal, settings)
                    return result
                con.execute("rollback")
            except BaseException:
                con.execute("rollback")
                raise
        try:
            _stage_validating(con, landed, plan, result)
        except (UnreadableFile, LayoutError, *FILE_ERRORS) as exc:
            land.drop_temp(con)
            return _reject(con, landed, facts, path, " ".join(str(exc).split()))
        con.execute("begin transaction")
        try:
            result.file_id = _next_file_id(con)
            land.write_quarantine(con, landed.feed, result.file_id)
            result.rows_landed = land.write_raw(con, landed.feed, result.file_id)
            result.rows_duplicate = result.rows_read - result.rows_landed - result.rows_quarantined
            _commit_file(con, landed, facts, result, ordinal, settings)
        except BaseException:
            con.execute("rollback")
            raise
        finally:
            land.drop_temp(con)
    return result


def _ingest_one(
    con: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    ordinal: int,
    settings: Settings,
    facts_ahead: Future[FileFacts],
) -> FileResult | None:
    started = time.perf_counter()
    path = str(landed.path.resolve())
    try:
        facts = facts_ahead.result()
        unreadable = None
    except UnreadableFile as exc:
        facts = FileFacts(_sha_only(landed.path), landed.path.stat().st_size, 0, True, False, b"")
        unreadable = str(exc)
    if _known(con, path, facts.sha256):
        return None  # already recorded (landed, duplicate or rejected): nothing new
    result = FileResult(0, landed.feed.name, path, "landed")
    twin = _landed_twin(con, facts.sha256)
    if twin is not None:
        result.status = "duplicate"
        result.message = f"same bytes as {twin}"
        con.execute("begin transaction")
        try:
            result.file_id = _next_file_id(con)
            _commit_file(con, landed, facts, result, ordinal, settings)
        except BaseException:
            con.execute("rollback")
            raise
    elif unreadable is not None:
        result = _reject(con, landed, facts, path, unreadable)
    else:
        result = _land(con, landed, facts, result, ordinal, settings)
    result.seconds = time.perf_counter() - started
    log.info(
        "%s %s: read %d, landed %d, duplicate %d, quarantined %d",
        result.status,
        landed.path.name,
        result.rows_read,
        result.rows_landed,
        result.rows_duplicate,
        result.rows_quarantined,
    )
    return result


def _sha_only(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 * 1024 * 1024):
            sha.update(chunk)
    return sha.hexdigest()


def configure(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Connection settings for landing (order kept: ``rowid`` is the line position)."""
    spill = settings.home / "tmp" / "duckdb"
    spill.mkdir(parents=True, exist_ok=True)
    con.execute("set preserve_insertion_order = true")
    # Checkpoint after ~256 MB of WAL instead of DuckDB's 16 MB: a checkpoint rewrites the
    # table's last, partly filled row group, so with the default every few small files (a
    # day's Master.csv) the same rows were compressed and written again and again (medium
    # CDR feed: 13 CPU s in commits, 5 s with this). Committed files stay durable in the
    # WAL; closing the connection checkpoints the rest.
    con.execute("set checkpoint_threshold = ?", [CHECKPOINT_THRESHOLD])
    con.execute(f"set temp_directory = '{spill.as_posix()}'")
    memory = os.environ.get("CCDW_INGEST_MEMORY_LIMIT", "2GB")
    con.execute("set memory_limit = ?", [memory])


def ingest_landing(
    landing_dir: Path | None = None, settings: Settings | None = None
) -> IngestSummary:
    """Land every new complete file under ``landing_dir`` (default ``$CCDW_HOME/landing``)."""
    settings = settings or get_settings()
    landing = Path(landing_dir) if landing_dir is not None else settings.landing_dir
    if not landing.is_dir():
        raise CcdwError(f"landing directory {landing} does not exist")
    summary = IngestSummary(landing)
    files = discover(landing)
    # The Python pass over a file (sha256, line count, UTF-8 check) runs one file ahead in a
    # thread, beside DuckDB's work on the file before it; facts are only a function of the
    # file's bytes, so nothing depends on the order.
    with connect(settings) as con, ThreadPoolExecutor(1, "ingest-inspect") as ahead:
        configure(con, settings)
        try:
            ensure_raw_schema(con)
            pending = [ahead.submit(inspect, landed) for landed in files[:1]]
            for ordinal, landed in enumerate(files, start=1):
                if ordinal < len(files):
                    pending.append(ahead.submit(inspect, files[ordinal]))
                result = _ingest_one(con, landed, ordinal, settings, pending.pop(0))
                if result is not None:
                    summary.files.append(result)
            con.execute("checkpoint")
        finally:
            con.execute("reset checkpoint_threshold")  # a global setting of the database
    return summary


__all__ = ["FEEDS", "FileResult", "IngestSummary", "ingest_landing"]
