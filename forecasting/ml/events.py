"""Events by date and scope (issue 17 item 4; the features of issue 18 item 2 read them): public holidays
from the ``holidays`` library for a country and subdivision, a retailer's own events (``date, name,
scope``: national, an attribute value such as a state or a city, or a location code; transferred days
respected, as in Favorita's file), and yes/no flags such as Walmart's ``IsHoliday`` (a national event).
``event_days`` says which location has an event on which day. Pure pandas, no Django."""
from __future__ import annotations

from collections.abc import Iterable

import holidays
import numpy as np
import pandas as pd
from holidays import registry

EVENT_COLUMNS = ["date", "name", "kind", "scope"]  # scope: "national", or the value it applies to
NATIONAL = "national"
# kinds that are not a day off or a special day where they are dated (Favorita: a weekend day worked)
NOT_AN_EVENT = {"work day", "workday"}


def country_code(name: str, *, names_only: bool = False) -> str | None:
    """A country's ISO code from its name or code as a retailer writes it ("Ecuador", "EC", "United
    States"), when the ``holidays`` library knows its public holidays; None otherwise. ``names_only``:
    a name in words only (a two- or three-letter value is more likely a state's code: CA, IN, PA)."""
    wanted = "".join(ch for ch in str(name).lower() if ch.isalpha())
    for module, (cls, code, alpha3, *_) in registry.COUNTRIES.items():
        names = (module.replace("_", ""), cls.lower())
        if wanted in (names if names_only else (*names, code.lower(), alpha3.lower())):
            return code
    return None


def country_names(code: str) -> list[str]:
    """The names a file may use for the country ``code`` (its codes and its name in words)."""
    for module, (cls, c, alpha3, *_) in registry.COUNTRIES.items():
        if c == code:
            return [c, alpha3, module.replace("_", " ").title(), cls]
    return [code] if code else []


def public_holidays(country: str, subdivision: str | None, years: Iterable[int]) -> pd.DataFrame:
    """The country's public holidays (and the subdivision's own, when one is given), one row per day."""
    years = sorted(set(years))
    national = holidays.country_holidays(country, years=years)
    rows = [(d, name, "holiday", NATIONAL) for d, name in national.items()]
    if subdivision:
        regional = holidays.country_holidays(country, subdiv=subdivision, years=years)
        rows += [(d, name, "holiday", subdivision) for d, name in regional.items() if d not in national]
    return _frame(rows)


def retailer_events(frame: pd.DataFrame, *, country_names: Iterable[str] = ()) -> pd.DataFrame:
    """A retailer's events file, with the columns its mapping named: ``date``, ``event`` (the name) and,
    when present, ``event.scope``, ``event.kind``, ``event.transferred``. A transferred row is dropped (the
    day it was moved to has its own row); a scope that names the country is national; "Work Day" rows
    are not events."""
    out = pd.DataFrame({"date": pd.to_datetime(frame["date"]).dt.date, "name": frame["event"].astype(str).str.strip()})
    out["kind"] = frame["event.kind"].astype(str).str.strip().str.lower() if "event.kind" in frame else "event"
    scope = frame["event.scope"].astype(str).str.strip() if "event.scope" in frame else pd.Series(NATIONAL, index=frame.index)
    countries = {c.lower() for c in country_names}
    out["scope"] = scope.where(~scope.str.lower().isin(countries | {NATIONAL, "", "nan"}), NATIONAL)
    keep = ~out["kind"].isin(NOT_AN_EVENT)
    if "event.transferred" in frame:
        keep &= ~frame["event.transferred"].astype(str).str.strip().str.lower().isin({"true", "1", "yes"})
    return _frame(out[keep].itertuples(index=False, name=None))


def flag_events(dates: Iterable, flags: Iterable, name: str = "holiday") -> pd.DataFrame:
    """A yes/no column such as Walmart's ``IsHoliday``: a national event on each flagged date."""
    rows = {(pd.Timestamp(d).date(), name, "holiday", NATIONAL) for d, f in zip(dates, flags) if _truthy(f)}
    return _frame(sorted(rows))


def event_days(events: pd.DataFrame, locations: pd.DataFrame) -> pd.DataFrame:
    """(location, date, name) for every location an event applies to: a national event everywhere, one
    scoped to an attribute value where a location has that value (any attribute: a state, a city), one
    scoped to a location code there only. ``locations``: a ``location`` column of codes and one column per
    attribute."""
    codes = locations["location"].astype(str)
    national = events[events["scope"] == NATIONAL]
    parts = [national.merge(pd.DataFrame({"location": codes}), how="cross")]
    scoped = events[events["scope"] != NATIONAL]
    if len(scoped):
        long = locations.astype(str).melt(id_vars="location", value_name="scope")[["location", "scope"]]
        long = pd.concat([long, pd.DataFrame({"location": codes, "scope": codes})], ignore_index=True)
        parts.append(scoped.merge(long.drop_duplicates(), on="scope"))
    out = pd.concat(parts, ignore_index=True)[["location", "date", "name"]]
    return out.drop_duplicates().sort_values(["location", "date", "name"], ignore_index=True)


def period_flags(period_ends: pd.DatetimeIndex, days, days_per_period: int = 7) -> np.ndarray:
    """True for each period (labelled by its last day, ``days_per_period`` long) that holds one of ``days``."""
    ends = pd.DatetimeIndex(period_ends).tz_localize(None).normalize()
    out = np.zeros(len(ends), dtype=bool)
    if not len(ends):
        return out
    d = pd.DatetimeIndex(pd.to_datetime(pd.Series(list(days), dtype=object)))
    d = (d.tz_localize(None) if d.tz is not None else d)[~d.isna()].normalize()  # no date: no event
    start = ends[0] - pd.Timedelta(days=days_per_period - 1)
    idx = ((d - start).days.to_numpy() // days_per_period).astype(np.int64)
    idx = idx[(idx >= 0) & (idx < len(ends))]
    out[idx] = True
    return out


def panel_events(days: pd.DataFrame, store_ids: np.ndarray, period_ends: pd.DatetimeIndex
                 ) -> tuple[np.ndarray, np.ndarray | None]:
    """``days``: ``date`` and ``store`` (a location's id, or missing for a national event) -> the national
    flag of each period, and the flag of each (location, period) from the events scoped to it (None when
    no event is scoped)."""
    national_rows = days["store"].isna() if "store" in days else pd.Series(True, index=days.index)
    national = period_flags(period_ends, days.loc[national_rows, "date"])
    scoped = days[~national_rows]
    if not len(scoped):
        return national, None
    local = np.zeros((len(store_ids), len(period_ends)), dtype=bool)
    stores = scoped["store"].astype("int64").to_numpy()
    for i, sid in enumerate(store_ids):
        mine = scoped["date"][stores == sid]
        if len(mine):
            local[i] = period_flags(period_ends, mine)
    return national, local


def _truthy(value) -> bool:
    return str(value).strip().lower() in {"true", "1", "yes", "y", "t"}


def _frame(rows) -> pd.DataFrame:
    out = pd.DataFrame(list(rows), columns=EVENT_COLUMNS)
    return out.sort_values(["date", "scope", "name"], ignore_index=True)
