"""The what-if of a daily workspace (issue 18 item 4; forecasting/ml/periodic/simulate.py) on the generated
retailer's daily till data (demo/retailer.py: 24 stores x 150 products, prices and promotions, about 1.5 M
rows): a whole store (every product it sells) over 7 days with the promotion flag set, and the same with
the price cut by 20 %. Target: at most 2 s, the weekly simulator's (bench/simulate.py, issue 9). Baseline
in the same run: the served forecast of every series from the same grid (``engine.served``), the floor a
what-if cannot go under. Median and p95 of --n runs after one warm-up, over the stores in turn.

The model is trained in-process (the product's configuration: horizon 28, 4 windows); the grid is built once,
as the product's service keeps it per process and dataset version.

Run: .venv/bin/python bench/what_if.py [--n 20] [--quick]
(--quick: the small retailer, 60 boosting rounds; target not enforced)"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from _data import add_quick, verdict  # noqa: E402

from demo import retailer  # noqa: E402
from forecasting.ml.periodic import engine  # noqa: E402
from forecasting.ml.periodic.drivers import series_drivers  # noqa: E402
from forecasting.ml.periodic.grid import build_grid  # noqa: E402
from forecasting.ml.periodic.seasons import calendar  # noqa: E402
from forecasting.ml.periodic.simulate import Lever, what_if  # noqa: E402

TARGET_MS = 2000.0
ON_DEMAND_P95_MS = 300.0  # bench/predict_latency.py's limit for a weekly series' on-demand forecast
HORIZON = 28


def pct(values, q):
    return float(np.percentile(np.asarray(values) * 1000.0, q))


def inputs(folder: Path, quick: bool):
    files = retailer.generate(folder, **(retailer.SMALL if quick else {}))
    sales = pd.read_csv(files["sales"], sep=";", decimal=",", parse_dates=["date"])
    plan = pd.read_csv(files["promo_plan"], parse_dates=["date"])
    history = pd.DataFrame({"location": sales["store"], "item": sales["sku"], "date": sales["date"],
                            "value": sales["units"].astype(float)})
    cov = pd.concat([sales[["store", "sku", "date", "price", "promo"]], plan]).rename(
        columns={"store": "location", "sku": "item"})
    stores = pd.read_csv(files["stores"]).rename(columns={"store": "location"}).drop(columns="name")
    products = pd.read_csv(files["products"]).rename(columns={"sku": "item"}).drop(columns="name")
    return history, {"locations": stores, "items": products, "covariates": cov,
                     "kinds": {"price": "known", "promo": "known"}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20)
    add_quick(ap)
    args = ap.parse_args()
    n = 5 if args.quick else args.n
    with tempfile.TemporaryDirectory() as tmp:
        history, kw = inputs(Path(tmp), args.quick)
    print(f"data: {len(history):,} rows, {history.groupby(['location', 'item']).ngroups:,} series "
          f"({'small retailer, quick mode' if args.quick else 'the generated retailer'})")
    config = engine.Config(freq="D", horizon=HORIZON, windows=4, num_threads=2,
                           **({"num_rounds": 60} if args.quick else {}))
    t0 = time.perf_counter()
    model = engine.train(history, config, **kw).model
    print(f"training: {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    grid = build_grid(history, freq="D", future=HORIZON, **kw)
    _, cal = calendar(grid.ext_dates, "D")
    print(f"grid, built once per process and dataset version: {time.perf_counter() - t0:.1f} s")
    stores = sorted(grid.keys["location"].unique())
    steps = np.arange(7)
    cases = {"promotion set (promo = 1)": [Lever("promo", value=1)],
             "price cut by 20 %": [Lever("price", change_pct=-20)]}
    served_times = []
    for _ in range(n + 1):
        t0 = time.perf_counter()
        engine.served(model, grid, cal)
        served_times.append(time.perf_counter() - t0)
    print(f"\nbaseline: the served forecast of all {grid.n:,} series x {HORIZON} days x{n}: "
          f"median {pct(served_times[1:], 50):.1f} ms, p95 {pct(served_times[1:], 95):.1f} ms")
    ok = True
    for label, levers in cases.items():
        times, rows_seen = [], []
        for k in range(n + 1):
            rows = np.flatnonzero((grid.keys["location"] == stores[k % len(stores)]).to_numpy())
            t0 = time.perf_counter()
            what_if(model, grid, cal, rows=rows, steps=steps, levers=levers)
            times.append(time.perf_counter() - t0)
            rows_seen.append(len(rows))
        median = pct(times[1:], 50)
        ok &= median <= TARGET_MS
        print(f"what-if, whole store ({int(np.median(rows_seen))} products) x 7 days, {label} x{n}: "
              f"median {median:.1f} ms, p95 {pct(times[1:], 95):.1f} ms (target <= {TARGET_MS:.0f} ms)")
    print(f"{'PASS' if ok else 'FAIL'}: a store's what-if within the weekly simulator's 2 s")
    # one daily SKU series on demand: its served forecast and the drivers of its first day (what the API's
    # POST /forecasts/ and the Forecast page compute), against the weekly on-demand limit
    times, explained = [], 0
    for k in range(4 * n + 1):
        one = grid.take(np.array([k * 7919 % grid.n]))
        t0 = time.perf_counter()
        engine.forecast_from(model, one, cal)
        explained += bool(series_drivers(model, one, cal))
        times.append(time.perf_counter() - t0)
    p95 = pct(times[1:], 95)
    fast = p95 <= ON_DEMAND_P95_MS
    print(f"on demand, one daily series (forecast + drivers of its first day) x{4 * n}: median "
          f"{pct(times[1:], 50):.1f} ms, p95 {p95:.1f} ms (weekly limit p95 <= {ON_DEMAND_P95_MS:.0f} ms; "
          f"{explained} of {4 * n + 1} with drivers, model {model.chosen})")
    print(f"{'PASS' if fast else 'FAIL'}: a daily series on demand within the weekly on-demand latency")
    return verdict(ok and fast, args.quick)


if __name__ == "__main__":
    sys.exit(main())
