"""The engine for any planning frequency (forecasting/ml/periodic) on small generated data: closures are
not demand, a known covariate moves its periods only, a regional event moves its region only, and daily,
weekly (ending on a Saturday, labelled by its start) and monthly planning."""
import numpy as np
import pandas as pd
import pytest

from forecasting.ml import events as ev
from forecasting.ml import intermittent
from forecasting.ml.periodic import artifact, engine
from forecasting.ml.periodic import refresh as periodic_refresh
from forecasting.ml.periodic.grid import build_grid
from forecasting.ml.periodic.seasons import calendar

FAST = dict(windows=2, num_rounds=60, num_threads=1, max_rows=60_000)


def daily(stores=4, days=500, seed=0, promo=None, event_days=(), event_lift=0.0, regions=None):
    """Stores with a weekday pattern and noise; ``promo``: (days,) 0/1 plan doubling demand; events lift
    the stores of region R0 on ``event_days``."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-01-01", periods=days, freq="D")
    out = []
    for s in range(stores):
        y = 100.0 * (s + 1) * (1 + 0.3 * np.sin(2 * np.pi * dates.dayofweek / 7)) * rng.lognormal(0, 0.03, days)
        if promo is not None:
            y = y * (1 + promo[:days])
        region = (regions or {}).get(f"S{s}", "R0")
        if region == "R0":
            y = np.where(dates.isin(pd.DatetimeIndex(event_days)), y * (1 + event_lift), y)
        out.append(pd.DataFrame({"location": f"S{s}", "date": dates, "value": y.round(1)}))
    return pd.concat(out, ignore_index=True)


def test_closed_days_are_neither_zeros_nor_misses_and_a_known_closure_forecasts_zero_with_no_width():
    h = daily()
    sundays = h["date"].dt.dayofweek == 6
    h.loc[sundays & (h["location"] == "S0"), "value"] = 0.0
    h["open"] = ~(sundays & (h["location"] == "S0"))
    last = h["date"].max()
    future_sundays = pd.date_range(last + pd.Timedelta(days=1), periods=14, freq="D")
    future_sundays = future_sundays[future_sundays.dayofweek == 6]
    closures = pd.DataFrame({"location": "S0", "date": future_sundays})
    res = engine.train(h, engine.Config(freq="D", horizon=14, **FAST), closures=closures)
    f = res.forecast
    s0 = f[f["location"] == "S0"]
    shut = s0["date"].isin(future_sundays)
    assert shut.sum() == len(future_sundays) == 2
    assert (s0.loc[shut, ["forecast", "lo80", "hi80", "lo95", "hi95"]] == 0).all().all()
    assert s0.loc[shut, "closed"].all() and not s0.loc[~shut, "closed"].any()
    # the open days are forecast at their level, not dragged down by zeros that were closures
    mondays = s0[s0["date"].dt.dayofweek == 0]["forecast"]
    hist_mondays = h[(h["location"] == "S0") & (h["date"].dt.dayofweek == 0)]["value"].tail(8).mean()
    assert mondays.mean() == pytest.approx(hist_mondays, rel=0.1)
    # a closed day is not a miss: the backtest counts the open store-days only
    for b in res.backtest:
        start, end = pd.Timestamp(b["start"]), pd.Timestamp(b["end"])
        in_window = h[(h["date"] >= start) & (h["date"] <= end)]
        assert b["lightgbm"]["n"] == int(in_window["open"].sum()) < len(in_window)


def test_a_known_promotion_moves_the_forecast_in_the_promoted_periods_only():
    days, H = 500, 21
    rng = np.random.default_rng(1)
    plan = (rng.random(days + H) < 0.15).astype(float)
    h = daily(days=days, promo=plan)
    dates = pd.date_range("2021-01-01", periods=days + H, freq="D")
    future = dates[days:]
    promoted = future[[3, 10, 11]]

    def run(future_plan):
        cov = pd.DataFrame({"date": dates, "promo": np.r_[plan[:days], future_plan]})
        return engine.train(h, engine.Config(freq="D", horizon=H, **FAST), covariates=cov,
                            kinds={"promo": "known"}).forecast.set_index(["location", "date"])["forecast"]

    none = np.zeros(H)
    some = np.where(future.isin(promoted), 1.0, 0.0)
    base, promo = run(none), run(some)
    moved = promo / base
    on = moved.index.get_level_values("date").isin(promoted)
    assert (moved[on] > 1.3).all(), moved[on]
    assert np.allclose(moved[~on], 1.0)


def test_a_regional_event_moves_only_its_region():
    days, H = 730, 14
    dates = pd.date_range("2021-01-01", periods=days + H, freq="D")
    rng = np.random.default_rng(2)
    regional = sorted(rng.choice(dates[30:days], 24, replace=False))
    regions = {"S0": "R0", "S1": "R0", "S2": "R1", "S3": "R1"}
    h = daily(days=days, event_days=regional, event_lift=1.0, regions=regions)
    locations = pd.DataFrame({"location": list(regions), "state": list(regions.values())})
    coming = dates[days + 5]

    def run(extra):
        events = pd.DataFrame({"date": [pd.Timestamp(d).date() for d in [*regional, *extra]],
                               "name": "Fiesta", "kind": "holiday", "scope": "R0"})
        days_ = ev.event_days(events, locations)
        res = engine.train(h, engine.Config(freq="D", horizon=H, **FAST), events=days_, locations=locations)
        return res.forecast.set_index(["location", "date"])["forecast"]

    ratio = run([coming]) / run([])
    at = ratio.index.get_level_values("date") == coming
    r0 = ratio.index.get_level_values("location").isin(["S0", "S1"])
    assert (ratio[at & r0] > 1.4).all(), ratio[at]
    # elsewhere only the model's refit moves (the event is known to the rows just before it): under 1 %
    assert np.allclose(ratio[~r0], 1.0, atol=0.01) and np.allclose(ratio[~at & r0], 1.0, atol=0.05)


def test_weekly_ending_on_saturday_labelled_by_its_start_from_daily_rows():
    h = daily(days=700)
    grid = build_grid(h, freq="W-SAT", future=4)
    assert (grid.dates.dayofweek == 6).all()  # a week ending on Saturday starts on Sunday
    first = grid.dates[1]
    week = h[(h["date"] >= first) & (h["date"] < first + pd.Timedelta(days=7)) & (h["location"] == "S0")]
    assert grid.Y[0, 1] == pytest.approx(week["value"].sum())
    res = engine.train(h, engine.Config(freq="W-SAT", horizon=4, **FAST))
    assert set(res.forecast["date"].dt.dayofweek) == {6}
    assert res.forecast.groupby("location").size().eq(4).all()
    # the same weeks given as weekly rows labelled by their start give the same history
    weekly = h.assign(date=h["date"] - pd.to_timedelta((h["date"].dt.dayofweek + 1) % 7, unit="D"))
    weekly = weekly.groupby(["location", "date"], as_index=False)["value"].sum()
    assert np.allclose(build_grid(weekly, freq="W-SAT", future=4, label="start").Y, grid.Y, equal_nan=True)


def test_monthly_planning_forecasts_calendar_months_and_beats_nothing_less_than_its_baseline():
    rng = np.random.default_rng(3)
    dates = pd.date_range("2017-01-01", periods=60, freq="MS")
    rows = [pd.DataFrame({"item": f"P{i}", "date": dates,
                          "value": 500 * (1 + 0.5 * np.sin(2 * np.pi * dates.month / 12 + i))
                          * rng.lognormal(0, 0.05, 60)})
            for i in range(12)]
    res = engine.train(pd.concat(rows), engine.Config(freq="MS", horizon=3, **FAST))
    assert list(res.forecast["date"].drop_duplicates()) == list(pd.date_range("2022-01-01", periods=3, freq="MS"))
    assert (res.forecast["location"] == "").all() and res.forecast["item"].nunique() == 12
    assert res.metrics[res.chosen]["mae"] <= res.metrics["seasonal_naive"]["mae"]
    f = res.forecast
    assert (f["lo95"] <= f["lo80"]).all() and (f["lo80"] <= f["forecast"]).all()
    assert (f["forecast"] <= f["hi80"]).all() and (f["hi80"] <= f["hi95"]).all()


def test_a_new_item_is_forecast_at_its_own_level():
    """An item launched 8 weeks before the origin (no history before): forecast, at its own level and weekly
    cycle, not at its neighbours' nor at zero."""
    h = daily()
    launch = h["date"].max() - pd.Timedelta(days=55)
    rng = np.random.default_rng(5)
    new_dates = pd.date_range(launch, h["date"].max(), freq="D")
    new = pd.DataFrame({"location": "S0", "item": "NEW", "date": new_dates,
                        "value": (40 * (1 + 0.3 * np.sin(2 * np.pi * new_dates.dayofweek / 7))
                                  * rng.lognormal(0, 0.03, len(new_dates))).round(1)})
    res = engine.train(pd.concat([h.assign(item="OLD"), new], ignore_index=True),
                       engine.Config(freq="D", horizon=14, **FAST))
    f = res.forecast[res.forecast["item"] == "NEW"]
    assert len(f) == 14 and f["forecast"].mean() == pytest.approx(new["value"].tail(28).mean(), rel=0.25)


