"""The approved plan: a planner submits the served forecast with the
overrides (analyst+), an admin approves it, which freezes it as the plan the
API, the exports and the Overrides page serve and later runs are compared
with. A plan spans every store: store-restricted principals neither submit
nor approve one. Both writes are audited in their transaction."""
from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.audit import Actor, audit_record
from accounts.scope import StoreScope
from forecasting.models import Plan, PlanPoint
from forecasting.selectors.forecast import forecast_export_rows, latest_run
from forecasting.selectors.overrides import adjustments_for
from saas.errors import Conflict, Forbidden, NotFound, ValidationFailed

MAX_NOTE = 2000
BATCH = 5000


def _whole_workspace(scope: StoreScope, what: str) -> None:
    if scope.restricted:
        raise Forbidden(f"A plan spans every store and your access is limited to some: ask an admin to {what} it.",
                        code="scope_restricted")


def plan_submit(*, actor: Actor, scope: StoreScope, note: str = "") -> Plan:
    """Freeze the served run's final figures (statistical + overrides) as a submitted plan; audited."""
    _whole_workspace(scope, "submit")
    note = str(note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(f"note: at most {MAX_NOTE:,} characters.", details={"note": [f"at most {MAX_NOTE:,}"]})
    run = latest_run()
    if run is None:
        raise NotFound("There is no active model yet: train one first.", code="no_active_model")
    with transaction.atomic():
        with connection.cursor() as cur:  # numbering, one writer at a time
            cur.execute("LOCK TABLE forecasting_plan IN SHARE ROW EXCLUSIVE MODE")
        number = (Plan.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        plan = Plan.objects.create(number=number, run=run, model_number=run.model_version.number, origin=run.origin,
                                   first_period=run.origin, last_period=run.origin, series=0, total=0.0,
                                   statistical_total=0.0, overrides=len(adjustments_for(run)), note=note,
                                   created_by=actor.user, created_by_key=actor.api_key)
        total = statistical_total = 0.0
        series, dates, batch = set(), set(), []
        for store, dept, day, forecast, *_bands, _status, statistical in forecast_export_rows(run, scope=scope):
            batch.append(PlanPoint(plan=plan, store=store, dept=dept, date=day, forecast=forecast,
                                   statistical=statistical))
            total, statistical_total = total + forecast, statistical_total + statistical
            series.add((store, dept))
            dates.add(day)
            if len(batch) >= BATCH:
                PlanPoint.objects.bulk_create(batch)
                batch = []
        PlanPoint.objects.bulk_create(batch)
        if not dates:
            raise ValidationFailed("The served forecast has no points to plan on.", code="empty_forecast")
        Plan.objects.filter(pk=plan.pk).update(first_period=min(dates), last_period=max(dates), series=len(series),
                                               total=total, statistical_total=statistical_total)
        plan.refresh_from_db()
        audit_record(action="plan.submit", actor=actor, target_type="plan", target_id=plan.pk,
                     payload={"number": plan.number, "model_version": plan.model_number, "series": plan.series,
                              "first_period": plan.first_period.isoformat(),
                              "last_period": plan.last_period.isoformat(), "overrides": plan.overrides})
    return plan


def plan_approve(*, actor: Actor, scope: StoreScope, plan: Plan) -> Plan:
    """Approve a submitted plan (the approved one before it is superseded); audited."""
    _whole_workspace(scope, "approve")
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("LOCK TABLE forecasting_plan IN SHARE ROW EXCLUSIVE MODE")
        plan = Plan.objects.get(pk=plan.pk)
        if plan.status != Plan.Status.SUBMITTED:
            raise Conflict(f"Plan {plan.number} is {plan.status}: only a submitted plan can be approved.",
                           code="not_submitted")
        previous = Plan.objects.filter(status=Plan.Status.APPROVED).first()
        if previous is not None:
            Plan.objects.filter(pk=previous.pk).update(status=Plan.Status.SUPERSEDED)
        Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.APPROVED, approved_at=timezone.now(),
                                               approved_by=actor.user, approved_by_key=actor.api_key)
        plan.refresh_from_db()
        audit_record(action="plan.approve", actor=actor, target_type="plan", target_id=plan.pk,
                     payload={"number": plan.number, "superseded": previous.number if previous else None})
    return plan
