"""Issue 17: a mapped file -> today's frames (pure, no database): codes to ids, week-start labels to the
stored week-end date, days summed into weeks over open days only (a closed week is a gap, not a zero),
Walmart's covariates by name, attributes typed."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from forecasting.ingest.mapping import canonical
from forecasting.ingest.mapping.roles import Mapping
from forecasting.ingest.mapping.route import LEGACY, MAPPED, route

IDS = {"location": {"S-001": 1, "S-002": 7}, "item": {"D-01": 1, "D-92": 2, canonical.IMPLICIT: 3}}


def test_week_start_labels_become_the_stored_week_end():
    mapping = Mapping(columns={"s": "location", "d": "item", "w": "date", "u": "measure", "h": "event"},
                      period_label="start")
    frame = pd.DataFrame({"location": ["S-001", "S-002"], "item": ["D-01", "D-92"],
                          "date": [date(2010, 1, 30), date(2010, 1, 30)], "measure": [10.5, -2.0],
                          "event": [True, False]})
    out = canonical.sales(frame, mapping, ids=IDS, freq="W-FRI").frame
    assert out.to_dict("records") == [
        {"store": 1, "dept": 1, "date": pd.Timestamp("2010-02-05"), "sales": 10.5, "is_holiday": True},
        {"store": 7, "dept": 2, "date": pd.Timestamp("2010-02-05"), "sales": -2.0, "is_holiday": False}]


def test_days_are_summed_into_weeks_over_open_days_and_a_closed_week_is_a_gap():
    mapping = Mapping(columns={"store": "location", "day": "date", "n": "measure", "open": "open"})
    days = pd.date_range("2024-01-01", "2024-01-14")  # Monday .. Sunday, twice
    frame = pd.DataFrame({"location": "S-001", "date": days.date, "measure": 1.0,
                          "open": [True] * 7 + [False] * 7})
    result = canonical.sales(frame, mapping, ids=IDS, freq="W-SUN")
    assert result.frame[["store", "dept", "date", "sales"]].to_dict("records") == [
        {"store": 1, "dept": 3, "date": pd.Timestamp("2024-01-07"), "sales": 7.0}]  # no row for the closed week
    assert "1 series-period(s) with no open day" in result.warnings[0]


def test_frequency_rules():
    canonical.check_frequency_fits("D", "W-SUN")  # finer: summed
    with pytest.raises(canonical.FrequencyError, match="weeks end on Fri"):
        canonical.check_frequency_fits("W-FRI", "W-SUN")
    with pytest.raises(canonical.FrequencyError, match="coarser"):
        canonical.check_frequency_fits("MS", "W-SUN")


def test_walmart_covariates_by_name_and_the_retailers_own_in_long_form():
    mapping = Mapping(columns={"s": "location", "w": "date", "t": "covariate:temperature:past",
                               "m": "covariate:markdown1:known", "o": "covariate:footfall:past"}, period_label="end")
    frame = pd.DataFrame({"location": ["S-002"], "date": [date(2010, 2, 5)],
                          "covariate:temperature:past": [42.3], "covariate:markdown1:known": [None],
                          "covariate:footfall:past": [3.0]})
    out = canonical.location_covariates(frame, mapping, ids=IDS, freq="W-FRI")
    row = out.frame.iloc[0]
    assert (row["store"], row["date"], row["temperature"]) == (7, pd.Timestamp("2010-02-05"), 42.3)
    assert pd.isna(row["markdown1"]) and pd.isna(row["cpi"]) and out.warnings == []
    own = canonical.covariates(frame, mapping, ids=IDS, freq="W-FRI", skip=canonical.ENGINE_COVARIATES)
    assert (own.kinds, own.level) == ({"footfall": "past"}, "location")
    assert own.frame.to_dict("records") == [{"store": 7, "dept": 0, "date": pd.Timestamp("2010-02-05"),
                                             "name": "footfall", "value": 3.0}]


def test_attributes_keep_numbers_and_leading_zeros():
    frame = pd.DataFrame({"location": ["S-001"], "location.size": ["151315"], "location.zip": ["01099"],
                          "location.type": ["A"], "location.city": [""]})
    assert canonical.attributes(frame, "location") == [
        {"code": "S-001", "attrs": {"size": 151315, "zip": "01099", "type": "A"}}]


def test_route_keeps_walmart_files_on_the_strict_reader_and_maps_the_rest():
    assert route(b"Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,1.0,FALSE\n") == LEGACY
    assert route(b"Store;Dept;Date;Weekly_Sales;IsHoliday\n1;1;2010-02-05;1,0;FALSE\n") == MAPPED
    assert route(b"store_nbr,city,state,type,cluster\n1,Quito,Pichincha,D,13\n") == MAPPED  # Favorita's
    assert route(b"store_code,sku,week_start,units\nS-1,A,2024-01-01,3\n") == MAPPED
    assert route(b"foo,bar\n1,2\n") == LEGACY  # nothing to map: the strict reader's refusal
    assert route(b"PK\x03\x04rest") == MAPPED
