"""Sentry's SDK, on only when ``SENTRY_DSN`` is set. No personal data is
sent: no cookies, headers that authenticate, request bodies, user e-mails or
IP addresses; the tenant's schema is a tag on every event."""
from __future__ import annotations

import os

_SCRUBBED_HEADERS = {"authorization", "cookie", "x-forwarded-for", "x-real-ip", "forwarded"}


def before_send(event, hint):
    request = event.get("request") or {}
    headers = request.get("headers") or {}
    for name in list(headers):
        if name.lower() in _SCRUBBED_HEADERS:
            headers.pop(name)
    request.pop("cookies", None)
    request.pop("data", None)
    env = request.get("env") or {}
    env.pop("REMOTE_ADDR", None)
    user = event.get("user")
    if user:
        event["user"] = {"id": user["id"]} if user.get("id") else {}
    return event


def init_sentry(dsn: str | None = None, **options) -> bool:
    dsn = dsn if dsn is not None else os.environ.get("SENTRY_DSN", "")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SAAS_RELEASE") or None,
        before_send=before_send,
        **options,
    )
    return True


def set_tenant_tag(schema: str | None) -> None:
    try:
        import sentry_sdk
    except ImportError:  # pragma: no cover
        return
    sentry_sdk.get_isolation_scope().set_tag("tenant", schema or "public")
