"""Reads of the plans: the list, the approved one with its points (of the
principal's stores), and how the served forecast compares with it over the
series and weeks they share."""
from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from accounts.scope import StoreScope
from forecasting.models import ForecastRun, Plan
from forecasting.selectors.overrides import override_deltas


def plan_list() -> QuerySet:
    return Plan.objects.select_related("created_by", "created_by_key", "approved_by", "approved_by_key")


def plan_get(*, plan_id) -> Plan | None:
    try:
        return plan_list().get(pk=int(plan_id))
    except (Plan.DoesNotExist, ValueError, TypeError):
        return None


def plan_current() -> Plan | None:
    return plan_list().filter(status=Plan.Status.APPROVED).first()


def plan_points(plan: Plan, *, scope: StoreScope, store: int | None = None, dept: int | None = None):
    """(store, dept, date, forecast, statistical) of the plan in the scope, in key order."""
    qs = scope.filter(plan.points.all())
    if store is not None:
        qs = qs.filter(store=store)
    if dept is not None:
        qs = qs.filter(dept=dept)
    return qs.order_by("store", "dept", "date").values_list("store", "dept", "date", "forecast", "statistical")


def plan_and_forecast(plan: Plan, run: ForecastRun, *, scope: StoreScope) -> list[tuple]:
    """(store, dept, date, planned, served) over the series x weeks the plan and ``run`` both have, in the
    scope: ``served`` the run's final figure (with the planners' overrides)."""
    cond, params = scope.sql("p.store")
    with connection.cursor() as cur:
        cur.execute(f"""SELECT p.store, p.dept, p.date, p.forecast, f.forecast
                        FROM forecasting_planpoint p JOIN forecasting_forecastpoint f
                          ON f.run_id = %s AND f.store = p.store AND f.dept = p.dept AND f.date = p.date
                        WHERE p.plan_id = %s AND {cond}""", [run.pk, plan.pk, *params])
        rows = cur.fetchall()
    deltas = override_deltas(run) if rows else {}
    return [(s, d, day, planned, served + deltas.get((s, d, day), 0.0)) for s, d, day, planned, served in rows]


def plan_vs_forecast(plan: Plan, run: ForecastRun | None, *, scope: StoreScope) -> dict | None:
    """The served final forecast against the plan over the series × weeks both have (like for like):
    {weeks, series, plan, forecast, difference, change}; None when they share none."""
    rows = plan_and_forecast(plan, run, scope=scope) if run is not None else []
    if not rows:
        return None
    planned, served = sum(r[3] for r in rows), sum(r[4] for r in rows)
    return {"weeks": len({r[2] for r in rows}), "series": len({(r[0], r[1]) for r in rows}),
            "first_period": min(r[2] for r in rows), "last_period": max(r[2] for r in rows),
            "plan": planned, "forecast": served, "difference": served - planned,
            "change": (served / planned - 1.0) if planned else None}
