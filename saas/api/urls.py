from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api import views as account_views
from saas.api.docs import DocsView, SchemaView
from tenants.api.views import (
                               WorkspaceBrandingView,
                               WorkspaceDeletionView,
                               WorkspaceExportDownloadView,
                               WorkspaceExportsView,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("members", account_views.MemberViewSet, basename="member")
router.register("api-keys", account_views.ApiKeyViewSet, basename="api-key")
router.register("audit-events", account_views.AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("me/", account_views.MeView.as_view(), name="api-me"),
    path("workspace/branding/", WorkspaceBrandingView.as_view(), name="api-workspace-branding"),
    path("workspace/deletion/", WorkspaceDeletionView.as_view(), name="api-workspace-deletion"),
    path("workspace/exports/", WorkspaceExportsView.as_view(), name="api-workspace-exports"),
    path("workspace/exports/<int:job_id>/download/", WorkspaceExportDownloadView.as_view(),
         name="api-workspace-export-download"),
    path("audit-events/export.csv", account_views.AuditEventExportView.as_view(), name="api-audit-export"),
    path("", include("forecasting.api.urls")),
    path("", include("billing.api.urls")),
    path("", include(router.urls)),
]
