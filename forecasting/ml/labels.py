"""Plain words for the model's features: the one label map.

Every feature name the model can produce (``features.feature_names`` with the
calendar names of ``calendar_feats.calendar_frame``) has a label and a kind of
value; pages, the API, charts and reports read names through these functions
and never spell a label themselves. Adding a feature is one line in ``FEATURES``
(a test fails until it has one). Raw column spellings of the upload files
(``MarkDown3``, ``Fuel_Price``, ``CPI``) are looked up case-insensitively.

Sales-derived features (``*_n``) are multiples of the series' average week (its
mean weekly sales over the 52 weeks before the forecast origin); contributions
are already in sales dollars (``insights.top_contributions``).
"""
from __future__ import annotations

import math

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
AVERAGE_WEEK = "× the series' average week"

# kind -> unit shown after a label ("Temperature (°F)"), "" when none
UNITS = {
    "money": "$", "multiple": AVERAGE_WEEK, "change_multiple": AVERAGE_WEEK, "ratio": "vs a year earlier",
    "share": "%", "weeks": "weeks", "days": "days", "flag": "", "event": "", "number": "", "index": "",
    "temperature": "°F", "fuel": "$ per gallon", "percent": "%", "sqft": "sq ft", "store_type": "",
    "month": "", "year": "", "log_money": "$", "dept_season": "× the department's average week",
}

# name -> (label, kind of value)
FEATURES: dict[str, tuple[str, str]] = {
    "h": ("Weeks ahead", "weeks"),
    # calendar (calendar_feats.calendar_frame): known in advance for the target week
    "week_of_year": ("Week of the year", "number"),
    "month": ("Month", "month"),
    "year": ("Year", "year"),
    "is_holiday": ("Holiday week", "flag"),
    "weeks_to_thanksgiving": ("Weeks to Thanksgiving", "event"),
    "weeks_to_christmas": ("Weeks to Christmas", "event"),
    "pre_christmas_days": ("Days in the run-up to Christmas (Dec 18–24)", "days"),
    "calendar_shift": ("Calendar shift from the same week last year", "days"),
    # the series' own history (features.SERIES_FEATURES)
    "base_n": ("Seasonal baseline", "multiple"),
    "lag52_n": ("Sales in the same week last year", "multiple"),
    "lag53_n": ("Sales in the week before the same week last year", "multiple"),
    "lag51_n": ("Sales in the week after the same week last year", "multiple"),
    "lag104_n": ("Sales in the same week two years ago", "multiple"),
    "last_n": ("Sales in the latest week", "multiple"),
    "mean4_n": ("Average sales over the last 4 weeks", "multiple"),
    "mean13_n": ("Average sales over the last 13 weeks", "multiple"),
    "std13_n": ("Week-to-week swings over the last 13 weeks", "multiple"),
    "growth13_n": ("Growth over the last 13 weeks vs a year earlier", "change_multiple"),
    "zero_frac52": ("Weeks without sales in the last year", "share"),
    "hist_weeks": ("Weeks of sales history", "weeks"),
    "log_scale": ("Average weekly sales over the last year", "log_money"),
    # department and store aggregates (features.AGG_FEATURES)
    "dept_season": ("Department's sales in the same week last year", "dept_season"),
    "dept_growth": ("Department's growth over the last 13 weeks", "ratio"),
    "store_growth": ("Store's growth over the last 13 weeks", "ratio"),
    "dept_share": ("Department's share of the store's sales", "share"),
    # the store (features.STORE_FEATURES)
    "store_type": ("Store type", "store_type"),
    "store_size": ("Store size", "sqft"),
    # planned promotions of the target week (panel.MARKDOWNS)
    **{f"markdown{i}": (f"Markdown {i}", "money") for i in range(1, 6)},
    "markdown_any": ("Any markdown", "flag"),
    # economic covariates, the last known at the origin (panel.ECON)
    "temperature": ("Temperature", "temperature"),
    "fuel_price": ("Fuel price", "fuel"),
    "cpi": ("Consumer price index", "index"),
    "unemployment": ("Unemployment rate", "percent"),
}


# the engine for any planning frequency's features (forecasting/ml/periodic/features.py ``feature_names``),
# in words that hold for a day, a week or a month; attributes and covariates are read by their own names
PERIODIC: dict[str, str] = {
    "h": "Periods ahead",
    "month": "Month", "day_of_week": "Day of the week", "day_of_month": "Day of the month",
    "days_to_month_end": "Days to the month's end", "day_of_year": "Day of the year",
    "week_of_year": "Week of the year", "days_in_month": "Days in the month",
    "last_n": "Sales in the latest period", "recent_n": "Recent average sales",
    "growth": "Growth of the level vs a year earlier", "year_n": "Sales in the same period a year earlier",
    "year_smooth_n": "Sales around the same period a year earlier", "open_frac": "Share of recent periods open",
    "history": "Periods of sales history", "phase_last_n": "Sales on the same weekday last week",
    "phase_mean_n": "Average sales on the same weekday, last 4 weeks",
    "event": "An event in the period", "event_before": "An event the period before",
    "event_after": "An event the period after", "to_event": "Periods to the next event",
    "from_event": "Periods since the last event",
}


