"""Notices to a workspace's owners and admins: an in-app ``Notice`` row
(shown on their dashboard until they dismiss it) and an e-mail sent once the
caller's transaction commits. Called by services inside their transaction."""
from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import Actor, audit_record
from accounts.models import Notice, User
from accounts.roles import Role
from saas.errors import NotFound

NOTICE_DAYS = 30  # how long a notice stays on the dashboard


def admin_emails() -> list[str]:
    return list(User.objects.filter(role__in=(Role.OWNER, Role.ADMIN), is_active=True)
                .order_by("email").values_list("email", flat=True))


def notice_admins(*, kind: str, title: str, body: str, link: str = "") -> Notice:
    recipients = admin_emails()
    notice = Notice.objects.create(kind=kind, title=title[:200], body=body, link=link, recipients=recipients)
    tenant = getattr(connection, "tenant", None)
    name = getattr(tenant, "brand_name", None) or getattr(tenant, "name", "") or "your workspace"
    url = f"{tenant.url.rstrip('/')}{link}" if link and getattr(tenant, "url", "") else link
    if recipients:
        transaction.on_commit(lambda: send_mail(
            subject=f"[{name}] {title}", message=body + (f"\n\n{url}\n" if url else "\n"),
            from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=recipients, fail_silently=True))
    return notice


def notices_recent(*, user: User | None = None, limit: int = 5) -> list[Notice]:
    """The last ``NOTICE_DAYS`` days' notices, but those ``user`` dismissed."""
    since = timezone.now() - timezone.timedelta(days=NOTICE_DAYS)
    qs = Notice.objects.filter(created_at__gte=since)
    if user is not None:
        qs = qs.exclude(dismissed_by=user)
    return list(qs[:limit])


@transaction.atomic
def notice_dismiss(*, actor: Actor, notice_id: int) -> Notice:
    """The member no longer sees the notice on her dashboard (others still do); dismissing twice is a no-op."""
    if actor.user is None:
        raise NotFound("No such notice.")
    try:
        notice = Notice.objects.select_for_update(no_key=True).get(pk=notice_id)
    except (Notice.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such notice.")
    if notice.dismissed_by.filter(pk=actor.user.pk).exists():
        return notice
    notice.dismissed_by.add(actor.user)
    audit_record(action="notice.dismiss", actor=actor, target_type="notice", target_id=notice.pk,
                 payload={"kind": notice.kind, "title": notice.title})
    return notice
