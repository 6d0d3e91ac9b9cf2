"""On-demand single-series forecast through the product: POST /api/v1/forecasts/
(API-key auth, tenant routing, DRF, the active model's cached artifact), after
loading the real Walmart files and training through the same service paths
as the product (in-process, no worker). Target: p95 ≤ 300 ms.
Baseline in the same run: GET /api/v1/me/ (framework overhead only).

Run: .venv/bin/python bench/forecast_api.py [--data DIR] [--n 200] [--quick]
(--quick: generated data, 2 backtest windows, 20 requests; target not enforced)
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from _data import add_quick, default_data_dir, quick_data, verdict  # noqa: E402
from _django import setup_platform, use_bench_database  # noqa: E402

use_bench_database("saas_bench_api")


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(default_data_dir()))
    ap.add_argument("--n", type=int, default=200)
    add_quick(ap)
    args = ap.parse_args()
    if args.quick:
        args.data, args.n = quick_data(), min(args.n, 20)
    data = Path(args.data)
    if not (data / "train.csv").exists():
        print(f"real Walmart data not found in {data}")
        return 2
    import django

    django.setup()
    import logging

    logging.getLogger("saas.request").setLevel(logging.WARNING)  # one line per request would bury the figures
    from django.test import Client
    from django_tenants.utils import tenant_context

    from accounts.audit import Actor
    from forecasting.models import ForecastPoint
    from forecasting.services.training import model_train_run, model_train_start
    from forecasting.services.uploads import upload_create, upload_process
    from tenants.services import tenant_provision

    setup_platform()
    slug = f"api-{uuid.uuid4().hex[:6]}"
    prov = tenant_provision(slug=slug, name="API bench", owner_email=f"o@{slug}.test",
                            owner_password="Bench-pass-2026!", plan="enterprise",
                            api_key_name="bench key")
    tenant = prov.tenant
    t0 = time.perf_counter()
    with tenant_context(tenant), mock.patch("saas.celery.app.send_task"):  # run here, not by a worker
        for kind, name in (("stores", "stores.csv"), ("features", "features.csv"), ("sales", "train.csv")):
            with open(data / name, "rb") as fh:
                up = upload_create(actor=Actor.system(), file=fh, filename=name, kind=kind)
            assert upload_process(job_id=up.job_id).status == "succeeded"
        t_load = time.perf_counter() - t0
        job = model_train_start(actor=Actor.system(), horizon=13, backtest_windows=2 if args.quick else 4)
        t1 = time.perf_counter()
        version = model_train_run(job_id=job.pk)
        t_train = time.perf_counter() - t1
        assert version is not None and version.status == "active"
        series = list(ForecastPoint.objects.filter(run__model_version=version)
                      .values_list("store", "dept").distinct())
    print(f"loaded the 3 Walmart files in {t_load:.1f} s; trained v{version.number} ({version.chosen}) in {t_train:.1f} s")
    host = f"{slug}.localhost"
    client = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {prov.api_key}")
    random.seed(0)
    picks = random.sample(series, min(args.n, len(series)))
    t = time.perf_counter()
    first = client.post("/api/v1/forecasts/", {"store": picks[0][0], "dept": picks[0][1], "horizon": 13},
                        content_type="application/json")
    cold = (time.perf_counter() - t) * 1000
    assert first.status_code == 200, first.content[:300]
    lat, base = [], []
    for store, dept in picks:
        t = time.perf_counter()
        resp = client.post("/api/v1/forecasts/", {"store": store, "dept": dept, "horizon": 13},
                           content_type="application/json")
        lat.append((time.perf_counter() - t) * 1000)
        assert resp.status_code == 200 and len(resp.json()["points"]) == 13, resp.content[:300]
        t = time.perf_counter()
        assert client.get("/api/v1/me/").status_code == 200
        base.append((time.perf_counter() - t) * 1000)
    p50, p95 = pct(lat, 50), pct(lat, 95)
    print(f"first request in this process (loads + warms the artifact): {cold:.0f} ms")
    print(f"POST /api/v1/forecasts/ x{len(lat)}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(lat):.1f} ms")
    print(f"baseline GET /api/v1/me/ x{len(base)}: p50 {pct(base, 50):.1f} ms, p95 {pct(base, 95):.1f} ms")
    ok = p95 <= 300
    print(f"{'PASS' if ok else 'FAIL'}: on-demand forecast p95 {p95:.1f} ms (target <= 300 ms)")
    return verdict(ok, args.quick)


if __name__ == "__main__":
    sys.exit(main())
