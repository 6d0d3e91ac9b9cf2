"""The one tenant-safe base for every API endpoint (cf. PostHog's
TeamAndOrgViewSetMixin). It fixes authentication (API key or this tenant's
session), the role check from ``accounts.roles`` and the error format, so no
endpoint can forget them. A system check (``saas.checks``) fails if an API
view does not inherit it."""
from __future__ import annotations

from django.db import connection
from django_tenants.utils import get_public_schema_name
from rest_framework import exceptions, permissions, views, viewsets

from accounts.audit import Actor
from accounts.authentication import ApiKeyAuthentication, TenantSessionAuthentication
from accounts.models import ApiKey
from accounts.roles import has_perm


def principal_role(request) -> str | None:
    principal = getattr(request, "user", None)
    if isinstance(principal, ApiKey):
        return principal.role
    if principal is not None and principal.is_authenticated and principal.is_active:
        return principal.role
    return None


class TenantRolePermission(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if connection.schema_name == get_public_schema_name():
            raise exceptions.NotFound()
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        perm = view.required_permission(request)
        if perm is None or not has_perm(principal_role(request), perm):
            raise exceptions.PermissionDenied("Your role does not allow this action.")
        return True


class TenantAPIMixin:
    """Set ``permissions_map``: a ViewSet action name, or an HTTP method, to a
    permission of ``accounts.roles.PERMISSIONS``. Anything unmapped is denied."""

    authentication_classes = [ApiKeyAuthentication, TenantSessionAuthentication]
    permission_classes = [TenantRolePermission]
    permissions_map: dict[str, str] = {}

    def required_permission(self, request) -> str | None:
        action = getattr(self, "action", None)
        if action and action in self.permissions_map:
            return self.permissions_map[action]
        return self.permissions_map.get(request.method.upper()) or (
            self.permissions_map.get("GET") if request.method.upper() in ("HEAD", "OPTIONS") else None)

    @property
    def actor(self) -> Actor:
        return Actor.from_request(self.request)

    @property
    def role(self) -> str | None:
        return principal_role(self.request)


class TenantAPIView(TenantAPIMixin, views.APIView):
    pass


class TenantViewSet(TenantAPIMixin, viewsets.GenericViewSet):
    pass
