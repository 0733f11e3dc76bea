"""Dashboard fixtures: a hand-made serving warehouse, an empty home, the real tiny warehouse."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from ccdw.settings import Settings
from tests.dashboards.dash_sample import build_sample_warehouse


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A home whose serving copy is the hand-made warehouse (every page has data)."""
    settings = Settings(home=tmp_path_factory.mktemp("dash_sample"))
    build_sample_warehouse(settings.serving_path)
    return settings


@pytest.fixture
def empty_home(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "empty_home")


def _upstream_ready() -> str | None:
    for module in ("ccdw.generate", "ingest.run", "ccdw.warehouse", "models_ml.score"):
        if importlib.util.find_spec(module) is None:
            return f"upstream module {module} has not landed yet"
    return None


@pytest.fixture(scope="session")
def tiny_serving(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real tiny warehouse (generated, ingested, built, scored), published for serving."""
    reason = _upstream_ready()
    if reason:
        pytest.skip(reason)
    from ccdw.db import publish

    scored: Settings = request.getfixturevalue("tiny_scored")
    home = tmp_path_factory.mktemp("dash_tiny")
    shutil.copy2(scored.warehouse_path, home / "warehouse.duckdb")
    settings = scored.model_copy(update={"home": home})
    publish(settings)
    return settings


@pytest.fixture
def use_home(monkeypatch: pytest.MonkeyPatch):
    """Point the app (which reads CCDW_HOME per run) at a home."""

    def _use(settings: Settings) -> Settings:
        monkeypatch.setenv("CCDW_HOME", str(settings.home))
        return settings

    return _use
