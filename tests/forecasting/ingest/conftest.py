"""Plain pytest fixtures for the ingest tests (no Django needed)."""
from pathlib import Path

import pytest

from tests.conftest import WALMART_DIR

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
