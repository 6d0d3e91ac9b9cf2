"""Bench: server time of every page and API of the decision pages (issue 9,
acceptance 2) on the real Walmart data, against ``GET /api/v1/me/`` in the same run.

A fresh tenant on the bench database goes through the product the way a
customer's does, with every job run in this process by its Celery task
function (``send_task`` is intercepted, so no worker or network time is
counted, and nothing runs twice):

1. the three Walmart files are uploaded, with the sales of the last
   ``--held-back`` weeks held back;
2. a model is trained (horizon 13, 4 backtest windows: the product's default);
3. the held-back weeks are uploaded: the evaluate job scores the stored run on
   them and writes the drift report; the forecast is refreshed from the newest
   week, so the Forecast page has an earlier run to compare with actuals;
4. after every job, the worker's step that stores the figures and insights.

All that runs in a child process; the requests are measured in a fresh one
(as a web worker, which never trains). Then, for each page and endpoint: one warm-up, ``-n`` requests (default 20),
median and p95, in-process (Django's test client: the server's time, no network).
Targets: p95 <= 300 ms for every page, <= 2 s for a full-store simulation
(every department, 13 weeks). API reads are held to the same 300 ms, except the
two whole-table exports (inventory targets of every series and week, JSON and
CSV) and the weekly PDF, printed without a target.

Run: .venv/bin/python bench/pages.py [--data DIR] [-n 20] [--held-back 8] [--quick]
(--quick: the generator's small data, 2 backtest windows, 3 requests each, its
first store and department in place of store 20 / department 92; targets not enforced.)
(``BENCH_PG_PORT`` / ``BENCH_REDIS_PORT`` give it embedded servers of its own.)
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _data import add_quick, default_data_dir, quick_data, verdict  # noqa: E402
from _django import setup_platform, use_bench_database  # noqa: E402

use_bench_database("bench_pages")
for _var in ("PG", "REDIS"):
    if os.environ.get(f"BENCH_{_var}_PORT"):
        os.environ[f"SAAS_{_var}_PORT"] = os.environ[f"BENCH_{_var}_PORT"]
PAGE_TARGET_MS = 300.0
SIMULATION_TARGET_MS = 2000.0
PASSWORD = "Bench-pass-2026!"


def split_sales(data: Path, held_back: int, folder: Path) -> tuple[Path, Path, str]:
    """train.csv cut in two: the history, and its last ``held_back`` weeks."""
    import pandas as pd

    sales = pd.read_csv(data / "train.csv")
    dates = sorted(sales["Date"].unique())
    cut = dates[-held_back - 1]
    early, late = folder / "train-history.csv", folder / "train-new-weeks.csv"
    sales[sales["Date"] <= cut].to_csv(early, index=False)
    sales[sales["Date"] > cut].to_csv(late, index=False)
    return early, late, cut


def run_queued(label: str) -> None:
    """Run every queued job of the tenant with its task, as the worker would, until none is left."""
    from jobs.models import Job
    from jobs.services import JOB_TASKS
    from saas.celery import app as celery_app

    celery_app.loader.import_default_modules()  # the tasks, registered as the worker registers them

    while True:
        job = Job.objects.filter(status=Job.Status.QUEUED).order_by("pk").first()
        if job is None:
            return
        t = time.perf_counter()
        celery_app.tasks[JOB_TASKS[job.kind]](job.pk)
        job.refresh_from_db()
        print(f"  {label}: {job.get_kind_display().lower()} job {job.status} in {time.perf_counter() - t:.1f} s"
              + (f" ({job.error})" if job.error else ""))
        if job.status != Job.Status.SUCCEEDED:
            raise SystemExit(f"{job.kind} job {job.status}: {job.error or job.message}")


def prepare(data: Path, held_back: int, windows: int = 4):
    """A tenant with the real data, a trained model, an evaluated run and a refreshed forecast."""
    from django_tenants.utils import tenant_context

    from accounts import services as account_services
    from accounts.audit import Actor
    from accounts.models import User
    from accounts.scope_services import member_set_stores
    from forecasting.services.refresh import forecast_refresh_start
    from forecasting.services.training import model_train_start
    from forecasting.services.uploads import upload_create
    from tenants.services import tenant_provision

    setup_platform()
    slug = f"pages-{uuid.uuid4().hex[:6]}"
    prov = tenant_provision(slug=slug, name="Pages bench", owner_email=f"o@{slug}.test",
                            owner_password=PASSWORD, plan="enterprise", api_key_name="bench key")
    folder = Path(tempfile.mkdtemp(prefix="pages-bench-"))
    early, late, cut = split_sales(data, held_back, folder)
    t0 = time.perf_counter()
    with tenant_context(prov.tenant), mock.patch("saas.celery.app.send_task"):  # run here, not by a worker
        for kind, path in (("stores", data / "stores.csv"), ("features", data / "features.csv"), ("sales", early)):
            with open(path, "rb") as fh:
                upload_create(actor=Actor.system(), file=fh, filename=path.name, kind=kind)
        run_queued(f"history to {cut}")
        model_train_start(actor=Actor.system(), horizon=13, backtest_windows=windows)
        run_queued("training")
        with open(late, "rb") as fh:
            upload_create(actor=Actor.system(), file=fh, filename=late.name, kind="sales")
        run_queued(f"the {held_back} weeks after {cut}")
        forecast_refresh_start(actor=Actor.system())
        run_queued("refresh")
        owner = User.objects.get(email=prov.owner_email)
        member = account_services.member_create(actor=Actor.system(), email=f"v@{slug}.test", password=PASSWORD,
                                                role="viewer")
        import pandas as pd

        first_stores = sorted(int(x) for x in pd.read_csv(data / "stores.csv")["Store"])[:5]  # 1-5 in the real data
        member_set_stores(actor=Actor.system(), user_id=member.pk, stores=first_stores)
        from forecasting.models import ModelVersion

        version = ModelVersion.objects.get(status="active")
    print(f"prepared in {time.perf_counter() - t0:.0f} s: model v{version.number} ({version.chosen})\n")
    return prov, owner, member, version


def simulation_body(store: int) -> dict:
    from accounts.scope import StoreScope
    from forecasting.services.simulations import simulation_options

    return {"store": store, "depts": None, "weeks": simulation_options(scope=StoreScope.all())["weeks"],
            "markdowns": {"markdown1": 10000, "markdown2": 2000, "markdown3": 500, "markdown4": 3000,
                          "markdown5": 5000}, "margin": 0.3}


def prepare_only(data: Path, held_back: int, windows: int = 4) -> None:
    """The tenant, in a process of its own: a process that trained keeps its objects, and the collector's
    pauses over them would be counted in every request measured after."""
    import django

    django.setup()
    prov, owner, member, version = prepare(data, held_back, windows)
    print("PREPARED " + json.dumps({"slug": prov.tenant.slug, "api_key": prov.api_key, "owner": owner.email,
                                    "member": member.email, "version": version.pk}), flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(default_data_dir()))
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--held-back", type=int, default=8)
    ap.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    add_quick(ap)
    args = ap.parse_args()
    if args.quick:
        args.n = min(args.n, 3)
        if not args.prepare_only:  # the child is given the folder
            args.data = quick_data()
    data = Path(args.data)
    if not (data / "train.csv").exists():
        print(f"real Walmart data not found in {data}")
        return 2
    if args.prepare_only:
        prepare_only(data, args.held_back, 2 if args.quick else 4)
        return 0
    child = subprocess.run([sys.executable, __file__, "--prepare-only", "--data", str(data),
                            "--held-back", str(args.held_back)] + (["--quick"] if args.quick else []),
                           stdout=subprocess.PIPE, text=True)
    lines = child.stdout.splitlines()
    print("\n".join(line for line in lines if not line.startswith("PREPARED ")))
    found = [json.loads(line[9:]) for line in lines if line.startswith("PREPARED ")]
    if child.returncode != 0 or not found:
        print("preparing the tenant failed")
        return 1
    prepared = found[0]
    import django

    django.setup()
    logging.getLogger("saas.request").setLevel(logging.WARNING)  # one log line per request otherwise
    from django.test import Client
    from django_tenants.utils import tenant_context

    from accounts.models import User
    from tenants.models import Tenant

    tenant = Tenant.objects.get(slug=prepared["slug"])
    store, dept = 20, 92  # a big store and department of the real data
    if args.quick:
        import pandas as pd

        store, dept = (int(x) for x in pd.read_csv(data / "train.csv", nrows=1)[["Store", "Dept"]].iloc[0])
    host = f"{tenant.slug}.localhost"
    api = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {prepared['api_key']}")
    web, restricted = Client(HTTP_HOST=host), Client(HTTP_HOST=host)
    with tenant_context(tenant):
        web.force_login(User.objects.get(email=prepared["owner"]), backend="django.contrib.auth.backends.ModelBackend")
        restricted.force_login(User.objects.get(email=prepared["member"]),
                               backend="django.contrib.auth.backends.ModelBackend")
        body = simulation_body(store)
    v = prepared["version"]
    cases = [  # (client, method, path, body, target ms or None)
        ("api", "GET", "/api/v1/me/", None, None),
        ("web", "GET", "/", None, PAGE_TARGET_MS),
        ("restricted", "GET", "/", None, PAGE_TARGET_MS),
        ("web", "GET", "/stores/", None, PAGE_TARGET_MS),
        ("web", "GET", f"/stores/{store}/", None, PAGE_TARGET_MS),
        ("web", "GET", "/departments/", None, PAGE_TARGET_MS),
        ("web", "GET", f"/departments/{dept}/", None, PAGE_TARGET_MS),
        ("web", "GET", f"/forecasts/?store={store}&dept={dept}", None, PAGE_TARGET_MS),
        ("web", "GET", "/simulator/", None, PAGE_TARGET_MS),
        ("web", "GET", "/insights/", None, PAGE_TARGET_MS),
        ("web", "GET", "/models/", None, PAGE_TARGET_MS),
        ("web", "GET", f"/models/{v}/", None, PAGE_TARGET_MS),
        ("web", "GET", "/models/retraining/", None, PAGE_TARGET_MS),
        ("web", "GET", "/data/", None, PAGE_TARGET_MS),
        ("web", "GET", "/data/settings/", None, PAGE_TARGET_MS),
        ("web", "GET", "/forecasts/overrides/", None, PAGE_TARGET_MS),
        ("web", "GET", "/forecasts/plan/", None, PAGE_TARGET_MS),
        ("web", "GET", "/forecasts/exceptions/", None, PAGE_TARGET_MS),
        ("restricted", "GET", "/forecasts/exceptions/", None, PAGE_TARGET_MS),
        ("api", "GET", "/api/v1/dashboard/", None, PAGE_TARGET_MS),
        ("api", "GET", "/api/v1/stores/", None, PAGE_TARGET_MS),
        ("api", "GET", f"/api/v1/stores/{store}/", None, PAGE_TARGET_MS),
        ("api", "GET", "/api/v1/departments/", None, PAGE_TARGET_MS),
        ("api", "GET", f"/api/v1/departments/{dept}/", None, PAGE_TARGET_MS),
        ("api", "GET", f"/api/v1/forecasts/?store={store}&dept={dept}", None, PAGE_TARGET_MS),
        ("api", "POST", "/api/v1/forecasts/", {"store": store, "dept": dept, "horizon": 13}, PAGE_TARGET_MS),
        ("api", "GET", "/api/v1/insights/markdown-roi/", None, PAGE_TARGET_MS),
        ("api", "GET", "/api/v1/insights/hotspots/", None, PAGE_TARGET_MS),
        ("api", "GET", "/api/v1/insights/anomalies/", None, PAGE_TARGET_MS),
        # every series x week in one answer (39,000 rows, 4 MB on the real data): an export, like its CSV;
        # the Insights page shows each series' first weeks (above)
        ("api", "GET", "/api/v1/insights/inventory/?lead_time=2&service_level=0.95", None, None),
        ("api", "GET", "/api/v1/insights/inventory/?lead_time=2&service_level=0.95&format=csv", None, None),
        ("api", "GET", f"/api/v1/models/{v}/evaluations/", None, PAGE_TARGET_MS),
        ("api", "GET", "/api/v1/monitoring/", None, PAGE_TARGET_MS),
        ("api", "GET", "/api/v1/retraining-policy/", None, PAGE_TARGET_MS),
        ("api", "GET", "/api/v1/overrides/", None, PAGE_TARGET_MS),
        ("api", "GET", "/api/v1/overrides/value-added/", None, PAGE_TARGET_MS),
        ("api", "GET", "/api/v1/plans/", None, PAGE_TARGET_MS),
        ("api", "GET", "/api/v1/exceptions/", None, PAGE_TARGET_MS),
        ("api", "POST", "/api/v1/simulations/", body, SIMULATION_TARGET_MS),
        ("api", "GET", "/api/v1/reports/weekly.pdf", None, None),
    ]
    clients = {"api": api, "web": web, "restricted": restricted}
    print(f"{'request':<68}{'median ms':>10}{'p95 ms':>9}{'target':>8}")
    failed, me_p95 = [], None
    for who, method, path, payload, target in cases:
        client = clients[who]

        def call(client=client, method=method, path=path, payload=payload):
            if method == "POST":
                return client.post(path, payload, content_type="application/json")
            return client.get(path)

        first = call()  # warm-up
        assert first.status_code == 200, (path, first.status_code, first.content[:300])
        lat = []
        for _ in range(args.n):
            t = time.perf_counter()
            resp = call()
            lat.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200, (path, resp.status_code)
        p95 = statistics.quantiles(lat, n=20)[-1]
        if path == "/api/v1/me/":
            me_p95 = p95
        label = f"{method} {path}" + (" (viewer of <= 5 stores)" if who == "restricted" else "")
        if path == "/api/v1/simulations/":
            label += f" (store {store}, every department, 13 weeks)"
        mark = "-" if target is None else f"{target:.0f}"
        print(f"{label:<68}{statistics.median(lat):>10.1f}{p95:>9.1f}{mark:>8}")
        if target is not None and p95 > target:
            failed.append(f"{label} p95 {p95:.0f} ms > {target:.0f} ms")
    print(f"\nbaseline GET /api/v1/me/ p95 {me_p95:.1f} ms (framework, auth and tenant routing only)")
    for line in failed:
        print(f"over target: {line}")
    print(f"{'FAIL' if failed else 'PASS'}: p95 <= {PAGE_TARGET_MS:.0f} ms for every page and API read (exports aside), "
          f"<= {SIMULATION_TARGET_MS:.0f} ms for a full-store simulation")
    return verdict(not failed, args.quick)


if __name__ == "__main__":
    sys.exit(main())
