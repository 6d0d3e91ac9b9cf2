"""Explanations (global LightGBM gain importance, per-forecast contributions) and the
decision figures of the Insights page (volatility hotspots, anomalies, inventory targets)."""
from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd


def global_importance(model, names: list) -> list:
    gain = model.feature_importance(importance_type="gain")
    total = float(gain.sum()) or 1.0
    order = np.argsort(-gain, kind="stable")
    return [{"feature": names[i], "gain": float(gain[i]), "share": float(gain[i] / total)} for i in order]


def top_contributions(model, x_row: np.ndarray, names: list, scale: float, k: int = 5) -> list:
    """pred_contrib of one feature row, in sales units (the model predicts the
    residual over the seasonal profile divided by the series scale)."""
    contrib = model.predict(np.asarray(x_row, dtype=np.float64).reshape(1, -1), pred_contrib=True, num_threads=1)[0]
    c = contrib[:-1] * scale  # last column is the expected value
    order = np.argsort(-np.abs(c), kind="stable")[:k]
    return [{"feature": names[i], "contribution": float(c[i]), "value": _num(x_row[i])} for i in order]


def _num(v):
    v = float(v)
    return None if not np.isfinite(v) else v


# ---------------------------------------------------------------- decisions
# Volatility hotspots, anomalies and inventory targets (issue 9, page 6).
# Pure pandas on long frames: ``sales`` has columns store, dept, date, sales;
# a forecast frame has store, dept, date, forecast, lo80, hi80, lo95, hi95.
Z80 = NormalDist().inv_cdf(0.90)  # half-width of a central 80 % band in standard deviations
Z95 = NormalDist().inv_cdf(0.975)
ROBUST_Z = 3.5  # Iglewicz and Hoaglin's cut-off for the modified z-score
ANOMALY_RULES = {"band": "Outside the forecast's 95% interval",  # each method of ``anomalies``, in words
                 "seasonal_z": "Far from the same time of year in other years",
                 "robust_z": "Far from the series' usual level (under a year of history)"}
KEYS = ["store", "dept"]


def hotspots(sales: pd.DataFrame, forecast: pd.DataFrame | None = None, errors: pd.DataFrame | None = None,
             *, weeks: int = 52) -> pd.DataFrame:
    """Volatility per series, ranked (1 = most volatile).

    * ``cv``: coefficient of variation (std / mean) of the last ``weeks`` weekly sales (None when the mean <= 0);
    * ``rel_width``: relative width of the 95 % band, sum(hi95 - lo95) / sum(forecast) over the forecast weeks;
    * ``error``: the series' forecast error (``errors`` frame: store, dept, error), e.g. its WAPE;
    * ``score``: mean of the percentile ranks of the available measures; ranked by it.
    """
    s = sales.sort_values("date")
    last = s["date"].drop_duplicates().nlargest(weeks)
    recent = s[s["date"].isin(last)]
    g = recent.groupby(KEYS)["sales"]
    out = pd.DataFrame({"mean": g.mean(), "std": g.std(ddof=0)})
    out["cv"] = np.where(out["mean"] > 0, out["std"] / out["mean"].where(out["mean"] > 0), np.nan)
    out = out.rename(columns={"mean": "mean_sales", "std": "std_sales"})
    if forecast is not None and len(forecast):
        f = forecast.assign(width=forecast["hi95"] - forecast["lo95"]).groupby(KEYS)[["width", "forecast"]].sum()
        out = out.join((f["width"] / f["forecast"].where(f["forecast"] > 0)).rename("rel_width"), how="outer")
    else:
        out["rel_width"] = np.nan
    if errors is not None and len(errors):
        out = out.join(errors.set_index(KEYS)["error"], how="left")
    else:
        out["error"] = np.nan
    measures = out[["cv", "rel_width", "error"]].astype(float)
    out["score"] = measures.rank(pct=True).mean(axis=1, skipna=True)
    out = out[out["score"].notna()].sort_values(["score", "cv"], ascending=False).reset_index()
    out["rank"] = np.arange(1, len(out) + 1)
    return out[["rank", "store", "dept", "cv", "rel_width", "error", "score", "mean_sales", "std_sales"]]


def material_hotspots(rows: list[dict], *, floor: float) -> list[dict]:
    """Hotspots ranked by money at stake: the series selling at least ``floor`` a week on average, by the
    size of their weekly swings in money (standard deviation of weekly sales), largest first, ranked again."""
    kept = [r for r in rows if (r.get("mean_sales") or 0) >= floor and r.get("std_sales") is not None]
    kept.sort(key=lambda r: (-r["std_sales"], r["store"], r["dept"]))
    return [{**r, "rank": i} for i, r in enumerate(kept, 1)]


