"""Bench: predict_series latency after loading a saved artifact.

Uses the artifact written by bench/train.py (--artifact) or trains one first
when it is missing.  Times predict_series for 200 random series with the stored
history and, separately, with an explicit history (recomputed forecast).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import time  # noqa: E402

import numpy as np  # noqa: E402
from _data import load_walmart, parser, quick_data, require_data, verdict  # noqa: E402

P95_LIMIT_MS = 300.0


def main():
    p = parser(__doc__)
    p.add_argument("--artifact", default=None, help="default /tmp/forecast-bench-artifact.zip, with --quick "
                   "/tmp/forecast-bench-artifact-quick.zip (bench/train.py [--quick] writes them)")
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    args.artifact = args.artifact or f"/tmp/forecast-bench-artifact{'-quick' if args.quick else ''}.zip"
    if args.quick:
        args.n = min(args.n, 20)
    data = quick_data() if args.quick else require_data(args.data)

    from forecasting.ml.pipeline import TrainConfig, load_artifact, predict_series, save_artifact, train

    sales, features, stores = load_walmart(data)
    if not os.path.isfile(args.artifact):
        print(f"{args.artifact} missing: training one (bench/train.py writes it)...", flush=True)
        res = train(sales, features, stores, TrainConfig(horizon=13, backtest_windows=2 if args.quick else 4,
                                                         num_threads=2, seed=0))
        save_artifact(res.artifact, args.artifact)

    t0 = time.perf_counter()
    art = load_artifact(args.artifact)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    art.warm()
    t_warm = time.perf_counter() - t0
    print(f"artifact {args.artifact}: load {t_load * 1000:.0f} ms, warm caches {t_warm * 1000:.0f} ms")

    keys = art.arrays["keys"]
    rng = np.random.default_rng(args.seed)
    pick = rng.choice(len(keys), size=min(args.n, len(keys)), replace=False)
    H = art.horizon
    lat = []
    for i in pick:
        s, d = int(keys[i, 0]), int(keys[i, 1])
        t = time.perf_counter()
        out = predict_series(art, s, d, H)
        lat.append((time.perf_counter() - t) * 1000)
        assert len(out["points"]) == H or out["status"] == "inactive"
    lat = np.array(lat)
    p50, p95 = np.percentile(lat, 50), np.percentile(lat, 95)
    print(f"predict_series, stored history, {len(lat)} random series: p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
          f"max {lat.max():.2f} ms")

    by_key = {k: g for k, g in sales.groupby(["store", "dept"])}
    lat2 = []
    for i in pick:
        s, d = int(keys[i, 0]), int(keys[i, 1])
        hist = by_key[(s, d)][["date", "sales"]]
        t = time.perf_counter()
        predict_series(art, s, d, H, history=hist)
        lat2.append((time.perf_counter() - t) * 1000)
    lat2 = np.array(lat2)
    q50, q95 = np.percentile(lat2, 50), np.percentile(lat2, 95)
    print(f"predict_series, explicit history (full recompute incl. MSTL), {len(lat2)} series: "
          f"p50 {q50:.2f} ms, p95 {q95:.2f} ms, max {lat2.max():.2f} ms")
    lat3 = []
    for i in pick:
        s, d = int(keys[i, 0]), int(keys[i, 1])
        t = time.perf_counter()
        out = predict_series(art, s, d, 52)
        lat3.append((time.perf_counter() - t) * 1000)
        assert len(out["points"]) == 52 or out["status"] == "inactive"
    lat3 = np.array(lat3)
    r50, r95 = np.percentile(lat3, 50), np.percentile(lat3, 95)
    print(f"predict_series, horizon 52 (> trained {H}: recompute), {len(lat3)} series: "
          f"p50 {r50:.2f} ms, p95 {r95:.2f} ms, max {lat3.max():.2f} ms")
    ok = p95 <= P95_LIMIT_MS and q95 <= P95_LIMIT_MS and r95 <= P95_LIMIT_MS
    print(f"{'PASS' if p95 <= P95_LIMIT_MS else 'FAIL'}: p95 stored history {p95:.2f} ms <= {P95_LIMIT_MS:.0f} ms")
    print(f"{'PASS' if q95 <= P95_LIMIT_MS else 'FAIL'}: p95 explicit history {q95:.2f} ms <= {P95_LIMIT_MS:.0f} ms")
    print(f"{'PASS' if r95 <= P95_LIMIT_MS else 'FAIL'}: p95 horizon 52 {r95:.2f} ms <= {P95_LIMIT_MS:.0f} ms")
    return verdict(ok, args.quick)


if __name__ == "__main__":
    sys.exit(main())
