from __future__ import annotations

from django.db import connection

from tenants.models import Tenant


def current_tenant() -> Tenant:
    """The request's tenant, fresh from the database (status may have changed)."""
    return Tenant.objects.get(schema_name=connection.schema_name)
