"""Column specifications for the three upload kinds.

Pure Python (no Django).  Header names are matched case-insensitively after
trimming whitespace and dropping every character that is not a letter or a
digit, so ``Weekly_Sales``, ``weekly sales`` and ``WEEKLY-SALES`` are the same
name (``weeklysales``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("sales", "features", "stores")

INT32_MAX = 2_147_483_647


@dataclass(frozen=True)
class FieldSpec:
    name: str                 # canonical (normalised frame) column name
    type: str                 # "int" | "float" | "date" | "bool" | "str"
    required: bool
    aliases: tuple[str, ...]  # accepted header names, already normalised (see header_key)
    min: float | None = None
    max: float | None = None
    max_len: int | None = None  # for "str"


def header_key(name: str) -> str:
    """Normalise a header cell for alias matching."""
    return re.sub(r"[^0-9a-z]", "", name.strip().strip("\ufeff").lower())


_STORE = FieldSpec("store", "int", True,
                   ("store", "storeid", "storenbr", "storeno", "storenum", "storenumber"),
                   min=0, max=INT32_MAX)
_DATE = FieldSpec("date", "date", True,
                  ("date", "week", "weekending", "weekend", "weekenddate", "weekendingdate",
                   "weekdate"))
_HOLIDAY = FieldSpec("is_holiday", "bool", False,
                     ("isholiday", "holiday", "holidayweek", "isholidayweek", "holidayflag"))


def _float(name, aliases, lo=None, hi=None):
    return FieldSpec(name, "float", False, aliases, min=lo, max=hi)


SPECS: dict[str, tuple[FieldSpec, ...]] = {
    "sales": (
        _STORE,
        FieldSpec("dept", "int", True,
                  ("dept", "department", "deptid", "departmentid", "deptnbr", "deptno",
                   "deptnum", "deptnumber", "departmentnumber"),
                  min=0, max=INT32_MAX),
        _DATE,
        FieldSpec("sales", "float", True,
                  ("sales", "weeklysales", "salesamount", "totalsales", "revenue",
                   "units", "unitssold", "quantity", "qty")),
        _HOLIDAY,
    ),
    "features": (
        _STORE,
        _DATE,
        _float("temperature", ("temperature", "temp", "avgtemperature", "avgtemp")),
        _float("fuel_price", ("fuelprice", "fuel", "gasprice")),
        *(_float(f"markdown{i}", (f"markdown{i}", f"md{i}")) for i in range(1, 6)),
        _float("cpi", ("cpi",)),
        _float("unemployment", ("unemployment", "unemploymentrate")),
        _HOLIDAY,
    ),
    "stores": (
        _STORE,
        FieldSpec("type", "str", True, ("type", "storetype", "format", "storeformat"), max_len=50),
        FieldSpec("size", "int", True,
                  ("size", "storesize", "sqft", "squarefeet", "squarefootage", "area"),
                  min=1, max=INT32_MAX),
        FieldSpec("name", "str", False, ("name", "storename"), max_len=200),
        _float("latitude", ("latitude", "lat"), -90, 90),
        _float("longitude", ("longitude", "lon", "lng", "long"), -180, 180),
    ),
}

# Natural keys (duplicates are errors).
KEYS: dict[str, tuple[str, ...]] = {
    "sales": ("store", "dept", "date"),
    "features": ("store", "date"),
    "stores": ("store",),
}

# Column order of the normalised frames and of to_copy_csv() output.
COLUMNS: dict[str, tuple[str, ...]] = {
    "sales": ("store", "dept", "date", "sales", "is_holiday"),
    "features": ("store", "date", "temperature", "fuel_price", "markdown1", "markdown2",
                 "markdown3", "markdown4", "markdown5", "cpi", "unemployment", "is_holiday"),
    "stores": ("store", "type", "size", "name", "latitude", "longitude"),
}

FEATURE_VALUE_FIELDS = ("temperature", "fuel_price", "markdown1", "markdown2", "markdown3",
                        "markdown4", "markdown5", "cpi", "unemployment")


def spec_by_name(kind: str) -> dict[str, FieldSpec]:
    return {f.name: f for f in SPECS[kind]}


def alias_names(spec: FieldSpec) -> str:
    """Human readable list of accepted header names (for error messages)."""
    shown = {
        "store": "Store, store_id, store_nbr", "dept": "Dept, department, dept_id",
        "date": "Date, week, week_ending", "sales": "Weekly_Sales, sales, units",
        "type": "Type, store_type", "size": "Size, store_size, sqft",
    }
    return shown.get(spec.name, ", ".join(spec.aliases))
