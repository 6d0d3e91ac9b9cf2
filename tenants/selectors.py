from __future__ import annotations

from django.db import connection

from jobs.models import Job
from tenants.models import Tenant


def current_tenant() -> Tenant:
    """The request's tenant, fresh from the database (status may have changed)."""
    return Tenant.objects.get(schema_name=connection.schema_name)


def export_jobs(limit: int = 20):
    return Job.objects.filter(kind=Job.Kind.EXPORT).order_by("-created_at", "-pk")[:limit]
