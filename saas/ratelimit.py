"""Fixed one-minute windows counted in Redis (one atomic INCR per request),
shared by the API throttles (``saas.api.throttling``) and the per-IP limits
of the anonymous entry points: signup, login, password reset, handoff."""
from __future__ import annotations

import math
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from saas.client_ip import client_ip

WINDOW = 60  # seconds

# anonymous entry points: requests per minute from one IP address (unsafe methods only)
IP_LIMITS = {"signup": 10, "login": 30, "password_reset": 10, "handoff": 30}


def now() -> float:
    return time.time()


def hit(bucket: str, limit: int) -> tuple[bool, int, int]:
    """Count one request in ``bucket``'s current window: (allowed, remaining,
    seconds until the window resets). Cache keys carry the tenant's schema."""
    t = now()
    window = int(t // WINDOW)
    key = f"ratelimit:{bucket}:{window}"
    cache.add(key, 0, timeout=WINDOW * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 0, timeout=WINDOW * 2)
        count = cache.incr(key)
    reset = max(1, math.ceil((window + 1) * WINDOW - t))
    return count <= limit, max(0, limit - count), reset


def ip_ratelimit(scope: str, methods: tuple[str, ...] = ("POST",)):
    """Web views: at most ``IP_LIMITS[scope]`` requests a minute per client
    IP; past it, a 429 page with ``Retry-After``."""
    limit = IP_LIMITS[scope]

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if settings.RATE_LIMITS and request.method in methods:
                allowed, _, reset = hit(f"ip:{scope}:{client_ip(request)}", limit)
                if not allowed:
                    response = render(request, "429.html", {"retry_after": reset}, status=429)
                    response["Retry-After"] = str(reset)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
