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

Also printed per window (from the same train() call): live series (a sale in
the 52 weeks before the origin) and how many of them have no forecast (must be
0), negative forecasts/lower bounds on series without negative weeks (must be
0), and the out-of-sample 80/95 % interval coverage overall and per segment
(calm / holiday target weeks); then the coverage and width of the aggregate
intervals per hierarchy level, against the width of summed series bounds.

Then, in the same run, the engine for any planning frequency on Favorita's daily
store transactions and on Walmart's sales summed into months against their peers
(bench/accuracy_periodic.py), and issue 18's table: every data set's error of
ours beside its peers', the intermittent series' MASE, and the band coverage.

--quick: generated data (same calendar), reference (c) skipped with a note when
mlforecast is not installed, the weekly data set alone (bench/accuracy_periodic.py
--quick runs the others); targets printed, not enforced. --weekly-only: Walmart
weekly alone.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import accuracy_periodic  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _data import FAVORITA, load_walmart, optional, parser, quick_data, require_data, verdict  # noqa: E402

from forecasting.ml import intermittent  # noqa: E402
from forecasting.ml.pipeline import TrainConfig, train  # noqa: E402

EXPECTED_ORIGINS = ["2011-07-29", "2011-10-28", "2012-01-27", "2012-04-27"]
H = 13
PREVIOUS_WMAE = 1474.2  # the engine before issue 7 (same windows, same references)
COV = {"80": (0.75, 0.85), "95": (0.92, 0.98)}


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


def independent_counts(sales, result):
    """Recount from the raw sales frame, not from the pipeline's own report:
    live series (a sale > 0 in the 52 weeks up to the origin) that have no
    finite forecast in the window, and values < 0 among the shown forecasts and
    lower bounds of live series without a negative week in those 52 weeks."""
    keys = result.artifact.panel.keys
    pos = {tuple(k): i for i, k in enumerate(keys)}
    out = []
    for b, w in zip(result.backtest, result.windows):
        o = pd.Timestamp(b["origin"])
        last = sales[(sales.date <= o) & (sales.date > o - pd.Timedelta(weeks=52))]
        live = last[last.sales > 0].groupby(["store", "dept"]).size().index
        nonneg = last.groupby(["store", "dept"]).sales.min()
        nonneg = set(nonneg[nonneg >= 0].index)
        shown = w["info"]["status"] != "inactive"
        f = w["shown"]
        missing = sum(1 for k in live if not (shown[pos[k]] and np.isfinite(f[pos[k]]).all()))
        neg = 0
        for k in live:
            if k in nonneg:
                i = pos[k]
                neg += int((f[i] < 0).sum() + (w["bounds"]["lo80"][i] < 0).sum() + (w["bounds"]["lo95"][i] < 0).sum())
        out.append({"live": len(live), "missing": missing, "negative": neg})
    return out


def intermittent_report(result) -> None:
    """Issue 18, row 4: on the series with more than half zero weeks (no row or no sale) before each origin,
    MASE (mean absolute error over the in-sample mean absolute week-to-week change) of ours, Croston SBA and
    the zero forecast, over the backtest windows; and the route the training chose per demand class."""
    inter = result.params.get("intermittent") or {}
    print("\nintermittent demand: series per class at the final origin "
          + ", ".join(f"{k} {v:,}" for k, v in (inter.get("classes") or {}).items())
          + f"; routed to Croston SBA: {', '.join(inter.get('routed') or []) or 'none'}")
    for cls, v in (inter.get("by_class") or {}).items():
        print(f"  {cls:13s} {v['series']:5,} series  backtest WMAE: model {v['model_wmae']:.1f}, "
              f"Croston SBA {v['croston_wmae']:.1f}")
    Y = result.artifact.panel.Y
    errs = {"ours": [], "Croston SBA": [], "zero": []}
    for w in result.windows:
        o, hz = w["o"], w["hz"]
        hist = Y[:, : o + 1]
        # a week without a row or with no sale counts as a zero week, from the series' first row on
        since = np.arange(o + 1)[None, :] >= np.where((~np.isnan(hist)).any(1), np.argmax(~np.isnan(hist), 1), o + 1)[:, None]
        zero = (np.nan_to_num(hist) <= 0) & since
        zero_share = zero.sum(1) / np.maximum(since.sum(1), 1)
        rows = np.flatnonzero((zero_share > 0.5) & (w["info"]["status"] == "modelled") & w["obs"].any(1))
        if not len(rows):
            continue
        scale = np.array([np.mean(np.abs(np.diff(np.nan_to_num(hist[r])[since[r]]))) for r in rows])
        keep = np.isfinite(scale) & (scale > 0)
        rows, scale = rows[keep], scale[keep]
        y, obs = w["y"][rows], w["obs"][rows]
        fc = {"ours": w["fc"][result.chosen][rows], "Croston SBA": intermittent.croston_sba(Y, o, hz, rows),
              "zero": np.zeros_like(y)}
        for k, f in fc.items():
            e = np.where(obs, np.abs(f - np.nan_to_num(y)), np.nan)
            errs[k].extend(np.nanmean(e, axis=1) / scale)
    if not errs["ours"]:
        return None
    n = len(errs["ours"])
    print(f"  series with more than half zero weeks (series x windows: {n:,}), mean MASE: "
          + ", ".join(f"{k} {np.mean(v):.3f}" for k, v in errs.items()))
    return {k: float(np.mean(v)) for k, v in errs.items()}


