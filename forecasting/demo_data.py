"""Deterministic synthetic sales data in the exact Walmart (Kaggle) layout.

No Django import.  ``generate()`` writes three files:

* ``train.csv``    Store,Dept,Date,Weekly_Sales,IsHoliday          (sorted by store, dept, date)
* ``features.csv`` Store,Date,Temperature,Fuel_Price,MarkDown1..5,CPI,Unemployment,IsHoliday
                   (``NA`` for missing values; covers ``weeks + future_weeks`` weeks,
                   CPI/Unemployment ``NA`` for the future weeks, markdowns ``NA`` before
                   week 92 = 2011-11-11 for the default start)
* ``stores.csv``   Store,Type,Size                                  (LF line endings)

Same seed and parameters -> byte-identical files.  What is modelled:

* store types A/B/C with realistic sizes; sales scale with store size;
* departments with very different volumes, yearly seasonality (own phase/amplitude),
  a per-store trend and multiplicative noise;
* holiday weeks computed from the real calendar (Super Bowl, Labor Day, Thanksgiving,
  Christmas; a week is a holiday week when its week-ending date is 0-6 days after the
  holiday — the Walmart convention), with the Thanksgiving/Black-Friday spike and the
  pre-Christmas peak moving with the calendar;
* markdowns (only from ~late 2011 on) lifting sales a little;
* returns: low-volume departments have some negative weeks, and some zero weeks;
* not every store carries every department; some series start late, some stop early,
  a few small ones are intermittent.

CLI::

    python -m forecasting.demo_data --out DIR [--seed N] [--small]
        [--stores 45] [--depts 80] [--weeks 143] [--start 2010-02-05] [--future-weeks 13]
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["generate", "main", "holiday_dates", "holiday_week_flags", "SMALL",
           "MARKDOWN_START_WEEK"]

#: Parameters of the tiny data set used by tests (``small=True`` / ``--small``).
SMALL = {"stores": 3, "depts": 4, "weeks": 110}
#: Markdowns exist from this week index on (2011-11-11 for the default start).
MARKDOWN_START_WEEK = 92

TRAIN_HEADER = ["Store", "Dept", "Date", "Weekly_Sales", "IsHoliday"]
FEATURES_HEADER = ["Store", "Date", "Temperature", "Fuel_Price", "MarkDown1", "MarkDown2",
                   "MarkDown3", "MarkDown4", "MarkDown5", "CPI", "Unemployment", "IsHoliday"]
STORES_HEADER = ["Store", "Type", "Size"]


# ---------------------------------------------------------------------------- calendar


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


def holiday_dates(year: int) -> dict[str, dt.date]:
    """The four Walmart holidays of a year (US calendar)."""
    return {
        # first Sunday of February until 2021, second Sunday since 2022
        "super_bowl": _nth_weekday(year, 2, 6, 1 if year <= 2021 else 2),
        "labor_day": _nth_weekday(year, 9, 0, 1),          # first Monday of September
        "thanksgiving": _nth_weekday(year, 11, 3, 4),      # fourth Thursday of November
        "christmas": dt.date(year, 12, 25),
    }


def holiday_week_flags(week_endings: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """For each holiday name, a bool array: does the week ending on that date contain it?"""
    ends = pd.DatetimeIndex(week_endings).normalize()
    flags = {name: np.zeros(len(ends), dtype=bool)
             for name in ("super_bowl", "labor_day", "thanksgiving", "christmas")}
    if len(ends) == 0:
        return flags
    for year in range(ends.min().year - 1, ends.max().year + 2):
        for name, day in holiday_dates(year).items():
            delta = (ends - pd.Timestamp(day)).days.to_numpy()
            flags[name] |= (delta >= 0) & (delta <= 6)
    return flags


# ---------------------------------------------------------------------------- generator


def _dept_numbers(rng: np.random.Generator, depts: int) -> np.ndarray:
    if depts <= 99:
        chosen = rng.choice(np.arange(2, 100), size=depts - 1, replace=False) if depts > 1 else []
        return np.sort(np.concatenate([[1], chosen]).astype(np.int64))
    return np.arange(1, depts + 1, dtype=np.int64)


def _store_types(rng: np.random.Generator, n: int) -> np.ndarray:
    n_c = max(1 if n >= 3 else 0, int(round(0.13 * n)))
    n_a = max(1, int(round(0.49 * n)))
    n_b = max(0, n - n_a - n_c)
    types = np.array(["A"] * n_a + ["B"] * n_b + ["C"] * n_c)[:n]
    return rng.permutation(types)


def _fmt_dates(dates: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(dates.strftime("%Y-%m-%d"), dtype=object)


def _write_csv(df: pd.DataFrame, path: Path, **kw) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        df.to_csv(fh, index=False, lineterminator="\n", **kw)


def generate(out_dir: Path, seed: int = 0, stores: int = 45, depts: int = 80, weeks: int = 143,
             start: str = "2010-02-05", future_weeks: int = 13,
             small: bool = False) -> dict[str, Path]:
    """Write train.csv, features.csv and stores.csv into ``out_dir``.

    Returns ``{"sales": .../train.csv, "features": .../features.csv, "stores": .../stores.csv}``
    (keys are the ingest kinds).  ``small=True`` uses ``SMALL`` (3 stores, 4 depts,
    110 weeks) instead of the stores/depts/weeks arguments.  The week-ending weekday
    is the weekday of ``start`` (a Friday by default).
    """
    if small:
        stores, depts, weeks = SMALL["stores"], SMALL["depts"], SMALL["weeks"]
    if stores < 1 or depts < 1 or weeks < 1 or future_weeks < 0:
        raise ValueError("stores, depts and weeks must be >= 1 and future_weeks >= 0")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    start_ts = pd.Timestamp(start).normalize()

    S, D, W = stores, depts, weeks
    WF = weeks + future_weeks
    dates_all = pd.date_range(start_ts, periods=WF, freq="7D")
    dates = dates_all[:W]
    doy = dates_all.dayofyear.to_numpy() / 365.25
    years_since = np.arange(WF) / 52.18
    hol_all = holiday_week_flags(dates_all)
    is_hol_all = np.logical_or.reduce(list(hol_all.values()))

    # ---- stores
    store_ids = np.arange(1, S + 1, dtype=np.int64)
    types = _store_types(rng, S)
    size = np.where(types == "A", rng.uniform(140_000, 220_000, S),
                    np.where(types == "B", rng.uniform(34_000, 140_000, S),
                             rng.uniform(34_000, 45_000, S))).round().astype(np.int64)
    store_mult = (size / 150_000.0) ** 0.8 * rng.lognormal(0.0, 0.2, S)
    store_trend = rng.normal(0.0, 0.03, S)                  # yearly growth
    climate_mean = rng.uniform(40, 78, S)
    climate_amp = rng.uniform(12, 28, S)
    cpi_base = np.where(rng.random(S) < 0.3, rng.uniform(126, 132, S), rng.uniform(181, 215, S))
    unemp_base = rng.uniform(4.0, 12.5, S)

    # ---- departments
    dept_ids = _dept_numbers(rng, D)
    base = rng.lognormal(np.log(7000), 1.3, D)
    tiny = rng.random(D) < 0.12                              # returns-prone, low volume
    base[tiny] = rng.uniform(5, 60, tiny.sum())
    season_amp = rng.uniform(0.0, 0.3, D)
    season_phase = rng.uniform(0, 2 * np.pi, D)
    xmas_lift = rng.gamma(1.2, 0.65, D)
    tg_lift = rng.gamma(1.2, 0.4, D)
    sb_lift = rng.uniform(0.0, 0.12, D)
    ld_lift = rng.uniform(0.0, 0.06, D)
    md_elast = rng.uniform(0.0, 0.08, D)
    temp_sens = rng.normal(0.0, 0.04, D)
    coverage = np.where(rng.random(D) < 0.8, rng.uniform(0.9, 1.0, D), rng.uniform(0.3, 0.8, D))
    noise_sd = np.where(tiny, 0.0, rng.uniform(0.04, 0.15, D))

    # ---- features (stores x all weeks)
    temp = (climate_mean[:, None]
            - climate_amp[:, None] * np.cos(2 * np.pi * (doy[None, :] - 0.55))
            + rng.normal(0, 4.5, (S, WF)))
    fuel_nat = 2.6 + np.cumsum(rng.normal(0.006, 0.045, WF))
    fuel = fuel_nat[None, :] + rng.uniform(-0.15, 0.25, S)[:, None] + rng.normal(0, 0.01, (S, WF))
    cpi = cpi_base[:, None] * (1 + 0.022 * years_since[None, :]) + rng.normal(0, 0.05, (S, WF))
    unemp_step = np.repeat(rng.normal(-0.08, 0.12, (S, WF // 13 + 1)), 13, axis=1)[:, :WF]
    unemp = np.clip(unemp_base[:, None] + np.cumsum(unemp_step, axis=1) / 13, 3.0, 15.0)
    md_scale = size / 150_000.0
    md_on = np.arange(WF) >= MARKDOWN_START_WEEK
    hol_boost = np.where(hol_all["thanksgiving"] | hol_all["christmas"], 6.0, 1.0)
    md_specs = [  # (median, sigma, probability present)
        (7000, 0.9, 0.85), (2500, 1.4, 0.55), (300, 1.6, 0.7), (2500, 1.3, 0.7), (4000, 0.7, 0.95)]
    markdowns = []
    for k, (median, sigma, p) in enumerate(md_specs):
        vals = rng.lognormal(np.log(median), sigma, (S, WF)) * md_scale[:, None]
        if k in (1, 2):
            vals = vals * hol_boost[None, :]
        present = (rng.random((S, WF)) < p) & md_on[None, :]
        markdowns.append(np.where(present, np.round(vals, 2), np.nan))
    md_total = np.nansum(np.stack(markdowns), axis=0)
    md_norm = md_total / max(float(np.nanmean(md_total[:, md_on])) if md_on.any() else 1.0, 1.0)

    # ---- sales grid (S, D, W)
    hol = {k: v[:W] for k, v in hol_all.items()}
    days_to_xmas = np.array([(pd.Timestamp(d.year, 12, 25) - d).days for d in dates])
    xmas_peak = np.select([(days_to_xmas >= 1) & (days_to_xmas <= 7),
                           (days_to_xmas >= 8) & (days_to_xmas <= 14),
                           (days_to_xmas >= 15) & (days_to_xmas <= 21)], [1.0, 0.45, 0.15], 0.0)
    after_tg = np.roll(hol["thanksgiving"], 1)
    after_tg[0] = False
    cal = (1 + xmas_lift[:, None] * xmas_peak[None, :]
           + tg_lift[:, None] * hol["thanksgiving"][None, :]
           + 0.05 * after_tg[None, :]
           + sb_lift[:, None] * hol["super_bowl"][None, :]
           + ld_lift[:, None] * hol["labor_day"][None, :]
           - 0.15 * xmas_lift[:, None] * hol["christmas"][None, :])            # (D, W)
    season = 1 + season_amp[:, None] * np.sin(2 * np.pi * doy[None, :W] + season_phase[:, None])
    trend = (1 + store_trend[:, None] * years_since[None, :W])                 # (S, W)
    temp_dev = (temp[:, :W] - climate_mean[:, None]) / 30.0                   # (S, W)
    level = (base[None, :, None] * store_mult[:, None, None] * trend[:, None, :]
             * season[None, :, :] * cal[None, :, :]
             * (1 + md_elast[None, :, None] * np.clip(md_norm[:, None, :W] - 1, -1, 3))
             * (1 + temp_sens[None, :, None] * temp_dev[:, None, :]))
    noise = rng.lognormal(0.0, 1.0, (S, D, W)) ** noise_sd[None, :, None]
    sales = level * noise
    # low-volume departments: additive noise makes some weeks negative (returns)
    tiny_noise = rng.normal(0.0, 1.0, (S, D, W)) * (base[None, :, None] * 0.5)
    sales = np.where(tiny[None, :, None], level + tiny_noise, sales)
    returns = rng.random((S, D, W)) < 0.0015
    sales = np.where(returns, -rng.uniform(1, 300, (S, D, W)), sales)
    zeros = rng.random((S, D, W)) < 0.0004
    sales = np.where(zeros, 0.0, sales)
    sales = np.round(sales, 2)

    # ---- which (store, dept, week) rows exist
    carried = rng.random((S, D)) < coverage[None, :]
    carried[:, 0] = True                                    # dept 1 everywhere
    first = np.zeros((S, D), dtype=np.int64)
    late = rng.random((S, D)) < 0.05
    first[late] = rng.integers(1, max(2, W - 4), late.sum())
    last = np.full((S, D), W, dtype=np.int64)
    early = (rng.random((S, D)) < 0.03) & ~late
    last[early] = rng.integers(max(2, W // 3), W + 1, early.sum())
    if S >= 2 and D >= 2 and W >= 8:                        # guarantee one late, one early
        first[S - 1, D - 1] = W // 2
        last[0, D - 1] = W - W // 4
        carried[S - 1, D - 1] = carried[0, D - 1] = True
    week_idx = np.arange(W)[None, None, :]
    present = (carried[:, :, None] & (week_idx >= first[:, :, None])
               & (week_idx < last[:, :, None]))
    intermittent = tiny[None, :, None] & (rng.random((S, D, W)) < 0.25)
    present &= ~intermittent
    present[:, 0, :] = carried[:, 0, None] & (week_idx[0] >= first[:, 0, None]) \
        & (week_idx[0] < last[:, 0, None])

    # guarantee at least one return (negative week) and one zero week, even in tiny sets
    cells = np.flatnonzero(present.ravel())
    if len(cells) >= 3:
        sales.ravel()[cells[len(cells) // 2]] = -round(float(rng.uniform(10, 500)), 2)
        sales.ravel()[cells[len(cells) // 3]] = 0.0

    s_idx, d_idx, w_idx = np.nonzero(present)               # C order: store, dept, date
    date_str = _fmt_dates(dates)
    hol_str = np.where(is_hol_all, "TRUE", "FALSE")
    train = pd.DataFrame({
        "Store": store_ids[s_idx],
        "Dept": dept_ids[d_idx],
        "Date": date_str[w_idx],
        "Weekly_Sales": sales[s_idx, d_idx, w_idx],
        "IsHoliday": hol_str[w_idx],
    })

    fs, fw = np.divmod(np.arange(S * WF), WF)
    future = np.arange(WF) >= W
    feats = pd.DataFrame({
        "Store": store_ids[fs],
        "Date": _fmt_dates(dates_all)[fw],
        "Temperature": np.round(temp, 2)[fs, fw],
        "Fuel_Price": np.round(fuel, 3)[fs, fw],
        **{f"MarkDown{k + 1}": markdowns[k][fs, fw] for k in range(5)},
        "CPI": np.where(future[None, :], np.nan, np.round(cpi, 7))[fs, fw],
        "Unemployment": np.where(future[None, :], np.nan, np.round(unemp, 3))[fs, fw],
        "IsHoliday": hol_str[fw],
    })
    stores_df = pd.DataFrame({"Store": store_ids, "Type": types, "Size": size})

    paths = {"sales": out_dir / "train.csv", "features": out_dir / "features.csv",
             "stores": out_dir / "stores.csv"}
    _write_csv(train, paths["sales"])
    _write_csv(feats, paths["features"], na_rep="NA")
    _write_csv(stores_df, paths["stores"])
    return paths


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m forecasting.demo_data",
                                description="Write synthetic Walmart-layout demo data.")
    p.add_argument("--out", required=True, type=Path, help="output directory")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--stores", type=int, default=45)
    p.add_argument("--depts", type=int, default=80)
    p.add_argument("--weeks", type=int, default=143)
    p.add_argument("--future-weeks", type=int, default=13,
                   help="extra weeks in features.csv beyond the sales history")
    p.add_argument("--start", default="2010-02-05", help="first week-ending date (YYYY-MM-DD)")
    p.add_argument("--small", action="store_true",
                   help=f"tiny data set ({SMALL['stores']} stores, {SMALL['depts']} depts, "
                        f"{SMALL['weeks']} weeks)")
    a = p.parse_args(argv)
    paths = generate(a.out, seed=a.seed, stores=a.stores, depts=a.depts, weeks=a.weeks,
                     start=a.start, future_weeks=a.future_weeks, small=a.small)
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
