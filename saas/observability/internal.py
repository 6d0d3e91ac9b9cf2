"""Who counts as an internal caller (monitoring, the orchestrator's probes):
a direct peer on loopback or a private network that did not come through the
public proxy (the proxy always adds X-Forwarded-For), or anyone presenting
``SAAS_INTERNAL_TOKEN`` as a bearer token."""
from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings

# loopback and the RFC 1918 / ULA ranges a cluster's own network uses
INTERNAL_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7"))


def is_internal_request(request) -> bool:
    token = getattr(settings, "SAAS_INTERNAL_TOKEN", "")
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if token and auth.startswith("Bearer ") and hmac.compare_digest(auth[7:].strip(), token):
        return True
    if request.META.get("HTTP_X_FORWARDED_FOR") or request.META.get("HTTP_FORWARDED"):
        return False
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in net for net in INTERNAL_NETWORKS if net.version == peer.version)
