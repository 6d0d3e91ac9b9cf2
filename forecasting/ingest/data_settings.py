"""The rules of a workspace's data settings on values alone (no database): one
place for the API and the web form. ``settings_clean(changes)`` answers the
cleaned values and the errors by field (``{field: [reason]}``), every bad field
named, nothing partial. Read-only fields (the frequency, inferred from the first
sales upload, may be set before it: a week ending on a chosen day; whether the codes are Walmart's numbers)
are not in ``WRITABLE``. The holiday weight is the next training's (``TrainConfig.holiday_weight``)."""
from __future__ import annotations

import unicodedata

import holidays

WORDS = ("location_word", "location_word_plural", "item_word", "item_word_plural", "measure_word")
WRITABLE = ("frequency", "country", "subdivision", *WORDS, "measure_unit", "materiality_floor", "holiday_weight",
            "forecast_retention_days")
RETENTION_DAYS = (28, 3650)  # a forecast run's points are kept at least four weeks, at most ten years
HOLIDAY_WEIGHT_MAX = 100.0
FLOOR_MAX = 1e9
FREQUENCIES = ("D", *(f"W-{d}" for d in ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")), "MS")
WORD_MAX, UNIT_MAX = 40, 12


def _text(value, limit: int, *, blank: bool) -> tuple[str | None, str | None]:
    if not isinstance(value, str):
        return None, "must be text"
    value = value.strip()
    if not value and not blank:
        return None, "must not be empty"
    if len(value) > limit:
        return None, f"at most {limit} characters"
    if any(unicodedata.category(c).startswith("C") for c in value):
        return None, "must not contain control characters"
    return value, None


def _number(value, low: float, high: float, reason: str) -> tuple[float | None, str | None]:
    """A number from ``low`` to ``high`` (not a boolean), or ``reason``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if isinstance(value, bool) or number is None or not low <= number <= high:
        return None, reason
    return number, None


def countries() -> list[str]:
    return sorted(holidays.list_supported_countries())


def subdivisions(country: str) -> list[str]:
    return sorted(holidays.country_holidays(country).subdivisions) if country else []


def settings_clean(changes: dict, *, current: dict) -> tuple[dict, dict]:
    """``changes``: field -> value (fields left out keep ``current``'s value).
    Unknown fields are errors; so is a subdivision of another country."""
    cleaned, errors = {}, {}
    for name, value in changes.items():
        if name not in WRITABLE:
            errors[name] = ["Unknown field."]
            continue
        if name == "frequency" and (value or "") == current.get("frequency", ""):
            continue  # sent back as read
        if name == "materiality_floor":
            out, err = _number(value, 0, FLOOR_MAX, "a number of the measure's unit per week, from 0 (every "
                                                    "figure counts) up")
        elif name == "holiday_weight":
            out, err = _number(value, 1, HOLIDAY_WEIGHT_MAX, "how much a holiday period weighs in the error "
                               f"measure against 1 for any other: from 1 (no extra weight) to {HOLIDAY_WEIGHT_MAX:g}")
        elif name == "forecast_retention_days":
            low, high = RETENTION_DAYS
            out, err = _number(value, low, high, f"whole days from {low} to {high}: older forecast runs keep their "
                                                 "totals by level and lose their series' rows")
            if out is not None and not float(out).is_integer():
                out, err = None, f"whole days from {low} to {high}"
            out = int(out) if out is not None else None
        elif name == "frequency":
            out, err = (value, None) if value in FREQUENCIES else (None, (
                "D (daily), W-MON .. W-SUN (weeks ending on that day) or MS (monthly): finer rows are summed "
                "into it"))
        elif name in ("country", "subdivision"):
            out, err = _text(value, 10, blank=True)
            out = out.upper() if out is not None else None
        else:
            out, err = _text(value, UNIT_MAX if name == "measure_unit" else WORD_MAX, blank=False)
        if err:
            errors[name] = [err]
        else:
            cleaned[name] = out
    country = cleaned.get("country", current.get("country", ""))
    if "country" in cleaned and country and country not in holidays.list_supported_countries():
        errors["country"] = [f"{country!r} is not a country code the holidays calendar knows (e.g. US, EC, DE)"]
    elif "country" in cleaned and cleaned["country"] != current.get("country") and "subdivision" not in cleaned:
        cleaned["subdivision"] = ""  # another country: the old subdivision no longer applies
    sub = cleaned.get("subdivision")
    if sub and "country" not in errors:
        if not country:
            errors["subdivision"] = ["set the country first"]
        elif sub not in subdivisions(country):
            errors["subdivision"] = [f"{sub!r} is not a subdivision of {country} "
                                     f"(e.g. {', '.join(subdivisions(country)[:3]) or 'none'})"]
    return ({} if errors else cleaned), errors
