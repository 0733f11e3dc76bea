"""Ingest fixtures (helpers live in ingest_test_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccdw.settings import Settings
from tests.ingest.ingest_test_helpers import copy_corpus


@pytest.fixture
def corpus_landing(tmp_path: Path) -> Path:
    return copy_corpus(tmp_path / "landing")


@pytest.fixture
def home_settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")
