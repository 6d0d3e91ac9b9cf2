"""Structure of background work: services never import tasks (a job is sent
by task name through ``job_enqueue``), the project's modules import each
other without cycles, the apps keep to their layers (forecasting and tenants
never import each other; jobs imports neither), and every job kind sent
names a registered task."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = ("accounts", "billing", "demo", "forecasting", "jobs", "saas", "tenants")
# app -> the apps it must never import (at the top of a module or inside a function)
FORBIDDEN = {"forecasting": ("tenants",), "tenants": ("forecasting",), "jobs": ("forecasting", "tenants")}


@pytest.fixture(autouse=True)
def _db():  # no database needed (overrides the package's autouse fixture)
    yield


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
            out[name] = path
    return out


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text())
    nodes = ast.walk(tree) if not top_level_only else (
        n for stmt in tree.body for n in ([stmt] if not isinstance(stmt, (ast.If, ast.Try)) else ast.walk(stmt)))
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def test_only_the_worker_entry_points_import_tasks():
    modules = _modules()
    tasks = {name for name in modules if name.endswith(".tasks")}
    offenders = {name: sorted(_imports(path, top_level_only=False) & tasks) for name, path in modules.items()
                 if name not in tasks}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_apps_keep_to_their_layers():
    offenders = {}
    for name, path in _modules().items():
        banned = FORBIDDEN.get(name.split(".")[0], ())
        found = sorted(m for m in _imports(path, top_level_only=False) if m.split(".")[0] in banned)
        if found:
            offenders[name] = found
    assert offenders == {}


def test_project_modules_import_each_other_without_cycles():
    modules = _modules()
    graph = {name: _imports(path, top_level_only=True) & set(modules) for name, path in modules.items()}
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join(trail[trail.index(nxt):] + [node, nxt]))
            if nxt not in state:
                visit(nxt, trail + [node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_every_job_kind_sent_names_a_registered_task_taking_a_job_id():
    import inspect

    from jobs.services import JOB_TASKS
    from saas.celery import app

    app.loader.import_default_modules()
    for kind, name in JOB_TASKS.items():
        assert name in app.tasks, (kind, name)
        assert list(inspect.signature(app.tasks[name].run).parameters) == ["job_id"], name
