"""Figures in plain words: money with thousands separators and a unit,
signed percentages, blanks as an em dash (never "None")."""
from __future__ import annotations

from django import template

register = template.Library()
DASH = "—"


@register.filter
def money(value) -> str:
    """12345.6 -> "$12,346"; negative -> "−$1,200"."""
    if value is None or value == "":
        return DASH
    v = float(value)
    return f"{'−' if v < 0 else ''}${abs(v):,.0f}"


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
    return "" if value is None else repr(float(value))
