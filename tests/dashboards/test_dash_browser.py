"""A real browser: Streamlit served by `streamlit run`, every page loaded in headless Chromium."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from ccdw.errors import CcdwError
from ccdw.settings import Settings
from dashboards.screenshots import PAGES, capture_all, capture_pages, ensure_chromium
from dashboards.server import HOST, free_port, running_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium() -> None:
    try:
        ensure_chromium()
    except CcdwError as exc:
        pytest.skip(f"no headless browser: {exc}")


def test_every_page_renders_in_chromium(chromium: None, sample_home: Settings, tmp_path) -> None:
    settings = sample_home.model_copy(update={"home": tmp_path / "home"})
    shutil.copytree(sample_home.home, settings.home)
    shots = capture_all(settings)
    assert [s.page for s in shots] == [slug for slug, _, _ in PAGES]
    for shot in shots:
        assert shot.errors == [], f"{shot.page}: {shot.errors}"
        assert shot.path.parent == settings.screenshots_dir
        assert shot.path.stat().st_size > 20_000, f"{shot.page} screenshot looks blank"
        assert shot.charts >= 1, f"{shot.page} drew no chart"
    by_page = {s.page: s for s in shots}
    assert not by_page["overview"].no_data
    assert by_page["customers"].tables >= 2, "the screenshot shows a looked-up customer's history"


def test_ccdw_dashboard_on_an_empty_home_says_no_data(chromium: None, tmp_path) -> None:
    """`ccdw dashboard --port N` serves on 127.0.0.1; with nothing published yet every page
    loads without an error element and says 'No data yet'."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ccdw.cli", "dashboard", "--port", str(port)],
        env={"CCDW_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://{HOST}:{port}/_stcore/health", timeout=2) as reply:
                    assert reply.status == 200
                    break
            except OSError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "ccdw dashboard never answered"
                time.sleep(0.5)
        shots = capture_pages(f"http://{HOST}:{port}", tmp_path / "shots")
        for shot in shots:
            assert shot.errors == [], f"{shot.page}: {shot.errors}"
            assert shot.no_data, f"{shot.page} does not say 'No data yet'"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_filters_in_the_url_apply_to_a_deep_linked_page(chromium: None, sample_home: Settings) -> None:
    """A bookmarked view opens the page with the filters applied (the URL carries the
    center's path, as the filter shows it)."""
    from urllib.parse import quote

    from playwright.sync_api import sync_playwright

    from dashboards.screenshots import CHROMIUM, CHROMIUM_ARGS

    with running_app(sample_home) as base_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base_url}/queues?queue=life&center={quote('广东省')}", timeout=180_000)
            page.get_by_text("queues: life").first.wait_for(timeout=180_000)
            main = page.inner_text('[data-testid="stMain"]')
            assert "centers: GD" in main
            assert page.query_selector('[data-testid="stException"]') is None
        finally:
            browser.close()


def test_ccdw_dashboard_refuses_a_busy_port(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind((HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "ccdw.cli", "dashboard", "--port", str(port)],
            env={"CCDW_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
            capture_output=True, text=True, timeout=300, check=False,
        )
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
