"""Reads of automatic retraining: the tenant's policy (a default, unsaved one
until an admin sets it), the champion's live accuracy over its last K
realized weeks, and the policy as the API, the pages and the Monitoring
answer show it."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from billing import selectors as billing_selectors
from forecasting.ml.lifecycle.retraining import next_scheduled_retrain, schedule_label
from forecasting.ml.periods import is_weekly, period_noun, periods_after, periods_for_weeks, weeks_as_periods
from forecasting.models import ModelEvaluation, ModelVersion, RetrainingPolicy


def retraining_policy_get() -> RetrainingPolicy:
    """The current tenant's policy; never written by a read (the defaults: everything off)."""
    return RetrainingPolicy.objects.filter(pk=1).first() or RetrainingPolicy()


def champion() -> ModelVersion | None:
    return ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()


def live_accuracy_recent(*, version: ModelVersion, weeks: int) -> dict | None:
    """The version's live WMAE and seasonal naive's on the same rows over its
    last ``weeks`` realized weeks (in its own periods: 7 days a week, a month
    for about 4 weeks), or None when fewer were realized. Each period is
    scored from the newest of the version's runs that predicted it (the
    forecast served then), read from the stored per-step figures (one step =
    one period of a run); periods combine weighted by their realized rows."""
    freq = version.frequency
    latest: dict[int, ModelEvaluation] = {}
    for ev in ModelEvaluation.objects.filter(model_version=version).order_by("run_id", "last_week"):
        latest[ev.run_id] = ev  # a run's newest evaluation covers all its realized periods
    by_period: dict = {}
    for ev in latest.values():
        for step in ev.per_step or []:
            when = (date.fromisoformat(step["date"]) if step.get("date")
                    else periods_after(ev.origin, int(step["step"]), freq).date())
            if when not in by_period or ev.origin > by_period[when][0]:
                by_period[when] = (ev.origin, step)
    wanted = weeks_as_periods(weeks, freq) if weeks > 0 else 0
    recent = sorted(by_period)[-wanted:] if wanted > 0 else []
    if len(recent) < wanted or not recent:
        return None
    steps = [by_period[w][1] for w in recent]
    rows = sum(int(s["rows"]) for s in steps)
    if rows <= 0:
        return None
    live = sum(float(s["wmae"]) * int(s["rows"]) for s in steps) / rows
    naive = sum(float(s["seasonal_naive"]["wmae"]) * int(s["rows"]) for s in steps) / rows
    return {"wmae": live, "seasonal_naive_wmae": naive, "weeks": weeks, "periods": len(recent), "rows": rows,
            "first_week": recent[0], "last_week": recent[-1]}


def trainings_quota() -> tuple[int, int]:
    """(trainings started in the last 24 hours, the plan's allowance)."""
    return billing_selectors.usage("trainings_per_day"), billing_selectors.allowed("trainings_per_day")


def policy_fields(policy: RetrainingPolicy) -> dict:
    return {name: getattr(policy, name) for name in (
        "schedule", "weekday", "day_of_month", "hour", "time_zone", "on_new_data", "min_new_weeks",
        "on_degradation", "degradation_weeks", "degradation_tolerance", "degradation_vs_naive", "cooldown_hours",
        "shadow_weeks")}


def policy_in_periods(policy: dict, freq: str) -> dict:
    """The policy's settings in weeks as the periods of ``freq`` they are read as (forecasting/ml/periods.py):
    the new periods an upload must add, the realized periods degradation is read on, the shadow periods
    (before the cap at the challenger's horizon); {} for a weekly workspace."""
    if is_weekly(freq):
        return {}

    def said(n: int) -> str:
        return f"{n} {period_noun(freq, n != 1)}"

    return {"min_new_weeks": said(periods_for_weeks(policy["min_new_weeks"], freq)),
            "degradation_weeks": said(weeks_as_periods(policy["degradation_weeks"], freq)),
            "shadow_weeks": said(weeks_as_periods(policy["shadow_weeks"], freq)) if policy["shadow_weeks"] else ""}


def policy_summary(policy: RetrainingPolicy | None = None, *, now: datetime | None = None) -> dict:
    """The policy with what it implies now: its next scheduled retrain and its last decision."""
    policy = policy or retraining_policy_get()
    upcoming = next_scheduled_retrain(policy, now or timezone.now())
    return {**policy_fields(policy), "schedule_label": schedule_label(policy),
            "next_scheduled_retrain": upcoming,
            "next_scheduled_retrain_local": upcoming.astimezone(ZoneInfo(policy.time_zone)).isoformat()
            if upcoming else None,
            "last_triggered_at": policy.last_triggered_at, "last_decision": policy.last_decision or None,
            "updated_at": None if policy._state.adding else policy.updated_at}  # None: never set
