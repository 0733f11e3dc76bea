"""Load every page in headless Chromium, check it rendered, save screenshots and timings.

``python -m dashboards.screenshots`` (or :func:`capture_all`) writes
``$CCDW_HOME/screenshots/<page>.png``. Playwright drives Debian's ``/usr/bin/chromium``
(``playwright install`` cannot download here); :func:`ensure_chromium` installs it with apt
when it is missing.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import duckdb

from ccdw.errors import CcdwError
from ccdw.settings import Settings, get_settings
from dashboards.data import run_query
from dashboards.server import running_app

log = logging.getLogger(__name__)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
APT_PACKAGES = ("chromium", "fonts-noto-cjk")
VIEWPORT = {"width": 1440, "height": 900}
PAGE_TIMEOUT_MS = 180_000

# (slug, URL path, a heading text the page always shows). Order = the navigation order.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("overview", "", "Overview"),
    ("queues", "queues", "Queues"),
    ("agents", "agents", "Agents"),
    ("centers", "centers", "Centers"),
    ("customers", "customers", "Customers"),
    ("anomalies", "anomalies", "Fund anomalies"),
    ("campaigns", "campaigns", "Campaigns"),
    ("tickets", "tickets", "Tickets"),
    ("data_quality", "data_quality", "Data quality"),
)
NAV_TITLES = {slug: heading for slug, _, heading in PAGES}
ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'


@dataclass(frozen=True)
class PageShot:
    page: str
    url: str
    path: Path
    load_seconds: float
    charts: int
    tables: int
    metrics: int
    no_data: bool
    errors: list[str]
    visit: int = 1
    # Wall-clock (epoch) start and end of the timed load, to match the server's log.
    started_at: float = 0.0
    loaded_at: float = 0.0
    load1: float = 0.0  # the machine's 1-minute load average when the page had loaded
    # Opened by URL: seconds until Streamlit's JavaScript had drawn its (empty) app shell.
    shell_seconds: float | None = None

    def as_row(self) -> dict[str, object]:
        row = asdict(self)
        row["path"] = str(self.path)
        return row


def ensure_chromium() -> Path:
    """Debian's chromium (and CJK fonts), installed with apt when missing."""
    if CHROMIUM.exists() and _has_cjk_font():
        return CHROMIUM
    if shutil.which("apt-get") is None:
        raise CcdwError("chromium is missing and apt-get is not available to install it")
    log.info("installing %s with apt-get", " ".join(APT_PACKAGES))
    env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *APT_PACKAGES]):
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise CcdwError(f"{' '.join(command)} failed: {tail[0]}")
    if not CHROMIUM.exists():
        raise CcdwError(f"apt-get installed chromium but {CHROMIUM} is missing")
    return CHROMIUM


def _has_cjk_font() -> bool:
    try:
        result = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return False
    return bool(result.stdout.strip())


