from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import get_creation_fakes_migrations, schema_exists

from billing.plans import PLAN_CHOICES
from tenants.schema_clone import clone_template


class Tenant(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        TEMPLATE = "template", "Template"  # the schema new tenants are cloned from
        DELETING = "deleting", "Scheduled for deletion"  # within the grace period; owners can cancel

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=40, unique=True)
    plan = models.CharField(max_length=20, choices=PLAN_CHOICES, default="free")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_reason = models.CharField(max_length=500, blank=True)
    dataset_version = models.PositiveIntegerField(default=0)
    deletion_requested_at = models.DateTimeField(null=True, blank=True)
    deletion_due_at = models.DateTimeField(null=True, blank=True)
    deletion_requested_by = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # branding (tenants/branding.py): shown on pages, e-mails and reports
    display_name = models.CharField(max_length=80, blank=True)
    accent_color = models.CharField(max_length=7, blank=True)  # "#rrggbb"; empty: the default
    logo_file = models.CharField(max_length=100, blank=True)  # under the tenant's own files
    branding_updated_at = models.DateTimeField(null=True, blank=True)
    # the promotion simulator's default gross margin (share of sales), overridable per simulation
    gross_margin = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.300"))

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """A copy of the template schema replayed from its dump
        (tenants/schema_clone.py); django-tenants' own path otherwise."""
        base = self.get_base_schema() if get_creation_fakes_migrations() else None
        if sync_schema and settings.TENANT_CLONE_FROM_DUMP and base and base != self.schema_name and schema_exists(base):
            if check_if_exists and schema_exists(self.schema_name):
                return False
            if clone_template(base=base, schema=self.schema_name):
                return True
        return super().create_schema(check_if_exists=check_if_exists, sync_schema=sync_schema, verbosity=verbosity)

    @property
    def brand_name(self) -> str:
        return self.display_name or self.name

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED

    @property
    def is_pending_deletion(self) -> bool:
        return self.status == self.Status.DELETING

    @property
    def url(self) -> str:
        domain = self.get_primary_domain()
        host = domain.domain if domain else f"{self.slug}.{settings.SAAS_BASE_DOMAIN}"
        return workspace_url(host)


def workspace_url(host: str) -> str:
    port = settings.SAAS_PORT
    default_port = {"http": "80", "https": "443"}[settings.SAAS_SCHEME]
    suffix = "" if port in ("", default_port) else f":{port}"
    return f"{settings.SAAS_SCHEME}://{host}{suffix}/"


class Domain(DomainMixin):
    pass


class PlatformEvent(models.Model):
    """The platform's own audit log (public schema): what operators and the
    platform did to tenants as a whole, including what outlives a tenant's
    schema (its purge)."""

    action = models.CharField(max_length=64)
    tenant_slug = models.CharField(max_length=40, blank=True)
    actor_label = models.CharField(max_length=254, default="system")
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.tenant_slug}"


class Operator(AbstractBaseUser):
    """A staff user of the platform (public schema): signs in to the operator
    console (Django's admin at /operator/ on the public host only). Members
    (accounts.User) live in each tenant's schema and can never be operators;
    operators have no account in any workspace. See tenants/operator_auth.py."""

    email = models.EmailField(unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    is_operator = True
    is_staff = True
    is_superuser = False

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def has_perm(self, perm, obj=None) -> bool:
        return self.is_active

    def has_module_perms(self, app_label) -> bool:
        return self.is_active


class OperatorSession(AbstractBaseSession):
    """An operator's console session, server-side in the public schema
    (tenants is a shared app: this table exists in no tenant schema). The
    ``operator_session`` cookie holds only its key, so signing out deletes
    the row and a copied cookie opens nothing. See tenants/operator_auth.py."""

    class Meta(AbstractBaseSession.Meta):
        db_table = "tenants_operator_session"
