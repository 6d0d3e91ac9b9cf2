"""Bench: the engine for any planning frequency (forecasting/ml/periodic) on daily and monthly data,
against open-source peers set up as a careful user would, on the same rolling windows (issue 18).

* ``favorita``: daily store transactions (../shared/data/favorita), horizon 42 days, 4 windows ending
  on 2017-06-30. Ours gets the stores' attributes, the holidays and events by scope (transferred days
  respected) and the oil price as a past covariate. Peers: seasonal naive 7 (same weekday last week),
  statsforecast AutoETS (season 7), statsforecast MSTL (seasons 7 and 365, AutoETS trend), mlforecast
  LightGBM (lags 7/14/28/364, day of week / year / month, day of month, the national holidays as a
  known feature; 500 trees, learning rate 0.05, 63 leaves; recursive). The peers need a regular daily
  series: a day with no row (the store was closed) is filled with the same weekday's value a week
  earlier (0 before any). Every store-day with a row in the window counts; a missing forecast counts
  as 0.
* ``monthly``: Walmart's weekly sales summed into calendar months (a week in the month its date falls
  in), horizon 3 months, 4 windows. Peers: seasonal naive 12 and statsforecast AutoETS (season 12).

Printed per data set: WAPE and MAE per window and their mean, and the out-of-sample coverage of our
80 % and 95 % bands (leave one window out). ``--quick``: small generated daily and monthly data, 2 windows,
a smaller model, no MSTL (its yearly season is the slow part), seconds; targets printed, not enforced;
peers that are not installed are skipped with a note.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _data import FAVORITA, default_data_dir, load_favorita, load_walmart, optional, quick_daily, verdict  # noqa: E402

from forecasting.ml import events as ev  # noqa: E402
from forecasting.ml.periodic import engine  # noqa: E402

COV = {"80": (0.75, 0.85), "95": (0.92, 0.98)}


# ------------------------------------------------------------------ data sets
def walmart_monthly(folder: Path) -> pd.DataFrame:
    sales, _, _ = load_walmart(folder)
    month = sales["date"].dt.to_period("M").dt.to_timestamp()
    out = sales.assign(date=month).groupby(["store", "dept", "date"], as_index=False)["sales"].sum()
    return pd.DataFrame({"location": out["store"].astype(str), "item": out["dept"].astype(str),
                         "date": out["date"], "value": out["sales"]})


def quick_monthly(series: int = 40, months: int = 48, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2018-01-01", periods=months, freq="MS")
    rows = []
    for i in range(series):
        y = rng.uniform(100, 1000) * (1 + 0.3 * np.sin(2 * np.pi * dates.month / 12 + i)) * rng.lognormal(0, 0.1, months)
        rows.append(pd.DataFrame({"location": f"L{i % 5}", "item": f"I{i}", "date": dates, "value": y.round(2)}))
    return pd.concat(rows, ignore_index=True)


# ------------------------------------------------------------------ peers
def regular(history: pd.DataFrame, origin: pd.Timestamp, freq: str) -> pd.DataFrame:
    """unique_id, ds, y on a regular grid from each series' first row up to ``origin``; a missing period
    filled with the same weekday's value a week earlier (daily) or the previous value, 0 before any."""
    h = history[history["date"] <= origin]
    uid = h["location"] + "|" + h["item"].astype(str)
    wide = h.assign(unique_id=uid).pivot_table(index="unique_id", columns="date", values="value", aggfunc="sum")
    grid = pd.date_range(wide.columns.min(), origin, freq="D" if freq == "D" else "MS")
    wide = wide.reindex(columns=grid)
    started = wide.notna().cummax(axis=1).to_numpy()
    a = wide.to_numpy(float)
    if freq == "D":
        for _ in range(8):  # the same weekday a week earlier, over closures of up to eight weeks
            back = np.full_like(a, np.nan)
            back[:, 7:] = a[:, :-7]
            a = np.where(np.isnan(a), back, a)
    a = pd.DataFrame(a).ffill(axis=1).fillna(0.0).to_numpy()
    rows, cols = np.nonzero(started)
    return pd.DataFrame({"unique_id": wide.index.to_numpy()[rows], "ds": grid[cols], "y": a[rows, cols]})


