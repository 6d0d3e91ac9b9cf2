"""Reads of the workspace's catalogue and data settings (issue 17): locations and
items in the retailer's codes with their attributes and sales coverage, within
the principal's store scope (a restricted principal sees her locations and the
items sold in them; anything else answers as unknown), and the workspace's words."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from django.db import connection

from accounts.scope import StoreScope
from forecasting.ingest.data_settings import WRITABLE
from forecasting.ingest.mapping.roles import MappingError, parse_mapping
from forecasting.ml.hierarchy import Attributes
from forecasting.ml.launches import OPENING_ATTRIBUTES, launch_dates
from forecasting.models import CovariateSpec, DataSettings, Item, Layout, Location

ATTR_PREFIX = {"location": "location.", "item": "item."}


@dataclass(frozen=True)
class Words:
    """What the workspace calls a location, an item and its measure."""

    location: str = "Store"
    locations: str = "Stores"
    item: str = "Department"
    items: str = "Departments"
    measure: str = "Sales"
    unit: str = "$"
    period: str = "week"  # the planning frequency's period (day, week, month)
    periods: str = "weeks"
    period_date: str = "Week ending"  # the heading of a column of periods
    periods_date: str = "Weeks ending"  # the legend of a choice of periods
    horizon_max: int = 52  # the longest horizon a training takes, in periods
    horizon_default: int = 13
    same_last_year: str = "Same week last year"  # what a period's last-year figure is (selectors/forecast.py)
    week_gloss: str = ""  # what a week is in the workspace's periods, where a setting is stated in weeks


# a day's last-year figure is the same weekday 364 days earlier (25 Dec 2025 -> Thu 26 Dec 2024): it says so
_PERIODS = {"D": ("day", "days", "Day", "Days", 182, 28, "Same weekday last year", "1 week = 7 days"),
            "MS": ("month", "months", "Month", "Months", 12, 3, "Same month last year",
                   "1 month = 52 ÷ 12 ≈ 4.33 weeks")}  # PERIOD_WEEKS below


def data_settings() -> DataSettings:
    """The workspace's row, or the defaults (unsaved) before its first write."""
    return DataSettings.objects.filter(pk=1).first() or DataSettings()


PERIOD_WEEKS = {"D": 1 / 7, "MS": 52 / 12}  # a period's length in weeks (a week: 1)


def period_floor(settings: DataSettings | None = None) -> float:
    """The materiality floor (set per week) for one period of the workspace's frequency: a daily series'
    day is material from a seventh of it."""
    s = settings or data_settings()
    return s.materiality_floor * PERIOD_WEEKS.get(s.frequency, 1.0)


def workspace_words(settings: DataSettings | None = None) -> Words:
    s = settings or data_settings()
    period = dict(zip(("period", "periods", "period_date", "periods_date", "horizon_max", "horizon_default",
                       "same_last_year", "week_gloss"),
                      _PERIODS.get(s.frequency, ("week", "weeks", "Week ending", "Weeks ending", 52, 13,
                                                 "Same week last year", ""))))
    return Words(location=s.location_word, locations=s.location_word_plural, item=s.item_word,
                 items=s.item_word_plural, measure=s.measure_word, unit=s.measure_unit, **period)


def data_settings_answer(settings: DataSettings | None = None) -> dict:
    s = settings or data_settings()
    fields = {name: getattr(s, name) for name in WRITABLE}
    covariates = [{"name": n, "kind": k, "level": lv, "lever": lever}
                  for n, k, lv, lever in CovariateSpec.objects.values_list("name", "kind", "level", "lever")]
    return {**fields, "frequency": s.frequency or None, "period_label": s.period_label,
            "legacy_keys": s.legacy_keys, "words": asdict(workspace_words(s)),
            "covariates": covariates, "levers": [c["name"] for c in covariates if c["lever"]],
            "updated_at": s.updated_at}


def _coverage(*, side: str, scope: StoreScope, only: int | None = None) -> dict[int, dict]:
    """{id: {series, first_period, last_period}} from the sales within ``scope`` (``only``: of one id)."""
    key, other = ("store", "dept") if side == "location" else ("dept", "store")
    cond, params = scope.sql("store")
    if only is not None:
        cond, params = f"{cond} AND {key} = %s", [*params, only]
    with connection.cursor() as cur:
        cur.execute(f"SELECT {key}, count(DISTINCT {other}), min(date), max(date) FROM forecasting_salesrecord "
                    f"WHERE {cond} GROUP BY {key}", params)
        return {k: {"series": n, "first_period": lo, "last_period": hi} for k, n, lo, hi in cur.fetchall()}


