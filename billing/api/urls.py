from django.urls import include, path
from rest_framework.routers import DefaultRouter

from billing.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("statements", views.StatementViewSet, basename="statement")

urlpatterns = [
    path("usage/", views.UsageView.as_view(), name="api-usage"),
    path("plan/", views.PlanView.as_view(), name="api-plan"),
    path("statements/<int:pk>.pdf", views.StatementPDFView.as_view(), name="api-statement-pdf"),
    path("statements/<int:pk>.csv", views.StatementCSVView.as_view(), name="api-statement-csv"),
    path("", include(router.urls)),
]
