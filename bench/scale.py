"""Bench: the engine for any planning frequency at scale (issue 20 items 1-2): training time and peak memory
of a generated daily SKU x store retailer at growing series counts, trained by partitions of series in one
process, and at the middle count the same training on a Dask cluster of separate processes (``dask
scheduler`` and two ``dask worker`` commands), with its forecasts against the in-process ones.

The retailer is bench/_daily.py's shape (stores x products, a lognormal level per product, promotion days
that cut the price and lift the sales, ``DAYS`` days) with the promotion flag as a known covariate by series;
it is written once per count as Parquet, and each training runs in a fresh child process that reads it, so
that a child's peak RSS (getrusage's high-water mark) is its own: ``data`` is its RSS once the frames are
read (the input, which the workspace's selector holds too), ``peak`` its high-water mark, ``train`` the
difference (what the training itself took on top of its input). The partition count is the product's rule
(``ML_PARTITION_SERIES`` series each, forecasting/ml/periodic/partitions.count).

Targets (issue 20): training time at the largest count <= 2.7x that at the middle for 50,000 / 20,000
series (the limit scaled by the ratio of the two counts), the training's memory at the largest <= 1.25x that
at the smallest, Dask <= 1.3x the in-process time, and its forecasts equal to 1e-9.

    .venv/bin/python bench/scale.py --quick            # 100 / 200 / 400 series, half a minute
    .venv/bin/python bench/scale.py --sizes 5000,20000  # the full model settings
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from forecasting.ml import executor  # noqa: E402
from forecasting.ml.models import import_lightgbm  # noqa: E402
from forecasting.ml.periodic import engine, partitions  # noqa: E402
from tests.support.dask_cluster import dask_processes  # noqa: E402

DAYS = 730
END = "2026-11-29"
COLUMNS = ["forecast", "lo80", "hi80", "lo95", "hi95"]
TIME_RATIO, TIME_SIZES = 2.7, (50_000, 20_000)
MEMORY_RATIO, DASK_RATIO, EQUAL = 1.25, 1.3, 1e-9
FULL = {"horizon": 14, "windows": 4}  # the engine's defaults otherwise (600 rounds, 600,000 training rows)
QUICK = {"horizon": 14, "windows": 2, "num_rounds": 60, "max_rows": 60_000}


def shape(series: int) -> tuple[int, int]:
    """(stores, products) holding ``series`` series (bench/_daily.py's ratio)."""
    stores = max(1, int(round(series ** 0.5 / 1.2)))
    return stores, -(-series // stores)


def write_retailer(folder: Path, series: int, days: int, seed: int = 7) -> Path:
    """history.parquet (location, item, date, value) and promo.parquet (location, item, date, promo over
    the history and the horizon) of ``series`` series; returns the folder."""
    rng = np.random.default_rng(seed)
    stores, products = shape(series)
    dates = pd.date_range(end=END, periods=days, freq="D")
    ahead = pd.date_range(dates[-1] + pd.Timedelta(days=1), periods=28, freq="D")
    ids = np.arange(series)
    s, p = ids // products, ids % products
    base = np.minimum(rng.lognormal(0.4, 1.3, products), 60)
    week = np.array([0.9, 0.85, 0.9, 1.0, 1.2, 1.5, 0.7])[dates.weekday]
    promo = rng.random((series, days + len(ahead))) < 0.06
    cut = np.where(promo[:, :days], rng.uniform(0.15, 0.3, (series, days)), 0.0)
    units = rng.poisson(base[p][:, None] * week[None, :] * (1 - cut) ** -2.5).astype(np.float32)
    loc = pd.Categorical.from_codes(s, [f"ST-{i + 1:03d}" for i in range(stores)])
    item = pd.Categorical.from_codes(p, [f"SKU-{10001 + i}" for i in range(products)])
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"location": np.repeat(loc, days), "item": np.repeat(item, days), "date": np.tile(dates, series),
                  "value": units.ravel()}).to_parquet(folder / "history.parquet", index=False)
    full = dates.append(ahead)
    pd.DataFrame({"location": np.repeat(loc, len(full)), "item": np.repeat(item, len(full)),
                  "date": np.tile(full, series), "promo": promo.ravel().astype(np.int8)}
                 ).to_parquet(folder / "promo.parquet", index=False)
    return folder


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args) -> None:
    """One training in this fresh process; prints ``CHILD {json}`` and saves the forecasts."""
    history = pd.read_parquet(Path(args.folder) / "history.parquet")
    promo = pd.read_parquet(Path(args.folder) / "promo.parquet")
    data = rss_mb()
    series = int(history[["location", "item"]].drop_duplicates().shape[0])
    parts = partitions.count(series, args.partition_series)
    config = engine.Config(freq="D", num_threads=args.threads, **(QUICK if args.quick else FULL))
    ex = executor.remote_cluster(args.address) if args.address else executor.InProcess()
    with ex:
        t = time.perf_counter()
        if args.address:  # long-lived dask-worker services have imported the engine once: not timed
            ex.client.run(importlib.import_module, "forecasting.ml.periodic.steps")
            ex.client.run(import_lightgbm)
        warm = time.perf_counter() - t
        t = time.perf_counter()
        res = engine.train(history, config, covariates=[promo], kinds={"promo": "known"}, parts=parts, executor=ex)
        seconds = time.perf_counter() - t
        workers = ex.client.run(peak_mb) if args.address else {}
    np.save(args.out, res.forecast[COLUMNS].to_numpy(float))
    print("CHILD " + json.dumps({
        "series": series, "rows": len(history), "parts": parts, "seconds": seconds, "warm": warm, "data_mb": data,
        "peak_mb": peak_mb(), "workers_peak_mb": max(workers.values(), default=0.0), "chosen": res.chosen,
        "timings": res.timings, "wape": res.metrics[res.chosen]["wape"]}), flush=True)


