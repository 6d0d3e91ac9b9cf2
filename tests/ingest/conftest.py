"""Plain pytest fixtures for the ingest tests (no Django needed)."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # allow running without PYTHONPATH=/work/main
    sys.path.insert(0, str(ROOT))

from tests.conftest import WALMART_DIR  # noqa: E402

CORPUS = Path(__file__).with_name("corpus")


@pytest.fixture(scope="session")
def walmart_dir() -> Path:
    """The real data; tests using it carry ``@pytest.mark.walmart`` (skipped when absent)."""
    return WALMART_DIR


def pytest_collection_modifyitems(config, items):
    """Modules with ``NEEDS_DJANGO = True`` (database tests of the loader) are skipped when
    pytest-django is disabled (``-p no:django``, the way the pure parser tests run)."""
    if config.pluginmanager.hasplugin("django"):
        return
    skip = pytest.mark.skip(reason="needs pytest-django and the test database (run without -p no:django)")
    for item in items:
        if getattr(item.module, "NEEDS_DJANGO", False):
            item.add_marker(skip)
