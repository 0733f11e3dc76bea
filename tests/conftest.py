"""Shared session fixtures: one tiny dataset, generated, ingested, built and scored once.

Each stage is a real run of the room's public function against a real DuckDB file in a
temporary ``CCDW_HOME``. Tests that change a warehouse copy the home first (``copy_home``).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from ccdw.settings import Settings

TINY_SEED = 7
TINY_END_DATE = date(2026, 11, 29)
SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def make_settings(home: Path, **overrides: object) -> Settings:
    return Settings(home=home, **overrides)


def copy_home(settings: Settings, dest: Path) -> Settings:
    """A private copy of a fixture home, for tests that write."""
    shutil.copytree(settings.home, dest, dirs_exist_ok=True)
    return settings.model_copy(update={"home": dest})


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # No test may touch a developer's ./var or a real SMTP server by accident.
    monkeypatch.setenv("CCDW_HOME", str(tmp_path / "home"))
    for var in ("CCDW_SMTP_HOST", "CCDW_CONFIG", "CCDW_AMI_HOST"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ccdw.generate import generate

    out = tmp_path_factory.mktemp("tiny_data")
    generate(out, scale="tiny", seed=TINY_SEED, end_date=TINY_END_DATE)
    return out


@pytest.fixture(scope="session")
def tiny_ingested(tmp_path_factory: pytest.TempPathFactory, tiny_data: Path) -> Settings:
    from ingest.run import ingest_landing

    settings = make_settings(tmp_path_factory.mktemp("home_ingested"))
    ingest_landing(tiny_data, settings=settings)
    return settings


@pytest.fixture(scope="session")
def tiny_built(tmp_path_factory: pytest.TempPathFactory, tiny_ingested: Settings) -> Settings:
    from ccdw.warehouse import build

    settings = copy_home(tiny_ingested, tmp_path_factory.mktemp("home_built"))
    build(settings)
    return settings


@pytest.fixture(scope="session")
def tiny_scored(tmp_path_factory: pytest.TempPathFactory, tiny_built: Settings) -> Settings:
    from models_ml.score import score

    settings = copy_home(tiny_built, tmp_path_factory.mktemp("home_scored"))
    score(settings)
    return settings


@pytest.fixture
def shared_fixtures() -> Path:
    path = SHARED_FIXTURES / "asterisk-public"
    if not path.is_dir():
        pytest.skip("../shared/fixtures is absent")
    return path
