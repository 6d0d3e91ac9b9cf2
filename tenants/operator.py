"""What operators (platform staff, public schema) do to tenants as a whole.
Every action writes a ``PlatformEvent`` in the same transaction; suspend and
resume are tenants.services' (which record theirs). Sign-ins, sign-outs,
failed sign-ins and lockouts are PlatformEvents too, and the lockout is read
from them (``operator_locked_until``)."""
from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.audit import Actor, audit_record
from billing.plans import PLANS
from billing.services import requires_feature
from saas.errors import Conflict, NotFound, ValidationFailed
from tenants.models import Domain, Operator, PlatformEvent, Tenant

# RFC 1123 host name: labels of 1-63 letters, digits and inner dashes; at least two labels
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
HOSTNAME_RE = re.compile(rf"^{_LABEL}(\.{_LABEL})+$")


def operator_create(*, email: str, password: str) -> Operator:
    email = (email or "").strip().lower()
    if "@" not in email:
        raise ValidationFailed("Give the operator's e-mail address.", details={"email": ["Invalid."]})
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ValidationFailed("The password is too weak.", details={"password": list(exc.messages)})
    with transaction.atomic():
        if Operator.objects.filter(email__iexact=email).exists():
            raise Conflict("An operator with this e-mail already exists.", details={"email": ["Taken."]})
        operator = Operator(email=email)
        operator.set_password(password)
        operator.save()
        PlatformEvent.objects.create(action="operator.created", actor_label="system", payload={"email": email})
    return operator


def _tenant_for_update(slug: str) -> Tenant:
    tenant = (Tenant.objects.select_for_update(no_key=True).filter(slug=slug)
              .exclude(schema_name__in=["public", settings.TENANT_BASE_SCHEMA]).first())
    if tenant is None:
        raise NotFound(f"No tenant {slug!r}.")
    return tenant


def clean_hostname(hostname: str) -> str:
    host = (hostname or "").strip().lower().rstrip(".")
    if len(host) > 253 or not HOSTNAME_RE.match(host) or host.replace(".", "").isdigit():
        raise ValidationFailed(f"{hostname!r} is not a valid host name (e.g. forecasts.example.com).",
                               details={"domain": ["A host name such as forecasts.example.com, no scheme or port."]})
    base = settings.SAAS_BASE_DOMAIN.lower()
    if host == base or host.endswith("." + base):
        raise ValidationFailed("Host names under the platform's own domain are given by the workspace's short name.",
                               details={"domain": [f"Not under {base}."]})
    return host


def _plan_of_slug(kwargs: dict) -> str:
    tenant = (Tenant.objects.filter(slug=kwargs["slug"])
              .exclude(schema_name__in=["public", settings.TENANT_BASE_SCHEMA]).first())
    if tenant is None:
        raise NotFound(f"No tenant {kwargs['slug']!r}.")
    return tenant.plan


@requires_feature("custom_domain", plan_of=_plan_of_slug)
def tenant_domain_add(*, slug: str, hostname: str, operator: str, primary: bool = False) -> Domain:
    """Attach a custom domain to a tenant whose plan includes ``custom_domain``; ``primary`` makes links
    (e-mails, handoff) use it."""
    host = clean_hostname(hostname)
    try:
        with transaction.atomic():
            tenant = _tenant_for_update(slug)
            if Domain.objects.filter(domain=host).exists():
                raise Conflict(f"{host} is already attached to a workspace.", details={"domain": ["Taken."]})
            if primary:
                Domain.objects.filter(tenant=tenant, is_primary=True).update(is_primary=False)
            domain = Domain.objects.create(domain=host, tenant=tenant, is_primary=primary)
            PlatformEvent.objects.create(action="tenant.domain_added", tenant_slug=slug, actor_label=operator,
                                         payload={"domain": host, "primary": primary})
    except IntegrityError:
        raise Conflict(f"{host} is already attached to a workspace.", details={"domain": ["Taken."]})
    return domain


def tenant_domain_remove(*, hostname: str, operator: str) -> None:
    host = (hostname or "").strip().lower().rstrip(".")
    with transaction.atomic():
        domain = Domain.objects.select_related("tenant").select_for_update().filter(domain=host).first()
        if domain is None or domain.tenant.schema_name == "public":
            raise NotFound(f"No custom domain {host!r}.")
        if host.endswith("." + settings.SAAS_BASE_DOMAIN.lower()):
            raise ValidationFailed("The workspace's own host name cannot be removed.")
        slug, was_primary = domain.tenant.slug, domain.is_primary
        domain.delete()
        if was_primary:
            Domain.objects.filter(domain=f"{slug}.{settings.SAAS_BASE_DOMAIN}").update(is_primary=True)
        PlatformEvent.objects.create(action="tenant.domain_removed", tenant_slug=slug, actor_label=operator,
                                     payload={"domain": host})


