"""One rule for row locks: ``select_for_update(no_key=True)`` (PostgreSQL's FOR NO KEY UPDATE).

A service locks a row, then appends its audit event (the chain head's lock). Django checks foreign keys
at commit, with a KEY SHARE lock on the row referred to: a plain FOR UPDATE conflicts with it, so a
transaction holding the head and committing a row that refers to the locked one waits for it while
the lock's holder waits for the head: a deadlock (tests/accounts/test_row_locks.py shows one). FOR NO
KEY UPDATE serialises changes just the same and lets references through. Only a lock taken to delete
the row keeps FOR UPDATE, listed here with its reason."""
from __future__ import annotations

import ast
from pathlib import Path

from tests.architecture.imports import modules
from tests.architecture.test_structure import PACKAGES

ROOT = Path(__file__).resolve().parents[2]

# (module, the enclosing function): why a plain FOR UPDATE
DELETES_THE_ROW = {
    ("tenants.deletion", "tenant_purge"): "the tenant's row is deleted in this transaction",
    ("tenants.operator", "tenant_domain_remove"): "the domain's row is deleted in this transaction",
}


def _locks(path: Path):
    tree = ast.parse(path.read_text())
    for fn in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
        for node in ast.walk(fn):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "select_for_update"):
                no_key = any(k.arg == "no_key" and isinstance(k.value, ast.Constant) and k.value.value is True
                             for k in node.keywords)
                yield fn.name, node.lineno, no_key


def test_every_row_lock_lets_references_through():
    plain, seen = [], set()
    for name, path in modules(ROOT, PACKAGES).items():
        for function, line, no_key in _locks(path):
            seen.add((name, function))
            if not no_key and (name, function) not in DELETES_THE_ROW:
                plain.append(f"{path.relative_to(ROOT)}:{line} ({function})")
    assert not plain, f"select_for_update() without no_key=True (FOR UPDATE deadlocks with the audit chain): {plain}"
    assert set(DELETES_THE_ROW) <= seen, "an exception listed here no longer locks: remove it"
