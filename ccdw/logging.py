"""One logging set-up for the CLI, Dagster ops and tests."""

from __future__ import annotations

import logging
import os

from rich.logging import RichHandler


def setup_logging(level: str | None = None) -> None:
    level_name = (level or os.environ.get("CCDW_LOG_LEVEL", "INFO")).upper()
    root = logging.getLogger()
    if any(isinstance(h, RichHandler) for h in root.handlers):
        root.setLevel(level_name)
        return
    handler = RichHandler(show_path=False, rich_tracebacks=False, markup=False)
    logging.basicConfig(level=level_name, format="%(message)s", handlers=[handler])
