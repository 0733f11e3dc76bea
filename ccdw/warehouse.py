"""Build the warehouse: run the real dbt CLI (``dbt build``) against ``settings.warehouse_path``.

dbt reads ``raw``, ``ops`` and ``ml`` as sources, so the ``ops`` and ``ml`` contract tables are
created first (empty if no room wrote them yet). dbt runs in a subprocess with its own
target/log directories under ``$CCDW_HOME/dbt`` so that several homes (tests, benchmarks, the
demo) can build at the same time without sharing ``dbt_project/target``.

A whole-project build records the newest landed file it saw and a fingerprint of the dbt
project and its variables (``$CCDW_HOME/dbt/build_state.json``). The next whole-project build,
when the fingerprint still matches, is an **incremental build**:

- it builds only the models downstream of the raw feeds that landed files since
  (``source:raw.<feed>+``), plus everything downstream of ``ml``, ``ops`` and the quarantine,
  which change outside ingest. A model none of whose sources changed already holds what a
  rebuild would give (the as-of date is data, never the clock), so it is left alone;
- it passes the recorded file id to dbt as ``CCDW_TESTS_SINCE_FILE_ID`` so the data tests on the
  big incremental tables read only the rows that run rewrote (``dbt_project/macros/test_scope.sql``).

A changed project or variable, a full refresh, a ``--select`` build and a first build build and
test whole tables.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ccdw.db import connect, publish
from ccdw.errors import CcdwError
from ccdw.ops import ensure_ops_schema
from ccdw.settings import Settings, get_settings
from ingest.schema import ensure_raw_schema

log = logging.getLogger(__name__)

_FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
TESTS_SINCE_ENV = "CCDW_TESTS_SINCE_FILE_ID"
# Sources that change without a landed file (ML scores, dialer/delivery state, quarantine
# rows): an incremental build always rebuilds what is downstream of them.
ALWAYS_REBUILT = ("source:ml+", "source:ops+", "source:raw.quarantine+")
# dbt project files that decide what a build computes (target/, logs/ are its output).
_PROJECT_INPUTS = ("dbt_project.yml", "profiles.yml", "packages.yml", "models", "macros", "tests", "seeds")
_ENV_VAR_NAME = re.compile(r"env_var\(\s*['\"]([A-Z0-9_]+)['\"]")


@dataclass(frozen=True)
class NodeResult:
    unique_id: str
    status: str
    message: str
    execution_seconds: float


@dataclass
class BuildResult:
    """What one ``dbt`` invocation did."""

    command: list[str]
    elapsed_seconds: float
    nodes: list[NodeResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for node in self.nodes if node.status == status)

    @property
    def failed(self) -> list[NodeResult]:
        return [node for node in self.nodes if node.status in _FAILED_STATUSES]


def dbt_project_dir() -> Path:
    """The dbt project (``dbt_project/`` beside the ``ccdw`` package)."""
    return Path(__file__).resolve().parent.parent / "dbt_project"


def dbt_artifacts_dir(settings: Settings | None = None) -> Path:
    """Where this home's dbt target/ and logs/ go."""
    settings = settings or get_settings()
    return settings.home.resolve() / "dbt"


