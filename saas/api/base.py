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
from accounts.scope import StoreScope
from billing.metering import usage_count
from saas.api.throttling import ClientRateThrottle, TenantRateThrottle, ratelimit_headers


def principal_role(request) -> str | None:
    principal = getattr(request, "user", None)
    if isinstance(principal, ApiKey):
        return principal.effective_role  # at most its creator's current role
    if principal is not None and principal.is_authenticated and principal.is_active:
        return principal.role
    return None


def meter_api_request(request, response) -> None:
    """Count an authenticated API call for metered usage (one Redis HINCRBY,
    billing/metering.py); refused credentials (401) and throttled calls (429)
    are not billed."""
    principal = request.__dict__.get("_user")  # never authenticates here
    if principal is None or not principal.is_authenticated or response.status_code in (401, 429):
        return
    usage_count(counts={"api_requests": 1})


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


# Hooks a subclass may not replace: who the caller is, whether they may, and
# which rows they see are decided here only (cf. PostHog's TeamAndOrgViewSetMixin).
FINAL_HOOKS = ("authentication_classes", "permission_classes", "get_authenticators", "get_permissions",
               "perform_authentication", "check_permissions", "check_object_permissions", "get_queryset",
               "get_object", "queryset", "throttle_classes", "get_throttles", "check_throttles")


def replaced_hooks(cls) -> list[str]:
    """The final hooks that ``cls`` resolves to anything but TenantAPIMixin's
    own (defined in a subclass, a mixin before the base, or set on the class
    afterwards). Used at class creation and by the system check."""
    replaced = []
    for name in FINAL_HOOKS:
        owner = next((klass for klass in cls.__mro__ if name in vars(klass)), None)
        if owner is not TenantAPIMixin:
            replaced.append(name)
    return replaced


class TenantAPIMixin:
    """Set ``permissions_map``: a ViewSet action name, or an HTTP method, to a
    permission of ``accounts.roles.PERMISSIONS``. Anything unmapped is denied.
    List/detail rows come from ``safely_get_queryset`` (a selector call). The
    authentication, permission and queryset hooks are final: a subclass that
    replaces one is refused (TypeError) when its class is created, and the
    system check ``saas.E002`` catches one replaced afterwards."""

    authentication_classes = [ApiKeyAuthentication, TenantSessionAuthentication]
    permission_classes = [TenantRolePermission]
    throttle_classes = [TenantRateThrottle, ClientRateThrottle]  # the plan's requests per minute
    permissions_map: dict[str, str] = {}
    queryset = None  # rows come from safely_get_queryset(), never a class-level queryset

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        replaced = replaced_hooks(cls)
        if replaced:
            raise TypeError(f"{cls.__module__}.{cls.__qualname__} replaces {', '.join(replaced)} of "
                            "saas.api.base.TenantAPIMixin: define permissions_map and safely_get_queryset() "
                            "instead")

    # ---- final hooks (DRF's, pinned here)
    def get_authenticators(self):
        return super().get_authenticators()

    def perform_authentication(self, request):
        return super().perform_authentication(request)

    def get_permissions(self):
        return super().get_permissions()

    def check_permissions(self, request):
        return super().check_permissions(request)

    def check_object_permissions(self, request, obj):
        return super().check_object_permissions(request, obj)

    def get_throttles(self):
        return super().get_throttles()

    def check_throttles(self, request):
        return super().check_throttles(request)

    def get_queryset(self):
        return self.safely_get_queryset()

    def get_object(self):
        return super().get_object()

    def safely_get_queryset(self):
        raise NotImplementedError(f"{type(self).__name__} lists no rows: define safely_get_queryset()")

    def throttled(self, request, wait):
        what = getattr(request, "_ratelimit_refused", "the plan's API rate")
        raise exceptions.Throttled(wait=wait, detail=f"Rate limit reached: {what} on the "
                                                     f"{connection.tenant.plan.title()} plan. Retry in {wait} s.")

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        ratelimit_headers(request, response)
        meter_api_request(request, response)
        return response

    # ---- for subclasses
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

    @property
    def scope(self) -> StoreScope:
        """The principal's stores (accounts/scope.py): pass it to every selector of store data."""
        return StoreScope.for_request(self.request)


class TenantAPIView(TenantAPIMixin, views.APIView):
    pass


class TenantViewSet(TenantAPIMixin, viewsets.GenericViewSet):
    pass
