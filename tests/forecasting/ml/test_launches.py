"""Issue 18 item 5: an item announced with a launch date and no sale yet is forecast from that date, as its
peers sell in each location; a location announced with an opening date, from the same items in the similar
locations (forecasting/ml/launches.py)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.ml.hierarchy import Attributes
from forecasting.ml.launches import (
    MIN_PEERS,
    NEW,
    launch_dates,
    launch_forecast,
    mixture_quantiles,
    opening_forecast,
    peer_attribute,
)

DAYS = pd.date_range("2026-11-01", periods=14, freq="D")
A, B = range(1, 7), range(7, 13)


def _served(stores=(1, 2), freq_dates=DAYS, level=lambda i: 10.0 + i if i in A else 100.0 + i) -> pd.DataFrame:
    """Category A's items sell about 10, B's about 100 (store 2: twice as much) every period; bands +-10/20 %."""
    rows = [{"store": s, "dept": i, "date": d, "forecast": level(i) * s} for s in stores for i in [*A, *B]
            for d in freq_dates]
    f = pd.DataFrame(rows)
    return f.assign(lo80=f["forecast"] * 0.9, hi80=f["forecast"] * 1.1, lo95=f["forecast"] * 0.8,
                    hi95=f["forecast"] * 1.2, pooled=False, status="modelled")


def _items(**extra) -> pd.DataFrame:
    """Items 1..6 are category A, 7..12 category B; item 20 announced in A for 2026-11-05."""
    attrs = {i: {"category": "A" if i in A else "B"} for i in [*A, *B]}
    attrs[20] = {"category": "A", "launch_date": "2026-11-05"}
    for item, values in extra.items():
        attrs[int(item.removeprefix("i"))] = values
    return Attributes.from_records(item=attrs).item


def test_an_announced_item_is_forecast_from_its_launch_as_its_category_sells():
    served, items = _served(), _items()
    assert peer_attribute(served, items, ["category"]) == "category"  # a category's items sell alike
    new = launch_forecast(served, items, "D", ["category"])
    assert set(new["dept"]) == {20} and (new["status"] == NEW).all() and not new["pooled"].any()
    assert new["date"].min() == pd.Timestamp("2026-11-05") and new["date"].nunique() == 10  # none before launch
    for store in (1, 2):
        mine = new[new["store"] == store]
        assert ((mine["forecast"] > 11 * store) & (mine["forecast"] < 16 * store)).all()  # like A's, not B's
    # wider than a known series' band: which peer it turns out to be, and that peer's noise
    first = new[new["store"] == 1].iloc[0]
    assert (first["hi80"] - first["lo80"]) / first["forecast"] > 0.2
    assert (new["lo95"] <= new["lo80"]).all() and (new["lo80"] <= new["forecast"]).all()
    assert (new["forecast"] <= new["hi80"]).all() and (new["hi80"] <= new["hi95"]).all()


def test_an_attribute_that_tells_nothing_apart_is_not_used():
    served = _served(level=lambda i: 10.0 + 7 * (i % 6))  # A and B sell alike
    assert peer_attribute(served, _items(), ["category"]) is None
    new = launch_forecast(served, _items(), "D", ["category"])
    everything = served[(served["store"] == 1) & (served["date"] == DAYS[-1])]["forecast"]
    assert new[new["store"] == 1]["forecast"].iloc[-1] == pytest.approx(everything.median(), rel=0.15)


def test_too_few_peers_in_a_category_reads_every_item_of_the_location():
    items = _items(i20={"category": "C", "launch_date": "2026-11-05"})  # nobody else is in C
    new = launch_forecast(_served(), items, "D", ["category"])
    assert MIN_PEERS > 0 and (new[new["store"] == 1]["forecast"] > 15).all()  # between A's and B's


def test_mixture_quantiles_of_one_distribution_are_its_points_and_a_mixture_spans_both():
    one = np.array([[8.0, 9.0, 10.0, 11.0, 12.0]])
    assert mixture_quantiles(one, np.array([0]), 1, [0.025, 0.1, 0.5, 0.9, 0.975]).tolist() == [one[0].tolist()]
    three = np.repeat(one, 3, axis=0)
    assert mixture_quantiles(three, np.zeros(3, int), 1, [0.5]).tolist() == [[10.0]]
    two = np.array([[0.0] * 5, [100.0, 110, 120, 130, 140]])  # a closed-like zero and a busy peer
    q = mixture_quantiles(two, np.zeros(2, int), 1, [0.1, 0.5, 0.9])[0]
    assert q[0] == 0.0 and q[1] == 0.0 and 120 <= q[2] <= 140


def test_items_without_a_launch_date_or_already_sold_get_nothing():
    items = _items(i3={"category": "A", "launch_date": "2026-11-02"})  # item 3 already has a forecast everywhere
    new = launch_forecast(_served(), items, "D", ["category"])
    assert set(new["dept"]) == {20}
    served = _served()
    served = served[(served["dept"] != 3) | (served["store"] == 1)]  # item 3 has sold in store 1 only
    new = launch_forecast(served, items, "D", ["category"])
    assert set(new[new["dept"] == 3]["store"]) == {2} and (new[new["dept"] == 3]["date"] >= "2026-11-02").all()
    late = _items(i20={"category": "A", "launch_date": "2026-08-01"})  # launched 3 months before: not carried
    assert launch_forecast(_served(), late, "D", ["category"]).empty
    nothing = launch_forecast(_served(), _items().drop(columns="launch_date"), "D", ["category"])
    assert nothing.empty and list(nothing.columns)[:4] == ["store", "dept", "date", "forecast"]


def test_a_launch_mid_month_counts_that_month_and_a_launch_after_the_horizon_nothing():
    months = pd.date_range("2026-11-01", periods=3, freq="MS")
    items = _items(i20={"category": "A", "launch_date": "2026-12-15"}, i21={"category": "A", "launch_date": "2027-09-01"})
    new = launch_forecast(_served(freq_dates=months), items, "MS", ["category"])
    assert sorted(new[new["dept"] == 20]["date"].unique()) == list(months[1:]) and 21 not in set(new["dept"])


def test_launch_dates_read_the_named_attributes_only():
    items = pd.DataFrame({"launch_date": ["2026-11-05", None, "soon"], "colour": ["red", "2026-01-01", None]},
                         index=[1, 2, 3])
    assert launch_dates(items) == {1: pd.Timestamp("2026-11-05")}


def test_a_launch_date_is_no_hierarchy_level():
    attrs = {i: {"category": "A" if i % 2 else "B", "launch_date": "2026-11-05" if i < 4 else "2026-12-01",
                 "brand": "X" if i < 4 else "Y"} for i in range(1, 8)}  # dates that would group like a brand
    assert Attributes.from_records(item=attrs).grouping("item") == ["brand", "category"]


def _chain() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stores 1..6 are hypermarkets (an item sells about 100 x its number there), 7..12 kiosks (about 10 x);
    store 30, a kiosk, opens on 2026-11-05 and has sold nothing."""
    level = {s: (100.0 if s <= 6 else 10.0) + s for s in range(1, 13)}
    rows = [{"store": s, "dept": i, "date": d, "forecast": level[s] * i} for s in level for i in (1, 2) for d in DAYS]
    f = pd.DataFrame(rows)
    served = f.assign(lo80=f["forecast"] * 0.9, hi80=f["forecast"] * 1.1, lo95=f["forecast"] * 0.8,
                      hi95=f["forecast"] * 1.2, pooled=False, status="modelled")
    attrs = {s: {"format": "hyper" if s <= 6 else "kiosk"} for s in level}
    attrs[30] = {"format": "kiosk", "opening_date": "2026-11-05"}
    return served, Attributes.from_records(location=attrs).location