def run_child(args, folder: Path, out: Path, address: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", "--folder", str(folder), "--out", str(out), "--threads",
           str(args.threads), "--partition-series", str(args.partition_series)]
    cmd += ["--quick"] if args.quick else []
    cmd += ["--address", address] if address else []
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("CHILD ")]
    if done.returncode or not lines:
        raise SystemExit(f"child failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][6:])


def row(label: str, r: dict) -> str:
    return (f"{label:<12}{r['series']:>8,}{r['rows']:>13,}{r['parts']:>7}{r['seconds']:>11.1f}"
            f"{r['data_mb']:>10.0f}{r['peak_mb']:>10.0f}{r['peak_mb'] - r['data_mb']:>10.0f}"
            f"   {r['chosen']} WAPE {r['wape']:.4f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="100 / 200 / 400 series, small model settings")
    p.add_argument("--sizes", default=None, help="series counts, comma-separated (default 5000,20000,50000)")
    p.add_argument("--days", type=int, default=None, help=f"days of history (default {DAYS}; --quick 400)")
    p.add_argument("--partition-series", type=int, default=None,
                   help="series per partition (default 5000, the product's; --quick 100)")
    p.add_argument("--threads", type=int, default=2, help="LightGBM threads of the fit (ML_NUM_THREADS)")
    p.add_argument("--no-dask", action="store_true", help="skip the Dask run")
    for hidden in ("--folder", "--out", "--address"):
        p.add_argument(hidden, help=argparse.SUPPRESS)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return 0
    sizes = [int(s) for s in (args.sizes or ("100,200,400" if args.quick else "5000,20000,50000")).split(",")]
    days = args.days or (400 if args.quick else DAYS)
    args.partition_series = args.partition_series or (100 if args.quick else 5000)
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    print(f"daily SKU x store retailer, {days} days, promotion as a known covariate; "
          f"{args.partition_series:,} series per partition; {os.cpu_count()} CPUs; "
          f"{'quick settings' if args.quick else 'the engine defaults'} ({QUICK if args.quick else FULL})")
    print(f"{'run':<12}{'series':>8}{'rows':>13}{'parts':>7}{'train s':>11}{'data MB':>10}{'peak MB':>10}"
          f"{'train MB':>10}")
    runs = {}
    for n in sizes:
        folder = write_retailer(work / str(n), n, days)
        runs[n] = run_child(args, folder, work / f"{n}-here.npy")
        print(row("in-process", runs[n]), flush=True)
    middle = sizes[len(sizes) // 2]
    dask = None
    if not args.no_dask:
        with dask_processes(workers=2, threads=1) as address:
            dask = run_child(args, work / str(middle), work / f"{middle}-dask.npy", address=address)
        diff = float(np.nanmax(np.abs(np.load(work / f"{middle}-here.npy") - np.load(work / f"{middle}-dask.npy"))))
        print(row("dask 2 procs", dask) + f"   (workers' peak {dask['workers_peak_mb']:.0f} MB; their first "
                                          f"imports {dask['warm']:.1f} s, not counted)")
    print()
    big, mid, small = runs[sizes[-1]], runs[sizes[-2]] if len(sizes) > 1 else runs[sizes[-1]], runs[sizes[0]]
    limit = TIME_RATIO * (big["series"] / mid["series"]) / (TIME_SIZES[0] / TIME_SIZES[1])
    checks = [(big["seconds"] / mid["seconds"] <= limit,
               f"training time at {big['series']:,} = {big['seconds'] / mid['seconds']:.2f}x that at "
               f"{mid['series']:,} (target <= {limit:.2f}x: {TIME_RATIO}x for 50,000/20,000, scaled by the counts)")]
    train_mb = {k: r["peak_mb"] - r["data_mb"] for k, r in (("big", big), ("small", small))}
    checks.append((train_mb["big"] <= MEMORY_RATIO * train_mb["small"],
                   f"training memory at {big['series']:,} = {train_mb['big'] / train_mb['small']:.2f}x that at "
                   f"{small['series']:,} (target <= {MEMORY_RATIO}x; peak RSS with the input "
                   f"{big['peak_mb'] / small['peak_mb']:.2f}x)"))
    if dask is not None:
        here = runs[middle]
        checks.append((dask["seconds"] <= DASK_RATIO * here["seconds"],
                       f"Dask at {middle:,} = {dask['seconds'] / here['seconds']:.2f}x the in-process time "
                       f"(target <= {DASK_RATIO}x)"))
        checks.append((diff <= EQUAL, f"Dask forecasts vs in-process: max abs difference {diff:.3g} "
                                      f"(target <= {EQUAL:g})"))
    for ok, text in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {text}")
    ok = all(c[0] for c in checks)
    if args.quick:
        print(f"quick mode: targets not enforced (they {'hold' if ok else 'do not hold'} on this tiny data)")
        return 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
