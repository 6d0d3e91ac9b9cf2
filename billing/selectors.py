"""Reads of plans, limits and usage: the registry of every limit a plan sets
(``LIMITS``) and what the current tenant uses of each. Enforcement lives in
``billing.services``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from accounts.models import ApiKey, User
from billing.meters import METERS
from billing.models import Statement, UsageDay
from billing.plans import PLANS, PlanLimits, plan_limits
from forecasting.models import Covariate, SalesRecord, SimulationUse, StoreWeek, Upload
from jobs.models import Job


def _members() -> int:
    return User.objects.filter(is_active=True).count()


def _api_keys() -> int:
    return ApiKey.objects.filter(revoked_at__isnull=True).count()


def _trainings_today() -> int:
    return Job.objects.filter(kind=Job.Kind.TRAIN, created_at__gte=timezone.now() - timedelta(days=1)).count()


SIMULATIONS_WINDOW = timedelta(days=1)  # the simulations-per-day quota counts the runs of the last day


def _simulations_today() -> int:
    return SimulationUse.objects.filter(created_at__gte=timezone.now() - SIMULATIONS_WINDOW).count()


def _stored_rows() -> int:
    """Every row kept of the workspace's data: sales, Walmart's store-week features and the retailer's own
    covariates (a daily file with a price and a promotion column stores three rows per line)."""
    return SalesRecord.objects.count() + StoreWeek.objects.count() + Covariate.objects.count()


def _storage_bytes() -> int:
    return Upload.objects.aggregate(total=Sum("size"))["total"] or 0


stored_rows_count, storage_bytes_count = _stored_rows, _storage_bytes  # measured by billing.metering


@dataclass(frozen=True)
class Limit:
    name: str
    attr: str  # field of PlanLimits
    label: str  # plain words, read after the number ("3 active API keys", "50 MB per upload")
    unit: str = ""  # how the numbers read: "", "bytes", "rows", "weeks"
    usage: Callable[[], int] | None = None  # counted limits; None: a per-request value
    status: int = 402  # HTTP status of the refusal


LIMITS: dict[str, Limit] = {limit.name: limit for limit in (
    Limit("members", "max_members", "active members", usage=_members),
    Limit("api_keys", "max_api_keys", "active API keys", usage=_api_keys),
    Limit("upload_bytes", "max_upload_bytes", "per upload", unit="bytes", status=413),
    Limit("upload_rows", "max_upload_rows", "rows per upload", unit="rows"),
    Limit("stored_rows", "max_stored_rows", "stored rows of sales and covariates", unit="rows", usage=_stored_rows),
    Limit("storage_bytes", "max_storage_bytes", "of stored uploads", unit="bytes", usage=_storage_bytes),
    Limit("trainings_per_day", "max_trainings_per_day", "trainings in 24 hours", usage=_trainings_today),
    Limit("forecast_horizon", "max_forecast_horizon", "of forecast horizon", unit="weeks"),
    Limit("api_requests_per_minute", "max_api_requests_per_minute", "API requests per minute", status=429),
    Limit("api_requests_per_minute_per_client", "max_api_requests_per_minute_per_client",
          "API requests per minute per key or member", status=429),
    Limit("simulations_per_day", "max_simulations_per_day", "simulations in 24 hours", usage=_simulations_today),
)}


def tenant_plan() -> str:
    return connection.tenant.plan


def current_limits() -> PlanLimits:
    return plan_limits(tenant_plan())


def allowed(limit: str, plan: str | None = None) -> int:
    return getattr(plan_limits(plan or tenant_plan()), LIMITS[limit].attr)


def usage(limit: str) -> int | None:
    counter = LIMITS[limit].usage
    return counter() if counter else None


def plan_lifting(limit: str, plan: str, needed: int) -> str | None:
    """The first plan after ``plan`` whose limit admits ``needed``."""
    names = list(PLANS)
    start = names.index(plan) + 1 if plan in names else 0
    return next((name for name in names[start:] if getattr(PLANS[name], LIMITS[limit].attr) >= needed), None)


def plan_with_feature(feature: str, plan: str) -> str | None:
    names = list(PLANS)
    start = names.index(plan) + 1 if plan in names else 0
    return next((name for name in names[start:] if feature in PLANS[name].features), None)


def plan_usage() -> tuple[PlanLimits, dict]:
    """The current tenant's plan limits and what it uses of the counted ones."""
    return current_limits(), {name: spec.usage() for name, spec in LIMITS.items() if spec.usage}


def limit_rows() -> list[dict]:
    """One row per limit for the Billing page: allowed on each plan, and the
    current usage where it is counted."""
    plan = tenant_plan()
    return [{"name": name, "label": spec.label, "unit": spec.unit, "usage": usage(name),
             "allowed": allowed(name, plan), "plans": [getattr(PLANS[p], spec.attr) for p in PLANS]}
            for name, spec in LIMITS.items()]


# ------------------------------------------------------- usage and statements
def usage_days(*, since, until) -> list:
    """The current tenant's UsageDay rows from ``since`` to ``until`` (inclusive)."""
    return list(UsageDay.objects.filter(tenant_id=connection.tenant.pk, day__gte=since, day__lte=until)
                .order_by("day"))


def statement_list():
    return Statement.objects.filter(tenant_id=connection.tenant.pk).order_by("-period_start")


def statement_get(*, statement_id: int):
    return statement_list().filter(pk=statement_id).first()


def usage_report(*, since, until) -> dict:
    """Daily usage from ``since`` to ``until`` with a row for every day (zeros
    where nothing was used), and totals: counters summed, gauges at their
    latest measurement. Read by the Usage page and ``GET /api/v1/usage/``."""
    found = {row.day: row for row in usage_days(since=since, until=until)}
    days, day = [], since
    while day <= until:
        row = found.get(day)
        entry = {"day": day.isoformat(), **{name: getattr(row, name) if row else 0 for name in METERS}}
        entry["training_minutes"] = round(entry["training_seconds"] / 60, 1)
        days.append(entry)
        day += timedelta(days=1)
    totals = {name: sum(d[name] for d in days) for name, m in METERS.items() if m.kind == "counter"}
    measured = [d for d in days if found.get(date.fromisoformat(d["day"]))]
    for name, m in METERS.items():
        if m.kind == "gauge":
            totals[name] = measured[-1][name] if measured else 0
    totals["training_minutes"] = round(totals["training_seconds"] / 60, 1)
    return {"since": since.isoformat(), "until": until.isoformat(), "days": days, "totals": totals}
