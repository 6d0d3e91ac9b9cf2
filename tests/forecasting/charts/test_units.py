"""One unit per axis (issue 19 item 6: the store page drew °F and $ per gallon on one axis)."""
from __future__ import annotations

from forecasting.charts.insights import hotspot_figure
from forecasting.charts.stores import covariate_figure
from forecasting.selectors.catalog import Codes, Words


def test_temperature_and_fuel_price_each_have_their_axis():
    rows = [{"date": f"2012-0{m}-01", "temperature": 40.0 + m, "fuel_price": 3.5, "markdown1": 100.0 * m,
             "markdown2": None, "markdown3": None, "markdown4": None, "markdown5": None} for m in range(1, 5)]
    fig = covariate_figure(rows)
    axis_of = {t["name"]: t.get("yaxis", "y") for t in fig["data"]}
    units = {"y": "Markdowns ($)", "y2": "°F", "y3": "$ per gallon"}
    assert len(set(axis_of.values())) == 3  # markdowns, temperature and fuel price: three axes
    for name, axis in axis_of.items():
        key = "yaxis" if axis == "y" else f"yaxis{axis[1:]}"
        assert fig["layout"][key]["title"]["text"] == units[axis], name


def test_the_volatility_heatmap_spans_the_bulk_of_its_values():
    """Issue 19 item 6: a few tiny series (CV 30) made the 45 x 81 heatmap one colour."""
    from forecasting.charts.insights import hotspot_figure

    rows = [{"store": s, "dept": d, "cv": 0.1 + 0.01 * ((s * 7 + d) % 50)} for s in range(1, 21) for d in range(1, 21)]
    rows[0]["cv"] = rows[1]["cv"] = 30.0
    trace = hotspot_figure(rows)["data"][0]
    assert trace["zmin"] == 0 and 0.5 < trace["zmax"] < 1.0  # the 95th percentile, not 30
    assert max(v for row in trace["z"] for v in row if v is not None) == 30.0  # the value itself is kept


def test_a_sparse_series_is_drawn_with_its_gaps():
    """Issue 19 item 6: a line across missing weeks invented a trend; the line breaks where weeks are missing."""
    from forecasting.charts.base import gapped

    dates = ["2012-01-06", "2012-01-13", "2012-02-10", "2012-02-17"]  # three weeks missing in between
    x, y = gapped(dates, [10.0, 12.0, 30.0, 31.0])
    assert y == [10.0, 12.0, None, 30.0, 31.0] and x[2] == "2012-01-20"
    assert gapped(dates[:2], [1.0, 2.0]) == (dates[:2], [1.0, 2.0])  # consecutive weeks: unchanged


def test_the_store_pages_history_breaks_at_missing_weeks():
    from forecasting.charts.stores import history_chart

    history = [{"date": d, "sales": 5.0, "last_year": None} for d in ("2012-01-06", "2012-01-13", "2012-03-02")]
    html = history_chart(history, [], "Store 1", "c")
    assert '"y":[5.0,5.0,null,5.0]' in html.replace(" ", "")


def test_the_volatility_heatmap_speaks_the_workspaces_words_and_codes():
    rows = [{"store": 1, "dept": 7, "cv": 0.4}, {"store": 2, "dept": 7, "cv": 0.2}]
    codes = Codes(locations={1: ("ST-001", ""), 2: ("ST-002", "")}, items={7: ("SKU-7", "")})
    fig = hotspot_figure(rows, Words(location="Store", item="Product"), codes)
    assert fig["data"][0]["x"] == ["Product SKU-7"] and fig["data"][0]["y"] == ["Store ST-001", "Store ST-002"]
    assert fig["layout"]["title"]["text"] == "Volatility by store and product"
