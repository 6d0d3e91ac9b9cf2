"""A series' location and item in the workspace's words and codes: ``{% location r.store %}`` gives
"Store 12" in Walmart's layout and "Store S-012" (or "Shop BER-01") in a retailer's. The codes come from
the context's ``codes`` (saas/context_processors.py: read once per request, when a page names one)."""
from __future__ import annotations

from django import template

register = template.Library()


def _code(context, side: str, key) -> str:
    codes = context.get("codes")
    if codes is None or key in (None, ""):
        return str(key)
    table = codes.locations if side == "location" else codes.items
    try:
        return table.get(int(key), (str(key), ""))[0]
    except (TypeError, ValueError):  # a code typed in a link: shown as typed
        return str(key)


@register.simple_tag(takes_context=True)
def location(context, store) -> str:
    words = context.get("words")
    return f"{words.location if words else 'Store'} {_code(context, 'location', store)}"


@register.simple_tag(takes_context=True)
def location_code(context, store) -> str:
    """The location's code alone (a picker's option)."""
    return _code(context, "location", store)


@register.simple_tag(takes_context=True)
def item_code(context, dept) -> str:
    return _code(context, "item", dept)


@register.simple_tag(takes_context=True)
def item(context, dept) -> str:
    words = context.get("words")
    return f"{words.item if words else 'Department'} {_code(context, 'item', dept)}"


# the unit of an attribute whose name alone does not say it (Walmart's stores file: size in square feet)
ATTRIBUTE_UNITS = {"size": "sq ft"}


@register.filter
def attribute_label(name: str) -> str:
    """'store_format' -> 'Store format'; 'size' -> 'Size (sq ft)'."""
    label = str(name).replace("_", " ").strip().capitalize()
    unit = ATTRIBUTE_UNITS.get(str(name).lower())
    return f"{label} ({unit})" if unit else label


@register.filter
def attribute(attrs, name):
    """A row's attribute value (None when it has none)."""
    return (attrs or {}).get(name)


@register.filter
def attribute_value(value) -> str:
    """An attribute as shown: numbers with thousands separators, text as it is, '—' when missing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6g}"


@register.filter
def attribute_sort(value) -> str:
    """The data-sort key of an attribute: a number sorts as a number, text as text, a blank last."""
    if value is None or value == "":
        return ""
    return repr(float(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
