"""Structure: services never import tasks (a job is sent by task name through
``job_enqueue``); the project's modules import each other without cycles, reading
every import (inside functions too, relative ones resolved); no project import
hides inside a function (the allow-list: an app's ready()); the apps keep to
their layers (forecasting and tenants never import each other; jobs imports
neither); every job kind sent names a registered task. The checks themselves
are shown to fail on a planted cycle and a planted in-function import."""
from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import pytest

from jobs.services import JOB_TASKS
from saas.celery import app
from tests.architecture.imports import find_cycle, graph, imports_of, inner_project_imports, modules
from tests.conftest import REPO

PACKAGES = ("accounts", "billing", "demo", "forecasting", "jobs", "saas", "tenants")
# app -> the apps it must never import (at the top of a module or inside a function)
FORBIDDEN = {"forecasting": ("tenants",), "tenants": ("forecasting",), "jobs": ("forecasting", "tenants")}


@pytest.fixture(autouse=True)
def _db():  # no database needed (overrides the package's autouse fixture)
    yield


def _modules() -> dict[str, Path]:
    return modules(REPO, PACKAGES)


def _imports(name: str, path: Path) -> set[str]:
    return {i.target for i in imports_of(name, path)}


def test_only_the_worker_entry_points_import_tasks():
    mods = _modules()
    tasks = {name for name in mods if name.endswith(".tasks")}
    offenders = {name: sorted(_imports(name, path) & tasks) for name, path in mods.items() if name not in tasks}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_apps_keep_to_their_layers():
    offenders = {}
    for name, path in _modules().items():
        banned = FORBIDDEN.get(name.split(".")[0], ())
        found = sorted(m for m in _imports(name, path) if m.split(".")[0] in banned)
        if found:
            offenders[name] = found
    assert offenders == {}


def test_project_modules_import_each_other_without_cycles():
    assert find_cycle(graph(_modules())) is None


def test_no_project_import_inside_a_function():
    assert inner_project_imports(_modules(), PACKAGES) == []


def _plant(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return modules(tmp_path, ("shop",))


def test_the_cycle_check_finds_a_planted_cycle_even_through_a_function_and_a_relative_import(tmp_path):
    mods = _plant(tmp_path, {
        "shop/__init__.py": "",
        "shop/a.py": "from shop.b import f\n",
        "shop/b.py": "def f():\n    from . import c\n",
        "shop/c.py": "import shop.a\n",
    })
    assert find_cycle(graph(mods)) == ["shop.a", "shop.b", "shop.c", "shop.a"]
    (tmp_path / "shop/c.py").write_text("import json\n")
    assert find_cycle(graph(mods)) is None


def test_the_inner_import_check_finds_a_planted_import_and_allows_ready(tmp_path):
    mods = _plant(tmp_path, {
        "shop/__init__.py": "",
        "shop/models.py": "X = 1\n",
        "shop/views.py": "import json\n\ndef page():\n    import os\n    from shop.models import X\n    return X\n",
        "shop/apps.py": "class C:\n    def ready(self):\n        from shop import models  # noqa\n",
    })
    assert inner_project_imports(mods, ("shop",)) == ["shop.views:5 page() -> shop.models", "shop.views:5 page() -> shop.models.X"]


def test_every_job_kind_sent_names_a_registered_task_taking_a_job_id():
    app.loader.import_default_modules()
    for kind, name in JOB_TASKS.items():
        assert name in app.tasks, (kind, name)
        assert list(inspect.signature(app.tasks[name].run).parameters) == ["job_id"], name
