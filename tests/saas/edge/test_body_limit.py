"""Request bodies larger than the biggest plan's upload limit plus a margin are
refused with 413 before anything reads them (the CSRF middleware would spool
a multipart body to disk before authentication); bodies without a length
(chunked) are refused with 411. The proxy in docker-compose.yml has the same limit."""
from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import REPO


class ExplodingInput:
    """A wsgi.input that fails the test if anyone reads the body."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = read

    def __iter__(self):
        raise AssertionError("the request body was read")


def _limit() -> int:
    from billing.plans import PLANS
    from saas.middleware import max_request_body_bytes

    limit = max_request_body_bytes()
    assert limit > max(p.max_upload_bytes for p in PLANS.values())
    return limit


def _post(host, path, length, **extra):
    # (the test client sets CONTENT_* only for a non-empty body: given as extra environ here)
    return Client(HTTP_HOST=host).generic("POST", path, b"", CONTENT_TYPE="multipart/form-data; boundary=xyz",
                                       CONTENT_LENGTH=str(length), **{"wsgi.input": ExplodingInput()}, **extra)


@pytest.mark.parametrize("path", ["/api/v1/uploads/", "/api/v1/anything/"])
def test_oversized_api_body_is_413_json_without_reading_it(tenant, path):
    resp = _post(tenant.host, path, _limit() + 1, HTTP_AUTHORIZATION=f"Token {tenant.admin_key}")
    assert resp.status_code == 413
    err = resp.json()["error"]
    assert err["code"] == "request_too_large" and err["details"]["max_bytes"] == _limit()
    assert "MB" in err["message"]


@pytest.mark.parametrize("host_of", ["tenant", "public", "unknown"])
def test_oversized_page_body_is_413_page_without_reading_it(tenant, host_of):
    host = {"tenant": tenant.host, "public": "localhost", "unknown": "nope.localhost"}[host_of]
    resp = _post(host, "/accounts/login/" if host_of != "public" else "/signup/", 10 * _limit())
    assert resp.status_code == 413
    assert resp["Content-Type"].startswith("text/html") and b"too large" in resp.content
    assert (tenant.tenant.name.encode() not in resp.content)


def test_chunked_body_without_length_is_refused(tenant):
    resp = Client(HTTP_HOST=tenant.host).generic(
        "POST", "/api/v1/uploads/", b"", CONTENT_TYPE="multipart/form-data; boundary=xyz", HTTP_TRANSFER_ENCODING="chunked",
        HTTP_AUTHORIZATION=f"Token {tenant.admin_key}", **{"wsgi.input": ExplodingInput()})
    assert resp.status_code == 411 and resp.json()["error"]["code"] == "length_required"


def test_body_within_the_limit_goes_through(tenant):
    resp = Client(HTTP_HOST=tenant.host).post("/accounts/login/", {"username": "x@y.test", "password": "nope"})
    assert resp.status_code == 200  # the login form again, with an error


def test_proxy_in_docker_compose_refuses_the_same_size():
    conf = (REPO / "docker" / "nginx.conf").read_text()
    sizes = re.findall(r"^\s*client_max_body_size\s+(\d+)([kKmMgG]?);", conf, re.M)
    assert sizes, "client_max_body_size missing from docker/nginx.conf"
    unit = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
    for number, suffix in sizes:
        assert int(number) * unit[suffix.lower()] == _limit()
    compose = (REPO / "docker-compose.yml").read_text()
    assert "docker/nginx.conf" in compose