def material_anomalies(rows: list[dict], *, floor: float) -> list[dict]:
    """Anomalies of weeks where the sales or the expected value reach ``floor``, largest deviation in money
    first (a $7 miss against $0 expected is not news)."""
    kept = [r for r in rows if max(abs(r.get("sales") or 0), abs(r.get("expected") or 0)) >= floor]
    return sorted(kept, key=lambda r: (-abs(r.get("deviation") or 0), r["store"], r["dept"], r["date"]))


YEAR_DAYS = 364  # 52 weeks: the same weekday a year earlier
MEAN_AD_FACTOR = 1.253314  # Iglewicz and Hoaglin: the scale from the mean absolute deviation when the MAD is 0


def _robust_scale(values: pd.Series, groups: list) -> tuple[pd.Series, pd.Series]:
    """Per row, its group's median and robust scale: MAD / 0.6745, or 1.253314 x the mean absolute deviation
    from the median when the MAD is 0 (a series that repeats itself exactly but once); NaN rows are ignored."""
    med = values.groupby(groups).transform("median")
    dev = (values - med).abs()
    mad = dev.groupby(groups).transform("median")
    mean_ad = dev.groupby(groups).transform("mean")
    return med, (mad / 0.6745).where(mad > 0, MEAN_AD_FACTOR * mean_ad)


