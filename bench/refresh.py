"""Bench: forecast refresh without retraining, on the real data.

Trains the product's model with history to 2012-04-27 (horizon 13, 4 backtest
windows), then refreshes it with the weeks to 2012-07-27: the LightGBM model,
ensemble weights and interval tables are reused, features are anchored at the
new origin and the per-series MSTL moves its stored state over the new weeks
(or is re-run, when the training's backtest chose so; both are printed).  Prints
the refresh time against the full training time of the same run (target: at most
10 %, issue 18 item 6), checks the new origin and that every
live series (a sale in the 52 weeks before it, recounted from the raw frame)
has a forecast, and times predict_series with history past the trained grid.

Then the same on Favorita's daily store transactions with the engine for any planning frequency
(forecasting/ml/periodic): trained with history to 2017-05-19 (horizon 42 days, 4 windows), refreshed
with the days to 2017-06-30 (no fit: the global model, its band quantiles and routes apply at the new
origin). Skipped with a note when ../shared/data/favorita is absent; ``--quick`` uses generated days.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _data import FAVORITA, load_favorita, load_walmart, parser, quick_daily, quick_data, require_data, verdict  # noqa: E402

from forecasting.ml.periodic import engine as periodic  # noqa: E402
from forecasting.ml.periodic import refresh as periodic_refresh  # noqa: E402
from forecasting.ml.pipeline import TrainConfig, predict_series, refresh_forecast, train  # noqa: E402

TRAIN_END = "2012-04-27"
NEW_END = "2012-07-27"
REFRESH_LIMIT_S = 30.0
REFRESH_SHARE = 0.10  # of the same run's training


def main():
    p = parser(__doc__)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    data = quick_data() if args.quick else require_data(args.data)
    warnings.filterwarnings("ignore")

    sales, features, stores = load_walmart(data)
    old = sales[sales.date <= pd.Timestamp(TRAIN_END)]
    t0 = time.perf_counter()
    res = train(old, features, stores, TrainConfig(horizon=13, backtest_windows=2 if args.quick else 4,
                                                   num_threads=args.threads, seed=0))
    t_train = time.perf_counter() - t0
    print(f"full training, history to {res.params['last_date']}: {t_train:.1f} s (chosen {res.chosen}; "
          f"{len(res.forecast) // 13:,} series forecast)")

    new = sales[sales.date <= pd.Timestamp(NEW_END)]
    t1 = time.perf_counter()
    ref = refresh_forecast(res.artifact, new, features, stores, num_threads=args.threads)
    t_ref = time.perf_counter() - t1
    fc = ref.forecast
    counts = ref.artifact.meta["params"]["status_counts"]
    print(f"refresh, history to {NEW_END}: {t_ref:.1f} s -> origin {ref.origin}, "
          f"{fc.groupby(['store', 'dept']).ngroups:,} series, {len(fc):,} rows "
          f"({', '.join(f'{k} {v}' for k, v in counts.items())})")
    print("  refresh stages (s): " + ", ".join(f"{k} {v:.2f}" for k, v in ref.timings.items()))
    mode = res.params.get("mstl_refresh") or {}
    print(f"  MSTL at refresh: {mode.get('mode')} (chosen on the backtest: moved state WMAE "
          f"{mode.get('update_wmae')} vs refit {mode.get('refit_wmae')} over {mode.get('windows')} windows)")
    print(f"refresh / training: {t_ref / t_train:.1%}")

    o = pd.Timestamp(NEW_END)
    last = new[(new.date <= o) & (new.date > o - pd.Timedelta(weeks=52))]
    live = set(last[last.sales > 0].groupby(["store", "dept"]).size().index)
    got = set(map(tuple, fc[np.isfinite(fc.forecast)][["store", "dept"]].drop_duplicates().to_numpy()))
    missing = live - got
    no_row_latest = live - set(map(tuple, new[new.date == o][["store", "dept"]].drop_duplicates().to_numpy()))
    print(f"live series at {NEW_END}: {len(live):,}; without a forecast: {len(missing)}; "
          f"of them without a row in the latest week (forecast anyway): {len(no_row_latest)}")
    same_model = ref.artifact.texts == res.artifact.texts
    print(f"LightGBM model reused unchanged: {same_model}")

    # one series with history past the trained grid (on-demand refresh)
    s, d = 1, 1
    hist = new[(new.store == s) & (new.dept == d)][["date", "sales"]]
    res.artifact.warm()
    lat = []
    for _ in range(5):
        t = time.perf_counter()
        out = predict_series(res.artifact, s, d, 13, history=hist)
        lat.append(time.perf_counter() - t)
    row = fc[(fc.store == s) & (fc.dept == d)].forecast.to_numpy()
    diff = np.abs(np.array([p_["forecast"] for p_ in out["points"]]) - row).max() / max(np.abs(row).mean(), 1)
    print(f"predict_series(store {s}, dept {d}) with history to {NEW_END} on the model trained to {TRAIN_END}: "
          f"origin {out['origin']}, median {np.median(lat) * 1000:.0f} ms; max difference to the batch refresh "
          f"{diff:.1%} of its level")

    ok = True
    for name, cond, txt in [
        ("new origin", ref.origin == NEW_END, ref.origin),
        ("every live series forecast", not missing, f"{len(missing)} missing"),
        ("no LightGBM refit", same_model, str(same_model)),
        (f"refresh <= {REFRESH_LIMIT_S:.0f} s", t_ref <= REFRESH_LIMIT_S, f"{t_ref:.1f} s"),
        ("refresh faster than training", t_ref < t_train, f"{t_ref:.1f} s vs {t_train:.1f} s ({t_train / t_ref:.1f}x)"),
        (f"refresh <= {REFRESH_SHARE:.0%} of training", t_ref <= REFRESH_SHARE * t_train, f"{t_ref / t_train:.1%}"),
        ("on-demand origin", out["origin"] == NEW_END, out["origin"]),
    ]:
        print(f"{'PASS' if cond else 'FAIL'}: {name}: {txt}")
        ok &= bool(cond)
    ok &= favorita(args)
    return verdict(ok, args.quick)


def favorita(args) -> bool:
    data_name = "Favorita"
    if args.quick:
        data, data_name = quick_daily(), "generated daily chain"
    elif (FAVORITA / "transactions.csv").is_file():
        data = load_favorita(FAVORITA)
    else:
        print(f"Favorita: skipped, no data in {FAVORITA}")
        return True
    hist = data["history"]
    new_end = hist["date"].max()
    cut = new_end - pd.Timedelta(days=42)
    inputs = {k: data[k] for k in ("locations", "covariates", "kinds")} | {"events": data["days"]}
    small = {"num_rounds": 80, "max_rows": 60_000} if args.quick else {}
    t0 = time.perf_counter()
    res = periodic.train(hist[hist["date"] <= cut], periodic.Config(freq="D", horizon=42, num_threads=args.threads,
                                                                   **small), **inputs)
    t_train = time.perf_counter() - t0
    print(f"\n{data_name}, full training, history to {cut.date()}: {t_train:.1f} s (chosen {res.chosen})")
    ref = periodic_refresh.refresh(res.model, hist, **inputs)
    live = set(hist[hist["date"] > new_end - pd.Timedelta(days=364)]["location"])
    got = set(ref.forecast["location"])
    print(f"{data_name} refresh, history to {new_end.date()}: {ref.seconds:.1f} s -> origin {ref.origin}, "
          f"{len(got)} stores, {len(ref.forecast):,} rows")
    print(f"{data_name} refresh / training: {ref.seconds / t_train:.1%}")
    ok = True
    for name, cond, txt in [
        (f"{data_name} new origin", ref.origin == new_end.date().isoformat(), ref.origin),
        (f"{data_name} every live store forecast", live <= got, f"{len(live - got)} missing"),
        (f"{data_name} refresh <= {REFRESH_SHARE:.0%} of training", ref.seconds <= REFRESH_SHARE * t_train,
         f"{ref.seconds / t_train:.1%}"),
    ]:
        print(f"{'PASS' if cond else 'FAIL'}: {name}: {txt}")
        ok &= bool(cond)
    return ok


if __name__ == "__main__":
    sys.exit(main())