def _row(member, cover: dict | None, *, side: str, legacy: bool) -> dict:
    row = {"code": member.code, "name": member.name or None, "attributes": member.attrs,
           "series": 0, "first_period": None, "last_period": None, **(cover or {})}
    if legacy:
        row["store" if side == "location" else "dept"] = member.id
    return row


def _matches(member, *, q: str, attrs: dict) -> bool:
    if q and q.lower() not in member.code.lower() and q.lower() not in (member.name or "").lower():
        return False
    return all(str(member.attrs.get(name, "")).lower() == str(value).lower() for name, value in attrs.items())


def value_order(value) -> tuple:
    """The sort key of an attribute's value wherever values are listed: numbers (or text that reads as one,
    as the hierarchy keys them: "200") by their value, before text in text order ("200" < "1000" < "Hyper")."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return (1, 0.0, str(value))
    return (0, number, str(value)) if number == number else (1, 0.0, str(value))


@dataclass(frozen=True)
class Picked:
    """What a picker's text chose: the members' ids, and the words that matched nothing (to name them)."""

    ids: list
    unknown: list


def members_picked(side: str, text: str) -> Picked:
    """Locations or items named in a picker's text, comma-separated: codes ("SKU-10001", any case) or
    attribute values ("category=Dairy"); the union, in id order. Blank text picks nothing (the caller's all)."""
    model = Location if side == "location" else Item
    members = list(model.objects.values_list("id", "code", "attrs"))
    by_code = {c.lower(): i for i, c, _ in members}
    ids, unknown = set(), []
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        name, sep, value = token.partition("=")
        if sep:
            found = {i for i, _, a in members if str((a or {}).get(name.strip(), "")).lower() == value.strip().lower()}
        else:
            found = {by_code[token.lower()]} if token.lower() in by_code else set()
        if not found:
            unknown.append(token)
        ids |= found
    return Picked(ids=sorted(ids), unknown=unknown)


def picker_suggestions(side: str, limit: int = 200) -> list[str]:
    """What a picker's text box suggests: each grouping attribute's values ("category=Dairy"), then codes
    (at most ``limit`` in all: a long catalogue is typed, not scrolled)."""
    attrs = hierarchy_attributes()
    pairs = [f"{name}={v}" for name in attrs.grouping(side)
             for v in sorted(attrs.values(f"{side}.{name}"), key=value_order)]
    model = Location if side == "location" else Item
    codes = list(model.objects.order_by("code").values_list("code", flat=True)[:max(0, limit - len(pairs))])
    return (pairs + codes)[:limit]


def attribute_filters(params, side: str) -> dict:
    """``location.type=A`` -> {"type": "A"} from query parameters (an empty value filters nothing)."""
    prefix = ATTR_PREFIX[side]
    return {k[len(prefix):]: v for k, v in params.items()
            if k.startswith(prefix) and len(k) > len(prefix) and str(v).strip()}  # "All": an empty value


def catalog_list(*, scope: StoreScope, side: str, q: str = "", attrs: dict | None = None) -> dict:
    """Locations (``side="location"``) or items within ``scope``, in id order (Walmart's numbers:
    ascending), matching ``q`` and the attribute filters ``attrs``; and ``attributes``: every attribute's
    values over all of them (to filter by). A restricted principal: her locations; the items sold in them."""
    cover = _coverage(side=side, scope=scope)
    legacy = data_settings().legacy_keys
    if side == "location":
        members = scope.filter(Location.objects.all(), "id")
    else:
        members = Item.objects.all() if not scope.restricted else Item.objects.filter(id__in=list(cover))
    results, values = [], {}
    for m in members.order_by("id"):
        for name, value in m.attrs.items():
            values.setdefault(name, set()).add(value)
        if _matches(m, q=q, attrs=attrs or {}):
            results.append(_row(m, cover.get(m.id), side=side, legacy=legacy))
    return {"results": results, "attributes": {name: sorted(v, key=value_order)
                                               for name, v in sorted(values.items())}}


def catalog_get(*, scope: StoreScope, side: str, code: str) -> dict | None:
    """One location or item by its code; None when unknown or outside ``scope``."""
    model = Location if side == "location" else Item
    member = model.objects.filter(code=code).first()
    if member is None or (side == "location" and not scope.allows(member.id)):
        return None
    cover = _coverage(side=side, scope=scope, only=member.id)
    if side == "item" and scope.restricted and member.id not in cover:  # not sold in her stores
        return None
    return _row(member, cover.get(member.id), side=side, legacy=data_settings().legacy_keys)


@dataclass(frozen=True)
class ExportKeys:
    """How a file the product writes names a series and a period, in the workspace's own terms: the key
    columns' headers of its uploads, the codes, and the period's date as it labels it (start or end)."""

    location_header: str
    item_header: str
    locations: dict
    items: dict
    shift_days: int  # added to the stored date (a week's last day) to give the retailer's label

    def row(self, store: int, dept: int, day) -> list:
        return [self.locations.get(store, str(store)), self.items.get(dept, str(dept)),
                (day + timedelta(days=self.shift_days)).isoformat()]


def export_keys() -> ExportKeys:
    s = data_settings()
    weekly = (s.frequency or "W-").startswith("W-")
    return ExportKeys(location_header=s.location_header, item_header=s.item_header,
                      locations=dict(Location.objects.values_list("id", "code")),
                      items=dict(Item.objects.values_list("id", "code")),
                      shift_days=-6 if weekly and s.period_label == "start" else 0)


def _layout_kind(mapping: dict) -> str | None:
    try:
        return parse_mapping(mapping).kind
    except MappingError:
        return None


def layout_list() -> list[dict]:
    return [{"id": lay.pk, "name": lay.name, "header": lay.header, "mapping": lay.mapping,
             "kind": _layout_kind(lay.mapping), "uses": lay.uses, "created_at": lay.created_at,
             "updated_at": lay.updated_at} for lay in Layout.objects.all()]


UNKNOWN_ID = -1  # a code nobody has: every read of it answers like a series outside the scope (404, empty)


def member_id(side: str, code: str) -> int:
    """The id of a location or item code; ``UNKNOWN_ID`` when no such code (answered as not found, never
    as a different error: a restricted principal learns nothing of codes outside her stores)."""
    model = Location if side == "location" else Item
    return model.objects.filter(code=code).values_list("id", flat=True).first() or UNKNOWN_ID


def has_item_pages() -> bool:
    """False when the workspace's sales have no item column (its one item is the implicit one: Favorita's
    store traffic), so no item pages are offered; True otherwise, and before any sales (the empty state)."""
    return Item.objects.exclude(code="all", name="All").exists() or not Item.objects.exists()


def implicit_item_id() -> int | None:
    """The one implicit item of a workspace whose sales have no item column (e.g. store traffic)."""
    return Item.objects.filter(code="all", name="All").values_list("id", flat=True).first()


@dataclass(frozen=True)
class Codes:
    """Ids -> the retailer's codes and names, for answers that list series."""

    locations: dict
    items: dict

    def of(self, store: int, dept: int) -> dict:
        loc, item = self.locations.get(store, (str(store), "")), self.items.get(dept, (str(dept), ""))
        return {"location": loc[0], "location_name": loc[1] or None, "item": item[0], "item_name": item[1] or None}


def series_codes() -> Codes:
    return Codes(locations={i: (c, n) for i, c, n in Location.objects.values_list("id", "code", "name")},
                 items={i: (c, n) for i, c, n in Item.objects.values_list("id", "code", "name")})


def hierarchy_attributes() -> Attributes:
    """The locations' and items' attributes as the ML core's hierarchy reads them (its levels and keys)."""
    return Attributes.from_records(dict(Location.objects.values_list("id", "attrs")),
                                   dict(Item.objects.values_list("id", "attrs")))


def announced_opening(location: int) -> bool:
    """True when the location is announced with an opening date (its ``new`` series are forecast from the same
    items in similar locations, not from similar items in it)."""
    attrs = Attributes.from_records({location: Location.objects.filter(pk=location).values_list("attrs", flat=True)
                                     .first() or {}}).location
    return bool(launch_dates(attrs, OPENING_ATTRIBUTES))