def seasonal_baseline(sales: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per row, its series' sales in the same week of the other years, twice: ``exact``, the median over the
    other years of the week 52 weeks (x years) away; ``nearest``, the same with, for each other year, that week
    or the one next to it (holidays move by a week), whichever sold closest to this week. NaN where no other
    year has any of those weeks."""
    s = sales.reset_index(drop=True)
    values = pd.Series(s["sales"].to_numpy(dtype=float), index=pd.MultiIndex.from_frame(s[KEYS + ["date"]]))
    values = values[~values.index.duplicated()]
    own = s["sales"].to_numpy(dtype=float)
    years = int((s["date"].max() - s["date"].min()).days // YEAR_DAYS) if len(s) else 0
    exact, nearest = [], []
    for k in [*range(-years, 0), *range(1, years + 1)]:
        cands = np.vstack([values.reindex(pd.MultiIndex.from_arrays(
            [s["store"], s["dept"], s["date"] + pd.Timedelta(days=YEAR_DAYS * k + shift)])).to_numpy()
            for shift in (-7, 0, 7)])
        dist = np.where(np.isnan(cands), np.inf, np.abs(cands - own))
        exact.append(cands[1])
        nearest.append(cands[np.argmin(dist, axis=0), np.arange(len(s))])
    if not exact:
        return np.full(len(s), np.nan), np.full(len(s), np.nan)
    return tuple(pd.DataFrame(np.vstack(p).T).median(axis=1, skipna=True).to_numpy() for p in (exact, nearest))


def band_half_width(lo95: pd.Series, hi95: pd.Series, scale: pd.Series) -> pd.Series:
    """The unit of a ``band`` anomaly's score: half the width of the week's 95 % band; for a band of zero width
    (a forecast made with no uncertainty, e.g. a constant series), the half-width of the normal 95 % band of the
    series' robust scale (``Z95`` x scale); NaN when the series has no spread either (no finite score)."""
    half = ((hi95 - lo95) / 2).where(lambda h: h > 0)
    return half.fillna(Z95 * scale.where(scale > 0))


def anomalies(sales: pd.DataFrame, past_forecasts: pd.DataFrame | None = None, *, z: float = ROBUST_Z) -> pd.DataFrame:
    """Past weeks whose actual sales were unusual.

    A week with a forecast made for it (``past_forecasts``: store, dept, date, forecast, lo95, hi95; one row per
    week, the caller picks the forecast made closest before the week) is an anomaly when its sales fell outside
    the 95 % band (method ``band``). A week without one is judged by modified z-scores (robust: median and MAD,
    anomaly when |z| > ``z``), seasonally, so that a peak every year has (Thanksgiving, Christmas) is not one:

    * ``seasonal_z``: where other years of the series have the same week (``seasonal_baseline``), the week is an
      anomaly when both its sales are far from the series' level (z of sales) and its relative residual
      (sales - baseline) / max(|baseline|, the series' median) is far from the series' usual one (z of
      residuals; their spread from the exact same weeks, the week's own from the nearest, so that a holiday
      that moved by a week still matches). A recurring peak has a small residual; a one-off spike is far on both (and the same week of
      the other years is not: it is close to its level). Expected = baseline + the median residual, the range
      ± ``z`` robust scales of the residuals (in dollars).
    * ``robust_z`` (fallback, a week no other year has, e.g. under a year of history): z of sales alone,
      expected = the series' median.

    Score: how far outside (band half-widths, or the smaller |z|); always finite, NaN (null in JSON) when it
    cannot be measured: a band of zero width is replaced by the 95 % band the series' own spread gives
    (``band_half_width``), and a week of a series without any spread either has no score. Columns: store, dept,
    date, sales, expected, lo, hi, deviation, method, score, sorted by score, largest first (no score last)."""
    cols = ["store", "dept", "date", "sales", "expected", "lo", "hi", "deviation", "method", "score"]
    s = sales[KEYS + ["date", "sales"]].reset_index(drop=True)
    parts = []
    covered = pd.DataFrame(columns=KEYS + ["date"])
    groups = [s["store"], s["dept"]]
    med, scale = _robust_scale(s["sales"].astype(float), groups)
    if past_forecasts is not None and len(past_forecasts):
        m = s.assign(_scale=scale).merge(past_forecasts[KEYS + ["date", "forecast", "lo95", "hi95"]],
                                         on=KEYS + ["date"])
        covered = m[KEYS + ["date"]]
        half = band_half_width(m["lo95"], m["hi95"], m["_scale"])
        out = (m["sales"] > m["hi95"]) | (m["sales"] < m["lo95"])
        b = m[out].copy()
        b["expected"], b["lo"], b["hi"] = b["forecast"], b["lo95"], b["hi95"]
        b["method"] = "band"
        b["score"] = np.maximum(b["sales"] - b["hi95"], b["lo95"] - b["sales"]) / half[out]
        parts.append(b)
    exact, base = seasonal_baseline(s)
    # relative residuals (a week that sells 2.5x the usual level varies 2.5x as much in dollars); their usual
    # spread from the exact same weeks, a week's own residual from the nearest of them (holidays move)
    level = s["sales"].abs().groupby(groups).transform("median")
    exact_unit = np.maximum(np.abs(exact), level)
    rmed, rscale = _robust_scale((s["sales"] - exact) / exact_unit.where(exact_unit > 0), groups)
    unit = np.maximum(np.abs(base), level)
    resid = (s["sales"] - base) / unit.where(unit > 0)
    r = s.assign(zp=(s["sales"] - med) / scale, zr=(resid - rmed) / rscale, med=med, scale=scale,
                 rexp=base + rmed * unit, rscale=rscale * unit)
    if len(covered):
        r = r.merge(covered.assign(_c=1), on=KEYS + ["date"], how="left")
        r = r[r["_c"].isna()]
    seasonal = r["zr"].notna() & (r["rscale"] > 0)
    sz = r[seasonal & (r["zp"].abs() > z) & (r["zr"].abs() > z)].copy()
    sz["expected"], sz["method"] = sz["rexp"], "seasonal_z"
    sz["lo"], sz["hi"] = sz["rexp"] - z * sz["rscale"], sz["rexp"] + z * sz["rscale"]
    sz["score"] = np.minimum(sz["zp"].abs(), sz["zr"].abs())
    rz = r[~seasonal & (r["scale"] > 0) & (r["zp"].abs() > z)].copy()
    rz["expected"], rz["method"] = rz["med"], "robust_z"
    rz["lo"], rz["hi"] = rz["med"] - z * rz["scale"], rz["med"] + z * rz["scale"]
    rz["score"] = rz["zp"].abs()
    parts += [sz, rz]
    if not any(len(p) for p in parts):
        return pd.DataFrame(columns=cols)
    df = pd.concat([p for p in parts if len(p)], ignore_index=True)
    df["deviation"] = df["sales"] - df["expected"]
    return df[cols].sort_values(["score", "store", "dept", "date"], ascending=[False, True, True, True],
                                ignore_index=True)


def service_z(service_level: float) -> float:
    if not 0.5 <= float(service_level) < 1:
        raise ValueError("service_level must be at least 0.5 and below 1")
    return NormalDist().inv_cdf(float(service_level))


def weekly_sigma(fc: pd.DataFrame) -> pd.Series:
    """Standard deviation of each week's forecast error read off its bands: the mean of the 80 % and
    95 % half-widths, each divided by its normal quantile."""
    return (((fc["hi80"] - fc["lo80"]) / (2 * Z80) + (fc["hi95"] - fc["lo95"]) / (2 * Z95)) / 2).clip(lower=0)


def service_level_for_costs(holding_cost: float, stockout_cost: float) -> float:
    """The service level that balances a unit held one week too many (``holding_cost``) against a unit of
    demand missed (``stockout_cost``): the newsvendor's critical ratio stockout / (stockout + holding),
    kept within 50 % .. 99.9 %."""
    if not holding_cost > 0 or not stockout_cost > 0:
        raise ValueError("holding and stock-out costs must be positive")
    return float(min(0.999, max(0.5, stockout_cost / (stockout_cost + holding_cost))))


def inventory_targets(forecast: pd.DataFrame, *, lead_time: int, service_level: float,
                      on_hand: pd.DataFrame | None = None, unit_price: float | None = None) -> pd.DataFrame:
    """Order-up-to level per series and week: stock that covers the demand of the ``lead_time`` weeks from
    that week on with probability ``service_level``:

        target = sum of the point forecasts over the lead time + z(service_level) x sqrt(sum of sigma^2)

    (weekly errors combined as independent; sigma from the 80/95 % bands, ``weekly_sigma``). Weeks whose
    lead time runs past the horizon are left out. Given ``on_hand`` (store, dept, on_hand), the first week of
    each series carries ``on_hand`` and ``order`` = max(0, target - on_hand); a series without a stock
    figure has none. With ``unit_price`` (money per unit; the forecast and the stock on hand are money at
    selling price) every figure is in units and an order is a whole number of units (rounded up).
    Columns: store, dept, week, demand, safety_stock, target, on_hand, order."""
    lead_time = int(lead_time)
    if lead_time < 1:
        raise ValueError("lead_time must be at least 1 week")
    zq = service_z(service_level)
    f = forecast.sort_values(KEYS + ["date"], ignore_index=True)
    f = f.assign(var=weekly_sigma(f) ** 2)
    g = f.groupby(KEYS, sort=False)
    csum = g[["forecast", "var"]].cumsum()
    nxt = csum.groupby([f["store"], f["dept"]]).shift(-(lead_time - 1))
    prev = csum.groupby([f["store"], f["dept"]]).shift(1).fillna(0.0)
    win = nxt - prev  # sums over weeks i .. i + lead_time - 1 (NaN past the horizon)
    out = pd.DataFrame({"store": f["store"], "dept": f["dept"], "week": f["date"],
                        "demand": win["forecast"].clip(lower=0), "safety_stock": zq * np.sqrt(win["var"])})
    out = out[out["demand"].notna()].reset_index(drop=True)
    per = 1.0
    if unit_price is not None:
        if not unit_price > 0:
            raise ValueError("unit_price must be positive")
        per = float(unit_price)
        out["demand"], out["safety_stock"] = out["demand"] / per, out["safety_stock"] / per
    out["target"] = (out["demand"] + out["safety_stock"]).clip(lower=0)
    out["on_hand"], out["order"] = np.nan, np.nan
    if on_hand is not None and len(on_hand):
        first = ~out.duplicated(KEYS)
        stock = out.loc[first, KEYS].merge(on_hand[KEYS + ["on_hand"]], on=KEYS, how="left")["on_hand"].to_numpy()
        stock = stock / per
        order = np.maximum(0.0, out.loc[first, "target"].to_numpy() - stock)
        out.loc[first, "on_hand"] = stock
        out.loc[first, "order"] = np.ceil(order - 1e-9) if unit_price is not None else order
    return out


def forecast_errors(sales: pd.DataFrame, past_forecasts: pd.DataFrame | None) -> pd.DataFrame:
    """Each series' error over its realized forecast weeks: WAPE = sum |sales - forecast| / sum sales
    (None when it sold nothing). Columns: store, dept, error."""
    if past_forecasts is None or not len(past_forecasts):
        return pd.DataFrame(columns=KEYS + ["error"])
    m = sales[KEYS + ["date", "sales"]].merge(past_forecasts[KEYS + ["date", "forecast"]], on=KEYS + ["date"])
    g = m.assign(ae=(m["sales"] - m["forecast"]).abs()).groupby(KEYS)[["ae", "sales"]].sum()
    return (g["ae"] / g["sales"].where(g["sales"] > 0)).rename("error").reset_index()
