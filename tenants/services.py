"""Provisioning and lifecycle of tenants (public schema) plus the first rows
inside the new tenant's schema."""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists, tenant_context

from accounts import services as account_services
from accounts.audit import Actor, audit_record
from accounts.roles import Role
from billing.plans import PLANS
from jobs.recovery import jobs_resume
from saas.errors import Conflict, NotFound, ValidationFailed
from tenants.models import Domain, PlatformEvent, Tenant

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
RESERVED_SLUGS = {"www", "public", "admin", "api", "static", "media", "app", "mail", "status",
                  "tenant-template", "tenant_template", "localhost", "pg-catalog", "information-schema"}


def schema_name_for(slug: str) -> str:
    return "t_" + slug.replace("-", "_")


def validate_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug) or "--" in slug:
        raise ValidationFailed(
            "The short name must be 3-40 characters: lowercase letters, digits and dashes, starting with a letter.",
            details={"slug": ["3-40 characters: a-z, 0-9 and '-', starting with a letter."]})
    if slug in RESERVED_SLUGS:
        raise ValidationFailed("This short name is reserved.", details={"slug": ["Reserved."]})
    return slug


@dataclass
class Provisioned:
    tenant: Tenant
    owner_id: int
    owner_email: str
    url: str
    api_key: str | None = None  # only when asked for (``api_key_name``): shown once


def ensure_public_tenant() -> Tenant:
    tenant, _ = Tenant.objects.get_or_create(
        schema_name="public", defaults={"name": "Public", "slug": "public", "status": Tenant.Status.ACTIVE})
    Domain.objects.get_or_create(domain=settings.SAAS_BASE_DOMAIN, defaults={"tenant": tenant, "is_primary": True})
    return tenant


def ensure_template_tenant() -> Tenant:
    """The migrated schema new tenants are cloned from (TENANT_BASE_SCHEMA)."""
    name = settings.TENANT_BASE_SCHEMA
    tenant = Tenant.objects.filter(schema_name=name).first()
    if tenant is None:
        tenant = Tenant(schema_name=name, name="Template", slug="tenant-template", status=Tenant.Status.TEMPLATE)
        tenant.save(verbosity=0)  # creates + migrates the schema (no base schema exists yet)
    return tenant


def tenant_provision(*, slug: str, name: str, owner_email: str, owner_password: str, plan: str = "free",
                     actor: Actor | None = None, api_key_name: str | None = None) -> Provisioned:
    """The workspace and its owner. No API key unless ``api_key_name`` is
    given (the operator's CLI): the signup creates none."""

    slug = validate_slug(slug)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("Give the company a name.", details={"name": ["Required."]})
    if plan not in PLANS:
        raise ValidationFailed(f"Unknown plan {plan!r}.", details={"plan": [f"One of {', '.join(PLANS)}."]})
    schema = schema_name_for(slug)
    if Tenant.objects.filter(slug=slug).exists() or schema_exists(schema):
        raise Conflict("This short name is taken.", details={"slug": ["Taken."]})
    actor = actor or Actor.system()

    # Validate the owner before creating any schema, so bad input leaves nothing behind.
    owner_email = account_services.clean_email(owner_email)
    account_services.check_password_strength(owner_password)

    host = f"{slug}.{settings.SAAS_BASE_DOMAIN}"
    try:
        with transaction.atomic():
            tenant = Tenant(schema_name=schema, name=name, slug=slug, plan=plan)
            tenant.save(verbosity=0)  # clones the template schema (DDL is transactional in PostgreSQL)
            Domain.objects.create(domain=host, tenant=tenant, is_primary=True)
            with schema_context(schema):
                connection.tenant = tenant
                owner = account_services.member_create(actor=actor, email=owner_email, password=owner_password,
                                                       role=Role.OWNER)
                owner_actor = Actor.for_user(owner, ip=actor.ip, request_id=actor.request_id)
                audit_record(action="tenant.provision", actor=owner_actor, target_type="tenant",
                             target_id=slug, payload={"name": name, "plan": plan})
                key = (account_services.api_key_create(actor=owner_actor, name=api_key_name, role=Role.ADMIN)
                       if api_key_name else None)
    except IntegrityError:
        raise Conflict("This short name is taken.", details={"slug": ["Taken."]})
    finally:
        connection.set_schema_to_public()
    return Provisioned(tenant=tenant, owner_id=owner.pk, owner_email=owner.email, url=tenant.url,
                       api_key=key.raw if key else None)


def _set_status(*, slug: str, status: str, reason: str, action: str, operator: str) -> Tenant:
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update(no_key=True).filter(slug=slug).exclude(status=Tenant.Status.TEMPLATE).first()
        if tenant is None or tenant.schema_name == "public":
            raise NotFound(f"No tenant {slug!r}.")
        tenant.status = status
        tenant.suspended_at = timezone.now() if status == Tenant.Status.SUSPENDED else None
        tenant.suspended_reason = reason
        tenant.save(update_fields=["status", "suspended_at", "suspended_reason"])
        PlatformEvent.objects.create(action=action, tenant_slug=slug, actor_label=operator,
                                     payload={"reason": reason} if reason else {})
        with schema_context(tenant.schema_name):
            audit_record(action=action, actor=Actor.system(), target_type="tenant", target_id=slug,
                         payload={"reason": reason})
    connection.set_schema_to_public()
    return tenant


def tenant_suspend(*, slug: str, reason: str = "", operator: str = "system") -> Tenant:
    return _set_status(slug=slug, status=Tenant.Status.SUSPENDED, reason=reason, action="tenant.suspend",
                       operator=operator)


def tenant_unsuspend(*, slug: str, operator: str = "system") -> Tenant:
    """Resume the tenant; the jobs that waited while it was suspended are sent."""
    tenant = _set_status(slug=slug, status=Tenant.Status.ACTIVE, reason="", action="tenant.unsuspend",
                         operator=operator)
    with tenant_context(tenant):
        jobs_resume()
    return tenant
