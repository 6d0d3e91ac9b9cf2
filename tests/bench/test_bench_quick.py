"""Every bench script runs end to end in its quick mode (``--quick``: small
generated data, seconds, targets printed but not enforced), so a refactor that
moves or renames something a bench uses breaks a test, not the next
``make bench``.

Each script runs as a subprocess of this Python, against the suite's
PostgreSQL server but in a database of its own (``saas_bench_quick_test``,
dropped before and after; never the suite's test database nor the ``make run``
data), with Redis database numbers the suite does not use (one per script that
starts Celery workers, so their queues never mix), uploads and artifacts in a
temp folder, and ``saas.settings.dev`` like ``make bench``. bench/chaos.py
restarts its servers, so it starts embedded ones of its own.

Cheap by design: the scripts run three at a time (most of their time is spent
waiting on workers and PostgreSQL), after one script has migrated the database;
bench/predict_latency.py and bench/simulate.py reuse the model bench/train.py saved."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
QUICK_DB = "saas_bench_quick_test"
# a safety net against a hung script, not a speed target: the scripts run at once, beside the suite (and, in a
# final check, beside a second clone's suite); chaos --quick takes 84 s alone and passed 300 s under that load
TIMEOUT = 600

# script -> a line of its figures table that must be printed (re.MULTILINE)
TABLE = {
    "tenants": r"^(PASS|FAIL): median tenant provisioning \d+\.\d+ s",
    "ingest": r"^full ingest \(parse\+validate\+stage\+upsert\):\s+\d+\.\d+ s .*inserted=1,181",
    "train": r"^  TOTAL\s+\d+\.\d+",
    "predict_latency": r"^predict_series, stored history, \d+ random series: p50 \d+\.\d+ ms",
    "accuracy": r"^ours \(\w+\)\s+\d+\.\d",
    "accuracy_periodic": r"^ours \(\w+\)\s+\d+\.\d{4}",
    "forecast_api": r"^POST /api/v1/forecasts/ x20: p50 \d+\.\d+ ms",
    "fairness": r"^capped\s+\d+\.\d\s+\d+\.\d\s+\d+\.\d",
    "load": r"^fair scheduling: tenant B's upload \d+\.\d s idle",
    "fuzz": r"^total\s+\d+\s+\d+\s+\d+",
    "chaos": r"^SIGKILL ML worker mid-training\s+\w+",
    "audit": r"^write, median per event \(ms\)\s+\d+\.\d+",
    "simulate": r"^POST /api/v1/simulations/ \(whole store x 13 weeks\) x5: median \d+\.\d ms",
    "pages": r"^GET /api/v1/dashboard/\s+\d+\.\d",
    "rescore": r"^rescore: \d+\.\d s = \d+% of the challenger's training",
    "hierarchy": r"^bottom_up\s+\d+ /",
    "lifecycle": r"^2012-01-06\.\.\S+\s+v\d",
    "refresh": r"^refresh, history to 2012-07-27: \d+\.\d s -> origin 2012-07-27",
    "refresh_product": r"^refresh job: \d+\.\d s -> run \d+ \(refresh\), origin 2012-07-27",
    "fuzz_uploads": r"^POST answers: \{",
    "gzip_members": r"^\s+100,001 .*refused",
    "launches": r"^ours, opening: peers' mean \([\w ]+\)\s+\d+\.\d{3}\s+\d\.\d{2}",
    "scale": r"^dask 2 procs\s+[\d,]+\s+[\d,]+\s+\d+\s+\d+\.\d",
    "what_if": r"^what-if, whole store \(\d+ products\) x 7 days, price cut by 20 % x5: median \d+\.\d ms",
}
# scripts that start Celery workers: a Redis database each (the suite uses 0)
REDIS_DB = {"fairness": 11, "load": 12, "fuzz": 13, "fuzz_uploads": 14, "lifecycle": 15}
OTHER_REDIS_DB = 10
# longest first; a script waits for the ones it needs
ORDER = ["chaos", "fairness", "fuzz", "lifecycle", "pages", "load", "train", "scale", "fuzz_uploads", "launches",
         "ingest", "accuracy_periodic", "refresh", "audit", "forecast_api", "simulate", "what_if", "refresh_product", "rescore",
         "hierarchy", "predict_latency", "accuracy", "gzip_members"]
FIRST = "tenants"  # migrates the quick database before the others share it
NEEDS = {"predict_latency": "train", "simulate": "train"}


@dataclass
class Run:
    script: str
    returncode: int
    out: str
    err: str
    seconds: float


def _url_with(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=path))


def _drop(db: dict) -> None:
    import psycopg2

    conn = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None,
                            dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{QUICK_DB}" WITH (FORCE)')
    conn.close()


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory):
    from django.conf import settings

    db = settings.DATABASES["default"]
    assert db["NAME"] != QUICK_DB
    tmp = tmp_path_factory.mktemp("bench-quick")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "BENCH_"))}
    base.update({
        "DJANGO_SETTINGS_MODULE": "saas.settings.dev",  # as under make bench
        "DATABASE_URL": settings.DATABASE_URL,  # the scripts put their quick database's name in it
        "BENCH_QUICK_DB": QUICK_DB,
        "SAAS_VAR_DIR": str(tmp / "var"),
        "SAAS_MEDIA_ROOT": str(tmp / "media"),
        "PYTHONUNBUFFERED": "1",
        "ML_NUM_THREADS": "1",
    })
    artifact = tmp / "model.zip"
    extra = {"train": ["--out", str(artifact)], "predict_latency": ["--artifact", str(artifact)],
             "simulate": ["--artifact", str(artifact)]}
    done = {name: threading.Event() for name in [FIRST] + ORDER}
    results: dict[str, Run] = {}

    def run(script: str) -> None:
        try:
            if script in NEEDS:
                done[NEEDS[script]].wait(TIMEOUT)
            env = dict(base, REDIS_URL=_url_with(settings.REDIS_URL, f"/{REDIS_DB.get(script, OTHER_REDIS_DB)}"))
            started = time.monotonic()
            try:
                proc = subprocess.run([sys.executable, str(REPO / "bench" / f"{script}.py"), "--quick",
                                       *extra.get(script, [])], cwd=REPO, env=env, capture_output=True, text=True,
                                      timeout=TIMEOUT)
                results[script] = Run(script, proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)
            except subprocess.TimeoutExpired as exc:
                results[script] = Run(script, -1, (exc.stdout or b"").decode(errors="replace"),
                                      f"timed out after {TIMEOUT} s", time.monotonic() - started)
        finally:
            done[script].set()

    _drop(db)
    try:
        run(FIRST)
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(run, ORDER))
        print("bench quick mode, seconds per script: " + ", ".join(  # shown with -s, or in a failure's log
            f"{name} {r.seconds:.0f}" for name, r in sorted(results.items(), key=lambda kv: -kv[1].seconds)))
        yield results
    finally:
        _drop(db)


def test_every_bench_script_is_covered():
    scripts = {p.stem for p in (REPO / "bench").glob("*.py") if not p.stem.startswith("_")}
    assert scripts - {"locustfile"} == set(TABLE) == {FIRST, *ORDER}  # locustfile: run by Locust for load.py


def test_make_bench_lists_every_script():
    makefile = (REPO / "Makefile").read_text()
    listed = re.search(r"^BENCH_SCRIPTS := (.*)$", makefile, re.MULTILINE).group(1).split()
    assert set(TABLE) == set(listed) and "$(BENCH_SCRIPTS)" in makefile.split("\nbench:", 1)[1]


@pytest.mark.parametrize("script", [FIRST] + ORDER)
def test_quick_mode(quick_runs, script):
    run = quick_runs[script]
    detail = f"bench/{script}.py --quick exited {run.returncode} in {run.seconds:.0f} s\n--- stdout\n" \
             f"{run.out[-4000:]}\n--- stderr\n{run.err[-4000:]}"
    assert run.returncode == 0, detail
    assert re.search(TABLE[script], run.out, re.MULTILINE), "figures table missing: " + detail
