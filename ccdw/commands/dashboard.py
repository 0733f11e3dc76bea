"""``ccdw dashboard [--port N] [--screenshots]``: the analyst dashboard on 127.0.0.1."""

from __future__ import annotations

import typer


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    del groups  # no sub-group

    @app.command("dashboard")
    def dashboard(
        port: int = typer.Option(8501, "--port", min=1, max=65535, help="Port on 127.0.0.1."),
        screenshots: bool = typer.Option(
            False,
            "--screenshots",
            help="Instead of serving: load every page in headless Chromium and save "
            "screenshots to $CCDW_HOME/screenshots/.",
        ),
    ) -> None:
        """Serve the Streamlit dashboard (reads the published serving copy, never the live warehouse)."""
        from ccdw.errors import CcdwError
        from ccdw.settings import get_settings

        settings = get_settings()
        if screenshots:
            from dashboards.screenshots import capture_all

            shots = capture_all(settings)
            for shot in shots:
                typer.echo(f"{shot.page:<13} {shot.load_seconds:6.2f}s  {shot.path}")
            failed = [s.page for s in shots if s.errors]
            if failed:
                raise CcdwError(f"error elements on pages: {', '.join(failed)}")
            return
        from dashboards.server import serve_forever

        serve_forever(settings, port=port)
