"""The API surface of the product, discovered from the URLconf, and helpers to
call each endpoint with a fresh target object."""
from __future__ import annotations

import re

from django.urls import get_resolver

_PARAM = re.compile(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>")


from saas.checks import iter_patterns as _walk


def normalise(route: str) -> str:
    route = route.replace("^", "").replace("$", "").replace("\\.", ".")
    route = _PARAM.sub(lambda m: "{" + ("id" if (m.group(1) or m.group(2)) == "pk" else (m.group(1) or m.group(2))) + "}", route)
    return "/" + route


def discover_api_endpoints() -> set[str]:
    """{"GET /api/v1/members/", ...} for every API route and method."""
    found = set()
    for route, pattern in _walk(get_resolver("saas.urls_tenant").url_patterns):
        if not route.startswith("api/") or "format" in route:
            continue
        cb = pattern.callback
        actions = getattr(cb, "actions", None)
        if actions:
            methods = [m.upper() for m in actions if m not in ("head", "options")]
        else:
            cls = cb.cls
            methods = [m.upper() for m in cls.http_method_names
                       if hasattr(cls, m) and m not in ("options", "head", "trace")]
        for m in methods:
            found.add(f"{m} {normalise(route)}")
    return found
