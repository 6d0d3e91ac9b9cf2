from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from accounts.models import ApiKey, AuditEvent, User


def member_list(*, include_inactive: bool = True) -> QuerySet[User]:
    qs = User.objects.all().order_by("email")
    return qs if include_inactive else qs.filter(is_active=True)


def member_get(*, user_id) -> User | None:
    try:
        return User.objects.get(pk=int(user_id))
    except (User.DoesNotExist, ValueError, TypeError):
        return None


def api_key_list(*, include_revoked: bool = True) -> QuerySet[ApiKey]:
    qs = ApiKey.objects.select_related("created_by").order_by("-created_at")
    return qs if include_revoked else qs.filter(revoked_at__isnull=True)


def api_key_by_digest(*, digest: str) -> ApiKey | None:
    return ApiKey.objects.select_related("created_by").filter(digest=digest).first()


def audit_event_list(*, action: str | None = None, actor: str | None = None,
                     since: datetime | None = None, until: datetime | None = None) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all().order_by("-created_at", "-id")
    if action:
        qs = qs.filter(action__startswith=action) if action.endswith(".") else qs.filter(action=action)
    if actor:
        if actor.startswith("key:"):
            qs = qs.filter(actor_label=actor)
        elif actor.isdigit():
            qs = qs.filter(actor_user_id=int(actor))
        else:
            qs = qs.filter(actor_label__iexact=actor)
    if since:
        qs = qs.filter(created_at__gte=since)
    if until:
        qs = qs.filter(created_at__lte=until)
    return qs



def api_key_get(*, key_id) -> ApiKey | None:
    try:
        return api_key_list().get(pk=int(key_id))
    except (ApiKey.DoesNotExist, ValueError, TypeError):
        return None
