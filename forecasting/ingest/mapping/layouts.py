"""Layouts recognised without asking: the header (normalised: case, spaces and punctuation ignored) of a
known export and the mapping it means. Adding one is one entry here."""
from __future__ import annotations

from forecasting.ingest.columns import header_key

WALMART_COVARIATES = {"Temperature": "covariate:temperature:past", "Fuel_Price": "covariate:fuel_price:past",
                      **{f"MarkDown{i}": f"covariate:markdown{i}:known" for i in range(1, 6)},
                      "CPI": "covariate:cpi:past", "Unemployment": "covariate:unemployment:past"}

# name -> (the roles by header as the export writes it, the period label of its dates)
LAYOUTS: dict[str, tuple[dict[str, str], str]] = {
    "walmart_sales": ({"Store": "location", "Dept": "item", "Date": "date", "Weekly_Sales": "measure",
                       "IsHoliday": "event"}, "end"),
    "walmart_test": ({"Store": "location", "Dept": "item", "Date": "date", "IsHoliday": "event"}, "end"),
    "walmart_stores": ({"Store": "location", "Type": "location.type", "Size": "location.size"}, "end"),
    "walmart_features": ({"Store": "location", "Date": "date", **WALMART_COVARIATES, "IsHoliday": "ignore"}, "end"),
    "favorita_transactions": ({"date": "date", "store_nbr": "location", "transactions": "measure"}, "start"),
    "favorita_stores": ({"store_nbr": "location", "city": "location.city", "state": "location.state",
                         "type": "location.type", "cluster": "location.cluster"}, "start"),
    "favorita_holidays": ({"date": "date", "type": "event.kind", "locale": "ignore", "locale_name": "event.scope",
                           "description": "event", "transferred": "event.transferred"}, "start"),
    "favorita_oil": ({"date": "date", "dcoilwtico": "covariate:oil_price:past"}, "start"),
    "long_store_sku": ({"store": "location", "sku": "item", "date": "date", "units": "measure"}, "start"),
}


def _signature(header: list[str]) -> frozenset[str]:
    return frozenset(header_key(h) for h in header)


_BY_SIGNATURE = {_signature(list(roles)): name for name, (roles, _) in LAYOUTS.items()}


def recognise(header: list[str]) -> tuple[str, dict[str, str], str] | None:
    """(layout name, roles by the file's own headers, period label) when ``header`` is a known layout."""
    name = _BY_SIGNATURE.get(_signature(header))
    if name is None or len(set(map(header_key, header))) != len(header):
        return None
    roles, label = LAYOUTS[name]
    by_key = {header_key(h): r for h, r in roles.items()}
    return name, {h: by_key[header_key(h)] for h in header}, label
