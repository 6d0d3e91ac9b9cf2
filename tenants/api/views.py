from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from saas.api.base import TenantAPIView
from tenants.deletion import tenant_deletion_cancel, tenant_deletion_request
from tenants.selectors import current_tenant


class WorkspaceDeletionSerializer(serializers.Serializer):
    slug = serializers.CharField()
    status = serializers.CharField()
    deletion_requested_at = serializers.DateTimeField(allow_null=True)
    deletion_due_at = serializers.DateTimeField(allow_null=True)
    deletion_requested_by = serializers.CharField()


class WorkspaceDeletionRequestSerializer(serializers.Serializer):
    confirm = serializers.CharField(help_text="The workspace's short name, to confirm.")


class WorkspaceDeletionView(TenantAPIView):
    """An owner schedules the workspace's deletion (confirming with its short
    name), sees when it is due, or cancels it within the grace period."""

    permissions_map = {"GET": "workspace.manage", "POST": "workspace.manage", "DELETE": "workspace.manage"}

    @extend_schema(responses=WorkspaceDeletionSerializer)
    def get(self, request):
        return Response(WorkspaceDeletionSerializer(current_tenant()).data)

    @extend_schema(request=WorkspaceDeletionRequestSerializer, responses={202: WorkspaceDeletionSerializer})
    def post(self, request):
        body = WorkspaceDeletionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tenant = tenant_deletion_request(actor=self.actor, confirm_slug=body.validated_data["confirm"])
        return Response(WorkspaceDeletionSerializer(tenant).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=WorkspaceDeletionSerializer)
    def delete(self, request):
        return Response(WorkspaceDeletionSerializer(tenant_deletion_cancel(actor=self.actor)).data)
