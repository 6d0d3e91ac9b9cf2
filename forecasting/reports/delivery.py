"""The weekly report by e-mail: members subscribe on their account page; beat
runs ``weekly_reports_send_due`` hourly and each workspace's subscribers get
the report once per ISO week (HTML body, PDF attached), each of her own stores.

Idempotent: the send is recorded as the audit event ``report.weekly_sent``
carrying the week, written under a per-workspace advisory lock, and the mails
leave once that transaction commits. One workspace's failure is logged and
does not hold up the others (retried the next hour)."""
from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context, tenant_context

from accounts.audit import Actor, audit_record
from accounts.models import AuditEvent, User
from accounts.scope import StoreScope
from forecasting.reports.figures import weekly_report
from forecasting.reports.pdf import kpi_rows, money, pct, report_filename, report_pdf, report_words

log = logging.getLogger(__name__)
LOCK_KEY = 0x5EEC1  # pg_advisory_xact_lock key of the weekly send (per schema: one database lock per workspace)


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_report_subscribe(*, user: User, subscribed: bool) -> User:
    with transaction.atomic():
        user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
        if user.subscribed_weekly_report != subscribed:
            user.subscribed_weekly_report = subscribed
            user.save(update_fields=["subscribed_weekly_report"])
            audit_record(action="report.weekly_subscription", actor=Actor.for_user(user), target_type="user",
                         target_id=user.pk, payload={"subscribed": subscribed})
    return user


def subscribers() -> list[User]:
    return list(User.objects.filter(subscribed_weekly_report=True, is_active=True).exclude(email="").order_by("pk"))


def _already_sent(week: str) -> bool:
    return AuditEvent.objects.filter(action="report.weekly_sent", payload__week=week).exists()


def weekly_report_message(*, report: dict, tenant, recipients: list[str]) -> EmailMultiAlternatives:
    name = getattr(tenant, "brand_name", None) or tenant.name
    words = report_words(report)
    context = {"report": report, "tenant": tenant, "name": name, "kpis": kpi_rows(report),
               "movers": [(f"{label} {m.get('code', m['key'])}", money(m["forecast_13w"], words["unit"]),
                           pct(m["change"]))
                          for label, part in ((words["location"], report["movers"]["stores"]),
                                              (words["item"], report["movers"]["departments"]))
                          for m in part["up"][:3] + part["down"][:3]],
               "url": getattr(tenant, "url", "")}
    text = "\n".join([f"Weekly report - {name}", ""] + [f"{a}: {b} (last year {c}, {d})" if c else f"{a}: {b}"
                                                          for a, b, c, d in context["kpis"]])
    msg = EmailMultiAlternatives(subject=f"[{name}] Weekly report", body=text + "\n\nThe full report is attached.\n",
                                 from_email=settings.DEFAULT_FROM_EMAIL, to=recipients)
    msg.attach_alternative(render_to_string("forecasting/email/weekly_report.html", context), "text/html")
    msg.attach(report_filename(report), report_pdf(report, tenant=tenant), "application/pdf")
    return msg


def weekly_report_send(*, today: date | None = None) -> int:
    """Send this week's report to the current workspace's subscribers, once; the number of mails sent."""
    today = today or timezone.now().date()
    week = week_key(today)
    people = subscribers()
    if not people or _already_sent(week):
        return 0
    by_scope: dict[tuple | None, list[str]] = {}
    for user in people:
        scope = StoreScope.for_principal(user)
        by_scope.setdefault(None if scope.as_list() is None else tuple(scope.as_list()), []).append(user.email)
    tenant = connection.tenant
    messages = []
    for stores, emails in by_scope.items():  # built before the lock: the report reads a lot
        scope = StoreScope.all() if stores is None else StoreScope.only(stores)
        report = weekly_report(scope=scope, today=today)
        messages += [weekly_report_message(report=report, tenant=tenant, recipients=[e]) for e in emails]
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", [LOCK_KEY])
        if _already_sent(week):
            return 0
        audit_record(action="report.weekly_sent", actor=Actor.system(), target_type="report", target_id=week,
                     payload={"week": week, "recipients": len(messages)})
        transaction.on_commit(lambda: _deliver(messages))
    return len(messages)


def _deliver(messages: list[EmailMultiAlternatives]) -> None:
    for msg in messages:
        try:
            msg.send()
        except Exception:  # noqa: BLE001 - one bad address must not stop the others
            log.exception("weekly report to %s failed", msg.to)


def weekly_reports_send_due(*, today: date | None = None) -> int:
    """Every live workspace's weekly report (beat, hourly; once per week each)."""
    sent, Tenant = 0, get_tenant_model()
    with schema_context(get_public_schema_name()):
        tenants = list(Tenant.objects.exclude(schema_name=get_public_schema_name())
                       .filter(status=Tenant.Status.ACTIVE).order_by("pk"))
    for tenant in tenants:
        try:
            with tenant_context(tenant):
                sent += weekly_report_send(today=today)
        except Exception:  # noqa: BLE001 - one workspace's failure must not hold up the others
            log.exception("weekly report of workspace %s failed", tenant.slug)
    return sent
