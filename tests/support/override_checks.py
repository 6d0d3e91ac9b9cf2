"""Store-scope checks of the overrides API (issue 19) for the ONE table of
tests/accounts/test_store_scope.py (its fixture: stores 1-3 of type A,
departments 1-2, sales of the 6 weeks from 2011-01-07, a served forecast of
the 2 weeks after them)."""
from __future__ import annotations

from datetime import date

from tests.conftest import in_tenant

STORES, DEPTS = (1, 2, 3), (1, 2)
PERIOD = "2011-02-18"  # the served forecast's first week
ACTUAL_DAY = date(2011, 1, 7)  # a week with sales


def _seed(t) -> dict[int, int]:
    """One series override per store (and one on the total), each with a line on a week whose actual is
    known; the ids by store."""
    from forecasting.models import Override, OverrideLine

    with in_tenant(t):
        if not Override.objects.filter(note="scope check").exists():
            for s in STORES:
                o = Override.objects.create(level="series", key={"store": s, "dept": 1}, periods=[PERIOD],
                                            value=5.0, reason="promotion", note="scope check", stores=[s])
                OverrideLine.objects.create(override=o, store=s, dept=1, date=ACTUAL_DAY, statistical=0.0,
                                            final=100.0 * s)
            Override.objects.create(level="total", key={}, periods=[PERIOD], percent=10.0, reason="event",
                                    note="scope check", stores=list(STORES))
        return {o.key["store"]: o.pk for o in Override.objects.filter(note="scope check", level="series")}


def check_override_list(client, allowed, t):
    _seed(t)
    for query in ("", "?withdrawn=1"):
        body = client.get(f"/api/v1/overrides/{query}").json()
        assert {r["level"] for r in body["results"]} <= {"series", "store"}  # the total spans other stores
        assert {r["key"]["store"] for r in body["results"] if r["note"] == "scope check"} == allowed


def check_override_detail(client, allowed, t):
    ids = _seed(t)
    for s, pk in ids.items():
        resp = client.get(f"/api/v1/overrides/{pk}/")
        assert resp.status_code == (200 if s in allowed else 404), resp.content


def check_override_delete(client, allowed, t):
    from forecasting.models import Override

    with in_tenant(t):
        others = {s: Override.objects.create(level="series", key={"store": s, "dept": 2}, periods=[PERIOD],
                                             value=1.0, reason="other", stores=[s]).pk for s in STORES}
    for s, pk in others.items():
        resp = client.delete(f"/api/v1/overrides/{pk}/")
        assert resp.status_code == (204 if s in allowed else 404), resp.content
    with in_tenant(t):
        kept = set(Override.objects.filter(pk__in=others.values(), withdrawn_at__isnull=True)
                   .values_list("key__store", flat=True))
    assert kept == set(STORES) - allowed


def check_override_post(client, allowed, t):
    for s in STORES:
        resp = client.post("/api/v1/overrides/", {"level": "series", "key": {"store": s, "dept": 1},
                                                  "periods": [PERIOD], "percent": 5, "reason": "market"},
                           format="json")
        if s in allowed:
            assert resp.status_code == 201, resp.content
        else:
            assert resp.status_code == 404 and resp.json()["error"]["code"] == "node_not_found", resp.content
    for level, key in (("total", {}), ("dept", {"dept": 1}), ("store_type", {"type": "A"})):
        resp = client.post("/api/v1/overrides/", {"level": level, "key": key, "periods": [PERIOD], "percent": 5,
                                                  "reason": "market"}, format="json")
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "scope_restricted", (level, resp.content)


def check_value_added(client, allowed, t):
    _seed(t)
    rows = client.get("/api/v1/overrides/value-added/").json()["results"]
    # the seeded lines: final 100 x store against the actual 100 x store + 1 (department 1), statistical 0
    errors = {s: (100.0 * s + 1, 1.0) for s in STORES}
    assert sum(r["statistical_error"] for r in rows) == sum(errors[s][0] for s in allowed)
    assert sum(r["final_error"] for r in rows) == sum(errors[s][1] for s in allowed)


OVERRIDE_CHECKS = {
    "GET /api/v1/overrides/": check_override_list,
    "GET /api/v1/overrides/{id}/": check_override_detail,
    "DELETE /api/v1/overrides/{id}/": check_override_delete,
    "POST /api/v1/overrides/": check_override_post,
    "GET /api/v1/overrides/value-added/": check_value_added,
}
