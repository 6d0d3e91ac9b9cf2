"""Issue 20 (found on a fresh machine): the client tools match the server's major version whoever runs
them. ``make run`` exports ``DATABASE_URL`` to its child processes, which then took the system's
``pg_dump`` 15 for the embedded PostgreSQL 16 and fell back to the slow django-tenants clone."""
from __future__ import annotations

import pytest

from tenants import pgtools


@pytest.fixture(autouse=True)
def _fresh_choice():
    pgtools._tool_for.cache_clear()
    yield
    pgtools._tool_for.cache_clear()


def test_with_database_url_exported_the_tools_still_match_the_server(db_access, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://as-make-run-exports-it")
    monkeypatch.delenv("PG_BIN_DIR", raising=False)
    major = pgtools.server_major()
    for name in ("pg_dump", "pg_restore"):
        assert pgtools._major_of_tool(pgtools.pg_tool(name)) == major


def test_a_pinned_folder_of_another_version_is_refused_by_name(db_access, monkeypatch, tmp_path):
    fake = tmp_path / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PG_BIN_DIR", str(tmp_path))
    with pytest.raises(RuntimeError, match=rf"no pg_dump {pgtools.server_major()}\.x .*9\)"):
        pgtools.pg_tool("pg_dump")
