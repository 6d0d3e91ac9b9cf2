from django.conf import settings
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

from billing.plans import PLAN_CHOICES


class Tenant(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        TEMPLATE = "template", "Template"  # the schema new tenants are cloned from

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=40, unique=True)
    plan = models.CharField(max_length=20, choices=PLAN_CHOICES, default="free")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_reason = models.CharField(max_length=500, blank=True)
    dataset_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED

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
