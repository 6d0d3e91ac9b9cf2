"""The one label map (forecasting/ml/labels.py): every feature the model can
produce has plain words and a unit, and drivers read as sentences in dollars."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecasting.ml import labels
from forecasting.ml.calendar_feats import calendar_frame
from forecasting.ml.features import feature_names
from forecasting.ml.labels import (
    PERIODIC,
    about_dollars,
    describe_drivers,
    driver_sentence,
    feature_label,
    feature_label_with_unit,
    format_feature_value,
    periodic_label,
)
from forecasting.ml.panel import build_panel
from forecasting.ml.periodic.features import feature_names as periodic_feature_names
from forecasting.ml.periodic.grid import build_grid
from forecasting.ml.periodic.seasons import seasons_of


def _all_names() -> list:
    cal = list(calendar_frame(pd.date_range("2012-01-06", periods=4, freq="7D")).columns)
    return feature_names(cal)


def test_every_feature_name_has_a_label():
    names = _all_names()
    missing = [n for n in names if not labels.known(n)]
    assert missing == [], f"features without plain words in forecasting/ml/labels.py: {missing}"
    for n in names:
        text = feature_label(n)
        assert text and "_" not in text and text != n, n
        assert "_" not in format_feature_value(n, 1.0)


def test_panel_calendar_names_are_the_labelled_ones():
    sales = pd.DataFrame({"store": 1, "dept": 1, "date": pd.date_range("2012-01-06", periods=5, freq="7D"),
                          "sales": 10.0})
    panel = build_panel(sales)
    assert set(panel.cal_names) <= set(labels.FEATURES)


def test_trained_model_feature_names_are_labelled(ml_trained):
    res, _, _ = ml_trained
    assert res.importance, "the trained model reports its features"
    assert [i["feature"] for i in res.importance if not labels.known(i["feature"])] == []


@pytest.mark.parametrize("name,label", [
    ("markdown1", "Markdown 1"), ("MarkDown3", "Markdown 3"), ("temperature", "Temperature"),
    ("Temperature", "Temperature"), ("Fuel_Price", "Fuel price"), ("CPI", "Consumer price index"),
    ("Unemployment", "Unemployment rate"), ("lag52_n", "Sales in the same week last year"),
    ("base_n", "Seasonal baseline"), ("store_size", "Store size"), ("h", "Weeks ahead"),
])
def test_labels(name, label):
    assert feature_label(name) == label


def test_labels_with_units():
    assert feature_label_with_unit("temperature") == "Temperature (°F)"
    assert feature_label_with_unit("fuel_price") == "Fuel price ($ per gallon)"
    assert feature_label_with_unit("markdown2") == "Markdown 2 ($)"
    assert feature_label_with_unit("unemployment") == "Unemployment rate (%)"
    assert feature_label_with_unit("cpi") == "Consumer price index"
    assert feature_label_with_unit("store_size") == "Store size (sq ft)"
    assert feature_label_with_unit("h") == "Weeks ahead"  # the unit is already in the words


@pytest.mark.parametrize("name,value,text", [
    ("markdown3", 12500.4, "$12,500"), ("temperature", 42.26, "42.3 °F"), ("fuel_price", 3.521, "$3.52 per gallon"),
    ("unemployment", 8.106, "8.1%"), ("store_size", 151315.0, "151,315 sq ft"), ("h", 1, "1 week"),
    ("h", 3, "3 weeks"), ("lag52_n", 1.2345, "1.23 × the series' average week"),
    ("growth13_n", -0.12, "−0.12 × the series' average week"), ("dept_growth", 1.05, "+5% vs a year earlier"),
    ("dept_share", 0.1234, "12.3%"), ("store_type", 1.0, "B"), ("month", 11, "November"), ("year", 2012.0, "2012"),
    ("is_holiday", 1.0, "yes"), ("is_holiday", 0.0, "no"), ("weeks_to_thanksgiving", 0, "Thanksgiving week"),
    ("weeks_to_christmas", 3, "3 weeks before Christmas"), ("weeks_to_christmas", -1, "1 week after Christmas"),
    ("log_scale", math.log(12000.0), "$12,000 a week"), ("cpi", 1211.1234, "1,211.12"),
    ("markdown1", None, "unknown"), ("markdown1", float("nan"), "unknown"),
])
def test_values_with_units_and_separators(name, value, text):
    assert format_feature_value(name, value) == text


def test_sentences():
    assert driver_sentence("markdown3", 4123.0, 12000.0, "2012-11-23") == \
        "Markdown 3 planned for the week of 2012-11-23 adds about $4,100"
    assert driver_sentence("lag52_n", -1249.6, 0.8, "2012-11-23") == \
        "Sales in the same week last year lowers the forecast by about $1,250"
    assert driver_sentence("markdown1", -310.0, 0.0, "2012-11-23") == \
        "No markdown 1 planned for the week of 2012-11-23 lowers the forecast by about $310"
    assert driver_sentence("weeks_to_thanksgiving", 25000.0, 0.0, "2012-11-23") == \
        "Thanksgiving week (the week of 2012-11-23) adds about $25,000"
    assert driver_sentence("temperature", 87.4, 42.26, "2012-11-23") == "Temperature (42.3 °F) adds about $87"
    assert driver_sentence("is_holiday", 0.2, 1.0, "2012-11-23") == \
        "The holiday in the week of 2012-11-23 has almost no effect"


def test_about_dollars_rounding():
    assert [about_dollars(v) for v in (87.4, 123.0, 4123.0, 1250.0, 12345.0, 123456.0, -987.0)] == \
        ["$87", "$120", "$4,100", "$1,250", "$12,300", "$123,000", "$990"]


def test_unknown_names_read_as_words_and_never_crash():
    assert feature_label("new_signal_n") == "New signal"
    assert feature_label("") == "Unnamed feature"
    assert format_feature_value("new_signal", 12345.678) == "12,345.68"
    assert format_feature_value("new_signal", "n/a") == "n/a"
    assert driver_sentence("new_signal", 1500.0, None, None) == "New signal adds about $1,500"
    assert driver_sentence(None, None, None, None) == "Unnamed feature: effect unknown"


def test_describe_drivers_keeps_the_contract_fields():
    d = {"feature": "markdown3", "contribution": 4123.0, "value": 12000.0}
    out = describe_drivers([d], "2012-11-23")[0]
    assert {k: out[k] for k in d} == d
    assert out["label"] == "Markdown 3" and out["value_text"] == "$12,000"
    assert out["sentence"] == "Markdown 3 planned for the week of 2012-11-23 adds about $4,100"


@pytest.mark.parametrize("freq", ["D", "W-SAT", "MS"])
def test_every_feature_of_the_periodic_engine_has_words(freq):
    """The engine for any planning frequency's own features are labelled in period-neutral words; its
    attributes and covariates read by their names."""


    dates = pd.date_range("2022-01-01", periods=800, freq="D")
    history = pd.DataFrame({"location": "S1", "item": "A", "date": dates, "value": np.arange(800.0)})
    grid = build_grid(history, freq=freq, future=4, locations=pd.DataFrame({"location": ["S1"], "region": ["N"]}),
                      covariates=pd.DataFrame({"date": dates, "price": 1.0}), kinds={"price": "known"},
                      events=pd.DataFrame({"location": ["S1"], "date": [dates[100]]}))
    names = periodic_feature_names(grid, seasons_of(freq))
    labels = {n: periodic_label(n) for n in names}
    own = [n for n in names if not n.startswith(("location.", "price"))]
    assert all(n in PERIODIC or " in the month" in labels[n] for n in own), labels
    assert labels["location.region"] == "Region" and labels["price_rel"] == "Price vs its last-year average"
