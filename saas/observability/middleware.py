"""Web side of observability.

* ``MetricsMiddleware`` answers ``/metrics`` before tenant resolution, to
  internal callers only (``internal.is_internal_request``); others get 404.
* ``RequestContextMiddleware`` (after tenant resolution and authentication)
  binds tenant and request id for every log line, tags Sentry with the
  tenant, and writes one JSON line per request with status, duration and
  the user or API key that made it."""
from __future__ import annotations

import logging
import time

from django.db import connection
from django.http import HttpResponse, HttpResponseNotFound

from accounts.models import ApiKey
from saas.observability import context
from saas.observability.internal import is_internal_request
from saas.observability.metrics import CONTENT_TYPE, metrics_payload
from saas.observability.sentry import set_tenant_tag

logger = logging.getLogger("saas.request")


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in ("/metrics", "/metrics/"):
            if not is_internal_request(request):
                return HttpResponseNotFound("Not found", content_type="text/plain")
            return HttpResponse(metrics_payload(), content_type=CONTENT_TYPE)
        return self.get_response(request)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        tenant = getattr(connection, "schema_name", None)
        context.bind(tenant=tenant, request_id=getattr(request, "request_id", None), user_id=None, key_id=None,
                     job_id=None)
        set_tenant_tag(tenant)
        try:
            response = self.get_response(request)
        except Exception:
            context.clear()
            raise
        principal = getattr(request, "user", None)
        user_id = key_id = None
        if principal is not None and getattr(principal, "is_authenticated", False):
            # DRF puts the API key it authenticated on the Django request too
            if isinstance(principal, ApiKey):
                key_id = principal.pk
            else:
                user_id = principal.pk
        context.bind(user_id=user_id, key_id=key_id)
        logger.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "method": request.method, "path": request.path, "status": response.status_code,
            "duration_ms": round((time.monotonic() - started) * 1000, 1)})
        context.clear()
        return response
