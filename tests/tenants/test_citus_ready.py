"""Issue 20, item 5: the database's path to Citus schema-based sharding, checked without Citus. A
workspace's schema references nothing outside itself but listed reference tables; no migration and no
product module runs the DDL Citus refuses for distributed schemas. Each check is shown to catch a
planted violation."""
from __future__ import annotations

import uuid
from pathlib import Path

from django.db import connection

from tenants.citus import citus_problems, forbidden_ddl
from tests.conftest import REPO, provision

PROJECT = ("accounts", "billing", "demo", "forecasting", "jobs", "saas", "tenants")


def test_a_workspace_schema_references_nothing_outside_itself(db_access):
    t = provision("citus")
    assert citus_problems(t.schema) == []


def test_a_foreign_key_into_another_schema_is_caught(db_access):
    a, b = f"citus_a_{uuid.uuid4().hex[:8]}", f"citus_b_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{a}"; CREATE SCHEMA "{b}"; CREATE TABLE "{b}".parent (id int PRIMARY KEY);'
                    f'CREATE TABLE "{a}".child (id int PRIMARY KEY, parent_id int REFERENCES "{b}".parent (id))')
    try:
        assert citus_problems(a) == [f"child references {b}.parent"]
    finally:
        with connection.cursor() as cur:
            cur.execute(f'DROP SCHEMA "{a}" CASCADE; DROP SCHEMA "{b}" CASCADE')


def _sources() -> list[Path]:
    return [p for pkg in PROJECT for p in (REPO / pkg).rglob("*.py") if "__pycache__" not in p.parts]


def test_no_migration_or_module_runs_ddl_citus_refuses():
    found = {str(p.relative_to(REPO)): kinds for p in _sources() if p.name != "citus.py"
             and (kinds := forbidden_ddl(p.read_text()))}
    assert found == {}


def test_the_ddl_check_catches_each_kind():
    assert forbidden_ddl('ALTER TABLE forecasting_store SET SCHEMA "t_other"') == ["ALTER TABLE ... SET SCHEMA"]
    assert forbidden_ddl("CREATE TABLE copy AS SELECT * FROM forecasting_salesrecord") == ["CREATE TABLE ... AS"]
    assert forbidden_ddl("SELECT * INTO copy FROM forecasting_salesrecord") == ["SELECT ... INTO"]
    assert forbidden_ddl("CREATE TEMP TABLE _staging (store integer) ON COMMIT DROP") == []
    assert forbidden_ddl("INSERT INTO t (a) SELECT a FROM s") == []
