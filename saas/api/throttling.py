"""API rate limits from the plan, as DRF throttles counting in Redis (the
Django cache, whose keys carry the tenant's schema).

Two fixed one-minute windows per request: the tenant's
(``max_api_requests_per_minute``) and the caller's, an API key or a member
(``max_api_requests_per_minute_per_client``). Counting is one atomic Redis
INCR per window, so parallel workers share the count. A refusal is 429 with
``Retry-After``; every API answer that got this far carries
``X-RateLimit-Limit``/``-Remaining``/``-Reset`` (the tighter of the two)."""
from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiKey
from billing.selectors import current_limits
from saas.ratelimit import hit


class _PlanThrottle(BaseThrottle):
    attr = ""
    who = ""

    def bucket(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        bucket = self.bucket(request)
        if bucket is None or not settings.RATE_LIMITS:
            return True
        limit = getattr(current_limits(), self.attr)
        allowed, remaining, reset = hit(bucket, limit)
        self._wait = reset
        if not allowed:
            request._ratelimit_refused = f"{limit:,} API requests per minute {self.who}"
        state = getattr(request, "_ratelimit", None)
        if state is None or remaining < state[1]:
            request._ratelimit = (limit, remaining, reset)
        return allowed

    def wait(self):
        return self._wait


class TenantRateThrottle(_PlanThrottle):
    """All callers of one workspace together."""

    attr = "max_api_requests_per_minute"
    who = "for the workspace"

    def bucket(self, request) -> str:
        return "tenant"


class ClientRateThrottle(_PlanThrottle):
    """One API key, or one member's session."""

    attr = "max_api_requests_per_minute_per_client"
    who = "per API key or member"

    def bucket(self, request) -> str | None:
        principal = request.user
        if isinstance(principal, ApiKey):
            return f"key:{principal.pk}"
        if principal is not None and principal.is_authenticated:
            return f"user:{principal.pk}"
        return None


def ratelimit_headers(request, response) -> None:
    state = getattr(request, "_ratelimit", None)
    if state is not None:
        limit, remaining, reset = state
        response["X-RateLimit-Limit"] = str(limit)
        response["X-RateLimit-Remaining"] = str(remaining)
        response["X-RateLimit-Reset"] = str(reset)
