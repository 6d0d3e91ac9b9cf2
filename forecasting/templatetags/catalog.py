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
    return table.get(int(key), (str(key), ""))[0]


@register.simple_tag(takes_context=True)
def location(context, store) -> str:
    words = context.get("words")
    return f"{words.location if words else 'Store'} {_code(context, 'location', store)}"


@register.simple_tag(takes_context=True)
def item(context, dept) -> str:
    words = context.get("words")
    return f"{words.item if words else 'Department'} {_code(context, 'item', dept)}"
