"""The Stores and Departments tables by the workspace's attributes (issue 17
item 6): each row carries its location's or item's attributes, rows filter by
them (``location.city=Quito``), and each grouping attribute (the hierarchy's
levels, ``forecasting.ml.hierarchy``) sums the rows of its values.

A group's figures are sums of its members' like-for-like figures, so its
growth and forecast change compare the same series on both sides, as a row's
do, and its live WAPE sums its members' absolute errors over their actual sales; groups are ranked by
their sales year to date (money, not a ratio)."""
from __future__ import annotations

from django.db import connection

from forecasting.ml.hierarchy import key_text
from forecasting.models import Item, Location
from forecasting.selectors.catalog import attribute_filters, hierarchy_attributes, value_order

SIDE_KEY = {"location": "store", "item": "dept"}
MAX_COLUMNS = 8
SUMMED = ("sales_ytd", "sales_ytd_like_for_like", "sales_last_year_like_for_like", "forecast_13w",
          "forecast_like_for_like", "forecast_last_year", "live_abs_error", "live_abs_actual")


def _ratio(a, b) -> float | None:
    return (a / b - 1.0) if a is not None and b else None


def member_attributes(side: str) -> dict[int, dict]:
    model = Location if side == "location" else Item
    return {i: a or {} for i, a in model.objects.values_list("id", "attrs")}


def attribute_columns(attrs_by_id: dict[int, dict], side: str) -> list[str]:
    """The attributes a table shows: the grouping ones first, then the others, in the order first seen."""
    seen: list[str] = []
    for attrs in attrs_by_id.values():
        seen += [n for n in attrs if n not in seen]
    grouping = hierarchy_attributes().grouping(side)
    return sorted(seen, key=lambda n: (n not in grouping, seen.index(n)))[:MAX_COLUMNS]


def with_attributes(results: list[dict], *, side: str, defaults: dict[int, dict] | None = None
                    ) -> tuple[list[dict], list[str]]:
    """Rows with their member's ``attributes`` (``defaults``: values a member's own attributes lack, e.g.
    the stores file's type and size of a workspace loaded before the catalogue), and the columns to show."""
    stored = member_attributes(side)
    key = SIDE_KEY[side]
    attrs = {}
    for r in results:
        extra = {k: v for k, v in ((defaults or {}).get(r[key]) or {}).items() if v not in (None, "")}
        attrs[r[key]] = {**extra, **stored.get(r[key], {})}
    return [{**r, "attributes": attrs[r[key]]} for r in results], attribute_columns(attrs, side)


def filtered(results: list[dict], filters: dict[str, str]) -> list[dict]:
    """Rows whose attributes match every ``{attribute: value}`` (compared as the hierarchy's keys)."""
    return [r for r in results if all(key_text((r.get("attributes") or {}).get(name)) == str(value).strip()
                                      for name, value in filters.items())]


def attribute_groups(results: list[dict], *, side: str) -> list[dict]:
    """Per grouping attribute of ``side``: its values with their members' summed figures."""
    out = []
    for attr in hierarchy_attributes().grouping(side):
        groups: dict[str, dict] = {}
        for r in results:
            value = key_text((r.get("attributes") or {}).get(attr)) or "?"
            g = groups.setdefault(value, {"value": value, "members": 0, **{f: None for f in SUMMED}})
            g["members"] += 1
            for f in SUMMED:
                if r.get(f) is not None:
                    g[f] = (g[f] or 0.0) + float(r[f])
        rows = list(groups.values())
        for g in rows:
            g["growth"] = _ratio(g["sales_ytd_like_for_like"], g["sales_last_year_like_for_like"])
            g["forecast_change"] = _ratio(g["forecast_like_for_like"], g["forecast_last_year"])
            # the group's live WAPE: its members' absolute errors over their actual sales, not a mean of ratios
            g["accuracy_wape"] = (g["live_abs_error"] / g["live_abs_actual"]) if g["live_abs_actual"] else None
        rows.sort(key=lambda g: -(g["sales_ytd"] or 0.0))
        out.append({"attribute": attr, "level": f"{side}.{attr}", "rows": rows})
    return out


def grouped_table(table: dict, params, *, side: str) -> dict:
    """A Stores / Departments table with the query's attribute filters (``location.city=Quito``) applied to its
    rows (``count`` follows them when there are filters) and ``groups`` over every row; ``filters`` what was applied."""
    filters = attribute_filters(params, side)
    out = {**table, "groups": attribute_groups(table["results"], side=side), "filters": filters}
    if filters:
        out["results"] = filtered(table["results"], filters)
        out["count"] = len(out["results"])
    return out


