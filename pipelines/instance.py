"""The Dagster instance under ``$CCDW_HOME/dagster`` (``DAGSTER_HOME`` for ``make dagster``).

Its ``dagster.yaml`` limits every concurrency pool to one step at a time across runs
(``granularity: op``): the ``duckdb_writer`` pool is how DuckDB's one-writer rule holds when
a sensor, a schedule and ``ccdw run`` start runs at once.

``python -m pipelines.instance`` writes the file and prints the directory.
"""

from __future__ import annotations

from pathlib import Path

from ccdw.settings import Settings, get_settings

DAGSTER_YAML = """\
# Written by ccdw (pipelines/instance.py).
concurrency:
  pools:
    default_limit: 1
    granularity: op
telemetry:
  enabled: false
"""


def dagster_home(settings: Settings | None = None) -> Path:
    settings = settings or get_settings()
    return (settings.home / "dagster").resolve()


def ensure_dagster_home(settings: Settings | None = None) -> Path:
    home = dagster_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text() != DAGSTER_YAML:
        config.write_text(DAGSTER_YAML)
    return home


if __name__ == "__main__":
    print(ensure_dagster_home())  # noqa: T201 - the Makefile reads this line
