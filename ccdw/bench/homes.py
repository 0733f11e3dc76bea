"""Built warehouses for the benchmarks that need one (ML scoring, dashboard page loads).

Generating, ingesting and building ``large`` takes tens of minutes, so a built home is made
once per scale and seed under ``<bench cache>/home-<scale>-<seed>/`` and reused while the code
that shaped it is unchanged: ``built.json`` records a fingerprint of ``ingest/``, the dbt
project and ``models_ml/`` (and, for the record, how long each step took). A home whose
fingerprint differs, or whose build never finished, is thrown away and built again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from pathlib import Path

from ccdw.bench.common import cache_root
from ccdw.bench.ingest import SEED, generated
from ccdw.settings import Settings

log = logging.getLogger(__name__)

_REPO = Path(__file__).resolve().parents[2]
_SHAPING_CODE = ("ingest", "dbt_project/models", "dbt_project/macros", "dbt_project/dbt_project.yml", "models_ml")
MARKER = "built.json"


def code_fingerprint() -> str:
    """sha256 over the files that decide what a built home holds."""
    digest = hashlib.sha256()
    for entry in _SHAPING_CODE:
        root = _REPO / entry
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            digest.update(str(path.relative_to(_REPO)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _read_marker(home: Path) -> dict[str, object] | None:
    try:
        return json.loads((home / MARKER).read_text())
    except (OSError, ValueError):
        return None


def built_home(scale: str, *, scored: bool = False, seed: int = SEED) -> tuple[Settings, Path, dict[str, object]]:
    """A home with ``scale`` data ingested and built (and scored when asked), its truth dir,
    and the marker (step timings). Reused when the code fingerprint matches."""
    from ccdw.db import publish
    from ccdw.warehouse import build
    from ingest.run import ingest_landing

    data = generated(scale, seed)
    home = cache_root() / f"home-{scale}-{seed}"
    settings = Settings(home=home)
    fingerprint = code_fingerprint()
    marker = _read_marker(home)
    if marker is None or marker.get("fingerprint") != fingerprint:
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        marker = {"fingerprint": fingerprint, "scale": scale, "seed": seed}
        started = time.perf_counter()
        ingest_landing(data, settings=settings)
        marker["ingest_seconds"] = round(time.perf_counter() - started, 1)
        log.info("%s: ingested in %.1f s", home, marker["ingest_seconds"])
        started = time.perf_counter()
        build(settings, full_refresh=True, publish_copy=False)
        marker["build_seconds"] = round(time.perf_counter() - started, 1)
        log.info("%s: built in %.1f s", home, marker["build_seconds"])
        (home / MARKER).write_text(json.dumps(marker, indent=2))
    if scored and not marker.get("scored"):
        from models_ml.score import score

        started = time.perf_counter()
        score(settings)
        build(settings, publish_copy=False)  # marts that read ml.* (customer 360, campaigns)
        publish(settings)
        marker["scored"] = True
        marker["score_and_rebuild_seconds"] = round(time.perf_counter() - started, 1)
        (home / MARKER).write_text(json.dumps(marker, indent=2))
    return settings, data / "truth", marker
