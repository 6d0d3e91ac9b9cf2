"""New workspaces are copies of the migrated template schema
(``TENANT_BASE_SCHEMA``).

django-tenants' ``clone_schema()`` rebuilds every table from
``information_schema`` queries whose cost grows with the whole catalogue: with
160 workspaces in the database one clone took over 7 s, and every signup makes
the next one slower. Instead the template's DDL and rows are dumped once per
process with ``pg_dump`` and replayed under the new schema's name, inside the
caller's transaction: about 0.3 s however many workspaces exist
(``bench/tenants.py`` prints both). The dump is keyed on the template's applied
migrations, so after ``migrate_schemas`` the template is dumped again. Without
a usable ``pg_dump`` the django-tenants clone is used.
"""
from __future__ import annotations

import logging
import re
import threading

from django.db import connection

from tenants.pgtools import db_env, pg_tool, run

logger = logging.getLogger(__name__)

SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_PREAMBLE = re.compile(r"^(SET \w+ = .*;|SELECT pg_catalog\.set_config\(.*\);)$")
_lock = threading.Lock()
_scripts: dict[tuple[str, int, int], str] = {}


def _template_state(base: str) -> tuple[str, int, int]:
    with connection.cursor() as cur:
        cur.execute(f'SELECT count(*), coalesce(max(id), 0) FROM "{base}".django_migrations')
        count, last = cur.fetchone()
    return base, int(count), int(last)


def _dump(base: str) -> str:
    """The template's DDL and rows as one script, with the session settings
    pg_dump puts first removed (they would change this connection's
    search_path); every name in it is schema-qualified."""
    args, env = db_env()
    text = run([pg_tool("pg_dump"), *args, "-n", base, "--no-owner", "--no-privileges", "--inserts",
                "--no-comments"], env)
    lines = [line for line in text.splitlines() if line and not line.startswith("--") and not _PREAMBLE.match(line)]
    return "\n".join(lines)


def template_script(base: str) -> str | None:
    """The replay script of the template as it is now, or None when pg_dump
    cannot be run here."""
    state = _template_state(base)
    with _lock:
        script = _scripts.get(state)
        if script is None:
            try:
                script = _dump(base)
            except (OSError, RuntimeError) as exc:
                logger.warning("pg_dump unavailable (%s): new workspaces use the slower django-tenants clone", exc)
                return None
            _scripts.clear()
            _scripts[state] = script
    return script


def clone_template(*, base: str, schema: str) -> bool:
    """Create ``schema`` as a copy of ``base`` in the current transaction.
    False when this fast path cannot be used (the caller falls back)."""
    if not (SAFE_NAME.match(base) and SAFE_NAME.match(schema)):
        return False
    script = template_script(base)
    if script is None:
        return False
    with connection.cursor() as cur:
        cur.execute(re.sub(rf"\b{base}\b", schema, script))
    return True
