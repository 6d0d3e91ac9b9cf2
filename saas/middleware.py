from __future__ import annotations

import re
import uuid

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from saas.api.errors import error_body

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class HealthzMiddleware:
    """Answers /healthz on any host, before tenant resolution."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in ("/healthz", "/healthz/"):
            from saas.health import healthz

            return healthz(request)
        return self.get_response(request)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class TenantStatusMiddleware:
    """A suspended tenant: pages answer with a clear page, the API with 403
    ``tenant_suspended``. Nothing is deleted. A tenant scheduled for deletion
    answers the same way (``tenant_pending_deletion``) except for what its
    owners need to sign in and cancel."""

    # during a deletion's grace period owners can still sign in and cancel it
    OPEN_WHILE_DELETING = ("/accounts/login/", "/accounts/logout/", "/settings/workspace/",
                           "/api/v1/workspace/deletion/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(connection, "tenant", None)
        if tenant is not None and getattr(tenant, "status", None) == "suspended":
            message = "This workspace is suspended. Contact support to reactivate it."
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("tenant_suspended", message), status=403)
            return render(request, "tenants/suspended.html", {"tenant": tenant, "message": message}, status=403)
        if (tenant is not None and getattr(tenant, "status", None) == "deleting"
                and not request.path.startswith(self.OPEN_WHILE_DELETING)):
            message = (f"This workspace is scheduled for deletion on {tenant.deletion_due_at:%Y-%m-%d}. "
                       "An owner can sign in and cancel it under Workspace.")
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("tenant_pending_deletion", message), status=403)
            return render(request, "tenants/suspended.html", {"tenant": tenant, "message": message,
                                                              "title": "Workspace scheduled for deletion"},
                          status=403)
        if tenant is not None and getattr(tenant, "status", None) == "template":
            return JsonResponse(error_body("not_found", "Not found."), status=404)
        return self.get_response(request)