def tenant_plan_set(*, slug: str, plan: str, operator: str) -> Tenant:
    """An operator moves a tenant to another plan (no downgrade check: the
    operator decides; owners' own plan changes live in billing/)."""
    if plan not in PLANS:
        raise ValidationFailed(f"Unknown plan {plan!r}.", details={"plan": [f"One of {', '.join(PLANS)}."]})
    with transaction.atomic():
        tenant = _tenant_for_update(slug)
        old = tenant.plan
        if old == plan:
            return tenant
        tenant.plan = plan
        tenant.save(update_fields=["plan"])
        PlatformEvent.objects.create(action="tenant.plan_set", tenant_slug=slug, actor_label=operator,
                                     payload={"from": old, "to": plan})
        with schema_context(tenant.schema_name):
            audit_record(action="tenant.plan_set", actor=Actor.system(), target_type="tenant", target_id=slug,
                         payload={"from": old, "to": plan, "by": "platform operator"})
    return tenant


# ------------------------------------------------------------ sign-in events and lockout
# The members' rule (django-axes, saas/settings: AXES_FAILURE_LIMIT failures, locked for
# AXES_COOLOFF_TIME, counted per e-mail + IP and reset by a success), applied to operators. Axes' own
# tables live in tenant schemas, so operators' failures are counted from their PlatformEvents, in the
# public schema. Operators are also locked per IP across e-mails (one address trying many operators),
# but never per e-mail alone: anyone on the internet could then lock an operator out of the console.
LOGIN_FAILED, LOCKED_OUT, LOGIN_LOCKED = "operator.login_failed", "operator.locked_out", "operator.login_locked"
SIGNED_IN, SIGNED_OUT = "operator.signed_in", "operator.signed_out"


def _who(email: str, ip: str | None) -> dict:
    return {"email": (email or "").strip().lower()[:254], "ip": ip}


def operator_locked_until(*, email: str, ip: str | None) -> datetime | None:
    """When the lock on this e-mail + IP, or on this IP, ends (None: not locked).
    Failures count within the cool-off period and after the last sign-in of
    the same e-mail + IP (or from the same IP)."""
    who = _who(email, ip)
    limit, cooloff = int(settings.AXES_FAILURE_LIMIT), settings.AXES_COOLOFF_TIME
    since = timezone.now() - cooloff
    until = None
    for match in ({"payload__email": who["email"], "payload__ip": ip}, {"payload__ip": ip}):
        last_ok = (PlatformEvent.objects.filter(action=SIGNED_IN, created_at__gte=since, **match)
                   .order_by("-created_at").values_list("created_at", flat=True).first())
        failures = list(PlatformEvent.objects.filter(action=LOGIN_FAILED, created_at__gte=last_ok or since, **match)
                        .order_by("-created_at").values_list("created_at", flat=True)[:limit])
        if len(failures) >= limit:
            # locked until the oldest of the last `limit` failures leaves the cool-off period
            ends = failures[-1] + cooloff
            until = max(until, ends) if until else ends
    return until


def operator_login_failed(*, email: str, ip: str | None) -> datetime | None:
    """Records a failed sign-in; when it reaches the limit, the lockout too.
    Returns when the lock ends, if this failure locked."""
    with transaction.atomic():
        PlatformEvent.objects.create(action=LOGIN_FAILED, actor_label="anonymous", payload=_who(email, ip))
        until = operator_locked_until(email=email, ip=ip)
        if until is not None:
            PlatformEvent.objects.create(action=LOCKED_OUT, actor_label="anonymous",
                                         payload={**_who(email, ip), "until": until.isoformat()})
    return until


def operator_login_refused(*, email: str, ip: str | None, until: datetime) -> None:
    """A sign-in attempted while locked: refused before the password is checked."""
    PlatformEvent.objects.create(action=LOGIN_LOCKED, actor_label="anonymous",
                                 payload={**_who(email, ip), "until": until.isoformat()})


def operator_signed_in(*, operator: Operator, email: str, ip: str | None) -> None:
    """``email`` as typed (normalised), so the success resets that e-mail + IP's failures."""
    PlatformEvent.objects.create(action=SIGNED_IN, actor_label=f"operator:{operator.email}", payload=_who(email, ip))


def operator_signed_out(*, operator: Operator, ip: str | None) -> None:
    PlatformEvent.objects.create(action=SIGNED_OUT, actor_label=f"operator:{operator.email}",
                                 payload=_who(operator.email, ip))
