"""Figures in plain words: money with thousands separators and a unit,
signed percentages, blanks as an em dash (never "None")."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from forecasting.ml import labels
from forecasting.ml.insights import ANOMALY_RULES
from forecasting.web.explanations import explanation

register = template.Library()
DASH = "—"
ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")


@register.simple_tag(takes_context=True)
def explain(context, key: str) -> str:
    """The one-line explanation of a figure (forecasting/web/explanations.py), for a ``title`` attribute, in
    the workspace's periods (the page's ``words``)."""
    words = context.get("words")
    return explanation(key, getattr(words, "period", "week"))


@register.filter
def money(value, unit: str = "$") -> str:
    """12345.6 -> "$12,346"; negative -> "−$1,200". ``unit``: the workspace's measure unit (``words.unit``):
    a symbol goes before the figure ("€12,346"), a word after it ("12,346 units"); blank is "$"."""
    if value is None or value == "":
        return DASH
    v = float(value)
    return with_unit(f"{abs(v):,.0f}", "−" if v < 0 else "", unit)


@register.filter
def money_exact(value, unit: str = "$") -> str:
    """``money`` to two decimals, trailing zeros dropped: 2.857 -> "2.86 units" (a small threshold)."""
    if value is None or value == "":
        return DASH
    v = float(value)
    return with_unit(f"{abs(v):,.2f}".rstrip("0").rstrip("."), "−" if v < 0 else "", unit)


def with_unit(figure: str, sign: str, unit) -> str:
    unit = str(unit or "$").strip() or "$"
    if any(c.isalpha() for c in unit):
        return f"{sign}{figure} {unit}"
    return f"{sign}{unit}{figure}"


@register.filter
def pct(value, digits: int = 1) -> str:
    """0.0523 -> "+5.2%" (a change); None -> "—"."""
    if value is None or value == "":
        return DASH
    v = float(value) * 100
    sign = "+" if v > 0 else ("−" if v < 0 else "")
    return f"{sign}{abs(v):,.{int(digits)}f}%"


@register.filter
def share(value, digits: int = 1) -> str:
    """0.123 -> "12.3%" (a level, unsigned)."""
    if value is None or value == "":
        return DASH
    return f"{float(value) * 100:,.{int(digits)}f}%"


@register.filter
def sortkey(value) -> str:
    """A number for data-sort attributes (blank sorts last)."""
    return "" if value is None or value == "" else repr(float(value))


@register.filter
def money_short(value, unit: str = "$") -> str:
    """A card's value that fits a phone: 6135360.99 -> "$6.14M"; 61234 -> "$61.2K"; 950 -> "$950" (``unit``:
    as for ``money``: "61.2K units")."""
    if value is None or value == "":
        return DASH
    v = float(value)
    sign, a = ("−" if v < 0 else ""), abs(v)
    for suffix, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if a >= size:
            return with_unit(f"{a / size:,.{2 if a / size < 100 else 1}f}{suffix}", sign, unit)
    return with_unit(f"{a:,.0f}", sign, unit)


@register.filter
def isotime(value) -> str:
    """An ISO date-time string (as the API gives it) -> "2012-03-02 14:05" (UTC)."""
    if not value:
        return DASH
    try:
        return datetime.fromisoformat(str(value)).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value)


@register.filter
def signed_money(value, unit: str = "$") -> str:
    """An effect on a forecast: 4123.4 -> "+$4,123"; -1250 -> "−$1,250"; 0 -> "$0"; in the workspace's
    ``unit``: "+12 units"."""
    if value is None or value == "":
        return DASH
    v = round(float(value))
    return with_unit(f"{abs(v):,.0f}", "+" if v > 0 else "−" if v < 0 else "", unit)


@register.filter
def feature_label(name) -> str:
    """A model feature in plain words (the one label map, forecasting/ml/labels.py)."""
    return labels.feature_label(name)


@register.filter
def nowrap_dates(text) -> str:
    """Escaped text whose ISO dates never break across lines ("the week of 2012-11-23")."""
    return mark_safe(ISO_DATE.sub(r'<span class="nowrap">\1</span>', escape(str(text))))


@register.filter
def anomaly_rule(method) -> str:
    """An anomaly's method (forecasting/ml/insights.py) in words."""
    return ANOMALY_RULES.get(method, method or DASH)