def periodic_label(name) -> str:
    """A feature of the engine for any planning frequency in words: "item.category" -> "Category",
    "price_rel" -> "Price vs its last-year average", a weekday count "fridays" -> "Fridays in the month"."""
    key = _key(name)
    if key in PERIODIC:
        return PERIODIC[key]
    day = key.removesuffix("_vs_year_ago")
    if day.endswith("s") and day[:-1] in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                          "sunday"):
        return f"{day.capitalize()} in the month" + (" vs a year earlier" if key.endswith("_vs_year_ago") else "")
    if key.startswith(("location.", "item.")):
        return _fallback(key.split(".", 1)[1])
    return feature_label(name)


def _key(name) -> str:
    return str(name).strip().lower()


def known(name) -> bool:
    return _key(name) in FEATURES


def _fallback(name) -> str:
    words = "" if name is None else str(name).strip()
    if words.lower().endswith("_n"):
        words = words[:-2]
    words = words.replace("_", " ").strip() or "Unnamed feature"
    return words[0].upper() + words[1:]


def feature_label(name) -> str:
    """"lag52_n" -> "Sales in the same week last year"; an unknown name reads as words ("new_thing" -> "New thing");
    a retailer's known covariate against its normal: "price_rel" -> "Price vs its last-year average"."""
    spec = FEATURES.get(_key(name))
    if spec:
        return spec[0]
    if _key(name).endswith("_rel"):
        return f"{feature_label(str(name).strip()[:-4])} vs its last-year average"
    return _fallback(name)


def feature_unit(name) -> str:
    spec = FEATURES.get(_key(name))
    return UNITS.get(spec[1], "") if spec else ""


def feature_label_with_unit(name) -> str:
    """"temperature" -> "Temperature (°F)", "cpi" -> "Consumer price index" (for axes and legends)."""
    label, unit = feature_label(name), feature_unit(name)
    if not unit or unit == UNITS["ratio"] or unit.lower() in label.lower():
        return label
    return f"{label} ({unit})"


def _number(v: float, digits: int = 2) -> str:
    """Thousands separators, at most ``digits`` decimals, no trailing zeros, a real minus sign."""
    s = f"{abs(v):,.{digits}f}"
    s = s.rstrip("0").rstrip(".") if "." in s else s
    return ("−" if v < 0 and s != "0" else "") + s


def _plural(v: float, word: str) -> str:
    n = _number(v)
    return f"{n} {word}" if abs(v) == 1 else f"{n} {word}s"


def _event(v: float, event: str) -> str:
    w = int(round(v))
    if w == 0:
        return f"{event} week"
    return f"{_plural(abs(w), 'week')} {'before' if w > 0 else 'after'} {event}"