def table(weekly: dict, periodic: list[dict], mase: dict | None) -> None:
    """Issue 18's accuracy table: each data set's mean error of ours and its peers, and our bands' coverage."""
    print("\nissue 18's accuracy table (this run): mean over the backtest windows; coverage out of sample")
    print(f"{'data set':36s}{'measure':>8s}{'ours':>12s}   {'peers':60s}{'cov80':>7s}{'cov95':>7s}")

    def line(name, measure, ours, peers, fmt, cov80=None, cov95=None):
        cov = "".join(f"{c:>7.3f}" if c is not None else f"{'—':>7s}" for c in (cov80, cov95))
        text = ", ".join(f"{k} {fmt.format(v)}" for k, v in peers.items())
        print(f"{name:36s}{measure:>8s}{fmt.format(ours):>12s}   {text:60s}{cov}")

    line("Walmart weekly (13 weeks)", "WMAE", weekly["ours"], weekly["peers"], "{:,.1f}", weekly["cov80"],
         weekly["cov95"])
    for r in periodic:
        means = r["means"]
        line(r["name"], "WAPE", means[(r["ours"], "wape")], {p: means[(p, "wape")] for p in r["peers"]}, "{:.4f}",
             r["coverage"].get("80"), r["coverage"].get("95"))
    if mase:
        line("Walmart intermittent series", "MASE", mase["ours"], {k: v for k, v in mase.items() if k != "ours"},
             "{:.3f}")


