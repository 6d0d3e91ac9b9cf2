"""One error format for the whole API: {"error": {"code", "message", "details"}}."""
from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import set_rollback

from saas.errors import ServiceError

logger = logging.getLogger(__name__)


def error_body(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details if details is not None else {}}}


def _flatten_message(detail) -> str:
    if isinstance(detail, list) and detail:
        return _flatten_message(detail[0])
    if isinstance(detail, dict) and detail:
        field, value = next(iter(detail.items()))
        msg = _flatten_message(value)
        return msg if field in ("non_field_errors", "detail") else f"{field}: {msg}"
    return str(detail)


def _render_as_json(context) -> None:
    """Errors are JSON whatever renderer the request asked for (``?format=csv``)."""
    request = context.get("request") if context else None
    if request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type


def exception_handler(exc, context):
    _render_as_json(context)
    if isinstance(exc, ServiceError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: Django's 500 handler (JSON for /api/) takes it
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        code, details = "validation_error", exc.detail
        message = _flatten_message(exc.detail)
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        details = {}
        message = str(exc.detail)
    set_rollback()
    return Response(error_body(code, message, details), status=exc.status_code, headers=headers)


def json_error_response(code: str, message: str, status_code: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


def api_404(request, exception=None):
    return json_error_response("not_found", "Not found.", status.HTTP_404_NOT_FOUND)


def api_500(request):
    return json_error_response("server_error", "Internal server error.", status.HTTP_500_INTERNAL_SERVER_ERROR)
