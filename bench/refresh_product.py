"""Bench: forecast refresh through the product, on the real data.

A fresh tenant on the bench database loads the Walmart history to 2012-04-27
(uploads, as a user would), trains (the training job: 4-window backtest,
horizon 13), then loads the weeks to 2012-07-27 and runs a refresh job (no
refit). The jobs run in this process through the same service functions the
Celery tasks call. Prints the refresh time against the full training time of
the same run, the new run's origin and model version, how many live series
(a sale in the 52 weeks to the origin, recounted from the raw file) have no
forecast in the refreshed run (must be 0), and checks that the stored total
aggregate equals the sum of the series forecasts to the cent.

--quick: the generator's small data (same calendar), 2 backtest windows; target not enforced."""
from __future__ import annotations

import argparse
import os
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

use_bench_database("bench_refresh")
TRAIN_END, NEW_END = "2012-04-27", "2012-07-27"
REFRESH_LIMIT_S = 30.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=str(default_data_dir()))
    add_quick(ap)
    args = ap.parse_args()
    data = quick_data() if args.quick else Path(args.data)
    if not (data / "train.csv").exists():
        print(f"real Walmart data not found in {data}")
        return 2
    import django

    django.setup()
    import pandas as pd
    from django.db.models import Sum
    from django_tenants.utils import tenant_context

    from accounts.audit import Actor
    from forecasting.models import ForecastAggregate, ForecastPoint
    from forecasting.services.refresh import forecast_refresh_run, forecast_refresh_start
    from forecasting.services.training import model_train_run, model_train_start
    from forecasting.services.uploads import upload_create, upload_process
    from tenants.services import tenant_provision

    sales = pd.read_csv(data / "train.csv")
    tmp = Path(tempfile.mkdtemp(prefix="bench-refresh-"))
    sales[sales["Date"] <= TRAIN_END].to_csv(tmp / "history.csv", index=False)
    sales[(sales["Date"] > TRAIN_END) & (sales["Date"] <= NEW_END)].to_csv(tmp / "later.csv", index=False)

    setup_platform()
    slug = f"refresh-{uuid.uuid4().hex[:6]}"
    tenant = tenant_provision(slug=slug, name="Refresh bench", owner_email=f"o@{slug}.test",
                              owner_password="Bench-pass-2026!", plan="enterprise", api_key_name="bench key").tenant

    def load(path: Path, kind: str) -> None:
        with open(path, "rb") as fh:
            up = upload_create(actor=Actor.system(), file=fh, filename=path.name, kind=kind)
        assert upload_process(job_id=up.job_id).status == "succeeded", path

    with tenant_context(tenant), mock.patch("saas.celery.app.send_task"):  # run here, not by a worker
        load(data / "stores.csv", "stores")
        load(data / "features.csv", "features")
        t = time.perf_counter()
        load(tmp / "history.csv", "sales")
        print(f"history to {TRAIN_END} loaded in {time.perf_counter() - t:.1f} s")
        job = model_train_start(actor=Actor.system(), horizon=13, backtest_windows=2 if args.quick else 4)
        t = time.perf_counter()
        version = model_train_run(job_id=job.pk)
        t_train = time.perf_counter() - t
        assert version is not None and version.status == "active"
        print(f"full training job (v{version.number}, {version.chosen}): {t_train:.1f} s")
        t = time.perf_counter()
        load(tmp / "later.csv", "sales")
        print(f"weeks to {NEW_END} loaded in {time.perf_counter() - t:.1f} s")
        job = forecast_refresh_start(actor=Actor.system())
        t = time.perf_counter()
        run = forecast_refresh_run(job_id=job.pk)
        t_refresh = time.perf_counter() - t
        assert run is not None, "refresh job failed"
        job.refresh_from_db()
        stages = job.result.get("stages", {})
        got = set(ForecastPoint.objects.filter(run=run).values_list("store", "dept").distinct())
        total = ForecastPoint.objects.filter(run=run).aggregate(s=Sum("forecast"))["s"]
        agg = ForecastAggregate.objects.filter(run=run, level="total").aggregate(s=Sum("forecast"))["s"]
        n_aggs = ForecastAggregate.objects.filter(run=run).values("level", "key").distinct().count()
    o = pd.Timestamp(NEW_END)
    d = pd.to_datetime(sales["Date"])
    recent = sales[(d <= o) & (d > o - pd.Timedelta(weeks=52)) & (sales["Weekly_Sales"] > 0)]
    live = set(map(tuple, recent[["Store", "Dept"]].drop_duplicates().to_numpy().tolist()))
    print(f"refresh job: {t_refresh:.1f} s -> run {run.pk} ({run.kind}), origin {run.origin}, model v{version.number}, "
          f"{run.series:,} series ({', '.join(f'{k} {v}' for k, v in run.status_counts.items())}), "
          f"{n_aggs} stored aggregates")
    print("  refresh job stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))
    print(f"live series at {NEW_END}: {len(live):,}; without a forecast in the refreshed run: {len(live - got)}")
    print(f"total aggregate {agg:,.2f} vs sum of series forecasts {total:,.2f} (diff {abs(agg - total):.4f})")
    ok = (str(run.origin) == NEW_END and not (live - got) and abs(agg - total) < 0.01 and t_refresh <= REFRESH_LIMIT_S)
    print(f"{'PASS' if ok else 'FAIL'}: refresh {t_refresh:.1f} s (target <= {REFRESH_LIMIT_S:.0f} s) vs full training "
          f"{t_train:.1f} s ({t_refresh / t_train:.2f}x)")
    return verdict(ok, args.quick)


if __name__ == "__main__":
    sys.exit(main())