def statsforecast_peers(df: pd.DataFrame, H: int, freq: str, threads: int, with_mstl: bool) -> dict:
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS, Naive, SeasonalNaive

    m = 7 if freq == "D" else 12
    models = [SeasonalNaive(season_length=m, alias="snaive"), AutoETS(season_length=m, alias="ets")]
    if with_mstl:
        models.append(MSTL(season_length=[7, 365], trend_forecaster=AutoETS(model="ZZN"), alias="mstl"))
    sf = StatsForecast(models=models, freq="D" if freq == "D" else "MS", n_jobs=threads, fallback_model=Naive())
    return {k: sf.forecast(df=df, h=H)[["unique_id", "ds", k]].rename(columns={k: "f"})
            for k in ["snaive", "ets"] + (["mstl"] if with_mstl else [])}


def mlforecast_peer(df: pd.DataFrame, H: int, national: set, threads: int) -> pd.DataFrame:
    import lightgbm as lgb
    from mlforecast import MLForecast

    df = df.assign(holiday=df["ds"].isin(national).astype(int))
    fc = MLForecast(models={"lgb": lgb.LGBMRegressor(n_estimators=500, learning_rate=0.05, num_leaves=63,
                                                     n_jobs=threads, random_state=0, verbosity=-1)},
                    freq="D", lags=[7, 14, 28, 364], date_features=["dayofweek", "dayofyear", "month", "day"])
    fc.fit(df, static_features=[])
    last = df.groupby("unique_id")["ds"].max()
    fut = pd.concat([pd.DataFrame({"unique_id": u, "ds": pd.date_range(d + pd.Timedelta(days=1), periods=H)})
                     for u, d in last.items()], ignore_index=True)
    fut["holiday"] = fut["ds"].isin(national).astype(int)
    return fc.predict(h=H, X_df=fut).rename(columns={"lgb": "f"})


def score(actual: pd.DataFrame, fc: pd.DataFrame) -> dict:
    """WAPE and MAE over the rows of ``actual`` (unique_id, ds, y); a missing forecast counts as 0."""
    m = actual.merge(fc, on=["unique_id", "ds"], how="left")
    e = (m["y"] - m["f"].fillna(0.0)).abs()
    return {"wape": float(e.sum() / m["y"].abs().sum()), "mae": float(e.mean())}


def ours_frame(window: dict, keys: pd.DataFrame, chosen: str) -> pd.DataFrame:
    n, H = window["f"][chosen].shape
    return pd.DataFrame({"unique_id": np.repeat((keys["location"] + "|" + keys["item"]).to_numpy(), H),
                         "ds": np.tile(window["dates"], n), "f": window["f"][chosen].ravel()})


