from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from jobs.serializers import JobSerializer
from saas.api.base import TenantAPIView
from saas.api.renderers import ZipRenderer, file_renderers
from saas.api.writes import WriteSerializer
from tenants import selectors
from tenants.branding import branding_update
from tenants.deletion import tenant_deletion_cancel, tenant_deletion_request
from tenants.export import workspace_export_download, workspace_export_start
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


class BrandingSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The workspace's registered name.")
    display_name = serializers.CharField(help_text="Shown instead of the name when set.")
    brand_name = serializers.CharField(help_text="What pages, e-mails and reports show.")
    accent_color = serializers.CharField(help_text="'#rrggbb', or empty for the default.")
    logo_url = serializers.SerializerMethodField()
    branding_updated_at = serializers.DateTimeField(allow_null=True)

    def get_logo_url(self, tenant) -> str | None:
        if not tenant.logo_file:
            return None
        return self.context["request"].build_absolute_uri(reverse("workspace_logo") + f"?v={tenant.logo_file}")


class BrandingUpdateSerializer(WriteSerializer):
    answer = BrandingSerializer
    display_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    accent_color = serializers.CharField(required=False, allow_blank=True, max_length=20)
    logo = serializers.FileField(required=False, help_text="PNG, JPEG or WebP (multipart); SVG is refused.")
    remove_logo = serializers.BooleanField(required=False, default=False)


class WorkspaceBrandingView(TenantAPIView):
    """The workspace's branding: any member reads it; owners change it (JSON,
    or multipart to send a logo)."""

    permissions_map = {"GET": "workspace.view", "PATCH": "workspace.manage"}
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses=BrandingSerializer)
    def get(self, request):
        return Response(BrandingSerializer(current_tenant(), context={"request": request}).data)

    @extend_schema(request=BrandingUpdateSerializer, responses=BrandingSerializer)
    def patch(self, request):
        body = BrandingUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        fields = {k: data[k] for k in ("display_name", "accent_color", "logo") if k in data}
        tenant = branding_update(actor=self.actor, remove_logo=data.get("remove_logo", False), **fields)
        return Response(BrandingSerializer(tenant, context={"request": request}).data)
class WorkspaceExportsView(TenantAPIView):
    """An owner starts an export of all the workspace's data (a job that
    writes one ZIP archive) and lists the recent ones."""

    permissions_map = {"GET": "workspace.manage", "POST": "workspace.manage"}

    @extend_schema(responses=JobSerializer(many=True))
    def get(self, request):
        return Response(JobSerializer(selectors.export_jobs(), many=True).data)

    @extend_schema(request=None, responses={202: JobSerializer})
    def post(self, request):
        job = workspace_export_start(actor=self.actor)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class WorkspaceExportDownloadView(TenantAPIView):
    permissions_map = {"GET": "workspace.manage"}
    renderer_classes = file_renderers(ZipRenderer)

    @extend_schema(responses={(200, "application/zip"): bytes})
    def get(self, request, job_id: int):
        path = workspace_export_download(actor=self.actor, job_id=job_id)
        return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name, content_type="application/zip")
