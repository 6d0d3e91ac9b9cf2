"""Behind the TLS proxy every request comes from the proxy's address: the
client is resolved from X-Forwarded-For with SAAS_TRUSTED_PROXIES trusted hops
(0 = use REMOTE_ADDR), for the audit log and the login lockout alike. Entries
a client adds on the left of the header are never trusted."""
from __future__ import annotations

import pytest
from django.test import RequestFactory

from tests.conftest import PASSWORD, in_tenant, web_client

PROXY = "172.18.0.5"


@pytest.mark.parametrize("hops,xff,expected", [
    (0, "203.0.113.7", PROXY),                        # default: no proxy trusted
    (1, "203.0.113.7", "203.0.113.7"),
    (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),       # spoofed entry on the left is ignored
    (1, "6.6.6.6,1.1.1.1,  203.0.113.7 ", "203.0.113.7"),
    (2, "6.6.6.6, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
    (2, "203.0.113.7", PROXY),                        # fewer hops than configured: not via the proxies
    (1, "", PROXY),
    (1, "not-an-ip", PROXY),
    (1, "6.6.6.6, 2001:db8::1", "2001:db8::1"),
])
def test_client_ip_resolution(settings, hops, xff, expected):
    from saas.client_ip import client_ip

    settings.SAAS_TRUSTED_PROXIES = hops
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=xff)
    assert client_ip(request) == expected


def _login(tenant, password, client_addr, spoof=""):
    xff = f"{spoof}, {client_addr}" if spoof else client_addr
    return web_client(tenant).post("/accounts/login/", {"username": tenant.owner_email, "password": password},
                                   REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=xff)


def test_audit_event_records_the_forwarded_client(tenant, settings):
    from accounts.models import AuditEvent

    settings.SAAS_TRUSTED_PROXIES = 1
    _login(tenant, "wrong-password", "198.51.100.20", spoof="9.9.9.9")
    with in_tenant(tenant):
        event = AuditEvent.objects.filter(action="auth.login_failed").order_by("-id").first()
    assert event.ip == "198.51.100.20"


def test_lockout_is_per_forwarded_client_and_ignores_spoofed_entries(tenant, settings):
    settings.SAAS_TRUSTED_PROXIES = 1
    attacker = "198.51.100.66"
    for i in range(5):  # the attacker rotates a made-up address on the left of the header
        _login(tenant, "wrong-password", attacker, spoof=f"192.0.2.{i}")
    locked = _login(tenant, PASSWORD, attacker, spoof="192.0.2.99")
    assert locked.status_code == 429 and b"locked" in locked.content
    # the owner, behind the same proxy but from another address, still logs in
    assert _login(tenant, PASSWORD, "203.0.113.10").status_code == 302
