"""Bench: bottom-up against MinT reconciliation (Nixtla hierarchicalforecast)
at the levels total, store type, store and department, on the 4 backtest
windows of the real data.

Bottom level: the product's series forecasts of each window (one train()
call).  Base forecasts of the aggregates (needed by any reconciliation): the
mean of our seasonal profile and statsforecast MSTL on each aggregated series.
Reconciled with MinTrace(wls_struct) in every window and with
MinTrace(mint_shrink) in windows 2-4, its error covariance estimated from the
residuals of the earlier windows only (out of sample).  Scored with WMAE per
level; the product keeps bottom-up unless MinT is more accurate at every level.
Needs: pip install -r requirements/bench.txt (hierarchicalforecast).
--quick: generated data, 2 windows; without hierarchicalforecast only bottom-up
and the base forecasts are scored (the MinT rows are skipped with a note).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from _data import load_walmart, optional, parser, quick_data, require_data  # noqa: E402


def summing_matrix(panel, attributes):
    rows, tags = [], {}
    for level in attributes.levels():
        key = attributes.keys_of(level, panel.keys[:, 0], panel.keys[:, 1]).astype(str)
        uk = np.unique(key)
        tags[level] = np.arange(len(rows), len(rows) + len(uk))
        rows += [(key == k).astype(float) for k in uk]
    return np.array(rows), tags


def wmae(y, f, hol):
    w = np.where(hol, 5.0, 1.0)
    return float((w * np.abs(y - f)).sum() / w.sum())


def main():
    p = parser(__doc__)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    data = quick_data() if args.quick else require_data(args.data)
    warnings.filterwarnings("ignore")
    with_mint = optional("hierarchicalforecast", "MinT reconciliation (mint_wls_struct, mint_shrink)", args.quick)
    if with_mint:
        from hierarchicalforecast.methods import MinTrace

    from forecasting.ml.hierarchy import Attributes
    from forecasting.ml.models import mstl_forecast, seasonal_profile
    from forecasting.ml.pipeline import TrainConfig, train

    sales, features, stores = load_walmart(data)
    t0 = time.perf_counter()
    res = train(sales, features, stores, TrainConfig(horizon=13, backtest_windows=2 if args.quick else 4,
                                                     num_threads=args.threads, seed=0))
    print(f"train(): {time.perf_counter() - t0:.1f} s, chosen {res.chosen}")
    P = res.artifact.panel
    Y0 = np.nan_to_num(P.Y)
    cal_shift = P.cal[:, P.cal_names.index("calendar_shift")]
    Sagg, tags = summing_matrix(P, Attributes.from_stores(stores))
    n = P.n
    S = np.vstack([Sagg, np.eye(n)])
    m = Sagg.shape[0]
    tags["series"] = np.arange(m, m + n)
    methods = ["bottom_up", "base"] + (["mint_wls_struct", "mint_shrink"] if with_mint else [])
    scores = {k: {lv: [] for lv in tags} for k in methods}
    hist_f, hist_y = [], []
    for k, w in enumerate(res.windows):
        o, h = w["o"], w["hz"]
        fb = w["shown"]
        yb = np.nan_to_num(w["y"])
        A = Sagg @ Y0[:, : o + 1]
        base = 0.5 * (seasonal_profile(A, A, o, h, cal_shift) + mstl_forecast(A, h, n_jobs=args.threads))
        y_hat = np.vstack([base, fb])
        y_all = S @ yb
        hol = P.hol[o + 1: o + 1 + h]
        out = {"bottom_up": S @ fb, "base": np.vstack([base, S[m:] @ fb])}
        if with_mint:
            out["mint_wls_struct"] = MinTrace(method="wls_struct").fit_predict(S=S, y_hat=y_hat)["mean"]
        if with_mint and hist_f:
            out["mint_shrink"] = MinTrace(method="mint_shrink").fit_predict(
                S=S, y_hat=y_hat, y_insample=np.hstack(hist_y), y_hat_insample=np.hstack(hist_f))["mean"]
        hist_f.append(y_hat)
        hist_y.append(y_all)
        for meth, F in out.items():
            for lv, idx in tags.items():
                scores[meth][lv].append((k, wmae(y_all[idx], F[idx], np.broadcast_to(hol, (len(idx), h)))))
        print(f"  window {k + 1} done", flush=True)

    print("\nWMAE per level, mean over windows 2-4 (mint_shrink needs earlier windows) and over all 4")
    print(f"{'method':18s}" + "".join(f"{lv:>16s}" for lv in tags))
    for meth in methods:
        cells = []
        for lv in tags:
            v = scores[meth][lv]
            late = np.mean([s for k, s in v if k >= 1]) if any(k >= 1 for k, _ in v) else np.nan
            full = np.mean([s for _, s in v]) if len(v) == len(res.windows) else np.nan
            cells.append(f"{late:9.0f} /{full:6.0f}" if np.isfinite(full) else f"{late:9.0f} /    - ")
        print(f"{meth:18s}" + "".join(f"{c:>16s}" for c in cells))
    best = {}
    for lv in tags:
        late = {meth: np.mean([s for k, s in scores[meth][lv] if k >= 1]) for meth in methods}
        best[lv] = min(late, key=late.get)
    print("\nmost accurate per level (windows 2-4): " + ", ".join(f"{lv} {b}" for lv, b in best.items()))
    recon = [mt for mt in methods if mt.startswith("mint")]
    wins = [mt for mt in recon if all(
        np.mean([s for k, s in scores[mt][lv] if k >= 1]) < np.mean([s for k, s in scores["bottom_up"][lv] if k >= 1])
        for lv in tags)]
    print("keep: " + (f"{wins[0]} (better at every level)" if wins else "bottom_up (no reconciliation is better "
                                                                           "at every level)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
