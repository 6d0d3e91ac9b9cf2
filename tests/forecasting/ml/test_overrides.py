"""forecasting/ml/overrides.py on DataFrames: values spread in proportion and
add up to the node, percents move every series, later overrides work on the
earlier ones' result, periods the forecast does not cover are left alone."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from forecasting.ml.overrides import Adjustment, apply

W1, W2, PAST = date(2012, 11, 2), date(2012, 11, 9), date(2012, 10, 26)


@pytest.fixture
def points():
    rows = [(s, d, "A" if s == 1 else "B", w, float(10 * s + d)) for s in (1, 2) for d in (1, 2) for w in (W1, W2)]
    return pd.DataFrame(rows, columns=["store", "dept", "type", "date", "statistical"])


def _final(frame, store, dept, day):
    row = frame[(frame["store"] == store) & (frame["dept"] == dept) & (frame["date"] == day)]
    return float(row["final"].iloc[0])


def test_a_store_value_is_spread_in_proportion_and_adds_up(points):
    frame, (change,) = apply(points, [Adjustment("store", {"store": 1}, (W1,), value=46.0)])
    # store 1 forecast 11 + 12 = 23 in W1: doubled, each series in proportion
    assert _final(frame, 1, 1, W1) == pytest.approx(22.0) and _final(frame, 1, 2, W1) == pytest.approx(24.0)
    assert _final(frame, 1, 1, W2) == 11.0 and _final(frame, 2, 1, W1) == 21.0  # other periods, other stores
    assert sorted(zip(change["dept"], change["before"], change["after"])) == [(1, 11.0, 22.0), (2, 12.0, 24.0)]


def test_a_percent_moves_every_series_of_the_node(points):
    frame, _ = apply(points, [Adjustment("dept", {"dept": 2}, (W1, W2), percent=-50.0)])
    assert [_final(frame, s, 2, w) for s in (1, 2) for w in (W1, W2)] == [6.0, 6.0, 11.0, 11.0]
    assert _final(frame, 1, 1, W1) == 11.0


def test_later_overrides_work_on_the_earlier_result_and_levels_stay_coherent(points):
    adjustments = [Adjustment("series", {"store": 2, "dept": 1}, (W1,), value=100.0),
                   Adjustment("store_type", {"type": "B"}, (W1,), percent=10.0),
                   Adjustment("total", {}, (W1,), value=300.0)]
    frame, changes = apply(points, adjustments)
    week = frame[frame["date"] == W1]
    assert week["final"].sum() == pytest.approx(300.0)
    # series 2/1 was 100, then 110 (2/2: 24.2); the total is spread on 11 + 12 + 110 + 24.2 = 157.2
    assert _final(frame, 2, 1, W1) == pytest.approx(110.0 * 300.0 / 157.2)
    assert [len(c) for c in changes] == [1, 2, 4]


def test_a_node_forecasting_zero_is_spread_equally():
    zero = pd.DataFrame({"store": [1, 1], "dept": [1, 2], "type": ["A", "A"], "date": [W1, W1],
                         "statistical": [0.0, 0.0]})
    frame, _ = apply(zero, [Adjustment("store", {"store": 1}, (W1,), value=10.0)])
    assert list(frame["final"]) == [5.0, 5.0]


def test_periods_outside_the_forecast_change_nothing(points):
    frame, (change,) = apply(points, [Adjustment("total", {}, (PAST,), value=1.0)])
    assert (frame["final"] == frame["statistical"]).all() and change.empty


def test_an_adjustment_names_one_amount():
    with pytest.raises(ValueError):
        Adjustment("total", {}, (W1,), value=1.0, percent=1.0)
    with pytest.raises(ValueError):
        Adjustment("region", {}, (W1,), value=1.0)


def test_an_attribute_level_moves_the_series_whose_attribute_has_that_value(points):
    """Any hierarchy level: the points carry the level's column (each series' value of the attribute)."""
    with_city = points.assign(**{"location.city": points["store"].map({1: "Quito", 2: "Manta"})})
    frame, (change,) = apply(with_city, [Adjustment("location.city", {"value": "Manta"}, (W2,), value=90.0)])
    # store 2 forecast 21 + 22 = 43 in W2, spread in proportion
    assert _final(frame, 2, 1, W2) == pytest.approx(90.0 * 21 / 43) and _final(frame, 1, 1, W2) == 11.0
    assert set(change["store"]) == {2} and len(change) == 2
    # points without the level's column: the node is empty, nothing moves
    frame, (none,) = apply(points, [Adjustment("location.city", {"value": "Manta"}, (W2,), percent=10.0)])
    assert none.empty and (frame["final"] == frame["statistical"]).all()
    with pytest.raises(ValueError):
        Adjustment("region", {"value": "x"}, (W1,), percent=1.0)
