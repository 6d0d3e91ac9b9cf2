"""Plain pytest fixtures for the ingest tests (no Django needed)."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # allow running without PYTHONPATH=/work/main
    sys.path.insert(0, str(ROOT))

CORPUS = Path(__file__).with_name("corpus")
# Real Walmart data (never copied into the repo): ../shared/data/walmart or $WALMART_DATA_DIR
WALMART = Path(os.environ.get("WALMART_DATA_DIR", ROOT.parent / "shared" / "data" / "walmart"))


@pytest.fixture(scope="session")
def walmart_dir() -> Path:
    if not (WALMART / "train.csv").is_file():
        pytest.skip(f"real Walmart data not available at {WALMART}")
    return WALMART


def pytest_collection_modifyitems(config, items):
    """Modules with ``NEEDS_DJANGO = True`` (database tests of the loader) are skipped when
    pytest-django is disabled (``-p no:django``, the way the pure parser tests run)."""
    if config.pluginmanager.hasplugin("django"):
        return
    skip = pytest.mark.skip(reason="needs pytest-django and the test database (run without -p no:django)")
    for item in items:
        if getattr(item.module, "NEEDS_DJANGO", False):
            item.add_marker(skip)
