"""The workspace's event days as the engine reads them (issue 17 item 4): the events the retailer
uploaded and the public holidays of the data settings' country (and subdivision), each national or
resolved to the locations its scope names (forecasting/ml/events.py). None when the workspace has
neither: the engine then keeps Walmart's four holidays, so a Walmart-layout workspace trains as before."""
from __future__ import annotations

import pandas as pd
from django.db.models import Count, Max, Min, Q

from forecasting.ml.events import EVENT_COLUMNS, NATIONAL, country_names, event_days, public_holidays
from forecasting.models import Event, Location
from forecasting.selectors.catalog import data_settings

FUTURE_YEARS = 2  # the horizon's years past the newest sales (at most 52 weeks ahead)


def workspace_events(*, first_year: int, last_year: int) -> pd.DataFrame | None:
    """(date, name, kind, scope) of every stored event and public holiday in those years, or None."""
    settings = data_settings()
    stored = pd.DataFrame(list(Event.objects.values_list(*EVENT_COLUMNS)), columns=EVENT_COLUMNS)
    if not len(stored) and not settings.country:
        return None
    if settings.country:  # an event stored before the country was set, scoped to its name: national
        stored.loc[stored["scope"].str.lower().isin({n.lower() for n in country_names(settings.country)}),
                   "scope"] = NATIONAL
    parts = [stored]
    if settings.country:  # the subdivision is the workspace's own: its holidays count everywhere in it
        parts.append(public_holidays(settings.country, settings.subdivision or None,
                                     range(first_year, last_year + 1)).assign(scope=NATIONAL))
    return pd.concat(parts, ignore_index=True)


def training_events(sales: pd.DataFrame) -> pd.DataFrame | None:
    """The event days the engine reads for ``sales`` (``forecasting.ml.panel.build_panel``): ``date`` and
    ``store`` (a location's id; missing for a national event), or None (Walmart's four holidays)."""
    if not len(sales):
        return None
    dates = pd.to_datetime(sales["date"])
    events = workspace_events(first_year=dates.min().year, last_year=dates.max().year + FUTURE_YEARS)
    if events is None:
        return None
    national = events[events["scope"] == NATIONAL]
    out = [pd.DataFrame({"date": pd.to_datetime(national["date"]), "store": pd.array([pd.NA] * len(national),
                                                                                        dtype="Int64")})]
    scoped = events[events["scope"] != NATIONAL]
    if len(scoped):
        rows = list(Location.objects.values_list("id", "code", "attrs"))
        locations = pd.DataFrame([{"location": code, **{k: str(v) for k, v in (attrs or {}).items()}}
                                  for _, code, attrs in rows])
        ids = {code: i for i, code, _ in rows}
        if len(locations):
            days = event_days(scoped, locations)
            out.append(pd.DataFrame({"date": pd.to_datetime(days["date"]),
                                     "store": pd.array(days["location"].map(ids), dtype="Int64")}))
    return pd.concat(out, ignore_index=True).drop_duplicates(ignore_index=True)


def events_summary() -> dict:
    """The stored events for the Data settings page: how many, national and scoped, first and last day."""
    return Event.objects.aggregate(count=Count("id"), national=Count("id", filter=Q(scope=NATIONAL)),
                                   first=Min("date"), last=Max("date"))
