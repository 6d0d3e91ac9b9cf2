"""Domain errors raised by service functions. The API exception handler turns
them into ``{"error": {"code", "message", "details"}}`` with their status;
web views show ``message`` as a flash/form error."""
from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, details: dict | list | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details if details is not None else {}


class ValidationFailed(ServiceError):
    status = 400
    code = "validation_error"


class Forbidden(ServiceError):
    status = 403
    code = "permission_denied"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class QuotaExceeded(ServiceError):
    status = 402
    code = "quota_exceeded"


class PlanFeatureMissing(ServiceError):
    status = 403
    code = "plan_feature_missing"
