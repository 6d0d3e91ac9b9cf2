"""Prometheus metrics beyond django-prometheus's HTTP/DB/cache ones:

* Celery task counts and durations by task and final state (recorded by the
  worker's signal handlers in ``celery_signals``);
* at scrape time: queue depth per Celery queue, jobs and uploads by status per
  tenant, stored rows per tenant.

With ``PROMETHEUS_MULTIPROC_DIR`` set (the launcher and compose set it), web
and worker processes write their samples to that folder and any web process
answers ``/metrics`` with the sum (prometheus-client's multiprocess mode)."""
from __future__ import annotations

import logging
import os

from celery import current_app as app  # this module is loaded while saas.celery builds the app
from django.apps import apps
from django.conf import settings  # both lazy: importing saas must not load the settings
from django.db import connection
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

TASKS = Counter("saas_celery_tasks_total", "Celery tasks finished, by task and state.", ["task", "state"])
TASK_SECONDS = Histogram("saas_celery_task_duration_seconds", "Celery task run time, by task and state.",
                         ["task", "state"], buckets=(0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600))

# the per-tenant tables the scrape reports on
_STATUS_TABLES = {"jobs": "forecasting_job", "uploads": "forecasting_upload"}


def record_task(*, task: str, state: str, seconds: float | None) -> None:
    TASKS.labels(task=task, state=state).inc()
    if seconds is not None:
        TASK_SECONDS.labels(task=task, state=state).observe(seconds)


class PlatformCollector:
    """Figures read at scrape time from Redis and PostgreSQL (cheap queries)."""

    def collect(self):
        yield from self._queues()
        yield from self._tenants()

    def _queues(self):
        depth = GaugeMetricFamily("saas_celery_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"])
        try:
            with app.connection_for_write() as conn:
                client = conn.default_channel.client
                for queue in app.conf.task_queues or ():
                    # kombu's Redis transport keeps one list per priority step
                    depth.add_metric([queue.name], sum(client.llen(k) for k in _queue_keys(queue.name)))
        except Exception:  # noqa: BLE001 - a scrape must not fail because Redis is down
            logger.warning("queue depth unavailable", exc_info=True)
        yield depth

    def _tenants(self):
        families = {
            name: GaugeMetricFamily(f"saas_{name}", f"{name.capitalize()} by tenant and status.",
                                    labels=["tenant", "status"])
            for name in _STATUS_TABLES
        }
        rows = GaugeMetricFamily("saas_tenant_stored_rows", "Live rows in a tenant's tables (statistics).",
                                 labels=["tenant"])
        try:
            schemas = list(apps.get_model(settings.TENANT_MODEL).objects.exclude(schema_name="public").exclude(status="template")
                           .values_list("schema_name", flat=True))
            with connection.cursor() as cur:
                for name, table in _STATUS_TABLES.items():
                    if not schemas:
                        break
                    sql = " UNION ALL ".join(
                        f"SELECT %s, status, count(*) FROM {connection.ops.quote_name(s)}.{table} GROUP BY status"
                        for s in schemas)
                    cur.execute(sql, schemas)
                    for schema, status, count in cur.fetchall():
                        families[name].add_metric([schema, status], count)
                cur.execute("SELECT schemaname, sum(n_live_tup) FROM pg_stat_user_tables "
                            "WHERE schemaname = ANY(%s) GROUP BY schemaname", [schemas])
                for schema, count in cur.fetchall():
                    rows.add_metric([schema], float(count or 0))
        except Exception:  # noqa: BLE001
            logger.warning("tenant figures unavailable", exc_info=True)
        yield from families.values()
        yield rows


def _queue_keys(name: str) -> list[str]:
    # kombu's default priority steps: the plain key, then "<name>\x06\x16<step>"
    return [name] + [f"{name}\x06\x16{step}" for step in (1, 2, 3, 4, 5, 6, 7, 8, 9)]


def _process_registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def worker_metrics_server(port: int) -> None:
    start_http_server(port, registry=_process_registry())


def metrics_payload() -> bytes:
    registry = _process_registry()
    platform = CollectorRegistry()
    platform.register(PlatformCollector())
    return generate_latest(registry) + generate_latest(platform)


CONTENT_TYPE = CONTENT_TYPE_LATEST
