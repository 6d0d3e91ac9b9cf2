"""Worker side of the observability context: the request id of the web
request that enqueued a task travels in a message header, and a running task
binds its tenant, job id and that request id for its log lines, its metrics
and Sentry."""
from __future__ import annotations

import logging
import os
import time

from celery.signals import before_task_publish, task_postrun, task_prerun, worker_ready
from django.db import connection

from saas.observability import context
from saas.observability.metrics import record_task, worker_metrics_server
from saas.observability.sentry import set_tenant_tag

logger = logging.getLogger("saas.tasks")
HEADER = "saas_request_id"
_started: dict[str, float] = {}


@before_task_publish.connect
def _carry_request_id(sender=None, headers=None, **kwargs):
    request_id = context.get("request_id")
    if headers is not None and request_id:
        headers[HEADER] = request_id


def _job_id(args, kwargs):
    value = (kwargs or {}).get("job_id")
    if value is None and args and isinstance(args[0], int):
        value = args[0]
    return value


@task_prerun.connect
def _task_started(sender=None, task_id=None, task=None, args=None, kwargs=None, **extra):
    request = getattr(task, "request", None)
    request_id = getattr(request, HEADER, None) or ((getattr(request, "headers", None) or {}).get(HEADER))
    tenant = getattr(connection, "schema_name", None)
    context.bind(tenant=tenant, request_id=request_id, job_id=_job_id(args, kwargs), user_id=None, key_id=None)
    set_tenant_tag(tenant)
    _started[task_id] = time.monotonic()
    logger.info("task started", extra={"task": getattr(task, "name", str(sender))})


@task_postrun.connect
def _task_finished(sender=None, task_id=None, task=None, state=None, **extra):
    started = _started.pop(task_id, None)
    seconds = None if started is None else time.monotonic() - started
    name = getattr(task, "name", str(sender))
    record_task(task=name, state=state or "UNKNOWN", seconds=seconds)
    logger.info("task finished", extra={"task": name, "state": state,
                                        "duration_ms": None if seconds is None else round(seconds * 1000, 1)})
    context.clear()


@worker_ready.connect
def _serve_worker_metrics(sender=None, **kwargs):
    """Where web and worker do not share a metrics folder (one container
    each), the worker serves its own task metrics on this port."""
    port = os.environ.get("SAAS_WORKER_METRICS_PORT")
    if port:
        worker_metrics_server(int(port))
