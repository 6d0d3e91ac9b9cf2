"""Beat's per-workspace work, fanned out (issue 20 item 4): a beat tick sends one small task per
workspace instead of running one loop over every schema, so a thousand workspaces are a thousand tasks
spread over the workers, a slow or broken workspace holds up nobody (its task fails alone and is tried
again at the next tick), and each task runs in its workspace's schema (tenant-schemas-celery carries the
schema of the context a task is sent from).

Adding a kind of per-workspace work: one function run in the workspace's schema, one line in ``KINDS``
and a beat entry ``{"task": "saas.fanout.fan_out", "args": ["<kind>"]}``. Every kind is idempotent (once
per slot, per ISO week, per day), so a tick that overlaps the previous one's tasks is harmless."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from celery import shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context, tenant_context

from billing.metering import simulation_uses_prune, usage_measure
from forecasting.reports.delivery import weekly_report_send
from forecasting.services.retention import forecast_runs_summarise
from forecasting.services.retraining import retrain_scheduled

logger = logging.getLogger(__name__)


def _usage_measure() -> None:
    tenant = connection.tenant
    usage_measure(tenant=tenant)
    simulation_uses_prune(tenant=tenant)


@dataclass(frozen=True)
class Kind:
    run: Callable[[], object]  # called in the workspace's schema
    active_only: bool  # True: open (active) workspaces only; False: also suspended or being deleted ones


KINDS: dict[str, Kind] = {
    "retrain_scheduled": Kind(retrain_scheduled, True),  # forecasting/services/retraining.py: once per slot
    "weekly_report": Kind(weekly_report_send, True),  # forecasting/reports/delivery.py: once per ISO week
    "usage_measure": Kind(_usage_measure, False),  # billing/metering.py: stored rows and bytes, today's
    "forecast_retention": Kind(forecast_runs_summarise, True),  # forecasting/services/retention.py: idempotent
}


def workspaces(kind: str) -> list:
    Tenant = get_tenant_model()
    with schema_context(get_public_schema_name()):
        found = Tenant.objects.exclude(schema_name=get_public_schema_name()).exclude(status=Tenant.Status.TEMPLATE)
        if KINDS[kind].active_only:
            found = found.filter(status=Tenant.Status.ACTIVE)
        return list(found.order_by("pk"))


@shared_task(name="saas.fanout.fan_out", ignore_result=True)
def fan_out(kind: str) -> int:
    """Beat: send ``kind``'s task to every workspace it applies to; how many were sent."""
    if kind not in KINDS:
        raise ValueError(f"unknown per-workspace work {kind!r}: one of {', '.join(KINDS)}")
    sent = 0
    for tenant in workspaces(kind):
        with tenant_context(tenant):
            for_workspace.apply_async(args=[kind])
        sent += 1
    logger.info("fanned out %s to %s workspace(s)", kind, sent)
    return sent


@shared_task(name="saas.fanout.for_workspace", ignore_result=True)
def for_workspace(kind: str):
    """One workspace's share of a beat tick (in its schema); skipped when the workspace was suspended or
    closed since the tick, for the kinds that serve open workspaces only."""
    if KINDS[kind].active_only:
        Tenant = get_tenant_model()
        if not Tenant.objects.filter(pk=connection.tenant.pk, status=Tenant.Status.ACTIVE).exists():
            return None
    return KINDS[kind].run()
