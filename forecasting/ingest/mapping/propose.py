"""A proposed mapping for a file nobody has described: a known layout is taken as is (certain); any other
header is read column by column from its name and values, and the upload stops at ``needs_mapping`` for
the user to confirm or edit the proposal (not certain). Pure Python, no Django."""
from __future__ import annotations

import re
from dataclasses import dataclass

from forecasting.ingest.columns import header_key
from forecasting.ingest.mapping.dialect import (
    Table,
    date_formats,
    decimal_mark,
    infer_frequency,
    is_number_column,
    parse_dates,
    read_table,
)
from forecasting.ingest.mapping.layouts import recognise
from forecasting.ingest.mapping.roles import NAME_RE, Mapping

# normalised header words -> role (the first that matches wins, so the specific come first)
NAMES: list[tuple[str, str]] = [
    (r"^(isopen|open|opened|storeopen)$", "open"),
    (r"^(isholiday|holiday|holidayflag|holidayweek|event|eventname)$", "event"),
    (r"^(weekstart|weekbeginning|weekof|periodstart|weekending|weekend|weekenddate|periodend|date|day|week|"
     r"month|period|salesdate|transactiondate|orderdate)$", "date"),
    (r"^(store|storecode|storeid|storenbr|storeno|storenumber|shop|shopid|location|locationcode|locationid|loc|"
     r"site|siteid|branch|outlet|warehouse)$", "location"),
    (r"^(sku|skuid|skucode|item|itemid|itemcode|itemnbr|product|productid|productcode|article|articleid|upc|ean|"
     r"gtin|material|dept|department|deptid|productgroup)$", "item"),
    (r"^(sales|weeklysales|dailysales|units|unitssold|qty|quantity|quantitysold|sold|revenue|turnover|amount|"
     r"transactions|tickets|demand|volume|netsales|salesunits|salesamount)$", "measure"),
    (r"^(price|unitprice|sellingprice|listprice|shelfprice)$", "covariate:price:known"),
    (r"^(promo|promotion|onpromotion|onpromo|promoflag|ispromo|promotionflag)$", "covariate:promotion:known"),
    (r"^(discount|discountpct|discountpercent|markdown\d*)$", "covariate:{name}:known"),
    (r"^(temperature|temp|fuelprice|cpi|unemployment|oilprice|dcoilwtico|footfall|traffic)$",
     "covariate:{name}:past"),
]
LOCATION_ATTRS = {"city", "state", "region", "province", "country", "type", "format", "cluster", "size", "area",
                  "district", "channel", "storetype", "storeformat", "sqft", "squarefeet"}
ITEM_ATTRS = {"category", "subcategory", "class", "family", "brand", "department", "group", "packsize", "pack",
              "supplier", "uom", "unit", "segment", "line"}


@dataclass
class Proposal:
    mapping: Mapping
    certain: bool  # True: a known layout, used without asking
    layout: str | None
    preview: list[list[str]]  # the first rows, as the file writes them
    frequency: str | None  # what the dates imply (D, W-<DAY>, MS), None when unknown or no dates
    notes: list[str]

    @property
    def kind(self) -> str | None:
        return self.mapping.kind


def snake(name: str) -> str:
    out = re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")
    out = out if out and out[0].isalpha() else f"c_{out}"
    return out[:63] if NAME_RE.match(out[:63]) else "column"


def _by_name(header: str) -> str | None:
    key = header_key(header)
    for pattern, role in NAMES:
        if re.match(pattern, key):
            return role.format(name=snake(header))
    return None


def _role(header: str, values: list[str], decimal: str, has_date: bool, taken: set[str]) -> tuple[str, str]:
    """(role, why) for one column of a file that is not a known layout."""
    role = _by_name(header)
    if role and (role not in taken or role.startswith("covariate:")):
        return role, "its name"
    key = header_key(header)
    numeric = is_number_column(values, decimal)
    if key in ITEM_ATTRS and ("item" in taken or not has_date and "location" not in taken):
        return f"item.{snake(header)}", "an item attribute's name"
    if key in LOCATION_ATTRS and ("location" in taken or not has_date):
        return f"location.{snake(header)}", "a location attribute's name"
    if "date" not in taken and values and date_formats(values[:50]):
        return "date", "its values are dates"
    if numeric and "measure" not in taken and has_date:
        return "measure", "the first numeric column"
    if numeric and has_date:
        return f"covariate:{snake(header)}:past", "a numeric column (used as history only until you say so)"
    if not has_date and taken & {"location", "item"}:
        side = "item" if "item" in taken else "location"
        return f"{side}.{snake(header)}", "a column beside the codes"
    if "location" not in taken:
        return "location", "the first text column"
    return "ignore", "nothing in its name or values"


def propose(sample: bytes) -> Proposal:
    """The proposal for a file whose first bytes are ``sample`` (a few hundred KB is plenty)."""
    table = read_table(sample)
    decimal = decimal_mark(table)
    preview = table.rows[:10]
    known = recognise(table.header)
    if known:
        name, columns, label = known
        mapping = Mapping(columns=columns, decimal=decimal, delimiter=table.delimiter, period_label=label,
                          date_format=_date_format(table, columns), notes=[f"recognised as {name}"])
        return Proposal(mapping, True, name, preview, _frequency(table, mapping), [f"A known layout: {name}."])
    has_date = any(_by_name(h) == "date" or date_formats(table.column(i)[:50])
                   for i, h in enumerate(table.header))
    columns, notes, taken = {}, [], set()
    for i, h in enumerate(table.header):
        role, why = _role(h, table.column(i), decimal, has_date, taken)
        columns[h] = role
        taken.add(role)
        notes.append(f"{h}: {role} ({why})")
    label = "end" if any(re.search(r"end", header_key(h)) for h, r in columns.items() if r == "date") else "start"
    mapping = Mapping(columns=columns, decimal=decimal, delimiter=table.delimiter, period_label=label,
                      date_format=_date_format(table, columns), notes=notes)
    return Proposal(mapping, False, None, preview, _frequency(table, mapping), notes)


def _date_format(table: Table, columns: dict[str, str]) -> str | None:
    for i, h in enumerate(table.header):
        if columns.get(h) == "date":
            formats = date_formats(table.column(i))
            return None if not formats or formats[0] == "%Y-%m-%d" else formats[0]
    return None


def _frequency(table: Table, mapping: Mapping) -> str | None:
    if mapping.kind in (None, "events", "locations", "items"):
        return None
    for i, h in enumerate(table.header):
        if mapping.columns.get(h) == "date":
            values = table.column(i)
            formats = date_formats(values)
            return infer_frequency(parse_dates(values, formats[0]), mapping.period_label) if formats else None
    return None
