"""What operators (platform staff, public schema) do to tenants as a whole.
Every action writes a ``PlatformEvent`` in the same transaction; suspend and
resume are tenants.services' (which record theirs)."""
from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from accounts.audit import Actor, audit_record
from billing.plans import PLANS
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
    tenant = (Tenant.objects.select_for_update().filter(slug=slug)
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


def tenant_domain_add(*, slug: str, hostname: str, operator: str, primary: bool = False) -> Domain:
    """Attach a custom domain to a tenant; ``primary`` makes links (e-mails,
    handoff) use it."""
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
