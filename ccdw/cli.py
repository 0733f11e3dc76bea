"""The ``ccdw`` command line.

Each room registers its commands from a small module in :mod:`ccdw.commands`; the command
functions only parse options and call the room's public functions, so Dagster and a person
at the shell run exactly the same code.
"""

from __future__ import annotations

import importlib
import logging
import sys

import typer

from ccdw.errors import CcdwError
from ccdw.logging import setup_logging

app = typer.Typer(
    name="ccdw",
    help="ccdw: the call-center data warehouse (ingest, build, score, campaigns, delivery).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Sub-command groups shared by more than one room.
campaigns_app = typer.Typer(help="Build campaign call lists.", no_args_is_help=True)
report_app = typer.Typer(help="Render (and send) manager reports.", no_args_is_help=True)
alerts_app = typer.Typer(help="Anomaly alerts: send them, record RM feedback.", no_args_is_help=True)
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(report_app, name="report")
app.add_typer(alerts_app, name="alerts")

GROUPS: dict[str, typer.Typer] = {
    "campaigns": campaigns_app,
    "report": report_app,
    "alerts": alerts_app,
}

# One module per room; each has ``register(app, groups)``.
COMMAND_MODULES = (
    "generate",
    "ingest",
    "build",
    "ml",
    "campaigns",
    "delivery",
    "dashboard",
    "run",
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"ccdw.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ccdw.commands.{name}":
                continue  # room not built yet
            raise
        module.register(app, GROUPS)


_register_all()


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
) -> None:
    setup_logging("DEBUG" if verbose else None)


def main() -> None:
    try:
        app()
    except CcdwError as exc:
        logging.getLogger("ccdw").debug("command failed", exc_info=True)
        message = " ".join(str(exc).split())
        print(f"ccdw: error: {message}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
