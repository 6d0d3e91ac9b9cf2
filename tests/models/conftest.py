import pytest


@pytest.fixture(autouse=True)
def _db(db_access):
    yield