def test_an_announced_store_is_forecast_from_its_opening_as_the_same_items_sell_in_stores_like_it():
    served, stores = _chain()
    new = opening_forecast(served, stores, "D", ["format"])
    assert list(new.columns) == list(served.columns)
    assert set(new["store"]) == {30} and set(new["dept"]) == {1, 2} and (new["status"] == NEW).all()
    assert new["date"].min() == pd.Timestamp("2026-11-05") and new["date"].nunique() == 10
    for item in (1, 2):  # as the same item sells in the kiosks (10..22 x its number), not in the hypermarkets
        mine = new[new["dept"] == item]["forecast"]
        assert ((mine >= 17 * item * 0.8) & (mine <= 22 * item * 1.2)).all(), mine.tolist()
    assert (new["lo80"] <= new["forecast"]).all() and (new["forecast"] <= new["hi80"]).all()
    # a product only hypermarkets sell: the new kiosk does not carry it (the kind of store sets the assortment)
    only_hyper = served[served["dept"] == 1].assign(dept=3)
    only_hyper = only_hyper[only_hyper["store"] <= 6]
    new = opening_forecast(pd.concat([served, only_hyper]), stores, "D", ["format"])
    assert set(new["dept"]) == {1, 2}


def test_a_store_already_selling_or_without_an_opening_date_gets_nothing_and_the_date_is_no_level():
    served, stores = _chain()
    assert opening_forecast(served, stores.drop(columns="opening_date"), "D", ["format"]).empty
    stores.loc[3, "opening_date"] = "2026-11-02"  # store 3 sells every item already
    assert set(opening_forecast(served, stores, "D", ["format"])["store"]) == {30}
    attrs = {s: {"format": "a" if s % 2 else "b", "opening_date": f"2026-1{s % 2}-01"} for s in range(1, 9)}
    assert Attributes.from_records(location=attrs).grouping("location") == ["format"]
