"""The API answers in its error shape in every mode and whatever format was
asked for: no Django debug page, no CSV-labelled error."""
from __future__ import annotations

from django.test import override_settings

from tests.conftest import api_client


def test_unrouted_api_path_is_json_even_with_debug(tenant):
    client = api_client(tenant, key=tenant.admin_key)
    for debug in (False, True):
        with override_settings(DEBUG=debug):
            resp = client.get("/api/v1/jobs/not-a-number/")
        assert resp.status_code == 404 and resp["Content-Type"] == "application/json", (debug, resp.content[:200])
        assert resp.json()["error"]["code"] == "not_found"


def test_errors_are_json_when_csv_was_asked_for(tenant):
    client = api_client(tenant, key=tenant.admin_key)
    resp = client.get("/api/v1/uploads/?format=csv&page=0")
    assert resp.status_code == 404 and resp["Content-Type"] == "application/json"
    assert api_client(tenant).get("/api/v1/sales/?format=csv")["Content-Type"] == "application/json"
