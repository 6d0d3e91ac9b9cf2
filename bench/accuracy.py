"""Bench: backtest accuracy on the real data against three references.

Our model: one call of the product's train() (horizon 13, 4 rolling windows);
its backtest holds the per-window WMAE of the chosen model, computed on the same
windows.  References, set up as a typical user would, on the same windows:
  (a) seasonal naive: same week 52 weeks earlier, 0 when absent;
  (b) statsforecast MSTL(season_length=52, trend_forecaster=AutoETS(model="ZZN"))
      on each series, missing weeks filled with 0;
  (c) mlforecast + LightGBM: lags 1,2,4,8,52; rolling means 4,13,52 of lag 1;
      week, month, year; store type and size; features.csv covariates
      (markdowns filled with 0); signed log1p target; 500 trees, learning rate
      0.05, 63 leaves; recursive.
Every row a window holds counts; a missing forecast counts as 0.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from _data import load_walmart, parser, require_data  # noqa: E402

EXPECTED_ORIGINS = ["2011-07-29", "2011-10-28", "2012-01-27", "2012-04-27"]
H = 13


def wmae(y, f, hol):
    w = np.where(hol, 5.0, 1.0)
    return float((w * np.abs(y - f)).sum() / w.sum())


def signed_log1p(x):
    return np.sign(x) * np.log1p(np.abs(x))


def signed_expm1(x):
    return np.sign(x) * np.expm1(np.abs(x))


def week_of_year(dates):
    return pd.DatetimeIndex(dates).isocalendar().week.to_numpy().astype(int)


def filled(sales, origin):
    """Each series up to the origin, missing weeks (from its first week) filled with 0."""
    s = sales[sales.date <= origin]
    full = []
    for (st, dp), g in s.groupby(["store", "dept"], sort=True):
        idx = pd.date_range(g.date.min(), origin, freq="7D")
        y = g.set_index("date")["sales"].reindex(idx, fill_value=0.0)
        full.append(pd.DataFrame({"unique_id": f"{st}_{dp}", "ds": idx, "y": y.to_numpy(),
                                  "store": st, "dept": dp}))
    return pd.concat(full, ignore_index=True)


def window_frame(sales, origin):
    end = origin + pd.Timedelta(weeks=H)
    w = sales[(sales.date > origin) & (sales.date <= end)].copy()
    w["unique_id"] = w.store.astype(str) + "_" + w.dept.astype(str)
    return w


def score(w, fc):
    """fc: DataFrame unique_id, ds, f -> WMAE over every row of the window."""
    m = w.merge(fc.rename(columns={"ds": "date"}), on=["unique_id", "date"], how="left")
    return wmae(m.sales.to_numpy(), m.f.fillna(0.0).to_numpy(), m.is_holiday.to_numpy())


def ref_seasonal_naive(sales, origin, w):
    hist = sales[sales.date <= origin][["store", "dept", "date", "sales"]].copy()
    hist["date"] = hist.date + pd.Timedelta(weeks=52)
    m = w.merge(hist.rename(columns={"sales": "f"}), on=["store", "dept", "date"], how="left")
    return wmae(m.sales.to_numpy(), m.f.fillna(0.0).to_numpy(), m.is_holiday.to_numpy())


def ref_mstl(sales, origin, w, threads):
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS, Naive

    df = filled(sales, origin)[["unique_id", "ds", "y"]]
    sf = StatsForecast(models=[MSTL(season_length=52, trend_forecaster=AutoETS(model="ZZN"))],
                       freq="W-FRI", n_jobs=threads, fallback_model=Naive())
    fc = sf.forecast(df=df, h=H)
    fc = fc.rename(columns={"MSTL": "f"})[["unique_id", "ds", "f"]]
    return score(w, fc)


def ref_mlforecast(sales, features, stores, origin, w, threads):
    import lightgbm as lgb
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean
    from mlforecast.target_transforms import GlobalSklearnTransformer
    from sklearn.preprocessing import FunctionTransformer

    cov = ["temperature", "fuel_price", "markdown1", "markdown2", "markdown3", "markdown4", "markdown5",
           "cpi", "unemployment"]
    feats = features[["store", "date"] + cov].copy()
    for c in cov[2:7]:
        feats[c] = feats[c].fillna(0.0)
    st = stores.assign(type=stores["type"].map({"A": 0, "B": 1, "C": 2}).astype(int))
    df = filled(sales, origin).merge(st, on="store", how="left")
    df = df.merge(feats.rename(columns={"date": "ds"}), on=["store", "ds"], how="left")
    df = df.drop(columns=["dept"])
    fcst = MLForecast(
        models={"lgb": lgb.LGBMRegressor(n_estimators=500, learning_rate=0.05, num_leaves=63,
                                         n_jobs=threads, random_state=0, verbosity=-1)},
        freq="W-FRI",
        lags=[1, 2, 4, 8, 52],
        lag_transforms={1: [RollingMean(window_size=4), RollingMean(window_size=13), RollingMean(window_size=52)]},
        date_features=[week_of_year, "month", "year"],
        target_transforms=[GlobalSklearnTransformer(FunctionTransformer(func=signed_log1p, inverse_func=signed_expm1))],
    )
    df = df.drop(columns=["store"])
    fcst.fit(df, static_features=["type", "size"], dropna=False)
    # future covariates for the forecast weeks
    ids = df[["unique_id"]].drop_duplicates()
    ids["store"] = ids.unique_id.str.split("_").str[0].astype(int)
    fut = pd.date_range(origin + pd.Timedelta(weeks=1), periods=H, freq="7D")
    X = ids.merge(pd.DataFrame({"ds": fut}), how="cross").merge(
        feats.rename(columns={"date": "ds"}), on=["store", "ds"], how="left").drop(columns=["store"])
    fc = fcst.predict(h=H, X_df=X).rename(columns={"lgb": "f"})
    return score(w, fc)


def main():
    p = parser(__doc__)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--skip-references", action="store_true", help="only our model and seasonal naive")
    args = p.parse_args()
    data = require_data(args.data)
    warnings.filterwarnings("ignore")

    from forecasting.ml.pipeline import TrainConfig, train

    sales, features, stores = load_walmart(data)
    t0 = time.perf_counter()
    result = train(sales, features, stores, TrainConfig(horizon=H, backtest_windows=4, num_threads=args.threads,
                                                        seed=0))
    t_ours = time.perf_counter() - t0
    origins = [b["origin"] for b in result.backtest]
    print(f"train(): {t_ours:.1f} s, chosen={result.chosen}\n  reason: {result.reason}")
    print(f"backtest origins: {origins}")
    rows = {"ours (" + result.chosen + ")": [b[result.chosen]["wmae"] for b in result.backtest]}
    refs = {"seasonal naive": [], "statsforecast MSTL": [], "mlforecast LightGBM": []}
    times = {k: 0.0 for k in refs}
    for o in origins:
        origin = pd.Timestamp(o)
        w = window_frame(sales, origin)
        t = time.perf_counter()
        refs["seasonal naive"].append(ref_seasonal_naive(sales, origin, w))
        times["seasonal naive"] += time.perf_counter() - t
        if not args.skip_references:
            t = time.perf_counter()
            refs["statsforecast MSTL"].append(ref_mstl(sales, origin, w, args.threads))
            times["statsforecast MSTL"] += time.perf_counter() - t
            t = time.perf_counter()
            refs["mlforecast LightGBM"].append(ref_mlforecast(sales, features, stores, origin, w, args.threads))
            times["mlforecast LightGBM"] += time.perf_counter() - t
        print(f"  window {o} done", flush=True)
    rows.update({k: v for k, v in refs.items() if v})

    print("\nWMAE per backtest window (origin = last training week, window = next 13 weeks)")
    print(f"{'model':28s}" + "".join(f"{o:>12s}" for o in origins) + f"{'mean':>12s}")
    means = {}
    for k, v in rows.items():
        means[k] = float(np.mean(v))
        print(f"{k:28s}" + "".join(f"{x:12.1f}" for x in v) + f"{means[k]:12.1f}")
    print("reference run times (s): " + ", ".join(f"{k} {v:.1f}" for k, v in times.items()))
    # our other candidates, for the record
    print("\nour candidates (mean WMAE over the windows): " + ", ".join(
        f"{c} {result.metrics[c]['mean_window_wmae']:.1f}" for c in ["lightgbm", "mstl", "seasonal_svd", "ensemble"]
        if c in result.metrics))
    cov80, cov95 = result.metrics["coverage80"], result.metrics["coverage95"]
    per80 = ", ".join(f"{b['coverage80']:.3f}" for b in result.backtest)
    print(f"interval coverage (leave-one-window-out conformal): 80% -> {cov80:.3f} "
          f"(per window {per80}), 95% -> {cov95:.3f}")

    ours = means[next(iter(rows))]
    sn = means["seasonal naive"]
    checks = [
        ("origins", origins == EXPECTED_ORIGINS, f"{origins}"),
        ("ours <= 0.85 x seasonal naive", ours <= 0.85 * sn, f"{ours:.1f} <= {0.85 * sn:.1f} (ratio {ours / sn:.3f})"),
    ]
    if not args.skip_references:
        checks += [
            ("ours < statsforecast MSTL", ours < means["statsforecast MSTL"], f"{ours:.1f} < {means['statsforecast MSTL']:.1f}"),
            ("ours < mlforecast LightGBM", ours < means["mlforecast LightGBM"], f"{ours:.1f} < {means['mlforecast LightGBM']:.1f}"),
        ]
    checks.append(("80% coverage in [0.75, 0.85]", 0.75 <= cov80 <= 0.85, f"{cov80:.3f}"))
    ok = True
    for name, cond, txt in checks:
        print(f"{'PASS' if cond else 'FAIL'}: {name}: {txt}")
        ok &= bool(cond)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
