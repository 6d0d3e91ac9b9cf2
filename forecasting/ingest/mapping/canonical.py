"""A mapped file (forecasting/ingest/mapping/read.py) -> the frames today's tables and engine read
(issue 17): codes become the catalogue's integer ids, dates become periods of the workspace's frequency
(finer rows summed; a closed day is left out, never a zero), Walmart's nine covariates become a location
covariates frame. Pure pandas, no Django: the caller passes the code -> id maps.

Periods are stored as today's weekly tables always stored them: a week by its last day (the anchor of
``W-<DAY>``: Walmart's Friday), a day by itself, a month by its first day."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from forecasting.ingest.mapping.dialect import infer_frequency
from forecasting.ingest.mapping.roles import Mapping
from forecasting.ml.periods import label_to_start, to_periods

IMPLICIT = "all"  # the one implicit location or item of a file without that column
ENGINE_COVARIATES = ("temperature", "fuel_price", "markdown1", "markdown2", "markdown3", "markdown4", "markdown5",
                     "cpi", "unemployment")
_ORDER = {"D": 0, "W": 1, "MS": 2}


class FrequencyError(ValueError):
    """The file's dates do not fit the workspace's planning frequency."""


@dataclass
class Canonical:
    kind: str  # sales | features | locations | items
    frame: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def _rank(freq: str) -> int:
    return _ORDER[freq[0] if freq.startswith("W") else freq]


def file_frequency(frame: pd.DataFrame, mapping: Mapping) -> str | None:
    if "date" not in frame:
        return None
    return infer_frequency(list(pd.to_datetime(frame["date"]).dt.date.unique()), mapping.period_label)


def stored_period(starts: pd.Series, freq: str) -> pd.Series:
    """A period's first day -> the date today's tables store for it."""
    return starts + pd.Timedelta(days=6) if freq.startswith("W-") else starts


def check_frequency_fits(found: str | None, workspace: str) -> None:
    if found is None or found == workspace:
        return
    if found.startswith("W-") and workspace.startswith("W-"):
        raise FrequencyError(f"the file's weeks end on {found[2:].title()}, the workspace's on "
                             f"{workspace[2:].title()}")
    if _rank(found) > _rank(workspace):
        raise FrequencyError(f"the file is {frequency_word(found)} and the workspace plans "
                             f"{frequency_word(workspace)}: "
                             "a coarser file cannot be split into the workspace's periods")


def frequency_word(freq: str) -> str:
    return {"D": "daily", "MS": "monthly"}.get(freq, "weekly")


def keys(frame: pd.DataFrame, ids: dict[str, dict[str, int]]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for role, column in (("location", "store"), ("item", "dept")):
        codes = frame[role] if role in frame else pd.Series(IMPLICIT, index=frame.index)
        out[column] = codes.map(ids[role]).astype("int64")
    return out


def ignored(mapping: Mapping) -> list[str]:
    unused = [f"{h} ({r})" for h, r in mapping.columns.items() if r.startswith(("item.", "location."))
              and mapping.kind == "sales"]
    return [f"Stored as read but not used by forecasts yet: {', '.join(unused)}."] if unused else []


def sales(frame: pd.DataFrame, mapping: Mapping, *, ids: dict[str, dict[str, int]], freq: str) -> Canonical:
    """``frame``: a mapped sales file (location and/or item, date, measure[, open, event]) -> today's sales
    frame (store, dept, date, sales, is_holiday) at ``freq``, summed over open days."""
    f = keys(frame, ids)
    f["date"] = pd.to_datetime(frame["date"])
    f["value"] = frame["measure"].astype(float)
    f["open"] = frame["open"].astype(bool) if "open" in frame else True
    hol = frame["event"] if "event" in frame else pd.Series(False, index=frame.index)
    f["hol"] = hol.astype(bool) if hol.dtype == bool else hol.astype(str).str.len() > 0
    periods = to_periods(f, keys=["store", "dept"], freq=freq, label=mapping.period_label)
    f["period"] = label_to_start(f["date"], freq, mapping.period_label)
    hol_by = f.groupby(["store", "dept", "period"])["hol"].any()
    periods = periods.join(hol_by, on=["store", "dept", "period"])
    closed = int(periods["value"].isna().sum())
    periods = periods[periods["value"].notna()]
    out = pd.DataFrame({"store": periods["store"].astype("int64"), "dept": periods["dept"].astype("int64"),
                        "date": stored_period(periods["period"], freq).astype("datetime64[ns]"),
                        "sales": periods["value"].astype(float), "is_holiday": periods["hol"].astype(bool)})
    warnings = ignored(mapping)
    if closed:
        warnings.append(f"{closed:,} series-period(s) with no open day: left as gaps, not zeros.")
    return Canonical("sales", out.reset_index(drop=True), warnings)


def location_covariates(frame: pd.DataFrame, mapping: Mapping, *, ids: dict[str, dict[str, int]],
                        freq: str) -> Canonical:
    """Location covariates by period -> today's features frame (Walmart's nine; others are reported)."""
    f = pd.DataFrame({"store": frame["location"].map(ids["location"]).astype("int64")})
    starts = label_to_start(pd.to_datetime(frame["date"]), freq, mapping.period_label)
    f["date"] = stored_period(starts, freq).astype("datetime64[ns]")
    named = {r.split(":")[1]: r for r in mapping.roles() if r.startswith("covariate:")}
    for name in ENGINE_COVARIATES:
        f[name] = frame[named[name]].astype(float) if name in named else float("nan")
    hol = frame["event"] if "event" in frame else pd.Series(False, index=frame.index)
    f["is_holiday"] = hol.astype(bool) if hol.dtype == bool else hol.astype(str).str.len() > 0
    agg = {name: "mean" for name in ENGINE_COVARIATES} | {"is_holiday": "any"}
    out = f.groupby(["store", "date"], sort=True).agg(agg).reset_index()
    return Canonical("features", out, ignored(mapping))


LEVELS = {frozenset({"location", "item"}): "series", frozenset({"location"}): "location",
          frozenset({"item"}): "item", frozenset(): "calendar"}


@dataclass
class Covariates:
    frame: pd.DataFrame  # store, dept, date, name, value (0 for the side a covariate is not of)
    kinds: dict  # name -> known | past
    level: str  # series, location, item or calendar


def covariates(frame: pd.DataFrame, mapping: Mapping, *, ids: dict[str, dict[str, int]], freq: str,
               skip: tuple[str, ...] = ()) -> Covariates:
    """The file's own covariates (``covariate:<name>:<kind>`` roles, but ``skip``) in long form, one value
    per period: the mean of the period's rows (a price, a discount %, a promotion flag's share of days)."""
    keys = [k for k in ("location", "item") if k in frame]
    roles = {r.split(":")[1]: (r, r.split(":")[2]) for r in mapping.roles()
             if r.startswith("covariate:") and r.split(":")[1] not in skip}
    base = pd.DataFrame({"store": frame["location"].map(ids["location"]).astype("int64") if "location" in keys else 0,
                         "dept": frame["item"].map(ids["item"]).astype("int64") if "item" in keys else 0},
                        index=frame.index)
    starts = label_to_start(pd.to_datetime(frame["date"]), freq, mapping.period_label)
    base["date"] = stored_period(starts, freq).astype("datetime64[ns]")
    parts = []
    for name, (role, _) in sorted(roles.items()):
        part = base.assign(name=name, value=pd.to_numeric(frame[role], errors="coerce").astype(float))
        parts.append(part[part["value"].notna()])
    columns = ["store", "dept", "date", "name", "value"]
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    long = long.groupby(["name", "store", "dept", "date"], as_index=False)["value"].mean()[columns]
    return Covariates(long, {name: kind for name, (_, kind) in roles.items()}, LEVELS[frozenset(keys)])


def attributes(frame: pd.DataFrame, side: str) -> list[dict]:
    """A locations or items file -> [{code, attrs}] (numbers stay numbers, empty cells are left out)."""
    prefix = f"{side}."
    out = []
    for row in frame.to_dict("records"):
        attrs = {}
        for role, value in row.items():
            if not role.startswith(prefix) or value is None or value == "" or (
                    isinstance(value, float) and pd.isna(value)):
                continue
            attrs[role[len(prefix):]] = _typed(value)
        out.append({"code": str(row[side]), "attrs": attrs})
    return out


def _typed(value):
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else float(value)
    text = str(value).strip()
    if len(text) > 1 and text.startswith("0") and not text.startswith("0."):
        return text  # a code-like value: its leading zeros matter
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text else number
