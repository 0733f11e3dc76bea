from __future__ import annotations

from pathlib import Path

import pytest

from ccdw.settings import Settings


@pytest.fixture
def dial_settings(tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path / "home",
        ami_host="127.0.0.1",
        ami_user="ccdw",
        ami_secret="s3cret",
        asterisk_spool_dir=tmp_path / "spool",
    )
