"""Issue 17: an upload through the product registers its stores and departments
as locations and items and sets the planning frequency (a real worker)."""
from __future__ import annotations

import pytest

from tests.conftest import api_client
from tests.support.data import upload

pytestmark = pytest.mark.worker

SALES = (b"Store,Dept,Date,Weekly_Sales,IsHoliday\n"
         b"1,1,2010-02-05,24924.5,FALSE\n1,1,2010-02-12,46039.49,TRUE\n1,92,2010-02-05,50.0,FALSE\n"
         b"12,1,2010-02-05,10,FALSE\n")
STORES = b"Store,Type,Size\n1,A,151315\n12,B,112238\n45,C,118221\n"


def test_uploads_register_locations_items_and_the_frequency(celery_worker_proc, tenant):
    client = api_client(tenant, key=tenant.admin_key)
    assert client.get("/api/v1/workspace/data-settings/").json()["frequency"] is None
    assert upload(tenant, SALES, "train.csv")["status"] == "succeeded"
    assert upload(tenant, STORES, "stores.csv")["status"] == "succeeded"
    locations = client.get("/api/v1/locations/").json()["results"]
    assert [(r["code"], r["attributes"], r["series"]) for r in locations] == [
        ("1", {"type": "A", "size": 151315}, 2), ("12", {"type": "B", "size": 112238}, 1),
        ("45", {"type": "C", "size": 118221}, 0)]
    assert [r["code"] for r in client.get("/api/v1/items/").json()["results"]] == ["1", "92"]
    assert client.get("/api/v1/workspace/data-settings/").json()["frequency"] == "W-FRI"
