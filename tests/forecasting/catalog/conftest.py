import pytest


@pytest.fixture(autouse=True)
def _db(db_access):  # these tests read and write the test database
    yield
