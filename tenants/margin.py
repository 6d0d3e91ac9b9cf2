"""The workspace's gross margin: the promotion simulator's default (share of
sales kept as gross profit), overridable per simulation."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import connection, transaction

from accounts.audit import Actor, audit_record
from accounts.roles import has_perm
from saas.errors import Forbidden, ValidationFailed
from tenants.models import Tenant


def gross_margin_update(*, actor: Actor, percent) -> Tenant:
    """Set the margin from a percentage (e.g. "32.5"); owners only, audited."""
    if actor.kind != "user" or not has_perm(actor.user.role, "workspace.manage"):
        raise Forbidden("Only an owner can change the workspace's gross margin.")
    try:
        value = (Decimal(str(percent).strip().rstrip("%")) / 100).quantize(Decimal("0.001"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"gross_margin: {percent!r} is not a percentage.",
                               details={"gross_margin": ["a percentage between 0 and 100"]})
    if not Decimal(0) <= value <= Decimal(1):
        raise ValidationFailed("gross_margin: must be between 0 and 100 %.",
                               details={"gross_margin": ["a percentage between 0 and 100"]})
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update(no_key=True).get(schema_name=connection.schema_name)
        if tenant.gross_margin == value:
            return tenant
        old, tenant.gross_margin = tenant.gross_margin, value
        tenant.save(update_fields=["gross_margin"])
        connection.tenant = tenant
        audit_record(action="workspace.margin_update", actor=actor, target_type="tenant", target_id=tenant.slug,
                     payload={"from": f"{old * 100:.1f} %", "to": f"{value * 100:.1f} %"})
    return tenant
