"""The promotion simulator through the product: POST /api/v1/simulations/ for
a whole store (every department with a live forecast) over the 13 forecast
weeks (API-key auth, tenant routing, DRF, quota, the active model's cached
artifact). Target (issue 9): at most 2 s. Baseline in the same run:
GET /api/v1/me/ (framework overhead only). Median and p95 of --n requests
after one warm-up, over every store in turn.

The model is trained in-process with the product's default set-up (horizon 13,
4 backtest windows) on the real Walmart files when present, else on the
generator's full-size data (forecasting/demo_data.py); ``--artifact`` keeps
it between runs.

Run: .venv/bin/python bench/simulate.py [--data DIR] [--n 20] [--artifact PATH] [--quick]
(--quick: a model of the generator's small data, 2 backtest windows, or the one
bench/train.py --quick wrote when given as --artifact; 5 requests; target not enforced)
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from _data import add_quick, default_data_dir, load_walmart, quick_data, verdict  # noqa: E402
from _django import setup_platform, use_bench_database  # noqa: E402

use_bench_database("saas_bench_simulate")
for var in ("SAAS_PG_PORT", "SAAS_REDIS_PORT"):  # bench servers of one's own when several run on one machine
    if os.environ.get(f"BENCH_{var}"):
        os.environ[var] = os.environ[f"BENCH_{var}"]

TARGET_MS = 2000.0


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def trained_artifact(data: Path, path: Path, quick: bool = False):
    from forecasting.ml.pipeline import TrainConfig, load_artifact, save_artifact, train

    if path.is_file():
        print(f"model: {path} (delete it to retrain)")
        return load_artifact(path)
    if quick:
        data, source = quick_data(), "the generator's small data (quick mode)"
    elif (data / "train.csv").is_file():
        source = f"the real Walmart files in {data}"
    else:
        from forecasting.demo_data import generate

        data = Path(tempfile.mkdtemp(prefix="sim-bench-"))
        generate(data, seed=0)
        source = "the generator's data (45 stores x 80 departments; no Walmart files found)"
    sales, features, stores = load_walmart(data)
    t = time.perf_counter()
    res = train(sales, features, stores, TrainConfig(horizon=13, backtest_windows=2 if quick else 4, num_threads=2,
                                                     seed=0))
    save_artifact(res.artifact, path)
    print(f"model: trained on {source} in {time.perf_counter() - t:.0f} s ({res.chosen}), saved to {path}")
    return res.artifact


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(default_data_dir()))
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--artifact", default=None, help="default: simulate-bench-artifact[-quick].zip in the temp dir")
    add_quick(ap)
    args = ap.parse_args()
    if args.quick:
        args.n = min(args.n, 5)
    args.artifact = args.artifact or str(Path(tempfile.gettempdir()) /
                                         f"simulate-bench-artifact{'-quick' if args.quick else ''}.zip")
    art = trained_artifact(Path(args.data), Path(args.artifact), quick=args.quick)
    import django

    django.setup()
    import logging

    from django.test import Client
    from django_tenants.utils import tenant_context

    from forecasting.ml.pipeline import save_artifact
    from forecasting.ml.simulate import forecast_weeks, store_depts
    from forecasting.models import ForecastRun, ModelVersion
    from saas.storage import tenant_dir
    from tenants.services import tenant_provision

    logging.getLogger("saas.request").setLevel(logging.WARNING)  # one line per request would bury the figures
    setup_platform()
    slug = f"sim-{uuid.uuid4().hex[:6]}"
    prov = tenant_provision(slug=slug, name="Simulator bench", owner_email=f"o@{slug}.test",
                            owner_password="Bench-pass-2026!", plan="enterprise", api_key_name="bench key")
    with tenant_context(prov.tenant):
        path = tenant_dir("models") / "bench.fcm"
        sha = save_artifact(art, path)
        origin = art.panel.dates[-1].date()
        version = ModelVersion.objects.create(
            number=1, status="active", chosen=art.chosen, horizon=art.horizon, backtest_windows=4, metrics={},
            dataset_version=0, artifact_path=str(path), artifact_sha256=sha, training_seconds=0.0, data_end=origin)
        ForecastRun.objects.create(model_version=version, origin=origin, horizon=art.horizon, series=0)
    weeks = forecast_weeks(art)
    stores = sorted({int(s) for s in art.arrays["keys"][:, 0] if store_depts(art, int(s))})
    biggest = max(stores, key=lambda s: len(store_depts(art, s)))
    client = Client(HTTP_HOST=f"{slug}.localhost", HTTP_AUTHORIZATION=f"Token {prov.api_key}")

    def body(store):
        return {"store": store, "depts": None, "weeks": weeks,
                "markdowns": {"markdown1": 10000, "markdown2": 2000, "markdown3": 500, "markdown4": 3000,
                              "markdown5": 5000}, "margin": 0.3}

    t = time.perf_counter()
    first = client.post("/api/v1/simulations/", body(biggest), content_type="application/json")
    cold = (time.perf_counter() - t) * 1000
    assert first.status_code == 200, first.content[:300]
    client.get("/api/v1/me/")  # warm-up of the baseline too
    lat, base, rows = [], [], []
    order = [biggest] + [s for s in stores if s != biggest]
    for k in range(args.n):
        store = order[k % len(order)]
        t = time.perf_counter()
        resp = client.post("/api/v1/simulations/", body(store), content_type="application/json")
        lat.append((time.perf_counter() - t) * 1000)
        assert resp.status_code == 200, resp.content[:300]
        out = resp.json()
        assert len(out["by_week"]) == len(weeks) and len(out["depts"]) == len(store_depts(art, store))
        rows.append(len(out["depts"]) * len(weeks))
        t = time.perf_counter()
        assert client.get("/api/v1/me/").status_code == 200
        base.append((time.perf_counter() - t) * 1000)
    p50, p95 = pct(lat, 50), pct(lat, 95)
    print(f"{len(stores)} stores, {len(weeks)} weeks ({weeks[0]} to {weeks[-1]}); largest store {biggest}: "
          f"{len(store_depts(art, biggest))} departments; {min(rows)}-{max(rows)} department-weeks per request")
    print(f"first request in this process (loads + warms the artifact): {cold:.0f} ms")
    print(f"POST /api/v1/simulations/ (whole store x {len(weeks)} weeks) x{len(lat)}: median {p50:.1f} ms, "
          f"p95 {p95:.1f} ms, max {max(lat):.1f} ms")
    print(f"baseline GET /api/v1/me/ x{len(base)}: median {pct(base, 50):.1f} ms, p95 {pct(base, 95):.1f} ms")
    ok = p95 <= TARGET_MS
    print(f"{'PASS' if ok else 'FAIL'}: full-store simulation p95 {p95:.1f} ms (target <= {TARGET_MS:.0f} ms)")
    return verdict(ok, args.quick)


if __name__ == "__main__":
    sys.exit(main())
