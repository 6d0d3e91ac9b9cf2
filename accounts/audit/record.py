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

from accounts.audit.hash import content_hash, fields_of
from saas.client_ip import client_ip as resolve_client_ip

ACTIONS: dict[str, str] = {
    "auth.login": "User logged in",
    "auth.login_failed": "Failed login attempt",
    "auth.logout": "User logged out",
    "auth.password_change": "User changed their password",
    "auth.password_reset": "User reset their password",
    "member.create": "Member created",
    "member.invite": "Member invited",
    "member.invite_resend": "Invitation re-sent",
    "member.role_change": "Member role changed",
    "member.deactivate": "Member deactivated",
    "member.reactivate": "Member reactivated",
    "member.stores_change": "Member's stores changed",
    "api_key.create": "API key created",
    "api_key.revoke": "API key revoked",
    "api_key.stores_change": "API key's stores changed",
    "tenant.provision": "Workspace provisioned",
    "tenant.suspend": "Workspace suspended",
    "tenant.unsuspend": "Workspace reactivated",
    "tenant.deletion_requested": "Workspace deletion requested",
    "tenant.deletion_cancelled": "Workspace deletion cancelled",
    "tenant.export_requested": "Workspace data export requested",
    "tenant.export_downloaded": "Workspace data export downloaded",
    "tenant.restored": "Workspace restored from a backup",
    "workspace.branding_update": "Workspace branding changed",
    "workspace.margin_update": "Gross margin changed",
    "tenant.plan_set": "Plan changed by the platform operator",
    "upload.create": "Upload received",
    "upload.succeeded": "Upload loaded",
    "upload.failed": "Upload failed",
    "model.train_started": "Training started",
    "model.trained": "Model trained",
    "model.train_failed": "Training failed",
    "model.promoted": "Model promoted",
    "model.rejected": "Challenger rejected",
    "model.rolled_back": "Model rolled back",
    "model.shadow_started": "Challenger in shadow period",
    "forecast.created": "Forecast created",
    "billing.plan_changed": "Plan changed",
    "billing.statement_issued": "Monthly statement issued",
    "report.weekly_subscription": "Weekly report subscription changed",
    "report.weekly_sent": "Weekly report e-mailed",
    "forecast.refresh_started": "Forecast refresh started",
    "forecast.refreshed": "Forecast refreshed",
    "forecast.refresh_failed": "Forecast refresh failed",
    "drift.detected": "Drift detected in new weeks",
    "model.retrain_triggered": "Retraining triggered",
    "policy.update": "Retraining policy changed",
    "simulation.run": "Promotion scenario saved",
    "inventory.on_hand_uploaded": "Stock on hand uploaded",
    "notice.dismiss": "Notice dismissed",
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
    "champion": "Champion",
    "trigger": "Trigger",
    "manual": "By hand",
    "automatic": "Automatic",
    "live_wmae": "Live WMAE of the version rolled back",
    "previous_live_wmae": "Live WMAE of the restored version (same rows)",
    "worse_by": "Worse by (share)",
    "margin": "Margin (share)",
    "error": "Error",
    "share_outside95": "Share of series outside their 95% band",
    "series_outside95": "Series outside their 95% band",
    "series": "Series",
    "threshold": "Alert threshold",
    "weeks": "Weeks",
    "store": "Store",
    "incremental_sales": "Incremental sales ($)",
    "markdown_cost": "Markdown cost ($)",
    "upload": "Upload",
    "run": "Forecast run",
    "shadow": "After a shadow period",
    "shadow_live_wmae": "Live WMAE of the shadow",
    "champion_live_wmae": "Live WMAE of the champion (same rows)",
    "improvement": "Better by (share)",
    "superseded_by": "Superseded by version",
    "challenger": "Challenger version",
}


ACTOR_KINDS = ("user", "key", "system")


@dataclass(frozen=True)
class Actor:
    """Who did something, and from where: a member (``user``), an API key
    (``key``) or the platform itself (``system``: provisioning, CLI, beat),
    said explicitly. Anything else raises, so a caller that is none of these
    (an anonymous request) can never pass for one. Built by the thin layers
    (views, API) and passed explicitly to services."""

    kind: str
    user: Any = None
    api_key: Any = None
    ip: str | None = None
    request_id: str | None = None

    def __post_init__(self):
        shape = {"user": (True, False), "key": (False, True), "system": (False, False)}.get(self.kind)
        if shape is None:
            raise ValueError(f"unknown actor kind {self.kind!r}: one of {', '.join(ACTOR_KINDS)}")
        if (self.user is not None, self.api_key is not None) != shape:
            raise ValueError(f"a {self.kind!r} actor needs " + {"user": "a user and no key", "key": "a key",
                                                               "system": "neither user nor key"}[self.kind])

    @classmethod
    def for_user(cls, user, *, ip: str | None = None, request_id: str | None = None) -> "Actor":
        return cls(kind="user", user=user, ip=ip, request_id=request_id)

    @classmethod
    def for_key(cls, api_key, *, ip: str | None = None, request_id: str | None = None) -> "Actor":
        return cls(kind="key", api_key=api_key, ip=ip, request_id=request_id)

    @classmethod
    def system(cls, *, ip: str | None = None, request_id: str | None = None) -> "Actor":
        return cls(kind="system", ip=ip, request_id=request_id)

    @classmethod
    def recorded(cls, *, user=None, api_key=None) -> "Actor":
        """The actor stored on a row (``created_by``/``created_by_key``): a key
        if one is set, else the member, else the system (demo bootstrap)."""
        if api_key is not None:
            return cls.for_key(api_key)
        return cls.for_user(user) if user is not None else cls.system()

    @classmethod
    def from_request(cls, request) -> "Actor":
        """The authenticated principal of a request; an anonymous request has
        no actor (ValueError)."""
        ip, request_id = client_ip(request), getattr(request, "request_id", None)
        api_key = getattr(request, "api_key", None)
        if api_key is not None:
            return cls.for_key(api_key, ip=ip, request_id=request_id)
        user = getattr(request, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            raise ValueError("an anonymous request has no actor")
        return cls.for_user(user, ip=ip, request_id=request_id)

    @property
    def label(self) -> str:
        if self.kind == "key":
            return f"key:{self.api_key.prefix}"
        if self.kind == "user":
            return self.user.email
        return "system"


def client_ip(request) -> str | None:
    # X-Forwarded-For with SAAS_TRUSTED_PROXIES trusted hops (saas/client_ip.py)
    return resolve_client_ip(request)


def audit_record(*, action: str, actor: Actor, target_type: str = "", target_id: str | int | None = None,
                 payload: dict | None = None):
    """Appends one event to this tenant's chain. Inside the caller's
    transaction (or its own): the chain head stays locked until it ends."""
    from accounts.audit.chain import lock_head
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
