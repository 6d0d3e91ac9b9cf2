"""A planner's answer to a row of the exceptions worklist (analyst+):
accepted as it is, or dismissed with a reason and a note; audited. The row
must be open now (of the principal's stores); it stays hidden while its
figures rest on the same basis."""
from __future__ import annotations

from django.db import transaction

from accounts.audit import Actor, audit_record
from accounts.scope import StoreScope
from forecasting.models import ExceptionDismissal
from forecasting.selectors.exceptions import KINDS, exception_list
from saas.errors import NotFound, ValidationFailed

MAX_NOTE = 2000


def exception_answer(*, actor: Actor, scope: StoreScope, kind: str, store, dept, basis: str, reason: str,
                     note: str = "") -> ExceptionDismissal:
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValidationFailed(f"kind: one of {', '.join(KINDS)}.", details={"kind": [f"one of {', '.join(KINDS)}"]})
    if not isinstance(reason, str) or reason not in ExceptionDismissal.Reason.values:
        reasons = ", ".join(ExceptionDismissal.Reason.values)
        raise ValidationFailed(f"reason: one of {reasons}.", details={"reason": [f"one of {reasons}"]})
    note = str(note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(f"note: at most {MAX_NOTE:,} characters.", details={"note": [f"at most {MAX_NOTE:,}"]})
    try:
        store, dept = int(store), int(dept)
    except (TypeError, ValueError):
        raise ValidationFailed("store and dept: numbers.", details={"store": ["a number"], "dept": ["a number"]})
    found = scope.allows(store) and any(  # a row of the list as the planner saw it
        (r["kind"], r["store"], r["dept"], r["basis"]) == (kind, store, dept, str(basis))
        for r in exception_list(scope=scope)["results"])
    if not found:
        raise NotFound("No such open exception (it may have been answered, or its figures changed).",
                       code="exception_not_found")
    with transaction.atomic():
        answer, created = ExceptionDismissal.objects.get_or_create(
            kind=kind, store=store, dept=dept, basis=str(basis),
            defaults={"reason": reason, "note": note, "created_by": actor.user, "created_by_key": actor.api_key})
        if created:
            audit_record(action="exception.answer", actor=actor, target_type="exception", target_id=answer.pk,
                         payload={"kind": kind, "store": store, "dept": dept, "reason": reason})
    return answer