def test_a_horizon_beyond_a_year_is_refused():
    with pytest.raises(ValueError, match="horizon must be between 1 and 12"):
        engine.Config(freq="MS", horizon=13)


def test_intermittent_series_are_classed_and_routed_to_croston_where_it_wins_on_the_backtest():
    rng = np.random.default_rng(4)
    dates = pd.date_range("2021-01-01", periods=600, freq="D")
    rows = [pd.DataFrame({"item": f"SMOOTH{i}", "date": dates, "value": 50 + 10 * rng.standard_normal(600)})
            for i in range(3)]
    rows += [pd.DataFrame({"item": f"RARE{i}", "date": dates,
                           "value": np.where(rng.random(600) < 0.1, rng.integers(1, 4, 600), 0).astype(float)})
             for i in range(6)]
    res = engine.train(pd.concat(rows), engine.Config(freq="D", horizon=14, **FAST))
    inter = res.metrics["intermittent"]
    counts = inter["classes"]
    assert counts["smooth"] == 3 and counts.get("intermittent", 0) + counts.get("lumpy", 0) == 6
    for cls, fig in inter["by_class"].items():
        assert (cls in inter["routed"]) == (fig["croston_wmae"] < fig["model_wmae"])
    assert inter["routed"], inter  # rare demand of 1-3 units: Croston's smaller forecast wins on absolute error
    rare = res.forecast[res.forecast["item"].str.startswith("RARE")]
    Y = np.stack([r["value"].to_numpy() for r in rows[3:]])
    expected = intermittent.croston_sba(Y, Y.shape[1] - 1, 14, np.arange(6))
    assert np.allclose(rare["forecast"].to_numpy().reshape(6, 14), expected)
    assert "Croston SBA" in res.reason


