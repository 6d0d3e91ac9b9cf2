"""Enforcement of every plan limit, in one place. Counted limits (members,
keys, trainings, stored rows, storage) are checked under a row lock of the
tenant (``SELECT ... FOR NO KEY UPDATE`` on its public row) in the same
transaction as the insert they guard, so parallel requests queue on the lock
and exactly the allowed number get through. A refusal is one error,
``quota_exceeded``, naming the limit, the usage and the plan that lifts it."""
from __future__ import annotations

import functools
from collections.abc import Callable

from django.db import connection, transaction

from accounts.audit import Actor, audit_record
from billing import selectors
from billing.plans import FEATURES, PLANS, plan_limits
from saas.errors import Conflict, PlanFeatureMissing, QuotaExceeded, ValidationFailed
from tenants.models import Tenant


def _fmt(n: int, unit: str) -> str:
    if unit == "bytes":
        mb = 1024 * 1024
        return f"{n // mb:,} MB" if n and n % mb == 0 else f"{n:,} bytes"
    return f"{n:,}" + (" weeks" if unit == "weeks" else "")


def _exceeded(*, limit: str, plan: str, allowed: int, used: int | None, requested: int) -> QuotaExceeded:
    spec = selectors.LIMITS[limit]
    needed = requested if used is None else used + requested
    upgrade = selectors.plan_lifting(limit, plan, needed)
    if used is None:
        message = (f"The {plan.title()} plan allows up to {_fmt(allowed, spec.unit)} ({spec.label}); "
                   f"this asks for {_fmt(requested, spec.unit)}.")
    else:
        message = (f"The {plan.title()} plan allows {_fmt(allowed, spec.unit)} {spec.label}; "
                   f"{_fmt(used, spec.unit)} in use.")
    message += f" The {upgrade.title()} plan lifts this limit." if upgrade else ""
    exc = QuotaExceeded(message, details={"limit": limit, "label": spec.label, "allowed": allowed, "usage": used,
                                          "requested": requested, "plan": plan, "upgrade_to": upgrade})
    exc.status = spec.status
    return exc


def _lock_tenant() -> Tenant:
    if not connection.in_atomic_block:
        raise RuntimeError("a counted quota is checked inside the transaction that writes")
    return Tenant.objects.select_for_update(no_key=True).only("pk", "plan").get(pk=connection.tenant.pk)


def quota_reserve(*, limit: str, amount: int = 1, written: bool = False) -> None:
    """Refuse unless usage + ``amount`` stays within the plan. Call inside the
    writing transaction, before the insert (or after it with ``written=True``
    when the amount is only known then, e.g. rows loaded): the tenant row
    stays locked until that transaction ends."""
    spec = selectors.LIMITS[limit]
    if spec.usage is None:
        raise ValueError(f"{limit!r} is not a counted limit")
    plan = _lock_tenant().plan
    allowed = selectors.allowed(limit, plan)
    used = spec.usage() - (amount if written else 0)
    if used + amount > allowed:
        raise _exceeded(limit=limit, plan=plan, allowed=allowed, used=used, requested=amount)


def quota_check_value(*, limit: str, value: int) -> None:
    """A per-request size (upload bytes or rows, forecast horizon) within the plan."""
    plan = selectors.tenant_plan()
    allowed = selectors.allowed(limit, plan)
    if value > allowed:
        raise _exceeded(limit=limit, plan=plan, allowed=allowed, used=None, requested=value)


def feature_require(*, feature: str, plan: str | None = None) -> None:
    """403 ``plan_feature_missing`` unless the tenant's plan (or ``plan``) includes ``feature``; the
    error names the feature, the plan and the cheapest plan that has it."""
    if feature not in FEATURES:
        raise ValueError(f"unknown plan feature {feature!r}")
    plan = plan or selectors.tenant_plan()
    if feature not in plan_limits(plan).features:
        upgrade = selectors.plan_with_feature(feature, plan)
        raise PlanFeatureMissing(
            f"{FEATURES[feature]} is not part of the {plan.title()} plan."
            + (f" The {upgrade.title()} plan includes it." if upgrade else ""),
            details={"feature": feature, "plan": plan, "upgrade_to": upgrade})


# feature -> the service functions that require it ("module.function"), filled by ``requires_feature``:
# the one mechanism by which a plan feature is enforced (tests/billing/test_plan_features.py lists them)
FEATURE_GATES: dict[str, list[str]] = {}


def requires_feature(feature: str, *, when: Callable[[dict], bool] | None = None,
                     plan_of: Callable[[dict], str] | None = None):
    """Declares that a keyword-only service function needs the plan ``feature``: every call (API, page,
    command) is refused with ``plan_feature_missing`` first, before anything else is checked or written.
    ``when(kwargs)``: only the calls that use the feature (e.g. restricting a scope, not lifting one).
    ``plan_of(kwargs)``: the plan to check, for a platform operator's call naming a tenant (default: the
    plan of the workspace the call runs in)."""
    if feature not in FEATURES:
        raise ValueError(f"unknown plan feature {feature!r}")

    def declare(fn):
        FEATURE_GATES.setdefault(feature, []).append(f"{fn.__module__}.{fn.__qualname__}")

        @functools.wraps(fn)
        def gated(*args, **kwargs):
            if when is None or when(kwargs):
                feature_require(feature=feature, plan=plan_of(kwargs) if plan_of else None)
            return fn(*args, **kwargs)

        gated.required_feature = feature
        return gated

    return declare


def plan_blockers(*, plan: str) -> list[dict]:
    """The counted limits whose current usage exceeds ``plan``'s (what stops a downgrade)."""
    out = []
    for name, spec in selectors.LIMITS.items():
        if spec.usage is None:
            continue
        allowed, used = selectors.allowed(name, plan), spec.usage()
        if used > allowed:
            out.append({"limit": name, "label": spec.label, "allowed": allowed, "usage": used,
                        "reason": f"{_fmt(allowed, spec.unit)} {spec.label} allowed, {_fmt(used, spec.unit)} in use"})
    return out


def plan_change(*, actor: Actor, plan: str) -> tuple[Tenant, bool]:
    """Move the current tenant to ``plan``: an upgrade applies now; a downgrade
    is refused (409 ``downgrade_blocked``) while usage exceeds the new plan's
    limits, naming each. Returns the tenant and whether the plan changed."""
    if plan not in PLANS:
        raise ValidationFailed(f"Unknown plan {plan!r}: one of {', '.join(PLANS)}.",
                               details={"plan": [f"one of {', '.join(PLANS)}"]})
    with transaction.atomic():
        tenant = _lock_tenant()
        old = tenant.plan
        if plan == old:
            return tenant, False
        names = list(PLANS)
        if old in names and names.index(plan) < names.index(old):  # a downgrade
            blockers = plan_blockers(plan=plan)
            if blockers:
                raise Conflict(f"The {plan.title()} plan cannot be chosen yet: "
                               + "; ".join(b["reason"] for b in blockers) + ".",
                               code="downgrade_blocked", details={"plan": plan, "limits": blockers})
        Tenant.objects.filter(pk=tenant.pk).update(plan=plan)
        audit_record(action="billing.plan_changed", actor=actor, target_type="tenant", target_id=tenant.pk,
                     payload={"from": old, "to": plan})
    tenant.plan = plan
    connection.tenant.plan = plan
    return tenant, True
