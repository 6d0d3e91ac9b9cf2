"""Facts of the current workspace (the tenant whose schema the connection is
on) that forecasting reads, through django-tenants' tenant model so that
forecasting never imports the tenants app."""
from __future__ import annotations

from django.db import connection
from django_tenants.utils import get_tenant_model


def dataset_version() -> int:
    """The workspace's dataset version, read anew (uploads bump it in their transaction)."""
    return get_tenant_model().objects.values_list("dataset_version", flat=True).get(pk=connection.tenant.pk)
