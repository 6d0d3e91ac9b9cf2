"""API paths answer in the API's error format even where Django itself
answers (no route matched, method not allowed, an unhandled error), in every
mode: with DEBUG on, Django's technical pages are never sent to an API
client."""
from __future__ import annotations

from django.http import JsonResponse

from saas.api.errors import error_body

_CODES = {404: ("not_found", "Not found."), 405: ("method_not_allowed", "Method not allowed."),
          500: ("server_error", "Internal server error.")}


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.path.startswith("/api/") and response.status_code in _CODES
                and not response.get("Content-Type", "").startswith("application/json")):
            code, message = _CODES[response.status_code]
            return JsonResponse(error_body(code, message), status=response.status_code)
        return response
