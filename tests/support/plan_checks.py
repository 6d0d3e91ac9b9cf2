"""Store-scope checks of the plans API (issue 19) for the ONE table of
tests/accounts/test_store_scope.py (its fixture: stores 1-3, departments 1-2,
a served forecast of 2 weeks from 2011-02-18): a plan spans every store, so a
store-restricted principal neither submits one nor sees its totals, and reads
the points of her own stores only."""
from __future__ import annotations

import csv
import io

from tests.conftest import in_tenant

STORES, DEPTS = (1, 2, 3), (1, 2)


def _approved(t):
    """An approved plan frozen from the fixture's served forecast (submitted and approved by the services)."""
    from accounts.audit import Actor
    from accounts.models import User
    from accounts.scope import StoreScope
    from forecasting.models import Plan
    from forecasting.services.plans import plan_approve, plan_submit

    with in_tenant(t):
        plan = Plan.objects.filter(status="approved").first()
        if plan is None:
            owner = Actor.for_user(User.objects.get(email=t.owner_email))
            plan = plan_approve(actor=owner, scope=StoreScope.all(),
                                plan=plan_submit(actor=owner, scope=StoreScope.all(), note="scope check"))
        return plan


def check_plan_list(client, allowed, t):
    _approved(t)
    body = client.get("/api/v1/plans/").json()
    assert body["count"] >= 1 and all(r["total"] is None and r["statistical_total"] is None for r in body["results"])


def check_plan_submit(client, allowed, t):
    resp = client.post("/api/v1/plans/", {"note": "mine"}, format="json")
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "scope_restricted", resp.content


def check_plan_current(client, allowed, t):
    plan = _approved(t)
    body = client.get("/api/v1/plans/current/").json()
    assert body["id"] == plan.pk and body["total"] is None
    assert {p["store"] for p in body["points"]} == allowed and len(body["points"]) == len(allowed) * len(DEPTS) * 2
    versus = body["versus_forecast"]
    assert versus["series"] == len(allowed) * len(DEPTS)  # her series only, like for like with the served run
    assert abs(versus["plan"] - sum(p["forecast"] for p in body["points"])) < 1e-6
    other = min(set(STORES) - allowed)
    assert client.get(f"/api/v1/plans/current/?store={other}").json()["points"] == []


def check_plan_export(client, allowed, t):
    _approved(t)
    resp = client.get("/api/v1/plans/current/export.csv")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(resp.streaming_content).decode())))
    assert {int(r["Store"]) for r in rows} == allowed


PLAN_CHECKS = {
    "GET /api/v1/plans/": check_plan_list,
    "POST /api/v1/plans/": check_plan_submit,
    "GET /api/v1/plans/current/": check_plan_current,
    "GET /api/v1/plans/current/export.csv": check_plan_export,
}