def node_choices(words) -> list[dict]:
    """The attribute levels a chart can be narrowed to, each with its label and values
    (``[{"level": "location.city", "label": "Store city", "keys": ["Quito", ...]}]``)."""
    attrs = hierarchy_attributes()
    out = []
    for level in attrs.levels():
        side, _, attr = level.partition(".")
        if attr:
            word = words.location if side == "location" else words.item
            out.append({"level": level, "label": f"{word} {attr.replace('_', ' ')}",
                        "keys": sorted(attrs.values(level), key=value_order)})
    return out


def node_history(*, level: str, key: str, since) -> list[dict]:
    """Weekly sales since ``since`` of the series of one attribute node (every store of a city, every
    product of a category), by date; [] for a level that is not an attribute level."""
    side, _, attr = level.partition(".")
    ids = hierarchy_attributes().members(level, key) if attr else []
    if not ids:
        return []
    with connection.cursor() as cur:
        cur.execute(f"SELECT date, sum(sales) FROM forecasting_salesrecord WHERE {SIDE_KEY[side]} = ANY(%s) "
                    "AND date > %s GROUP BY date ORDER BY date", [ids, since])
        return [{"date": d.isoformat(), "sales": float(v)} for d, v in cur.fetchall()]


def attribute_members(params) -> tuple[dict[str, set[int] | None], dict[str, dict]]:
    """The query's attribute filters (``location.city=Quito``, ``item.category=Dairy``) as the ids they keep:
    ({"store": {ids} or None (no filter), "dept": ...}, {"location": {attr: value}, "item": {...}})."""
    filters = {side: attribute_filters(params, side) for side in SIDE_KEY}
    keep: dict[str, set[int] | None] = {"store": None, "dept": None}
    if any(filters.values()):
        attrs = hierarchy_attributes()
        for side, wanted in filters.items():
            for attr, value in wanted.items():
                ids = set(attrs.members(f"{side}.{attr}", str(value).strip()))
                column = SIDE_KEY[side]
                keep[column] = ids if keep[column] is None else keep[column] & ids
    return keep, filters


def rows_within(rows: list[dict], keep: dict[str, set[int] | None]) -> list[dict]:
    """Rows (with store and/or dept) of the kept locations and items; a row without the column is kept."""
    if keep["store"] is None and keep["dept"] is None:
        return rows
    return [r for r in rows if all(keep[c] is None or r.get(c) is None or int(r[c]) in keep[c]
                                   for c in ("store", "dept"))]


def narrowed_choices(choices: dict, params) -> tuple[dict, dict]:
    """A series picker's choices (``series_choices``: stores, depts, pairs) narrowed to the locations and
    items whose attributes match the query's filters, and the filters applied."""
    keep, filters = attribute_members(params)
    if keep["store"] is None and keep["dept"] is None:
        return choices, filters
    pairs = [(s, d) for s, d in choices["pairs"] if (keep["store"] is None or s in keep["store"])
             and (keep["dept"] is None or d in keep["dept"])]
    return {**choices, "pairs": pairs, "stores": sorted({s for s, _ in pairs}),
            "depts": sorted({d for _, d in pairs})}, filters


def filter_levels(words, filters: dict[str, dict]) -> list[dict]:
    """The attribute levels of a page's filter form, each with its selected value ('' for all)."""
    return [{**c, "selected": filters[c["level"].partition(".")[0]].get(c["level"].partition(".")[2], "")}
            for c in node_choices(words)]


def hierarchy_levels(words, *, restricted: bool) -> list[dict]:
    """The levels of the workspace's hierarchy as ``GET /api/v1/forecasts/aggregate/`` and overrides take them,
    with a label and their keys (an attribute's values; the total's ``all``; locations and items: null, their
    codes are listed by ``/locations/`` and ``/items/``). A store-restricted principal: the location level only
    (the others span stores that are not hers)."""
    out = [{"level": "total", "label": "Total", "keys": ["all"]}]
    attributes = {c["level"]: c for c in node_choices(words)}
    for level in hierarchy_attributes().levels()[1:]:
        if level in attributes:
            out.append({"level": level, "label": attributes[level]["label"], "keys": attributes[level]["keys"]})
        else:
            out.append({"level": level, "label": words.locations if level == "location" else words.items,
                        "keys": None})
    return [lv for lv in out if lv["level"] == "location"] if restricted else out