# ------------------------------------------------------------------ the report
def report(name: str, data: dict, freq: str, H: int, threads: int, quick: bool, *, with_mstl: bool,
           with_mlforecast: bool, national: set) -> dict:
    windows = 2 if quick else 4  # quick: each window is a call of the peers (AutoETS, the slow part here)
    print(f"\n== {name}: horizon {H} periods at {freq}, {windows} rolling windows ==", flush=True)
    hist = data["history"]
    t0 = time.perf_counter()
    small = {"num_rounds": 80, "max_rows": 60_000} if quick else {}
    res = engine.train(hist, engine.Config(freq=freq, horizon=H, windows=windows, num_threads=threads, **small),
                       events=data.get("days"), locations=data.get("locations"), covariates=data.get("covariates"),
                       kinds=data.get("kinds"))
    t_ours = time.perf_counter() - t0
    print(f"ours: {t_ours:.1f} s ({res.timings}); {res.reason}")
    rows: dict[str, list] = {f"ours ({res.chosen})": []}
    peers = {"seasonal naive": "snaive", "statsforecast AutoETS": "ets"}
    if with_mstl:
        peers["statsforecast MSTL"] = "mstl"
    if with_mlforecast:
        peers["mlforecast LightGBM"] = "mlf"
    rows.update({p: [] for p in peers})
    times = {}
    h = hist.assign(item=hist.get("item", pd.Series("", index=hist.index)).astype(str))
    h["unique_id"] = h["location"] + "|" + h["item"]
    for w in res.windows:
        origin, end = w["dates"][0] - pd.Timedelta(days=1), w["dates"][-1]
        if freq == "MS":
            origin = w["dates"][0] - pd.offsets.MonthBegin(1)
            end = w["dates"][-1]
        actual = h[(h["date"] > origin) & (h["date"] <= end)].rename(columns={"date": "ds", "value": "y"})
        actual = actual.groupby(["unique_id", "ds"], as_index=False)["y"].sum()
        rows[f"ours ({res.chosen})"].append(score(actual, ours_frame(w, w["keys"], res.chosen)))
        df = regular(h, origin, freq)
        t = time.perf_counter()
        sf = statsforecast_peers(df, H, freq, threads, with_mstl)
        times["statsforecast (its models in one call)"] = (times.get("statsforecast (its models in one call)", 0.0)
                                                          + time.perf_counter() - t)
        for p, k in peers.items():
            if k in sf:
                rows[p].append(score(actual, sf[k]))
        if with_mlforecast:
            t = time.perf_counter()
            rows["mlforecast LightGBM"].append(score(actual, mlforecast_peer(df, H, national, threads)))
            times["mlforecast LightGBM"] = times.get("mlforecast LightGBM", 0.0) + time.perf_counter() - t
        print(f"  window from {w['dates'][0].date()} done", flush=True)
    origins = [str((w["dates"][0]).date()) for w in res.windows]
    means = {}
    for measure in ("wape", "mae"):
        print(f"\n{measure.upper()} per window (window = the {H} periods from the date shown)")
        print(f"{'model':26s}" + "".join(f"{o:>12s}" for o in origins) + f"{'mean':>12s}")
        for k, v in rows.items():
            vals = [x[measure] for x in v]
            means[(k, measure)] = float(np.mean(vals))
            fmt = "{:12.4f}" if measure == "wape" else "{:12,.1f}"
            print(f"{k:26s}" + "".join(fmt.format(x) for x in vals) + fmt.format(means[(k, measure)]))
    print(f"run times (s): ours {t_ours:.1f} ({windows} windows and the final fit), "
          + ", ".join(f"{k} {v:.1f}" for k, v in times.items()))
    print(f"our bands, out-of-sample coverage: 80 % {res.coverage['80']:.3f}, 95 % {res.coverage['95']:.3f}")
    ours = f"ours ({res.chosen})"
    checks = [(f"ours < {p} (mean WAPE)", means[(ours, "wape")] < means[(p, "wape")],
               f"{means[(ours, 'wape')]:.4f} < {means[(p, 'wape')]:.4f}") for p in peers]
    for lv, (lo, hi) in COV.items():
        checks.append((f"{lv} % band coverage in [{lo}, {hi}]", lo <= res.coverage[lv] <= hi, f"{res.coverage[lv]:.3f}"))
    for label, ok, text in checks:
        print(f"  [{'PASS' if ok else 'FAIL'}] {label}: {text}")
    return {"ok": all(ok for _, ok, _ in checks), "means": means, "ours": ours, "peers": list(peers),
            "coverage": dict(res.coverage)}


def run(datasets: str, favorita: Path, walmart: Path, threads: int, quick: bool) -> list[dict]:
    """Each data set's report (``datasets``: favorita, monthly or all), with its name."""
    out = []
    with_mlf = optional("mlforecast", "peer mlforecast LightGBM", quick)
    if datasets in ("favorita", "all"):
        if quick:
            data = quick_daily()
        elif (favorita / "transactions.csv").is_file():
            data = load_favorita(favorita)
        else:
            sys.exit(f"Favorita data not found in {favorita}")
        national = set(pd.to_datetime(data["events"].loc[data["events"]["scope"] == ev.NATIONAL, "date"]))
        name = "Favorita daily store transactions" if not quick else "generated daily chain"
        out.append({"name": name, **report(name, data, "D", 42, threads, quick, with_mstl=not quick,
                                           with_mlforecast=with_mlf, national=national)})
    if datasets in ("monthly", "all"):
        if quick:
            hist = quick_monthly(series=12)
        elif (walmart / "train.csv").is_file():
            hist = walmart_monthly(walmart)
        else:
            sys.exit(f"Walmart data not found in {walmart}")
        name = "Walmart monthly" if not quick else "generated monthly"
        out.append({"name": name, **report(name, {"history": hist}, "MS", 3, threads, quick, with_mstl=False,
                                           with_mlforecast=False, national=set())})
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", choices=["favorita", "monthly", "all"], default="all")
    p.add_argument("--favorita", type=Path, default=FAVORITA)
    p.add_argument("--walmart", type=Path, default=default_data_dir())
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="small generated data, targets not enforced")
    args = p.parse_args(argv)
    warnings.filterwarnings("ignore")
    ok = all(r["ok"] for r in run(args.dataset, args.favorita, args.walmart, args.threads, args.quick))
    return verdict(ok, args.quick)


if __name__ == "__main__":
    sys.exit(main())
