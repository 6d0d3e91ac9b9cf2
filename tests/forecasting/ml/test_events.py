"""Events by date and scope (issue 17 item 4): public holidays from the ``holidays`` library, a retailer's
own events with national, regional and local scope and transferred days (Favorita's real file), and
Walmart's IsHoliday flag as a national event. Pure pandas."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from forecasting.ingest.mapping import propose
from forecasting.ml.events import NATIONAL, event_days, flag_events, public_holidays, retailer_events
from tests.conftest import FAVORITA_DIR


def _by_roles(path) -> pd.DataFrame:
    """A file's columns renamed to their roles, as the recognised layout maps them."""
    mapping = propose(path.read_bytes()[:300_000]).mapping
    used = {h: r for h, r in mapping.columns.items() if r != "ignore"}
    return pd.read_csv(path, dtype=str, keep_default_na=False, usecols=list(used)).rename(columns=used)


@pytest.fixture(scope="module")
def favorita():
    events = retailer_events(_by_roles(FAVORITA_DIR / "holidays_events.csv"), country_names=["Ecuador"])
    stores = pd.read_csv(FAVORITA_DIR / "stores.csv", dtype=str).rename(columns={"store_nbr": "location"})
    return events, stores, event_days(events, stores)


@pytest.mark.favorita
def test_a_local_holiday_applies_to_its_citys_stores_only(favorita):
    events, stores, days = favorita
    manta = set(stores.loc[stores["city"] == "Manta", "location"])
    assert manta
    on = set(days.loc[(days["date"] == date(2013, 3, 2)) & (days["name"] == "Fundacion de Manta"), "location"])
    assert on == manta


@pytest.mark.favorita
def test_a_regional_holiday_applies_to_its_states_stores(favorita):
    events, stores, days = favorita
    regional = events[(events["scope"] != NATIONAL) & events["scope"].isin(set(stores["state"]))].iloc[0]
    expected = set(stores.loc[stores["state"] == regional["scope"], "location"])
    on = set(days.loc[(days["date"] == regional["date"]) & (days["name"] == regional["name"]), "location"])
    assert on == expected and 0 < len(on) < len(stores)


@pytest.mark.favorita
def test_a_transferred_holiday_counts_on_the_day_it_moved_to(favorita):
    events, stores, days = favorita
    names_on = lambda d: set(events.loc[events["date"] == d, "name"])  # noqa: E731
    assert "Independencia de Guayaquil" not in names_on(date(2012, 10, 9))  # transferred: not observed that day
    assert "Traslado Independencia de Guayaquil" in names_on(date(2012, 10, 12))
    assert len(days[days["date"] == date(2012, 10, 12)]) == len(stores)  # national: every store
    assert not names_on(date(2013, 1, 5))  # a Work Day is not an event


def test_public_holidays_national_and_of_a_subdivision():
    us = public_holidays("US", "CA", [2012])
    thanksgiving = us[us["date"] == date(2012, 11, 22)]
    assert list(thanksgiving["scope"]) == [NATIONAL] and "Thanksgiving" in thanksgiving["name"].iloc[0]
    assert (us["scope"] == "CA").any()  # California's own days (e.g. Cesar Chavez Day)
    assert not (public_holidays("US", None, [2012])["scope"] != NATIONAL).any()


def test_a_yes_no_flag_is_a_national_event_and_scopes_resolve():
    flags = flag_events(["2010-02-12", "2010-02-19", "2010-02-12"], ["TRUE", "FALSE", "TRUE"], "IsHoliday")
    assert list(flags["date"]) == [date(2010, 2, 12)] and list(flags["scope"]) == [NATIONAL]
    locations = pd.DataFrame({"location": ["S-001", "S-002", "S-003"], "state": ["BE", "HH", "BE"],
                              "city": ["Berlin", "Hamburg", "Potsdam"]})
    events = pd.DataFrame({"date": [date(2024, 3, 8), date(2024, 6, 1), date(2024, 7, 1)],
                           "name": ["Frauentag", "Store party", "Stadtfest"], "kind": "event",
                           "scope": ["BE", "S-002", "Hamburg"]})
    days = event_days(pd.concat([events, flags], ignore_index=True), locations)
    assert set(days.loc[days["name"] == "Frauentag", "location"]) == {"S-001", "S-003"}
    assert set(days.loc[days["name"] == "Store party", "location"]) == {"S-002"}
    assert set(days.loc[days["name"] == "Stadtfest", "location"]) == {"S-002"}
    assert set(days.loc[days["name"] == "IsHoliday", "location"]) == {"S-001", "S-002", "S-003"}
