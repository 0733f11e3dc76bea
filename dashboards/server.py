"""Start the Streamlit app as a child process (the CLI, screenshots, tests and the benchmark)."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ccdw.errors import CcdwError
from ccdw.settings import Settings, get_settings

log = logging.getLogger(__name__)

APP_PATH = Path(__file__).resolve().with_name("app.py")
HOST = "127.0.0.1"
DEFAULT_PORT = 8501
STARTUP_TIMEOUT_SECONDS = 180.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def streamlit_command(port: int, *, headless: bool = True) -> list[str]:
    return [
        # `streamlit run`, with the pages' heavy imports done at server start (dashboards.serve).
        sys.executable, "-m", "dashboards.serve", "run", str(APP_PATH),
        "--server.address", HOST,
        "--server.port", str(port),
        "--server.headless", "true" if headless else "false",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "viewer",
    ]


def app_environment(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["CCDW_HOME"] = str(Path(settings.home).resolve())
    env["CCDW_TIMEZONE"] = settings.timezone
    return env


def _tail(stream: IO[bytes], lines: int = 5) -> str:
    stream.flush()
    stream.seek(0)
    return " | ".join(stream.read().decode(errors="replace").strip().splitlines()[-lines:])


def wait_until_healthy(
    base_url: str, process: subprocess.Popen[bytes], timeout: float, log: IO[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = f": {_tail(log)}" if log is not None else ""
            raise CcdwError(f"streamlit exited with status {process.returncode} before serving {base_url}{tail}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise CcdwError(f"streamlit did not answer on {base_url} within {timeout:.0f} s")


@contextmanager
def running_app(
    settings: Settings | None = None, port: int | None = None, log_path: Path | None = None
) -> Iterator[str]:
    """Serve the dashboard for ``settings.home`` on 127.0.0.1; yields the base URL.

    The server's log (stderr: Streamlit's and the app's per-query and per-run timings) goes
    to ``log_path``, else to a temporary file that is dropped with the server. A file, not a
    pipe: nobody reads a pipe while the app runs, and a full one would stall the server."""
    settings = settings or get_settings()
    port = port or free_port()
    base_url = f"http://{HOST}:{port}"
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file: IO[bytes] = open(log_path, "w+b") if log_path else tempfile.TemporaryFile()  # noqa: SIM115
    started = time.perf_counter()
    process = subprocess.Popen(
        streamlit_command(port),
        env=app_environment(settings),
        stdout=subprocess.DEVNULL,
        stderr=log_file,
    )
    try:
        wait_until_healthy(base_url, process, STARTUP_TIMEOUT_SECONDS, log_file)
        log.info("dashboard server answered on %s after %.2f s", base_url, time.perf_counter() - started)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()


def serve_forever(settings: Settings | None = None, port: int = DEFAULT_PORT) -> None:
    """``ccdw dashboard``: become the Streamlit server (exec), so Ctrl-C and SIGTERM reach it
    directly and no orphaned server outlives the command."""
    settings = settings or get_settings()
    if not settings.serving_path.exists():
        log.warning("no serving copy at %s yet: pages show 'No data yet' until a build publishes one",
                    settings.serving_path)
    with socket.socket() as probe:
        if probe.connect_ex((HOST, port)) == 0:
            raise CcdwError(f"port {port} on {HOST} is already in use; pick another with --port")
    log.info("dashboard on http://%s:%d (CCDW_HOME=%s)", HOST, port, settings.home)
    command = streamlit_command(port)
    os.execve(command[0], command, app_environment(settings))
