"""Metered usage: counted on the hot path with one Redis ``HINCRBY`` (no
database write per request) into a hash per tenant and UTC day,
``usage:live:<schema>:<YYYY-MM-DD>``, and added to ``UsageDay`` by
``usage_flush`` (beat, every few minutes).

The flush is safe when it runs twice at once or crashes mid-way: it first
claims each live hash by ``RENAME`` to a unique ``usage:claimed:...`` name
(atomic: new increments start a fresh live hash), then adds each claimed
batch to ``UsageDay`` in one transaction together with a ``UsageFlush`` row
named after the batch (unique), and deletes the batch only after that
commit. A batch whose ``UsageFlush`` row exists is already counted: it is
only deleted. Rows stored and storage bytes are measured by the flush, which
also prunes what no quota counts any more (``simulation_uses_prune``)."""
from __future__ import annotations

import logging
import uuid
from datetime import date, timedelta

import redis
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from billing.meters import COUNTERS, METERS
from billing.models import UsageDay, UsageFlush
from billing.selectors import SIMULATIONS_WINDOW, storage_bytes_count, stored_rows_count
from forecasting.models import SimulationUse
from tenants.models import Tenant

logger = logging.getLogger(__name__)

LIVE, CLAIMED = "usage:live:", "usage:claimed:"
KEY_TTL = 40 * 24 * 3600  # a batch nobody flushed for 40 days is dropped
FLUSH_TOKENS_KEPT_DAYS = 60


_client: redis.Redis | None = None


def redis_client() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    return _client


def _today() -> date:
    return timezone.now().date()  # UTC (USE_TZ, TIME_ZONE = "UTC")


def usage_count(*, counts: dict[str, int], schema: str | None = None) -> None:
    """Add to the current tenant's counters for today: one round trip. Metering
    never breaks the request it counts: a Redis error is logged."""
    schema = schema or connection.schema_name
    if schema == get_public_schema_name():
        return
    unknown = set(counts) - set(COUNTERS)
    if unknown:
        raise ValueError(f"not a counted meter: {sorted(unknown)}")
    key = f"{LIVE}{schema}:{_today().isoformat()}"
    try:
        pipe = redis_client().pipeline(transaction=False)
        for name, amount in counts.items():
            if amount:
                pipe.hincrby(key, name, int(amount))
        pipe.expire(key, KEY_TTL)
        pipe.execute()
    except redis.RedisError:
        logger.exception("usage counter not recorded", extra={"schema": schema, "counts": counts})


def _claim_live(r: redis.Redis) -> None:
    for key in r.scan_iter(match=f"{LIVE}*", count=1000):
        claimed = CLAIMED + key.decode()[len(LIVE):] + ":" + uuid.uuid4().hex
        try:
            r.rename(key, claimed)
        except redis.ResponseError:  # claimed by a concurrent flush in between
            continue


def _upsert_add(*, tenant_id: int, day: date, values: dict[str, int]) -> None:
    cols = [c for c in COUNTERS if values.get(c)]
    if not cols:
        return
    names = ", ".join(cols)
    params = ", ".join(["%s"] * len(cols))
    sets = ", ".join(f"{c} = billing_usageday.{c} + EXCLUDED.{c}" for c in cols)
    defaults = [c for c in METERS if c not in cols]
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO public.billing_usageday (tenant_id, day, updated_at, {names}"
            + "".join(f", {c}" for c in defaults) + f") VALUES (%s, %s, now(), {params}"
            + ", 0" * len(defaults) + f") ON CONFLICT (tenant_id, day) DO UPDATE SET {sets}, updated_at = now()",
            [tenant_id, day, *[int(values[c]) for c in cols]])


def _apply_batch(r: redis.Redis, key: bytes) -> bool:
    """Add one claimed batch to UsageDay once; True if it was added now."""
    token = key.decode()
    schema, day_s = token[len(CLAIMED):].rsplit(":", 2)[:2]
    tenant_id = Tenant.objects.filter(schema_name=schema).values_list("pk", flat=True).first()
    raw = r.hgetall(key)
    values = {k.decode(): int(v) for k, v in raw.items() if k.decode() in COUNTERS}
    added = False
    if tenant_id is not None and values:
        try:
            with transaction.atomic():
                UsageFlush.objects.create(token=token)
                _upsert_add(tenant_id=tenant_id, day=date.fromisoformat(day_s), values=values)
                added = True
        except IntegrityError:  # this batch was added by an earlier (or concurrent) flush
            added = False
    r.delete(key)
    return added


def usage_measure(*, tenant: Tenant, day: date | None = None) -> None:
    """Record the tenant's stored rows and storage bytes for ``day`` (today)."""
    with schema_context(tenant.schema_name):
        rows, size = stored_rows_count(), storage_bytes_count()
    day = day or _today()
    defaults = {c: 0 for c in COUNTERS}
    with transaction.atomic():
        row, created = UsageDay.objects.select_for_update(no_key=True).get_or_create(tenant=tenant, day=day, defaults={
            **defaults, "rows_stored": rows, "storage_bytes": size})
        if not created:
            UsageDay.objects.filter(pk=row.pk).update(rows_stored=rows, storage_bytes=size, updated_at=timezone.now())


def simulation_uses_prune(*, tenant: Tenant, now=None) -> int:
    """Delete the tenant's simulation runs older than the quota's window: nothing counts them any more (they
    hold no inputs or results; the audit log keeps the saved scenarios). Returns the rows deleted."""
    cutoff = (now or timezone.now()) - SIMULATIONS_WINDOW
    with schema_context(tenant.schema_name):
        return SimulationUse.objects.filter(created_at__lt=cutoff).delete()[0]


def usage_flush(*, measure: bool = True) -> int:
    """Move every counter from Redis into UsageDay; returns the batches added.
    Runs in the public schema (beat task ``billing.tasks.flush_usage``)."""
    r = redis_client()
    with schema_context(get_public_schema_name()):
        _claim_live(r)
        added = sum(_apply_batch(r, key) for key in list(r.scan_iter(match=f"{CLAIMED}*", count=1000)))
        if measure:
            for tenant in Tenant.objects.exclude(schema_name=get_public_schema_name()).exclude(
                    status=Tenant.Status.TEMPLATE):
                try:
                    usage_measure(tenant=tenant)
                    simulation_uses_prune(tenant=tenant)
                except Exception:  # one broken schema must not stop the others' billing
                    logger.exception("usage measurement failed", extra={"tenant": tenant.slug})
        UsageFlush.objects.filter(created_at__lt=timezone.now() - timedelta(days=FLUSH_TOKENS_KEPT_DAYS)).delete()
    return added