def format_feature_value(name, value) -> str:
    """The feature's value in plain words with its unit: "$12,500", "42.3 °F", "1.08 × the series' average week".
    None / NaN -> "unknown"."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "unknown" if value is None else str(value)
    if not math.isfinite(v):
        return "unknown"
    spec = FEATURES.get(_key(name))
    kind = spec[1] if spec else "number"
    if kind == "money":
        return f"{'−' if v < 0 else ''}${abs(v):,.0f}"
    if kind in ("multiple", "dept_season"):
        return f"{_number(v)} {UNITS[kind]}"
    if kind == "change_multiple":
        return f"{'+' if v > 0 else ''}{_number(v)} {AVERAGE_WEEK}"
    if kind == "ratio":
        return f"{'+' if v > 1 else ''}{_number((v - 1) * 100, 1)}% vs a year earlier"
    if kind == "share":
        return f"{_number(v * 100, 1)}%"
    if kind == "weeks":
        return _plural(v, "week")
    if kind == "days":
        return _plural(v, "day")
    if kind == "flag":
        return "yes" if v >= 0.5 else "no"
    if kind == "event":
        return _event(v, "Thanksgiving" if "thanksgiving" in _key(name) else "Christmas")
    if kind == "temperature":
        return f"{_number(v, 1)} °F"
    if kind == "fuel":
        return f"${v:,.2f} per gallon"
    if kind == "percent":
        return f"{_number(v, 1)}%"
    if kind == "sqft":
        return f"{v:,.0f} sq ft"
    if kind == "store_type":
        return chr(ord("A") + int(v)) if 0 <= v < 26 else _number(v)
    if kind == "month":
        return MONTHS[int(v) - 1] if 1 <= v <= 12 else _number(v)
    if kind == "year":
        return str(int(v))
    if kind == "log_money":
        return f"${math.exp(min(v, 700)):,.0f} a week"
    return _number(v)


def about_dollars(amount: float) -> str:
    """A rounded amount for a sentence: 4123 -> "$4,100", 1250 -> "$1,250", 87.4 -> "$87", 123456 -> "$123,000"."""
    a = abs(float(amount))
    step = 1 if a < 100 else 10 if a < 1000 else 50 if a < 10_000 else 100 if a < 100_000 else 1000
    return f"${round(a / step) * step:,.0f}"


def _subject(name, value, week: str | None) -> str:
    """The sentence's subject: what the feature says about the forecast week."""
    key = _key(name)
    spec = FEATURES.get(key)
    label, kind = spec if spec else (_fallback(name), "number")
    when = f"the week of {week}" if week else "the week"
    if not _finite(value):
        return label
    yes = float(value) > 0 if kind == "money" else float(value) >= 0.5
    if kind == "money":  # a planned markdown
        return f"{label} planned for {when}" if yes else f"No {label.lower()} planned for {when}"
    if key == "markdown_any":
        return f"A markdown planned for {when}" if yes else f"No markdown planned for {when}"
    if key == "is_holiday":
        return f"The holiday in {when}" if yes else f"No holiday in {when}"
    if kind == "event":
        text = format_feature_value(name, value)
        return f"{text[0].upper()}{text[1:]} ({when})"
    if kind == "multiple":
        return label
    return f"{label} ({format_feature_value(name, value)})"


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def driver_sentence(feature, contribution, value=None, week: str | None = None) -> str:
    """One driver in a sentence, the contribution in sales dollars:
    "Markdown 3 planned for the week of 2012-11-23 adds about $4,100",
    "Sales in the same week last year lowers the forecast by about $1,250"."""
    return _effect(_subject(feature, value, week), contribution)


def _effect(subject: str, contribution, unit: str = "$") -> str:
    """"<subject> adds about $4,100" / "lowers the forecast by about 12 units" / "has almost no effect"."""
    try:
        c = float(contribution)
    except (TypeError, ValueError):
        c = float("nan")
    if not math.isfinite(c):
        return f"{subject}: effect unknown"
    if abs(c) < 0.5:
        return f"{subject} has almost no effect"
    verb = "adds about" if c > 0 else "lowers the forecast by about"
    return f"{subject} {verb} {about_amount(c, unit)}"


def describe_drivers(drivers: list[dict], week: str | None) -> list[dict]:
    """Drivers ({feature, contribution, value}) with ``label``, ``value_text`` and ``sentence`` added."""
    return [{**d, "label": feature_label(d.get("feature")),
             "value_text": format_feature_value(d.get("feature"), d.get("value")),
             "sentence": driver_sentence(d.get("feature"), d.get("contribution"), d.get("value"), week)}
            for d in drivers]


# ------------------------------------------------- drivers of a daily or monthly forecast
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def about_amount(amount: float, unit: str = "$") -> str:
    """``about_dollars`` in the workspace's unit: a symbol before the figure ("€4,100"), a word after
    it ("4,100 units")."""
    figure = about_dollars(amount).removeprefix("$")
    unit = str(unit or "$").strip() or "$"
    return f"{figure} {unit}" if any(c.isalpha() for c in unit) else f"{unit}{figure}"


def periodic_value_text(name, value) -> str:
    """A feature's value of the engine for any planning frequency, in words: the day of the week by its
    name, the month by its name, a number with separators; blank when unknown."""
    if not _finite(value):
        return "—"
    key, v = _key(name), float(value)
    if key == "day_of_week" and 0 <= v <= 6:
        return DAY_NAMES[int(v)]
    if key == "month" and 1 <= v <= 12:
        return MONTHS[int(v) - 1]
    return _number(v)


def describe_periodic_drivers(drivers: list[dict], when: str | None, unit: str = "$") -> list[dict]:
    """Drivers ({feature, contribution, value}) of a daily or monthly forecast with ``label``,
    ``value_text`` and ``sentence``, the contribution in the workspace's unit: "promo (1) on 2026-12-01 adds
    about 12 units"."""
    out = []
    for d in drivers:
        label, text = periodic_label(d.get("feature")), periodic_value_text(d.get("feature"), d.get("value"))
        subject = f"{label} ({text}){f' on {when}' if when else ''}"
        out.append({**d, "label": label, "value_text": text, "sentence": _effect(subject, d.get("contribution"), unit)})
    return out
