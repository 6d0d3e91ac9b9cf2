"""Store-scope checks of the Insights API (issue 9, page 6) for the ONE table
of tests/accounts/test_store_scope.py (its fixture: stores 1-3, departments
1-2, sales of 6 weeks, a forecast of 2 weeks of 10 x store with lo95=0, hi95=3)."""
from __future__ import annotations

import csv
import io

from tests.conftest import in_tenant

STORES, DEPTS = (1, 2, 3), (1, 2)


def _write_snapshots(t):
    """The worker's snapshot, with one anomaly row per seeded series (the fixture's flat sales have none) so
    the check sees which stored rows a principal gets; a materiality floor of 0 (the fixture's dollars are
    small: these checks are about the scope, tests/forecasting/ml/test_materiality.py about the floor)."""
    from forecasting.models import DataSettings, InsightSnapshot
    from forecasting.services.insights import insights_snapshot_write

    with in_tenant(t):
        DataSettings.objects.update_or_create(pk=1, defaults={"materiality_floor": 0.0})
        insights_snapshot_write()
        snap = InsightSnapshot.objects.get(kind="anomalies")
        snap.data = {**snap.data, "results": [
            {"store": s, "dept": d, "date": "2011-01-07", "sales": 1.0, "expected": 0.0, "lo": 0.0, "hi": 0.5,
             "deviation": 1.0, "method": "band", "score": 1.0} for s in STORES for d in DEPTS]}
        snap.save()
        roi = InsightSnapshot.objects.get(kind="markdown_roi")  # the fixture's model has no readable file
        roi.data = {**roi.data, "results": [
            {"store": s, "dept": d, "markdown": "markdown1", "incremental_sales": 10.0 * s, "cost": 1.0 * s}
            for s in STORES for d in DEPTS]}
        roi.save()


def check_hotspots(client, allowed, t):
    _write_snapshots(t)
    body = client.get("/api/v1/insights/hotspots/").json()
    assert {r["store"] for r in body["results"]} == allowed and body["count"] == len(allowed) * len(DEPTS)


def check_anomalies(client, allowed, t):
    _write_snapshots(t)
    body = client.get("/api/v1/insights/anomalies/").json()
    assert {r["store"] for r in body["results"]} == allowed and body["count"] == len(allowed) * len(DEPTS)


def check_markdown_roi(client, allowed, t):
    """Each department sums the effects and costs of the principal's stores only."""
    _write_snapshots(t)
    body = client.get("/api/v1/insights/markdown-roi/?margin=0.5").json()
    rows = {r["dept"]: r for r in body["results"]}
    assert set(rows) == set(DEPTS)
    for r in rows.values():
        assert r["incremental_sales"] == sum(10.0 * s for s in allowed) and r["cost"] == sum(allowed)
        assert r["stores"] == len(allowed) and r["roi"] == (r["incremental_sales"] * 0.5 - r["cost"]) / r["cost"]


def check_inventory(client, allowed, t):
    body = client.get("/api/v1/insights/inventory/?lead_time=2&service_level=0.9").json()
    assert {r["store"] for r in body["results"]} == allowed
    assert {r["demand"] for r in body["results"]} == {20.0 * s for s in allowed}  # 2 weeks of 10 x store
    resp = client.get("/api/v1/insights/inventory/?lead_time=1&format=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(resp.streaming_content).decode())))
    assert {int(r["store"]) for r in rows} == allowed


def check_on_hand(client, allowed, t):
    """Another store's stock is refused (row, field, reason; nothing written); her own replaces only hers."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from forecasting.models import OnHandStock

    other = min(set(STORES) - allowed)
    with in_tenant(t):
        OnHandStock.objects.all().delete()
        OnHandStock.objects.create(store=other, dept=1, on_hand=5.0)

    def post(text):
        return client.post("/api/v1/inventory/on-hand/", {"file": SimpleUploadedFile("s.csv", text.encode())},
                           format="multipart")

    mine = min(allowed)
    resp = post(f"Store,Dept,OnHand\n{mine},1,3\n{other},1,7\n")
    assert resp.status_code == 400, resp.content
    assert resp.json()["error"]["details"]["errors"] == [
        {"row": 3, "field": "Store", "value": str(other), "reason": "not one of your stores"}]
    with in_tenant(t):
        assert list(OnHandStock.objects.values_list("store", "on_hand")) == [(other, 5.0)]
    assert post(f"Store,Dept,OnHand\n{mine},1,3\n").status_code == 201
    with in_tenant(t):
        assert sorted(OnHandStock.objects.values_list("store", "on_hand")) == sorted([(other, 5.0), (mine, 3.0)])


INSIGHTS_CHECKS = {
    "GET /api/v1/insights/markdown-roi/": check_markdown_roi,
    "GET /api/v1/insights/hotspots/": check_hotspots,
    "GET /api/v1/insights/anomalies/": check_anomalies,
    "GET /api/v1/insights/inventory/": check_inventory,
    "POST /api/v1/inventory/on-hand/": check_on_hand,
}
