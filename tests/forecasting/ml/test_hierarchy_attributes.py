"""The hierarchy's levels come from the locations' and items' attributes (issue 17 item 6): which
attributes group, each series' key at each level, and aggregates that add up at every level; a model
trained before attribute levels serves its legacy tables."""
import numpy as np
import pandas as pd
import pytest

from forecasting.ml.hierarchy import Attributes, aggregate, canonical, history_aggregate

LOCATIONS = {  # Favorita-like stores: city and state text, a numeric cluster, a size in square feet, a name
    1: {"city": "Quito", "state": "Pichincha", "cluster": 13, "size": 151315, "name": "Uno", "chain": "X"},
    2: {"city": "Quito", "state": "Pichincha", "cluster": 13, "size": 202307, "name": "Dos", "chain": "X"},
    3: {"city": "Guayaquil", "state": "Guayas", "cluster": 4, "size": 37392, "name": "Tres", "chain": "X"},
    4: {"city": "Manta", "state": "Manabi", "cluster": 4.0, "size": 205863, "name": "Cuatro", "chain": "X"},
    5: {"city": None, "state": "Guayas", "cluster": 7, "size": 34875, "name": "Cinco", "chain": "X"},
}
ITEMS = {10: {"category": "Dairy", "pack": 0.5}, 11: {"category": "Dairy", "pack": 1.5},
         12: {"category": "Bakery", "pack": 2.5}}


def test_levels_are_the_grouping_attributes_in_order():
    attrs = Attributes.from_records(LOCATIONS, ITEMS)
    # size: numbers, all distinct; chain: one value for all; pack: fractions; name: a few stores' names do group
    assert attrs.levels() == ["total", "location.city", "location.cluster", "location.name", "location.state",
                              "location", "item.category", "item"]  # in name order
    assert Attributes().levels() == ["total", "location", "item"]
    # among many members, a text unique to each is a name, not a group; a few values among them group
    many = {i: {"address": f"Street {i}", "format": "big" if i % 3 else "small", "size": i % 4}
            for i in range(1, 41)}
    assert Attributes.from_records(many).levels() == ["total", "location.format", "location.size", "location",
                                                      "item"]


def test_each_series_key_at_each_level():
    attrs = Attributes.from_records(LOCATIONS, ITEMS)
    stores, items = np.array([1, 3, 4, 5, 9]), np.array([10, 12, 11, 10, 10])
    assert list(attrs.keys_of("location.city", stores, items)) == ["Quito", "Guayaquil", "Manta", "?", "?"]
    assert list(attrs.keys_of("location.cluster", stores, items)) == ["13", "4", "4", "7", "?"]  # 4.0 is 4
    assert list(attrs.keys_of("item.category", stores, items)) == ["Dairy", "Bakery", "Dairy", "Dairy", "Dairy"]
    assert list(attrs.keys_of("store", stores, items)) == ["1", "3", "4", "5", "9"]  # the legacy name
    assert list(attrs.keys_of("total", stores, items)) == ["all"] * 5
    with pytest.raises(ValueError, match="no attribute 'region'"):
        attrs.keys_of("location.region", stores, items)
    with pytest.raises(ValueError, match="unknown level"):
        attrs.keys_of("region", stores, items)
    assert [canonical(x) for x in ("store_type", "store", "dept", "item.category")] == [
        "location.type", "location", "item", "item.category"]


def _forecast() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    dates = pd.date_range("2024-01-07", periods=4, freq="7D")
    rows = [(s, i, d, float(rng.uniform(10, 100))) for s in LOCATIONS for i in ITEMS for d in dates]
    fc = pd.DataFrame(rows, columns=["store", "dept", "date", "forecast"])
    return fc.assign(hi80=fc["forecast"] * 1.3, status="modelled")


def test_every_attribute_level_adds_up_to_the_total():
    attrs = Attributes.from_records(LOCATIONS, ITEMS)
    fc = _forecast()
    total = aggregate(fc, attrs, "total").set_index("date")["forecast"]
    for level in attrs.levels()[1:]:
        keys = set(attrs.series_keys(level, fc))
        parts = sum(aggregate(fc, attrs, level, k).set_index("date")["forecast"] for k in keys)
        np.testing.assert_allclose(parts.to_numpy(), total.to_numpy(), rtol=1e-12, err_msg=level)
    quito = aggregate(fc, attrs, "location.city", "Quito")
    expected = fc[fc.store.isin([1, 2])].groupby("date")["forecast"].sum().to_numpy()
    np.testing.assert_allclose(quito["forecast"].to_numpy(), expected)
    assert quito[["lo80", "hi95"]].isna().all().all()  # no table, no made-up interval
    sales = fc.rename(columns={"forecast": "sales"})
    assert history_aggregate(sales, attrs, "item.category", "Bakery")["sales"].sum() == pytest.approx(
        sales[sales.dept == 12]["sales"].sum())


def test_a_model_trained_before_attribute_levels_serves_its_legacy_tables():
    attrs = Attributes.from_records({1: {"type": "A"}, 2: {"type": "A"}, 3: {"type": "B"}}, {})
    fc = _forecast()
    fc = fc[fc.store <= 3]
    q = {"0.8": np.full((2, 1, 4), 0.5).tolist(), "0.95": np.full((2, 1, 4), 0.9).tolist()}
    legacy = {"store_type": {"q": q}}
    new = {"location.type": {"q": q}}
    a, b = aggregate(fc, attrs, "location.type", "A", legacy), aggregate(fc, attrs, "store_type", "A", new)
    pd.testing.assert_frame_equal(a, b)
    part = fc[fc.store <= 2].groupby("date")
    half = (part["hi80"].sum() - part["forecast"].sum()).to_numpy() * 0.5
    np.testing.assert_allclose(a["hi80"].to_numpy(), a["forecast"].to_numpy() + half)


def test_the_holiday_weight_of_the_error_measure_is_the_configs(ml_data):
    """TrainConfig.holiday_weight weighs holiday weeks in the backtest, the ensemble and the choice: at 1,
    WMAE is MAE."""
    from forecasting.ml.metrics import full_metrics
    from forecasting.ml.pipeline import TrainConfig, train

    y, f, hol = np.array([10.0, 20.0, 30.0]), np.array([12.0, 20.0, 20.0]), np.array([False, False, True])
    assert full_metrics(y, f, hol)["wmae"] == pytest.approx((2 + 0 + 5 * 10) / 7, abs=1e-4)  # rounded to 4 places
    assert full_metrics(y, f, hol, 1.0)["wmae"] == pytest.approx(full_metrics(y, f, hol)["mae"])
    with pytest.raises(ValueError, match="holiday_weight"):
        TrainConfig(holiday_weight=0.5)
    sales, features, stores = ml_data
    res = train(sales, features, stores, TrainConfig(horizon=4, backtest_windows=2, num_threads=1, num_rounds=10,
                                                     holiday_weight=1.0))
    assert res.params["config"]["holiday_weight"] == 1.0
    for name in ("seasonal_naive", res.chosen):
        assert res.metrics[name]["wmae"] == pytest.approx(res.metrics[name]["mae"], abs=1e-3), name
