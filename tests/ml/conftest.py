"""ML fixtures: one hand-made marts warehouse (see mlmarts.py), built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ccdw.settings import Settings
from tests.ml.mlmarts import scenario


@pytest.fixture(scope="session")
def scenario_marts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[str, str], dict[str, str]]:
    """Marts only (not scored): background customers, one planted case and one look-alike per typology."""
    builder, planted, lookalikes = scenario()
    settings = builder.write(tmp_path_factory.mktemp("ml_marts"))
    return settings, planted, lookalikes


@pytest.fixture(scope="session")
def scenario_scored(tmp_path_factory: pytest.TempPathFactory, scenario_marts) -> Settings:
    from models_ml.score import score

    settings, _, _ = scenario_marts
    home = tmp_path_factory.mktemp("ml_scored")
    shutil.copytree(settings.home, home, dirs_exist_ok=True)
    scored = Settings(home=home)
    score(scored)
    return scored


def private_copy(settings: Settings, dest: Path) -> Settings:
    shutil.copytree(settings.home, dest, dirs_exist_ok=True)
    return Settings(home=dest)
