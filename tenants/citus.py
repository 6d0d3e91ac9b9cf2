"""What Citus schema-based sharding (Citus 12+, ``citus.enable_schema_based_sharding``) requires of the
workspaces' tables, checked by tests/tenants/test_citus_ready.py (Citus itself is not installable here):

* a workspace's tables reference only tables of their own schema or public tables listed in
  ``REFERENCE_TABLES`` (distributed as reference tables, copied to every node); today none: a workspace's
  foreign keys stay inside its schema, and public tables are read by their own queries;
* no DDL that Citus refuses for tables of a distributed schema is run by a migration or by the product:
  ``ALTER TABLE ... SET SCHEMA`` (moving a table between schemas), ``CREATE TABLE ... AS`` and
  ``SELECT ... INTO`` (a table created from a query).

The steps to run on Citus are in docs/production.md."""
from __future__ import annotations

import re

from django.db import connection

#: public tables a workspace table may reference by foreign key (each one a Citus reference table)
REFERENCE_TABLES: frozenset[str] = frozenset()

FORBIDDEN_DDL = {
    "ALTER TABLE ... SET SCHEMA": re.compile(r"\bALTER\s+TABLE\b[^;]*?\bSET\s+SCHEMA\b", re.I | re.S),
    "CREATE TABLE ... AS": re.compile(r"\bCREATE\s+(?:(?:GLOBAL|LOCAL|UNLOGGED)\s+)?TABLE\b[^;(]*?\bAS\b\s*"
                                      r"(?:SELECT|WITH|TABLE|VALUES|EXECUTE|\()", re.I | re.S),
    "SELECT ... INTO": re.compile(r"\bSELECT\b[^;]*?\bINTO\s+(?!TEMP|TEMPORARY|STRICT)\w+\s+FROM\b", re.I | re.S),
}


def foreign_keys_leaving(schema: str) -> list[tuple[str, str, str]]:
    """(table, referenced schema, referenced table) of every foreign key of ``schema``'s tables that points
    outside it."""
    with connection.cursor() as cur:
        cur.execute("""
            SELECT c1.relname, n2.nspname, c2.relname FROM pg_constraint k
            JOIN pg_class c1 ON c1.oid = k.conrelid JOIN pg_namespace n1 ON n1.oid = c1.relnamespace
            JOIN pg_class c2 ON c2.oid = k.confrelid JOIN pg_namespace n2 ON n2.oid = c2.relnamespace
            WHERE k.contype = 'f' AND n1.nspname = %s AND n2.nspname <> n1.nspname ORDER BY 1, 2, 3""", [schema])
        return cur.fetchall()


def citus_problems(schema: str) -> list[str]:
    """Why ``schema`` could not be a distributed schema as it is (empty: it could)."""
    return [f"{table} references {ref_schema}.{ref_table}" + (
        "" if ref_schema != "public" else " (not listed in tenants.citus.REFERENCE_TABLES)")
        for table, ref_schema, ref_table in foreign_keys_leaving(schema)
        if not (ref_schema == "public" and ref_table in REFERENCE_TABLES)]


def forbidden_ddl(text: str) -> list[str]:
    """The kinds of DDL in ``text`` that Citus refuses for tables of a distributed schema."""
    return [name for name, pattern in FORBIDDEN_DDL.items() if pattern.search(text)]
