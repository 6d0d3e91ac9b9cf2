"""The client's IP address, in one place (audit log, login lockout, /healthz).

Behind a TLS-terminating proxy, REMOTE_ADDR is the proxy. Each trusted proxy
appends the address it received the request from to ``X-Forwarded-For``, so
with ``SAAS_TRUSTED_PROXIES = N`` the client is the N-th entry from the right;
anything further left was written by the client and is never trusted. With
N = 0 (the default: nothing in front of the app) REMOTE_ADDR is used. A header
with fewer than N entries, or an entry that is not an IP address, means the
request did not come through the proxies: REMOTE_ADDR is used then too
(the same rule as Werkzeug's ProxyFix)."""
from __future__ import annotations

import ipaddress

from django.conf import settings


def _parse_ip(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:5678"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    hops = int(getattr(settings, "SAAS_TRUSTED_PROXIES", 0) or 0)
    if hops <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < hops:
        return remote
    return _parse_ip(forwarded[-hops]) or remote
