from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Case, QuerySet, TextField, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Concat, Lower

from accounts.models import ApiKey, AuditEvent, User

_USER_ID = re.compile(r"[0-9]{1,18}")


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
        elif _USER_ID.fullmatch(actor):  # ASCII digits only: "²".isdigit() is True
            qs = qs.filter(actor_user_id=int(actor))
        else:
            qs = qs.filter(actor_label__iexact=actor)
    if since:
        qs = qs.filter(created_at__gte=since)
    if until:
        qs = qs.filter(created_at__lte=until)
    return qs


@dataclass(frozen=True)
class AuditRow:
    """One line of the Audit page: an event, or a run of ``count`` consecutive
    failed logins for the same username, IP and target (``event`` is the newest)."""

    event: AuditEvent
    count: int = 1
    first_at: datetime | None = None
    last_at: datetime | None = None

    @property
    def collapsed(self) -> bool:
        return self.count > 1


COLLAPSED_ACTION = "auth.login_failed"


class AuditRows:
    """The filtered events, newest first, with each run of consecutive failed
    logins (same username, IP and target) folded into one row — in SQL, before
    pagination, so a flood of thousands is one row and real events stay on page
    one. Paginator-compatible (``count()`` and slicing)."""

    def __init__(self, events: QuerySet[AuditEvent], *, collapse: bool = True):
        one_per_event = Concat(Value("e|"), Cast("id", TextField()), output_field=TextField())
        key = one_per_event if not collapse else Case(
            When(action=COLLAPSED_ACTION, then=Concat(
                Value("f|"), Lower(Coalesce(KT("payload__username"), Value(""), output_field=TextField())), Value("|"),
                Coalesce(Cast("ip", TextField()), Value(""), output_field=TextField()), Value("|"), "target_type",
                Value("|"), "target_id", output_field=TextField())),
            default=one_per_event, output_field=TextField())
        inner, params = (events.order_by().annotate(run_key=key).values_list("id", "created_at", "run_key")
                         .query.sql_with_params())
        self._params = params
        self._grouped = f"""
            WITH base AS ({inner}),
            numbered AS (
                SELECT b.*, row_number() OVER (ORDER BY b.created_at DESC, b.id DESC)
                          - row_number() OVER (PARTITION BY b.run_key ORDER BY b.created_at DESC, b.id DESC) AS island
                FROM base AS b),
            grouped AS (
                SELECT (array_agg(id ORDER BY created_at DESC, id DESC))[1] AS newest_id, count(*) AS n,
                       min(created_at) AS first_at, max(created_at) AS last_at
                FROM numbered GROUP BY run_key, island)
        """
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            with connection.cursor() as cur:
                cur.execute(self._grouped + "SELECT count(*) FROM grouped", self._params)
                self._count = cur.fetchone()[0]
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[AuditRow]:
        start, stop = item.start or 0, item.stop
        with connection.cursor() as cur:
            cur.execute(self._grouped + "SELECT newest_id, n, first_at, last_at FROM grouped "
                        "ORDER BY last_at DESC, newest_id DESC LIMIT %s OFFSET %s",
                        (*self._params, None if stop is None else stop - start, start))
            found = cur.fetchall()
        events = AuditEvent.objects.in_bulk([r[0] for r in found])
        return [AuditRow(events[i], n, first, last) for i, n, first, last in found]


def audit_rows(*, collapse: bool = True, **filters) -> AuditRows:
    return AuditRows(audit_event_list(**filters), collapse=collapse)


def api_key_get(*, key_id) -> ApiKey | None:
    try:
        return api_key_list().get(pk=int(key_id))
    except (ApiKey.DoesNotExist, ValueError, TypeError):
        return None
