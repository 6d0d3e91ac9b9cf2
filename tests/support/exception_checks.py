"""Store-scope checks of the exceptions worklist (issue 19) for the ONE table
of tests/accounts/test_store_scope.py (its fixture: stores 1-3, departments
1-2, a served forecast of 10 x store for 2 weeks from 2011-02-18): with an
approved plan of 1 a week for every series and a materiality floor of 0, every
series is a plan gap; a restricted principal lists and answers her stores' only."""
from __future__ import annotations

from datetime import date, timedelta

from tests.conftest import in_tenant

STORES, DEPTS = (1, 2, 3), (1, 2)
WEEKS = (date(2011, 2, 18), date(2011, 2, 25))


def _plan_far_below(t):
    from django.db.models import Max

    from forecasting.models import DataSettings, Plan, PlanPoint

    with in_tenant(t):
        DataSettings.objects.update_or_create(pk=1, defaults={"materiality_floor": 0.0})
        current = Plan.objects.filter(status="approved").first()
        if current is not None and current.note == "far below":
            return current
        Plan.objects.filter(status="approved").update(status="superseded")
        plan = Plan.objects.create(number=(Plan.objects.aggregate(n=Max("number"))["n"] or 0) + 1, status="approved",
                                   model_number=1, origin=WEEKS[0] - timedelta(weeks=1), first_period=WEEKS[0],
                                   last_period=WEEKS[1], series=6, total=12.0, statistical_total=12.0, overrides=0,
                                   note="far below")
        PlanPoint.objects.bulk_create([PlanPoint(plan=plan, store=s, dept=d, date=w, forecast=1.0, statistical=1.0)
                                       for s in STORES for d in DEPTS for w in WEEKS])
        return plan


def check_exceptions(client, allowed, t):
    _plan_far_below(t)
    rows = client.get("/api/v1/exceptions/?page_size=500").json()["results"]
    gaps = [r for r in rows if r["kind"] == "plan_gap"]
    assert {r["store"] for r in gaps} == allowed and len(gaps) == len(allowed) * len(DEPTS)
    assert [r["money_at_stake"] for r in rows] == sorted((r["money_at_stake"] for r in rows), reverse=True)


def check_exception_answer(client, allowed, t):
    from forecasting.models import ExceptionDismissal

    _plan_far_below(t)
    with in_tenant(t):
        ExceptionDismissal.objects.all().delete()  # every principal answers the same rows afresh
    owner_rows = {}
    for r in client.get("/api/v1/exceptions/?page_size=500").json()["results"]:
        owner_rows[(r["store"], r["dept"])] = r["basis"]
    basis = next(iter(owner_rows.values()))
    for s in STORES:
        resp = client.post("/api/v1/exceptions/answers/", {"kind": "plan_gap", "store": s, "dept": 2, "basis": basis,
                                                           "reason": "known_cause"}, format="json")
        if s in allowed:
            assert resp.status_code == 201, resp.content
        else:
            assert resp.status_code == 404 and resp.json()["error"]["code"] == "exception_not_found", resp.content
    left = {(r["store"], r["dept"]) for r in client.get("/api/v1/exceptions/?page_size=500").json()["results"]
            if r["kind"] == "plan_gap"}
    assert left == {(s, 1) for s in allowed}


EXCEPTION_CHECKS = {
    "GET /api/v1/exceptions/": check_exceptions,
    "POST /api/v1/exceptions/answers/": check_exception_answer,
}
