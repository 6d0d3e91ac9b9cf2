"""Audit action registry and the writer used by service functions.

Every action code lives in ``ACTIONS``; writing an unknown code is a bug and
raises. Events are written in the same transaction as the change they record
(service functions call ``audit_record`` inside their ``transaction.atomic``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit_hash import content_hash, fields_of

ACTIONS: dict[str, str] = {
    "auth.login": "User logged in",
    "auth.login_failed": "Failed login attempt",
    "auth.logout": "User logged out",
    "auth.password_change": "User changed their password",
    "auth.password_reset": "User reset their password",
    "member.create": "Member created",
    "member.invite": "Member invited",
    "member.role_change": "Member role changed",
    "member.deactivate": "Member deactivated",
    "member.reactivate": "Member reactivated",
    "api_key.create": "API key created",
    "api_key.revoke": "API key revoked",
    "tenant.provision": "Workspace provisioned",
    "tenant.suspend": "Workspace suspended",
    "tenant.unsuspend": "Workspace reactivated",
    "upload.create": "Upload received",
    "upload.succeeded": "Upload loaded",
    "upload.failed": "Upload failed",
    "model.train_started": "Training started",
    "model.trained": "Model trained",
    "model.train_failed": "Training failed",
    "model.promoted": "Model promoted",
    "forecast.created": "Forecast created",
}

# Payload keys in plain words, for the Audit page (a key not listed here is
# shown with its underscores as spaces).
FIELD_LABELS: dict[str, str] = {
    "email": "E-mail",
    "role": "Role",
    "from": "Previous role",
    "to": "New role",
    "name": "Name",
    "prefix": "Key prefix",
    "plan": "Plan",
    "reason": "Reason",
    "username": "Username tried",
    "filename": "File",
    "size": "Size (bytes)",
    "sha256": "SHA-256",
    "kind": "Kind",
    "rows": "Rows",
    "inserted": "Rows inserted",
    "updated": "Rows updated",
    "unchanged": "Rows unchanged",
    "error_count": "Errors",
    "dataset_version": "Dataset version",
    "horizon": "Horizon (weeks)",
    "backtest_windows": "Backtest windows",
    "number": "Model version",
    "chosen": "Model chosen",
    "wmae": "WMAE",
    "seasonal_naive_wmae": "Seasonal-naive WMAE",
    "replaced": "Replaced version",
    "why": "Why",
    "error": "Error",
}


@dataclass(frozen=True)
class Actor:
    """Who did something, and from where. Built from a request by the thin
    layers (views, API) and passed explicitly to services."""

    user: Any = None
    api_key: Any = None
    ip: str | None = None
    request_id: str | None = None

    @classmethod
    def from_request(cls, request) -> "Actor":
        user = getattr(request, "user", None)
        api_key = getattr(request, "api_key", None)
        if user is not None and not getattr(user, "is_authenticated", False):
            user = None
        if api_key is not None:
            user = None
        return cls(user=user, api_key=api_key, ip=client_ip(request),
                   request_id=getattr(request, "request_id", None))

    @classmethod
    def system(cls) -> "Actor":
        return cls()

    @property
    def label(self) -> str:
        if self.api_key is not None:
            return f"key:{self.api_key.prefix}"
        if self.user is not None:
            return self.user.email
        return "system"


def client_ip(request) -> str | None:
    # REMOTE_ADDR is set by the WSGI server; behind a trusted proxy, gunicorn's
    # forwarded_allow_ips rewrites it.
    return request.META.get("REMOTE_ADDR") if request is not None else None


def audit_record(*, action: str, actor: Actor, target_type: str = "", target_id: str | int | None = None,
                 payload: dict | None = None):
    """Appends one event to this tenant's chain. Inside the caller's
    transaction (or its own): the chain head stays locked until it ends."""
    from accounts.audit_chain import lock_head
    from accounts.models import AuditEvent

    if action not in ACTIONS:
        raise ValueError(f"unregistered audit action {action!r}")
    with transaction.atomic(savepoint=False):
        head = lock_head()
        event = AuditEvent(
            created_at=timezone.now(),  # taken under the lock: time order is chain order
            action=action,
            actor_user=actor.user,
            actor_api_key=actor.api_key,
            actor_label=actor.label,
            ip=AuditEvent._meta.get_field("ip").get_prep_value(actor.ip or None),
            request_id=actor.request_id or "",
            target_type=target_type,
            target_id="" if target_id is None else str(target_id),
            payload=payload or {},
            sequence=head.sequence + 1,
            prev_hash=head.hash,
        )
        event.hash = content_hash(fields_of(event))
        event.save(force_insert=True)
        head.sequence, head.hash = event.sequence, event.hash
        head.save(update_fields=["sequence", "hash"])
    return event
