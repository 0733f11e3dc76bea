"""``ccdw run``: the whole asset graph once, through Dagster, in this process.

The run is recorded in the instance under ``$CCDW_HOME/dagster`` (the same one ``make
dagster`` shows). A file lock makes concurrent ``ccdw run`` calls wait for each other; runs
that an earlier, killed ``ccdw run`` left "started" are marked failed and their pool slots
freed, so a crash never blocks the writer pool for good.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ccdw.errors import CcdwError
from ccdw.settings import Settings, get_settings
from pipelines.instance import ensure_dagster_home

log = logging.getLogger(__name__)

LAUNCHER_TAG = "ccdw/launched_by"
LAUNCHER = "ccdw-run"


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    success: bool
    steps_succeeded: int
    materializations: int
    checks_failed: list[str]
    elapsed_seconds: float

    def as_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _release_dead_runs(instance) -> None:  # noqa: ANN001 - DagsterInstance (lazy import)
    from dagster import DagsterRunStatus, RunsFilter

    alive = [DagsterRunStatus.STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.NOT_STARTED]
    stale = instance.get_runs(RunsFilter(statuses=alive, tags={LAUNCHER_TAG: LAUNCHER}))
    for run in stale:  # we hold the lock: no other `ccdw run` is alive
        log.warning("marking run %s of a killed `ccdw run` as failed", run.run_id)
        instance.report_run_failed(run)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)


def run_config(
    report_date: date | None, send: bool, full_refresh: bool = False
) -> dict[str, object]:
    from pipelines.assets import daily_report, weekly_report
    from pipelines.dbt_assets import DBT_ASSETS

    day = report_date.isoformat() if report_date else None
    ops: dict[str, object] = {
        asset.op.name: {"config": {"date": day, "send": send}}
        for asset in (daily_report, weekly_report)
    }
    for assets in DBT_ASSETS:
        ops[assets.op.name] = {"config": {"full_refresh": full_refresh}}
    return {"ops": ops}


def run_pipeline(
    settings: Settings | None = None,
    report_date: date | None = None,
    send: bool = True,
    full_refresh: bool = False,
) -> RunOutcome:
    """Materialise every asset (and run every check) once; raise CcdwError if a step failed."""
    from dagster import DagsterEventType, DagsterInstance

    from pipelines.definitions import build_definitions

    settings = settings or get_settings()
    home = ensure_dagster_home(settings)
    started = time.perf_counter()
    with _exclusive(home / "ccdw-run.lock"):
        instance = DagsterInstance.from_config(str(home))
        try:
            _release_dead_runs(instance)
            job = build_definitions(settings).resolve_job_def("ccdw_full")
            result = job.execute_in_process(
                run_config=run_config(report_date, send, full_refresh),
                instance=instance,
                raise_on_error=False,
                tags={LAUNCHER_TAG: LAUNCHER},
            )
        finally:
            instance.dispose()
    events = result.all_events
    failed_checks = [
        str(e.event_specific_data.check_name)  # type: ignore[union-attr]
        for e in events
        if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
        and not e.event_specific_data.passed  # type: ignore[union-attr]
    ]
    outcome = RunOutcome(
        run_id=result.run_id,
        success=result.success,
        steps_succeeded=sum(1 for e in events if e.event_type == DagsterEventType.STEP_SUCCESS),
        materializations=sum(
            1 for e in events if e.event_type == DagsterEventType.ASSET_MATERIALIZATION
        ),
        checks_failed=failed_checks,
        elapsed_seconds=round(time.perf_counter() - started, 1),
    )
    if not result.success:
        failures = [e for e in events if e.event_type == DagsterEventType.STEP_FAILURE]
        first = failures[0] if failures else None
        detail = ""
        if first is not None and first.step_failure_data.error is not None:  # type: ignore[union-attr]
            detail = first.step_failure_data.error.message.strip().splitlines()[0]  # type: ignore[union-attr]
        step = first.step_key if first else "?"
        raise CcdwError(f"dagster run {result.run_id} failed at step {step}: {detail[:300]}")
    return outcome