def test_a_refresh_forecasts_from_the_newer_origin_with_the_fitted_model_and_no_fit(monkeypatch):
    h = daily(days=540)
    cut = h["date"].max() - pd.Timedelta(days=14)
    res = engine.train(h[h["date"] <= cut], engine.Config(freq="D", horizon=14, **FAST))
    assert res.chosen == "lightgbm"
    same = periodic_refresh.refresh(res.model, h[h["date"] <= cut])  # the training's own origin: its forecast
    assert np.allclose(same.forecast["forecast"], res.forecast["forecast"])
    assert np.allclose(same.forecast["hi95"], res.forecast["hi95"])

    def no_fit(*args, **kwargs):
        raise AssertionError("a refresh fitted a model")

    monkeypatch.setattr(engine, "lgb_fit", no_fit)
    newer = periodic_refresh.refresh(res.model, h)
    assert newer.origin == h["date"].max().date().isoformat()
    assert newer.forecast["date"].min() == h["date"].max() + pd.Timedelta(days=1)
    assert newer.forecast.groupby("location").size().eq(14).all()
    with pytest.raises(ValueError, match="retrain"):
        periodic_refresh.refresh(res.model, h, locations=pd.DataFrame({"location": ["S0"], "region": ["N"]}))
    with pytest.raises(ValueError, match="before the model's origin"):
        periodic_refresh.refresh(res.model, h[h["date"] <= cut - pd.Timedelta(days=1)])


def test_bands_are_calibrated_per_volume_segment_and_an_older_model_keeps_one(monkeypatch):
    """A slow seller's relative error is wider than a fast one's: one band for all was too narrow for the slow
    (59 % of their days inside the 80 % band on the generated retailer) and too wide for the fast (94 %)."""
    monkeypatch.setattr(engine, "MIN_SEGMENT_ERRORS", 20)  # 12 series and 2 windows: few errors per segment
    rng = np.random.default_rng(5)
    dates = pd.date_range("2021-01-01", periods=420, freq="D")
    rows = []
    for s in range(12):
        level = (2.0, 20.0, 400.0)[s % 3]
        week = 1 + 0.3 * np.sin(2 * np.pi * dates.dayofweek / 7)
        rows.append(pd.DataFrame({"location": f"S{s}", "date": dates, "value": rng.poisson(level * week).astype(float)}))
    res = engine.train(pd.concat(rows, ignore_index=True), engine.Config(freq="D", horizon=14, **FAST))
    model = res.model
    assert len(model.edges) == engine.SEGMENTS - 1 and model.quantiles["80"].shape[0] == engine.SEGMENTS
    f = res.forecast.assign(rel=lambda x: (x["hi80"] - x["lo80"]) / x["forecast"].clip(lower=1e-9))
    slow = f[f["location"].isin([f"S{s}" for s in range(0, 12, 3)])]["rel"].median()
    fast = f[f["location"].isin([f"S{s}" for s in range(2, 12, 3)])]["rel"].median()
    assert slow > 3 * fast, (slow, fast)
    # a model written before the segments (one band per horizon bucket, no edges) forecasts as it did
    old = engine.Model(**{**model.__dict__, "edges": [], "quantiles": {k: q[1] for k, q in model.quantiles.items()}})
    again = artifact.from_bytes(artifact.to_bytes(old))
    assert again.edges == [] and again.quantiles["80"].shape == model.quantiles["80"].shape[1:]
    grid = build_grid(pd.concat(rows, ignore_index=True), freq="D", future=14)
    _, cal = calendar(grid.ext_dates, "D")
    frame, _ = engine.forecast_from(again, grid, cal)
    assert (frame["lo80"] <= frame["forecast"]).all() and (frame["forecast"] <= frame["hi80"]).all()
