"""The dbt project as Dagster sees it, with its manifest prepared before definitions load.

dagster-dbt builds the asset graph from ``target/manifest.json``, so the manifest must exist
before ``pipelines.definitions`` is imported (``dagster dev``, ``ccdw run``, tests). It is
(re)generated with ``dbt parse`` when missing or older than any project file, using the same
environment (``ccdw.warehouse.dbt_env``) that the runs use, so dbt does not re-parse per run.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from ccdw.errors import CcdwError
from ccdw.settings import Settings, get_settings
from ccdw.warehouse import dbt_env, dbt_project_dir

log = logging.getLogger(__name__)

PROJECT_DIR = dbt_project_dir()
MANIFEST_TARGET = "target"  # dbt_project/target (gitignored)


def dbt_executable() -> str:
    """The venv's dbt (dagster-dbt would otherwise look on PATH)."""
    return str(Path(sys.executable).parent / "dbt")


def _newest_source_mtime() -> float:
    patterns = ("*.sql", "*.yml", "*.yaml", "*.csv")
    files = [p for pattern in patterns for p in PROJECT_DIR.rglob(pattern) if "target" not in p.parts]
    return max((p.stat().st_mtime for p in files), default=0.0)


def ensure_manifest(settings: Settings | None = None) -> Path:
    """Run ``dbt parse`` unless ``target/manifest.json`` is newer than every project file."""
    settings = settings or get_settings()
    manifest = PROJECT_DIR / MANIFEST_TARGET / "manifest.json"
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime():
        return manifest
    log.info("dbt parse: writing %s", manifest)
    completed = subprocess.run(  # noqa: S603 - fixed executable and arguments
        [dbt_executable(), "--no-use-colors", "parse", "--project-dir", str(PROJECT_DIR),
         "--profiles-dir", str(PROJECT_DIR), "--target-path", MANIFEST_TARGET],
        cwd=PROJECT_DIR,
        env=dbt_env(settings),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0 or not manifest.exists():
        tail = (completed.stdout + completed.stderr).strip().splitlines()[-1:] or ["no output"]
        raise CcdwError(f"dbt parse failed (exit {completed.returncode}): {tail[0][:300]}")
    return manifest


ensure_manifest()
dbt_project = DbtProject(
    project_dir=PROJECT_DIR,
    profiles_dir=PROJECT_DIR,
    target_path=MANIFEST_TARGET,
)
