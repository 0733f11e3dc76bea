"""``python -m dashboards.serve run dashboards/app.py [streamlit options]``: ``streamlit run``
with the app's heavy third-party modules imported while the server starts.

Streamlit imports an app's modules on the first script run, so without this the first visitor
after a restart waits for pandas, pyarrow, Altair and DuckDB to load (over 10 s on a loaded
2-core machine). Here they load before the server answers its health check; the app's own
modules (which declare Streamlit caches) are still imported by the first run, inside the
Streamlit runtime.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import time

log = logging.getLogger("dashboards.serve")  # also when run as __main__

# Third-party modules the pages use, heaviest first. No module that declares st.cache_* here.
PRELOAD = ("pandas", "pyarrow", "altair", "duckdb", "phonenumbers", "pydantic_settings")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def log_to_stderr() -> None:
    """Under `streamlit run` nothing configures logging: the ``dashboards`` records go to
    stderr (the server log) at ``CCDW_LOG_LEVEL`` (INFO by default). Where logging is set up
    already (the CLI, pytest), leave it."""
    package = logging.getLogger("dashboards")
    if logging.getLogger().handlers or package.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    package.addHandler(handler)
    package.setLevel(os.environ.get("CCDW_LOG_LEVEL", "INFO").upper())


def preload(modules: tuple[str, ...] = PRELOAD) -> float:
    """Import ``modules`` and pay the first-use costs the first page would pay (DuckDB's
    result-to-pandas path, compiling Altair's schema validator); the seconds it took."""
    started = time.perf_counter()
    for name in modules:
        importlib.import_module(name)
    import altair as alt
    import duckdb

    with duckdb.connect(":memory:") as con:
        frame = con.execute("select 1 as x").df()
    alt.Chart(frame).mark_point().encode(x="x:Q").to_dict()
    return time.perf_counter() - started


def main() -> None:
    log_to_stderr()
    seconds = preload()
    log.info("preloaded %s in %.2f s", ", ".join(PRELOAD), seconds)
    from streamlit.web import cli

    sys.argv = ["streamlit", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