def _wait_rendered(page: object, heading: str) -> None:
    """Until the script finished and every chart and table drew itself."""
    page.get_by_role("heading", name=heading).first.wait_for(timeout=PAGE_TIMEOUT_MS)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            if (!app || app.getAttribute('data-test-script-state') === 'running') return false;
            if (document.querySelector('[data-testid="stSkeleton"]')) return false;
            const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
            if (!charts.every(c => !c.checkVisibility() || c.querySelector('canvas, svg'))) return false;
            const tables = [...document.querySelectorAll('[data-testid="stDataFrame"]')];
            return tables.every(t => !t.checkVisibility() || t.querySelector('canvas, table'));
        }""",
        timeout=PAGE_TIMEOUT_MS,
        polling=100,
    )


def _shoot(
    browser_page: object, base_url: str, slug: str, path: str, heading: str, out_dir: Path,
    lookup: str | None = None,
    navigate: bool = False,
) -> PageShot:
    url = f"{base_url}/{path}"
    started_at = time.time()
    started = time.perf_counter()
    shell_seconds: float | None = None
    nav = browser_page.locator('[data-testid="stSidebarNav"]')  # type: ignore[attr-defined]
    if navigate and nav.count():
        # As an analyst moves between pages: the app is already open, only the page runs.
        nav.get_by_role("link", name=NAV_TITLES[slug], exact=True).click()
    else:
        browser_page.goto(url, wait_until="domcontentloaded", timeout=PAGE_TIMEOUT_MS)  # type: ignore[attr-defined]
        browser_page.wait_for_selector('[data-testid="stApp"]', timeout=PAGE_TIMEOUT_MS)  # type: ignore[attr-defined]
        shell_seconds = round(time.perf_counter() - started, 3)
    _wait_rendered(browser_page, heading)
    load_seconds = time.perf_counter() - started
    loaded_at = time.time()
    if lookup:  # show the 360 view too: type a customer ID as an analyst would
        field = browser_page.get_by_label("Customer ID or phone number")  # type: ignore[attr-defined]
        field.fill(lookup)
        field.press("Enter")
        browser_page.get_by_text("Contact history").first.wait_for(timeout=PAGE_TIMEOUT_MS)  # type: ignore[attr-defined]
        _wait_rendered(browser_page, heading)
    browser_page.wait_for_timeout(300)  # type: ignore[attr-defined]  # let the last chart transition settle
    errors = [e.inner_text()[:300] for e in browser_page.query_selector_all(ERROR_SELECTOR)]  # type: ignore[attr-defined]
    target = out_dir / f"{slug}.png"
    # The app scrolls inside its main container, so grow the viewport to the content instead.
    height = browser_page.evaluate(  # type: ignore[attr-defined]
        "() => document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight"
    )
    browser_page.set_viewport_size({"width": VIEWPORT["width"], "height": min(max(VIEWPORT["height"], int(height) + 40), 6000)})  # type: ignore[attr-defined]
    browser_page.wait_for_timeout(400)  # type: ignore[attr-defined]
    browser_page.screenshot(path=str(target), full_page=True)  # type: ignore[attr-defined]
    browser_page.set_viewport_size(VIEWPORT)  # type: ignore[attr-defined]

    def count(selector: str) -> int:
        return len(browser_page.query_selector_all(selector))  # type: ignore[attr-defined]

    no_data = "No data yet" in browser_page.inner_text('[data-testid="stMain"]')  # type: ignore[attr-defined]
    return PageShot(
        page=slug, url=url, path=target, load_seconds=round(load_seconds, 3),
        charts=count('[data-testid="stVegaLiteChart"]'), tables=count('[data-testid="stDataFrame"]'),
        metrics=count('[data-testid="stMetric"]'), no_data=no_data, errors=errors,
        started_at=started_at, loaded_at=loaded_at, load1=round(os.getloadavg()[0], 1),
        shell_seconds=shell_seconds,
    )


def sample_customer(settings: Settings) -> str | None:
    """The most-contacted customer, to show a filled-in 360 view in the screenshots."""
    try:
        frame = run_query(
            settings.serving_path,
            "select customer_id from marts.mart_customer_360 "
            "order by calls_90d desc nulls last, tickets_90d desc nulls last, customer_id limit 1",
        )
    except duckdb.Error:
        return None
    return None if frame.empty else str(frame["customer_id"].iloc[0])


def capture_pages(
    base_url: str, out_dir: Path, *, rounds: int = 1, lookup: str | None = None, navigate: bool = True
) -> list[PageShot]:
    """Visit every page of a running app ``rounds`` times; every visit's shot is returned.

    The first page is opened by URL; with ``navigate`` the others are reached through the
    sidebar (a page switch inside the running app), otherwise each by its own URL."""
    from playwright.sync_api import sync_playwright

    ensure_chromium()
    out_dir.mkdir(parents=True, exist_ok=True)
    shots: list[PageShot] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, locale="zh-CN")
            page = context.new_page()
            for visit in range(1, rounds + 1):
                for slug, path, heading in PAGES:
                    shot = _shoot(page, base_url, slug, path, heading, out_dir,
                                  lookup if slug == "customers" else None,
                                  navigate=navigate and bool(shots))
                    shots.append(replace(shot, visit=visit))
        finally:
            browser.close()
    return shots


def capture_all(settings: Settings | None = None, *, rounds: int = 1) -> list[PageShot]:
    """Serve the app for ``settings.home``, screenshot every page to ``screenshots_dir``."""
    settings = settings or get_settings()
    lookup = sample_customer(settings) if settings.serving_path.exists() else None
    with running_app(settings) as base_url:
        shots = capture_pages(base_url, settings.screenshots_dir, rounds=rounds, lookup=lookup)
    shots = [shot for shot in shots if shot.visit == rounds]
    for shot in shots:
        log.info("%-13s %.2fs charts=%d tables=%d %s", shot.page, shot.load_seconds, shot.charts, shot.tables,
                 "ERRORS " + "; ".join(shot.errors) if shot.errors else "ok")
    return shots


def export_for_docs(shots_dir: Path, dest: Path, *, width: int = 1100, max_height: int = 2600) -> list[Path]:
    """Small PNG copies for ``docs/img`` (scaled, cropped to ``max_height``, 256 colours)."""
    from PIL import Image  # matplotlib's dependency; only needed for the docs

    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for slug, _, _ in PAGES:
        source = shots_dir / f"{slug}.png"
        if not source.exists():
            continue
        with Image.open(source) as image:
            scale = width / image.width
            small = image.convert("RGB").resize((width, int(image.height * scale)), Image.Resampling.LANCZOS)
            small = small.crop((0, 0, width, min(small.height, max_height)))
            target = dest / f"dashboard-{slug}.png"
            small.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
            written.append(target)
    return written


def main() -> None:
    from ccdw.logging import setup_logging

    setup_logging()
    shots = capture_all()
    failed = [s for s in shots if s.errors]
    if failed:
        raise SystemExit(f"error elements on: {', '.join(s.page for s in failed)}")


if __name__ == "__main__":
    main()
