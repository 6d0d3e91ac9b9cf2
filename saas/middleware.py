from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django_tenants.utils import get_public_schema_name

from billing.plans import PLANS
from saas.api.errors import error_body
from saas.health import healthz
from tenants.operator_auth import console_session, is_console_request, save_console_session

# fullmatch: "$" alone would accept a trailing newline
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")


def max_request_body_bytes() -> int:
    """The largest body any request may carry: the biggest plan's upload limit
    plus a margin for the multipart envelope and form fields. docker/nginx.conf
    (client_max_body_size) refuses the same size at the proxy."""
    biggest = max(limits.max_upload_bytes for limits in PLANS.values())
    return biggest + int(settings.SAAS_REQUEST_BODY_MARGIN_BYTES)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB"


class BodySizeLimitMiddleware:
    """First in MIDDLEWARE: refuses a body that is too large (413) or has no
    length (411, chunked) from the headers alone, before anything (the CSRF
    middleware reading request.POST, an upload handler) spools it to disk.
    The page needs no tenant, session or user: nothing of a workspace shows."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        length = meta.get("CONTENT_LENGTH") or ""
        limit = max_request_body_bytes()
        if not length.strip():
            if meta.get("HTTP_TRANSFER_ENCODING", "").strip().lower() not in ("", "identity"):
                return self._refuse(request, 411, "length_required",
                                    "Send the request body with a Content-Length (chunked uploads are not accepted).",
                                    limit)
            return self.get_response(request)
        try:
            size = int(length)
        except ValueError:
            return self._refuse(request, 400, "bad_request", "Invalid Content-Length header.", limit)
        if size > limit:
            return self._refuse(request, 413, "request_too_large",
                                f"The request is too large: {_size(size)}; the most any request may carry is "
                                f"{_size(limit)}.", limit)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, status: int, code: str, message: str, limit: int):
        if request.path.startswith("/api/"):
            response = JsonResponse(error_body(code, message, {"max_bytes": limit}), status=status)
        else:
            html = render_to_string("request_refused.html", {"status": status, "message": message})
            response = HttpResponse(html, status=status, content_type="text/html; charset=utf-8")
        response["Cache-Control"] = "no-store"
        return response


class HealthzMiddleware:
    """Answers /healthz on any host, before tenant resolution."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in ("/healthz", "/healthz/"):

            return healthz(request)
        return self.get_response(request)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex
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
                           "/api/v1/workspace/deletion/", "/api/v1/workspace/exports/", "/static/")

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


class _NoSession(SessionBase):
    """The public site keeps no session: sessions live in each tenant's schema,
    so a ``sessionid`` cookie sent to the public host (garbage, or a tenant's
    real one) is ignored instead of being looked up in a table that is not there."""

    def exists(self, session_key):
        return False

    def create(self):
        self._session_key = None

    def save(self, must_create=False):
        pass

    def delete(self, session_key=None):
        pass

    def load(self):
        return {}


class TenantSessionMiddleware(SessionMiddleware):
    """Django's session middleware on tenant hosts; no session on the public host."""

    def process_request(self, request):
        if is_console_request(request):  # the operator console: its own server-side session
            request.session = console_session(request)
            return
        if connection.schema_name == get_public_schema_name():
            request.session = _NoSession()
            return
        super().process_request(request)

    def process_response(self, request, response):
        if isinstance(getattr(request, "session", None), _NoSession):
            return response
        if is_console_request(request):
            save_console_session(request, response)
            return response
        return super().process_response(request, response)
