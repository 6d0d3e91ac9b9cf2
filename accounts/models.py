from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from accounts.roles import API_KEY_ROLES, Role, capped_role


class TenantUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A member of one tenant (lives in the tenant's schema). Logs in by e-mail."""

    email = models.EmailField(unique=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    invited_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # the weekly report by e-mail (forecasting/reports/delivery.py); the member toggles it on her account page
    subscribed_weekly_report = models.BooleanField(default=False)

    objects = TenantUserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_invited(self) -> bool:
        """Invited and not joined yet: no password chosen, never logged in."""
        return self.is_active and not self.has_usable_password() and self.last_login is None

    @property
    def status(self) -> str:
        if not self.is_active:
            return "deactivated"
        return "invited" if self.is_invited else "active"


API_KEY_PREFIX_LEN = 8
API_KEY_STATUS_CHOICES = [("active", "Active"), ("revoked", "Revoked"),
                          ("suspended", "Suspended (its creator is deactivated)")]


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def generate_key() -> tuple[str, str]:
    """Returns (raw key, visible prefix). Format: ``fc_<prefix>_<secret>``."""
    prefix = secrets.token_hex(API_KEY_PREFIX_LEN // 2)
    return f"fc_{prefix}_{secrets.token_urlsafe(32)}", prefix


class ApiKey(models.Model):
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)  # SHA-256 hex of the key
    role = models.CharField(max_length=20, choices=[(r.value, r.label) for r in API_KEY_ROLES])
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def status(self) -> str:
        """``active``; ``revoked``; or ``suspended``: its creator is deactivated
        (or gone), so it does not work until the creator is reactivated."""
        if self.revoked_at is not None:
            return "revoked"
        if self.created_by is None or not self.created_by.is_active:
            return "suspended"
        return "active"

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def effective_role(self) -> str | None:
        """The role the key acts with: its own, capped at its creator's current
        role; None when it does not work at all."""
        if not self.is_active:
            return None
        return capped_role(self.role, self.created_by.role)

    # an API key authenticates as this principal (DRF's request.user)
    is_authenticated = True
    is_anonymous = False


class AuditEvent(models.Model):
    """Append-only: a trigger (migration 0002) rejects UPDATE, DELETE and TRUNCATE.
    Tamper-evident: each event is chained to the one before it by hash
    (``accounts.audit.hash``); write only through ``accounts.audit.audit_record``."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    actor_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.DO_NOTHING,
                                   db_constraint=False, related_name="+")
    actor_api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.DO_NOTHING,
                                      db_constraint=False, related_name="+")
    actor_label = models.CharField(max_length=254, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    sequence = models.BigIntegerField(unique=True)  # 1, 2, 3, ... per tenant, no gap
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} by {self.actor_label}"


class AuditChainHead(models.Model):
    """One row (pk=1): the last event's sequence and hash. Writers lock it for
    the rest of their transaction, so the chain cannot fork."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit chain head #{self.sequence}"


class KeyStoreScope(models.Model):
    """One store an API key is restricted to (no rows: unrestricted). Keys are
    not users, so guardian's per-user object permissions cannot hold this;
    the store is kept by number, the key the sales tables use."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="store_scopes")
    store = models.PositiveIntegerField()

    class Meta:
        ordering = ["api_key", "store"]
        constraints = [models.UniqueConstraint(fields=["api_key", "store"], name="uniq_key_store_scope")]


class Notice(models.Model):
    """An in-app notice to a workspace's owners and admins (e.g. the product
    rolled a model back by itself), shown on their dashboard; also e-mailed
    (accounts/notices.py)."""

    kind = models.CharField(max_length=50)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    recipients = models.JSONField(default=list, blank=True, help_text="e-mail addresses it was sent to")
    created_at = models.DateTimeField(default=timezone.now)
    dismissed_by = models.ManyToManyField("accounts.User", blank=True, related_name="dismissed_notices",
                                          help_text="members who dismissed it: it no longer shows on their dashboard")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind}: {self.title}"


class HandoffNonce(models.Model):
    """A used signup-handoff token (accounts.services.handoff_token_consume): its nonce is inserted
    when the token is consumed, and the unique constraint refuses a second use, in any process.
    Rows older than a token's lifetime are pruned (an expired token is refused anyway)."""

    nonce = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(default=timezone.now, db_index=True)