def main():
    p = parser(__doc__)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--skip-references", action="store_true", help="only our model and seasonal naive")
    p.add_argument("--weekly-only", action="store_true", help="Walmart weekly alone (not Favorita and monthly)")
    p.add_argument("--favorita", type=Path, default=FAVORITA)
    args = p.parse_args()
    data = quick_data() if args.quick else require_data(args.data)
    warnings.filterwarnings("ignore")
    with_mlforecast = args.skip_references or optional("mlforecast", "reference (c) mlforecast LightGBM", args.quick)

    sales, features, stores = load_walmart(data)
    t0 = time.perf_counter()
    result = train(sales, features, stores, TrainConfig(horizon=H, backtest_windows=2 if args.quick else 4,
                                                        num_threads=args.threads, seed=0))
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
            if with_mlforecast:
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
    print("reference run times (s): " + ", ".join(f"{k} {v:.1f}" for k, v in times.items() if refs[k]))
    # our other candidates, for the record
    cands = [c for c in result.params["candidates"]] + ["ensemble"]
    print("\nour candidates (mean WMAE over the windows): " + ", ".join(
        f"{c} {result.metrics[c]['mean_window_wmae']:.1f}" for c in cands if c in result.metrics))
    ew = result.params["ensemble"]
    oos = ew["out_of_sample_wmae"]
    print(f"ensemble: {ew['method']} of {', '.join(ew['members'])} (out of sample over windows 2-4: mean "
          f"{oos['mean']:.1f} vs earlier-window weights {oos['weighted']:.1f}); weights "
          + ", ".join(f"{k} {v:.2f}" for k, v in ew["weights"].items()))

    print("\nper window: live series, live without forecast, negative values on non-negative series, "
          "interval coverage (out of sample) overall / calm / holiday weeks")
    fmt = lambda x: "   -  " if x is None else f"{x:6.3f}"  # noqa: E731
    print(f"{'origin':12s}{'live':>7s}{'no fc':>7s}{'neg':>5s}   {'80% all':>8s}{'calm':>7s}{'hol':>7s}"
          f"   {'95% all':>8s}{'calm':>7s}{'hol':>7s}")
    counts = independent_counts(sales, result)
    for b, c in zip(result.backtest, counts):
        print(f"{b['origin']:12s}{c['live']:7d}{c['missing']:7d}{c['negative']:5d}"
              f"   {fmt(b['coverage80']):>8s}{fmt(b['coverage80_calm']):>7s}{fmt(b['coverage80_holiday']):>7s}"
              f"   {fmt(b['coverage95']):>8s}{fmt(b['coverage95_calm']):>7s}{fmt(b['coverage95_holiday']):>7s}")
    m = result.metrics
    print(f"{'all windows':12s}{'':19s}   {fmt(m['coverage80']):>8s}{fmt(m['coverage80_calm']):>7s}"
          f"{fmt(m['coverage80_holiday']):>7s}   {fmt(m['coverage95']):>8s}{fmt(m['coverage95_calm']):>7s}"
          f"{fmt(m['coverage95_holiday']):>7s}")

    print("\naggregate intervals (bottom-up forecasts; intervals from aggregated backtest residuals), "
          "out-of-sample coverage and mean 80% width vs summed series bounds")
    hier = m["hierarchy"]
    for lv, h in hier.items():
        print(f"  {lv:11s} n={h['n']:5d}  80% {h['coverage80']:.3f} (per window "
              + " ".join(f"{x:.2f}" for x in h["per_window80"]) + f")  95% {h['coverage95']:.3f}  "
              f"width80 {h['mean_width80']:,.0f} vs summed bounds {h['mean_sum_of_series_width80']:,.0f} "
              f"({h['mean_width80'] / h['mean_sum_of_series_width80']:.2f}x)")

    mase = intermittent_report(result)

    ours = means[next(iter(rows))]
    sn = means["seasonal naive"]
    checks = [
        ("origins", origins == EXPECTED_ORIGINS, f"{origins}"),
        (f"ours < previous engine {PREVIOUS_WMAE}", ours < PREVIOUS_WMAE, f"{ours:.1f} < {PREVIOUS_WMAE}"),
        ("ours <= 0.80 x seasonal naive", ours <= 0.80 * sn, f"{ours:.1f} <= {0.80 * sn:.1f} (ratio {ours / sn:.3f})"),
    ]
    if not args.skip_references:
        checks += [
            ("ours < statsforecast MSTL", ours < means["statsforecast MSTL"], f"{ours:.1f} < {means['statsforecast MSTL']:.1f}"),
        ]
        if with_mlforecast:
            checks.append(("ours < mlforecast LightGBM", ours < means["mlforecast LightGBM"],
                           f"{ours:.1f} < {means['mlforecast LightGBM']:.1f}"))
    bt = result.backtest
    checks += [
        ("live series without a forecast = 0", all(c["missing"] == 0 for c in counts),
         str([c["missing"] for c in counts])),
        ("negative values on non-negative series = 0", all(c["negative"] == 0 for c in counts),
         str([c["negative"] for c in counts])),
    ]
    for tag, (lo, hi) in COV.items():
        per = [b[f"coverage{tag}"] for b in bt]
        checks.append((f"every window's {tag}% coverage in [{lo}, {hi}]", all(lo <= x <= hi for x in per),
                       ", ".join(f"{x:.3f}" for x in per)))
    for lv, h in hier.items():
        checks.append((f"{lv}: aggregate intervals narrower than summed bounds",
                       h["mean_width80"] < h["mean_sum_of_series_width80"],
                       f"{h['mean_width80']:,.0f} < {h['mean_sum_of_series_width80']:,.0f}"))
        for nom in (0.8, 0.95):
            c = h[f"coverage{int(nom * 100)}"]
            tol = 2 * np.sqrt(nom * (1 - nom) / h["n"]) + 0.01  # two binomial standard errors
            checks.append((f"{lv}: {int(nom * 100)}% aggregate coverage at its nominal rate",
                           abs(c - nom) <= tol, f"{c:.3f} within {nom} +- {tol:.3f}"))
    ok = True
    for name, cond, txt in checks:
        print(f"{'PASS' if cond else 'FAIL'}: {name}: {txt}")
        ok &= bool(cond)
    periodic = [] if args.quick or args.weekly_only else accuracy_periodic.run(
        "all", args.favorita, data, args.threads, False)
    ok &= all(r["ok"] for r in periodic)
    table({"ours": ours, "peers": {k: means[k] for k in rows if not k.startswith("ours")},
           "cov80": m["coverage80"], "cov95": m["coverage95"]}, periodic, mase)
    return verdict(ok, args.quick)


if __name__ == "__main__":
    sys.exit(main())
