"""Monthly statements: at each month's end one per tenant, priced from the
plan (billing/plans.py PRICES) and the month's UsageDay rows. Issued once
(unique per tenant and month, ``statement_issue`` returns the existing one)
and immutable afterwards (billing/models.py + a database trigger).
Collecting payment stays outside the product: a statement is what a payment
provider would be sent."""
from __future__ import annotations

import calendar
import logging
import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from accounts.audit import Actor, audit_record
from billing.meters import COUNTERS, METERS
from billing.models import Statement, UsageDay
from billing.plans import CURRENCY, plan_price
from tenants.models import Tenant

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
OVERAGE_LABELS = {"api_requests": "API requests", "rows_ingested": "rows ingested",
                  "training_minutes": "training minutes", "forecasts_served": "forecasts served",
                  "simulations": "simulations"}


def month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_usage(*, tenant_id: int, start: date, end: date) -> dict[str, int]:
    """The month's totals: counters summed, gauges at their peak, and training
    minutes (started minutes, rounded up)."""
    rows = UsageDay.objects.filter(tenant_id=tenant_id, day__gte=start, day__lte=end)
    agg = rows.aggregate(**{c: Sum(c) for c in COUNTERS},
                         **{g: Max(g) for g, m in METERS.items() if m.kind == "gauge"})
    totals = {name: int(agg[name] or 0) for name in METERS}
    totals["training_minutes"] = math.ceil(totals["training_seconds"] / 60)
    return totals


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def statement_lines(*, plan: str, usage: dict[str, int], period_label: str) -> tuple[list[dict], Decimal]:
    """Line items (plan fee, then each overage beyond the included amount) and
    their total. Overage is charged per started block of ``per`` units."""
    price = plan_price(plan)
    lines = [{"code": "plan", "description": f"{plan.title()} plan, {period_label}", "quantity": 1,
              "unit": "month", "unit_price": _money(price.monthly), "amount": _money(price.monthly)}]
    total = price.monthly.quantize(CENT)
    for over in price.overages:
        used = usage.get(over.meter, 0)
        beyond = max(0, used - over.included)
        if not beyond:
            continue
        blocks = math.ceil(beyond / over.per)
        amount = (over.price * blocks).quantize(CENT, rounding=ROUND_HALF_UP)
        label = OVERAGE_LABELS[over.meter]
        unit = f"{over.per:,} {label}" if over.per > 1 else label.rstrip("s")
        lines.append({"code": f"overage.{over.meter}",
                      "description": f"{label.capitalize()} beyond the {over.included:,} included "
                                     f"({used:,} used, {beyond:,} over)",
                      "quantity": blocks, "unit": unit, "unit_price": _money(over.price), "amount": _money(amount)})
        total += amount
    return lines, total


def statement_issue(*, tenant: Tenant, period_start: date) -> Statement:
    """Issue ``tenant``'s statement for the month starting ``period_start``, or
    return the one already issued. Audited in the tenant's log."""
    start, end = month_bounds(period_start)
    existing = Statement.objects.filter(tenant=tenant, period_start=start).first()
    if existing is not None:
        return existing
    usage = month_usage(tenant_id=tenant.pk, start=start, end=end)
    label = start.strftime("%B %Y")
    lines, total = statement_lines(plan=tenant.plan, usage=usage, period_label=label)
    try:
        with transaction.atomic():
            statement = Statement.objects.create(
                tenant=tenant, tenant_slug=tenant.slug, tenant_name=tenant.brand_name,
                number=f"ST-{start:%Y%m}-{tenant.slug}", period_start=start, period_end=end, plan=tenant.plan,
                currency=CURRENCY, usage=usage, line_items=lines, subtotal=total, total=total,
                issued_at=timezone.now())
            with schema_context(tenant.schema_name):
                audit_record(action="billing.statement_issued", actor=Actor.system(), target_type="statement",
                             target_id=statement.pk, payload={"number": statement.number, "period": label,
                                                              "total": _money(total), "currency": CURRENCY})
    except IntegrityError:  # issued concurrently: the other writer's statement stands
        concurrent = Statement.objects.filter(tenant=tenant, period_start=start).first()
        if concurrent is None:  # not the statement's unique key: a real failure
            raise
        return concurrent
    return statement


def statements_issue_due(*, today: date | None = None) -> list[Statement]:
    """Issue last month's statement for every tenant that existed then and has
    none yet. Idempotent: beat runs it hourly, so a missed month end is caught up."""
    today = today or timezone.now().date()
    period = previous_month(today)
    _, end = month_bounds(period)
    issued = []
    with schema_context(get_public_schema_name()):
        tenants = (Tenant.objects.exclude(schema_name=get_public_schema_name())
                   .exclude(status=Tenant.Status.TEMPLATE).filter(created_at__date__lte=end)
                   .exclude(statements__period_start=period))
        for tenant in tenants:
            try:
                issued.append(statement_issue(tenant=tenant, period_start=period))
            except Exception:  # one workspace's failure must not hold up the others; retried next hour
                logger.exception("statement for workspace %s (%s) failed", tenant.slug, period)
    return issued
