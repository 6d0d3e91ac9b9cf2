"""The audit writer used by service functions: ``Actor`` (who did something,
and from where) and ``audit_record``.

Writing an action code missing from ``accounts.audit.registry.ACTIONS`` is a
bug and raises. Events are written in the same transaction as the change they
record (service functions call ``audit_record`` inside their
``transaction.atomic``); the chain itself is in ``accounts.audit.chain``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit.chain import lock_head
from accounts.audit.hash import content_hash, fields_of
from accounts.audit.registry import ACTIONS
from accounts.models import AuditEvent
from saas.client_ip import client_ip

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


def audit_record(*, action: str, actor: Actor, target_type: str = "", target_id: str | int | None = None,
                 payload: dict | None = None):
    """Appends one event to this tenant's chain. Inside the caller's
    transaction (or its own): the chain head stays locked until it ends."""
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
