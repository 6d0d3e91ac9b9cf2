
from django.db import connection
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import scope_services, selectors, services
from accounts.api import serializers as s
from accounts.audit.export import csv_response, export_filename
from accounts.forms import AuditFilterForm
from accounts.models import ApiKey
from accounts.scope import StoreScope
from saas.api.base import TenantAPIView, TenantViewSet
from saas.api.renderers import CSVRenderer, file_renderers
from saas.errors import NotFound


class MeView(TenantAPIView):
    permissions_map = {"GET": "workspace.view"}

    @extend_schema(responses=s.MeSerializer)
    def get(self, request):
        principal = request.user
        tenant = connection.tenant.slug
        if isinstance(principal, ApiKey):
            data = {"username": principal.name, "email": None, "role": principal.effective_role, "tenant": tenant,
                    "kind": "api_key"}
        else:
            data = {"username": principal.username, "email": principal.email, "role": principal.role,
                    "tenant": tenant, "kind": "user"}
        return Response(s.MeSerializer(data).data)


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    serializer_class = s.MemberSerializer
    permissions_map = {"list": "members.view", "retrieve": "members.view", "create": "members.manage",
                       "partial_update": "members.manage", "destroy": "members.manage",
                       "resend_invite": "members.manage", "stores": "members.manage"}

    def safely_get_queryset(self):
        return selectors.member_list()

    @extend_schema(request=s.MemberInviteSerializer, responses={201: s.MemberSerializer})
    def create(self, request):
        data = s.MemberInviteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.member_invite(actor=self.actor, **data.validated_data)
        return Response(s.MemberSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.MemberUpdateSerializer, responses=s.MemberChangeSerializer)
    def partial_update(self, request, pk=None):
        member = selectors.member_get(user_id=pk)
        if member is None:
            raise NotFound("No such member.")
        data = s.MemberUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        affected = 0
        if "role" in v:
            change = services.member_change_role(actor=self.actor, user_id=member.pk, role=v["role"])
            member, affected = change.user, affected + change.api_keys_affected
        if v.get("is_active") is False:
            change = services.member_deactivate(actor=self.actor, user_id=member.pk)
            member, affected = change.user, affected + change.api_keys_affected
        elif v.get("is_active") is True:
            change = services.member_reactivate(actor=self.actor, user_id=member.pk)
            member, affected = change.user, affected + change.api_keys_affected
        body = s.MemberSerializer(member).data
        body["api_keys_affected"] = affected
        return Response(body)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        """Deactivates the member (nothing is deleted; the audit trail keeps them). The
        ``X-API-Keys-Affected`` header counts the keys they created, now suspended."""
        member = selectors.member_get(user_id=pk)
        if member is None:
            raise NotFound("No such member.")
        change = services.member_deactivate(actor=self.actor, user_id=member.pk)
        return Response(status=status.HTTP_204_NO_CONTENT,
                        headers={"X-API-Keys-Affected": str(change.api_keys_affected)})

    @extend_schema(request=None, responses=s.MemberSerializer)
    @action(detail=True, methods=["post"], url_path="resend-invite")
    def resend_invite(self, request, pk=None):
        """A new invitation e-mail; the previous link stops working."""
        member = selectors.member_get(user_id=pk)
        if member is None:
            raise NotFound("No such member.")
        user = services.member_invite_resend(actor=self.actor, user_id=member.pk)
        return Response(s.MemberSerializer(user).data)

    @extend_schema(methods=["GET"], responses=s.StoreScopeSerializer)
    @extend_schema(methods=["PUT"], request=s.StoreScopeSerializer, responses=s.StoreScopeSerializer)
    @action(detail=True, methods=["get", "put"], url_path="stores")
    def stores(self, request, pk=None):
        """The stores the member may see (``restricted`` false: every store). PUT replaces them."""
        member = selectors.member_get(user_id=pk)
        if member is None:
            raise NotFound("No such member.")
        return _stores_answer(request, member, lambda stores: scope_services.member_set_stores(
            actor=self.actor, user_id=member.pk, stores=stores))


class ApiKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    serializer_class = s.ApiKeySerializer
    permissions_map = {"list": "api_keys.manage", "retrieve": "api_keys.manage", "create": "api_keys.manage",
                       "destroy": "api_keys.manage", "stores": "api_keys.manage"}

    def safely_get_queryset(self):
        return selectors.api_key_list()

    @extend_schema(request=s.ApiKeyCreateSerializer, responses={201: s.ApiKeyCreatedSerializer})
    def create(self, request):
        data = s.ApiKeyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.api_key_create(actor=self.actor, **data.validated_data)
        body = s.ApiKeySerializer(created.key).data
        body["key"] = created.raw
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.api_key_revoke(actor=self.actor, key_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], responses=s.StoreScopeSerializer)
    @extend_schema(methods=["PUT"], request=s.StoreScopeSerializer, responses=s.StoreScopeSerializer)
    @action(detail=True, methods=["get", "put"], url_path="stores")
    def stores(self, request, pk=None):
        """The stores the key may see (``restricted`` false: every store). PUT replaces them."""
        key = selectors.api_key_get(key_id=pk)
        if key is None:
            raise NotFound("No such API key.")
        return _stores_answer(request, key, lambda stores: scope_services.api_key_set_stores(
            actor=self.actor, key_id=key.pk, stores=stores))


def _stores_answer(request, principal, set_stores) -> Response:
    """The ``stores`` action of a member or a key: GET reads the principal's
    stores; PUT validates the body and replaces them through ``set_stores``."""
    if request.method == "PUT":
        data = s.StoreScopeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scope = set_stores(data.validated_data["stores"])
    else:
        scope = StoreScope.for_principal(principal)
    return Response({"restricted": scope.restricted, "stores": scope.as_list() or []})


AUDIT_FILTER_PARAMETERS = [
    OpenApiParameter("action", str, description="Exact action code, or a prefix ending in '.' (e.g. 'member.')"),
    OpenApiParameter("actor", str, description="Actor e-mail, user id, 'key:<prefix>' or 'system'"),
    OpenApiParameter("since", str, description="ISO 8601 date or datetime (inclusive)"),
    OpenApiParameter("until", str, description="ISO 8601 datetime, or a date meaning the end of that day (inclusive)"),
]


class AuditEventViewSet(mixins.ListModelMixin, TenantViewSet):
    serializer_class = s.AuditEventSerializer
    permissions_map = {"list": "audit.view"}

    def safely_get_queryset(self):
        form = AuditFilterForm(self.request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError(form.error_details())
        return selectors.audit_event_list(**form.filters())

    @extend_schema(parameters=AUDIT_FILTER_PARAMETERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class AuditEventExportView(TenantAPIView):
    """The filtered audit log as CSV (same filters as the list), newest first."""

    permissions_map = {"GET": "audit.view"}
    renderer_classes = file_renderers(CSVRenderer)

    @extend_schema(parameters=AUDIT_FILTER_PARAMETERS, responses={(200, "text/csv"): str})
    def get(self, request):
        form = AuditFilterForm(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError(form.error_details())
        return csv_response(selectors.audit_event_list(**form.filters()),
                            filename=export_filename(connection.tenant.slug))