def dbt_env(settings: Settings | None = None) -> dict[str, str]:
    """Environment for dbt: the absolute warehouse path and the KPI variables from settings."""
    settings = settings or get_settings()
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CcdwError(f"CCDW_TIMEZONE={settings.timezone!r} is not a known time zone") from exc
    env = dict(os.environ)
    env.update(
        {
            "CCDW_WAREHOUSE_PATH": str(settings.warehouse_path.resolve()),
            "CCDW_TIMEZONE": settings.timezone,
            "CCDW_CDR_USEGMTIME": "true" if settings.cdr_usegmtime else "false",
            "CCDW_SHORT_ABANDON_SECONDS": str(int(settings.short_abandon_seconds)),
            "CCDW_FCR_WINDOW_HOURS": str(int(settings.fcr_window_hours)),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    return env


def _dbt_executable() -> str:
    beside_python = Path(sys.executable).parent / "dbt"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("dbt")
    if found is None:
        raise CcdwError("the dbt CLI is not installed (pip install 'dbt-duckdb==1.11.1')")
    return found


def prepare_warehouse(settings: Settings | None = None) -> None:
    """Create the schemas dbt reads as sources (``raw``, ``ops``, ``ml``) if they are missing.

    ``raw`` tables are created empty (ingest's own DDL) so a build before the first ingest
    yields empty marts rather than a missing-table error.
    """
    settings = settings or get_settings()
    with connect(settings) as con:
        ensure_raw_schema(con)
        ensure_ops_schema(con)
        try:
            ml_schema = importlib.import_module("models_ml.schema")
        except ModuleNotFoundError:
            ml_schema = None
        if ml_schema is not None:
            ml_schema.ensure_ml_schema(con)


def run_dbt(
    args: list[str],
    settings: Settings | None = None,
    *,
    check: bool = True,
    extra_env: dict[str, str] | None = None,
) -> BuildResult:
    """Run ``dbt <args>`` for this home; raise CcdwError naming the failed nodes."""
    settings = settings or get_settings()
    project = dbt_project_dir()
    artifacts = dbt_artifacts_dir(settings)
    target_path = artifacts / "target"
    command = [
        _dbt_executable(),
        "--no-use-colors",
        *args,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(target_path),
        "--log-path",
        str(artifacts / "logs"),
    ]
    artifacts.mkdir(parents=True, exist_ok=True)
    run_results = target_path / "run_results.json"
    run_results.unlink(missing_ok=True)  # never report an earlier run's results
    log.info("running %s", " ".join(args))
    started = time.perf_counter()
    completed = subprocess.run(  # noqa: S603 - fixed executable, arguments from trusted code
        command,
        cwd=project,
        env={**dbt_env(settings), **(extra_env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    result = BuildResult(command=command, elapsed_seconds=time.perf_counter() - started)
    result.nodes = _read_run_results(run_results)
    (artifacts / "last_output.log").write_text(completed.stdout + completed.stderr)
    if check and (completed.returncode != 0 or result.failed):
        raise CcdwError(_failure_line(args, completed, result))
    return result


def _read_run_results(path: Path) -> list[NodeResult]:
    if not path.exists():
        return []
    payload = json.loads(path.read_text())
    return [
        NodeResult(
            unique_id=item["unique_id"],
            status=str(item.get("status")),
            message=str(item.get("message") or ""),
            execution_seconds=float(item.get("execution_time") or 0.0),
        )
        for item in payload.get("results", [])
    ]


def _failure_line(args: list[str], completed: subprocess.CompletedProcess[str], result: BuildResult) -> str:
    if result.failed:
        names = ", ".join(
            f"{node.unique_id.split('.')[-1]} ({' '.join(node.message.split())[:300]})"
            for node in result.failed[:5]
        )
        more = f" and {len(result.failed) - 5} more" if len(result.failed) > 5 else ""
        return f"dbt {args[0]} failed: {len(result.failed)} node(s) failed: {names}{more}"
    lines = [line.strip() for line in (completed.stdout + completed.stderr).splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    detail = (errors or lines or ["no output"])[-1]
    return f"dbt {args[0]} failed (exit {completed.returncode}): {detail[:300]}"


def _state_path(settings: Settings) -> Path:
    return dbt_artifacts_dir(settings) / "build_state.json"


def newest_landed_file(settings: Settings) -> int | None:
    """The highest ``raw.ingest_files.file_id`` (file ids are monotonic), None before any."""
    with connect(settings, read_only=True) as con:
        row = con.execute("select max(file_id) from raw.ingest_files").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def built_through(settings: Settings) -> int | None:
    """The newest landed file the last successful whole-project build had seen, if known."""
    value = _read_state(settings).get("built_through_file_id")
    return int(value) if isinstance(value, int) else None


def _read_state(settings: Settings) -> dict[str, object]:
    path = _state_path(settings)
    if not path.exists():
        return {}
    try:
        state = json.loads(path.read_text())
    except json.JSONDecodeError:
        return {}
    return state if isinstance(state, dict) else {}


def _record_built_through(settings: Settings, file_id: int | None) -> None:
    path = _state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"built_through_file_id": file_id, "project_fingerprint": project_fingerprint(settings)}
    path.write_text(json.dumps(state))


def _project_files(project: Path) -> list[Path]:
    files: list[Path] = []
    for name in _PROJECT_INPUTS:
        path = project / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file()))
    return files


def project_fingerprint(settings: Settings | None = None) -> str:
    """Hash of the dbt project's code and of every environment variable it reads (except the
    per-run test scope): a build made under another fingerprint may compute other tables."""
    settings = settings or get_settings()
    project = dbt_project_dir()
    env = dbt_env(settings)
    digest = hashlib.sha256()
    names: set[str] = set()
    for path in _project_files(project):
        content = path.read_bytes()
        digest.update(str(path.relative_to(project)).encode() + b"\0" + content + b"\0")
        names.update(_ENV_VAR_NAME.findall(content.decode("utf-8", errors="replace")))
    for name in sorted(names - {TESTS_SINCE_ENV, "CCDW_WAREHOUSE_PATH"}):
        digest.update(f"{name}={env.get(name, '')}\0".encode())
    return digest.hexdigest()


def changed_feeds(settings: Settings, since_file_id: int) -> list[str]:
    """The raw feeds that landed files after ``since_file_id``."""
    with connect(settings, read_only=True) as con:
        rows = con.execute(
            "select distinct feed from raw.ingest_files where file_id > ? order by feed", [since_file_id]
        ).fetchall()
    return [str(row[0]) for row in rows]


def incremental_selection(settings: Settings, since_file_id: int | None) -> list[str] | None:
    """dbt selectors for an incremental build, or None when the build must be whole: no
    earlier whole-project build recorded, or the project or its variables changed since."""
    if since_file_id is None:
        return None
    if _read_state(settings).get("project_fingerprint") != project_fingerprint(settings):
        return None
    return [f"source:raw.{feed}+" for feed in changed_feeds(settings, since_file_id)] + list(ALWAYS_REBUILT)


def build(
    settings: Settings | None = None,
    select: str | None = None,
    full_refresh: bool = False,
    *,
    publish_copy: bool = True,
) -> BuildResult:
    """``dbt build`` (models, tests) against the warehouse; publish the serving copy on success."""
    settings = settings or get_settings()
    prepare_warehouse(settings)
    newest = newest_landed_file(settings)
    args = ["build"]
    if select:
        # A test runs only when each model it reads is selected or upstream of the selection:
        # a relationships test from an unselected mart to a selected dimension would otherwise
        # run against a table this build never made.
        args += ["--select", select, "--indirect-selection", "buildable"]
    if full_refresh:
        args.append("--full-refresh")
    since = None if (full_refresh or select) else built_through(settings)
    changed_only = incremental_selection(settings, since)
    if changed_only is not None:
        # Every model exists (the recorded build made them all), so a test of a rebuilt model
        # that also reads one left alone (a relationship to a dimension) still runs.
        log.info("incremental build: models downstream of %s", " ".join(changed_only))
        args += ["--select", " ".join(changed_only)]
    extra_env = {TESTS_SINCE_ENV: str(since) if since is not None else ""}
    if not select:
        _state_path(settings).unlink(missing_ok=True)  # a failed build leaves no claim behind
    result = run_dbt(args, settings, extra_env=extra_env)
    if not select:
        _record_built_through(settings, newest)
    log.info(
        "dbt build: %d ok, %d warn, %d skipped in %.1f s",
        result.count("success") + result.count("pass"),
        result.count("warn"),
        result.count("skipped"),
        result.elapsed_seconds,
    )
    if publish_copy:
        publish(settings)
    return result


def docs_generate(settings: Settings | None = None) -> Path:
    """``dbt docs generate``; returns the directory holding ``index.html`` and the catalog."""
    settings = settings or get_settings()
    prepare_warehouse(settings)
    run_dbt(["docs", "generate"], settings)
    return dbt_artifacts_dir(settings) / "target"
