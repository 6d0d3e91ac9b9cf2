"""Metered usage and statements. Both live in the public schema, one row per
tenant (the platform bills tenants; the operator console lists them), and are
read only through ``billing.selectors``, which always filter by the current
tenant."""
from __future__ import annotations

from django.db import models


class UsageDay(models.Model):
    """One tenant's usage on one UTC day. Counters (requests, rows ingested,
    trainings, ...) are added by ``billing.metering.usage_flush`` from Redis;
    rows stored and storage bytes are the day's last measurement."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="usage_days")
    day = models.DateField()
    api_requests = models.BigIntegerField(default=0)
    rows_ingested = models.BigIntegerField(default=0)
    rows_stored = models.BigIntegerField(default=0)
    storage_bytes = models.BigIntegerField(default=0)
    trainings = models.BigIntegerField(default=0)
    training_seconds = models.BigIntegerField(default=0)
    forecasts_served = models.BigIntegerField(default=0)
    simulations = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "day"], name="usage_day_one_per_tenant_day")]
        ordering = ["day"]


class UsageFlush(models.Model):
    """A Redis batch already added to UsageDay: written in the same transaction
    as the additions, so a batch is applied once even if the flush crashed
    after committing and before deleting the batch from Redis."""

    token = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


class StatementImmutable(Exception):
    pass


class Statement(models.Model):
    """A month's statement for a tenant: what a payment provider would be
    sent. Immutable once issued: ``save`` of an existing row and ``delete``
    raise, and a trigger (migration 0002) rejects UPDATE/DELETE in the
    database, except detaching a deleted tenant (``tenant_id`` set to NULL)."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.SET_NULL, null=True, related_name="statements")
    tenant_slug = models.CharField(max_length=40)
    tenant_name = models.CharField(max_length=200)
    number = models.CharField(max_length=80, unique=True)
    period_start = models.DateField()
    period_end = models.DateField()  # last day of the month, inclusive
    plan = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    usage = models.JSONField(default=dict)  # the month's totals per meter
    line_items = models.JSONField(default=list)  # [{code, description, quantity, unit, unit_price, amount}]
    subtotal = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    issued_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "period_start"], name="statement_one_per_month")]
        ordering = ["-period_start"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise StatementImmutable(f"statement {self.number} is issued and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise StatementImmutable(f"statement {self.number} is issued and cannot be deleted")

    @property
    def period_label(self) -> str:
        return self.period_start.strftime("%B %Y")
