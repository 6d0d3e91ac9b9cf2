from django.urls import include, path
from rest_framework.routers import DefaultRouter

from forecasting.api import (
    catalog,
    dashboard,
    exceptions,
    insights,
    monitoring,
    overrides,
    plans,
    reports,
    retraining,
    simulations,
    stores,
    views,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("uploads", views.UploadViewSet, basename="upload")
router.register("models", views.ModelViewSet, basename="model")

urlpatterns = [
    path("jobs/<int:pk>/", views.JobView.as_view(), name="api-job"),
    path("datasets/summary/", views.DatasetSummaryView.as_view(), name="api-dataset-summary"),
    path("sales/", views.SalesView.as_view(), name="api-sales"),
    path("forecasts/", views.ForecastView.as_view(), name="api-forecasts"),
    path("forecasts/export.csv", views.ForecastExportView.as_view(), name="api-forecasts-export"),
    path("forecasts/aggregate/", views.ForecastAggregateView.as_view(), name="api-forecasts-aggregate"),
    path("forecasts/levels/", views.ForecastLevelsView.as_view(), name="api-forecasts-levels"),
    path("forecasts/refresh/", views.ForecastRefreshView.as_view(), name="api-forecasts-refresh"),
    path("forecasts/runs/", views.ForecastRunListView.as_view(), name="api-forecasts-runs"),
    path("uploads/<int:pk>/errors.csv", views.UploadErrorsCSVView.as_view(), name="api-upload-errors-csv"),
    path("models/<int:pk>/evaluations/", monitoring.ModelEvaluationListView.as_view(), name="api-model-evaluations"),
    path("monitoring/", monitoring.MonitoringView.as_view(), name="api-monitoring"),
    path("retraining-policy/", retraining.RetrainingPolicyView.as_view(), name="api-retraining-policy"),
    path("exceptions/", exceptions.ExceptionListView.as_view(), name="api-exceptions"),
    path("exceptions/answers/", exceptions.ExceptionAnswerView.as_view(), name="api-exception-answers"),
    path("overrides/", overrides.OverrideListView.as_view(), name="api-overrides"),
    path("overrides/value-added/", overrides.ValueAddedView.as_view(), name="api-overrides-value-added"),
    path("overrides/<int:pk>/", overrides.OverrideDetailView.as_view(), name="api-override"),
    path("plans/", plans.PlanListView.as_view(), name="api-plans"),
    path("plans/current/", plans.CurrentPlanView.as_view(), name="api-plan-current"),
    path("plans/current/export.csv", plans.CurrentPlanExportView.as_view(), name="api-plan-current-export"),
    path("plans/<int:pk>/approve/", plans.PlanApproveView.as_view(), name="api-plan-approve"),
    path("simulations/", simulations.SimulationView.as_view(), name="api-simulations"),
    path("dashboard/", dashboard.DashboardView.as_view(), name="api-dashboard"),
    path("stores/", stores.StoreListView.as_view(), name="api-stores"),
    path("stores/<int:n>/", stores.StoreDetailView.as_view(), name="api-store"),
    path("departments/", stores.DepartmentListView.as_view(), name="api-departments"),
    path("departments/<int:n>/", stores.DepartmentDetailView.as_view(), name="api-department"),
    path("locations/", catalog.LocationListView.as_view(), name="api-locations"),
    path("locations/<path:code>/", catalog.LocationDetailView.as_view(), name="api-location"),
    path("items/", catalog.ItemListView.as_view(), name="api-items"),
    path("items/<path:code>/", catalog.ItemDetailView.as_view(), name="api-item"),
    path("series/", catalog.SeriesSearchView.as_view(), name="api-series-search"),
    path("workspace/data-settings/", catalog.DataSettingsView.as_view(), name="api-data-settings"),
    path("workspace/layouts/", catalog.LayoutListView.as_view(), name="api-layouts"),
    path("reports/weekly.pdf", reports.WeeklyReportPDFView.as_view(), name="api-report-weekly"),
    path("insights/markdown-roi/", insights.MarkdownRoiView.as_view(), name="api-insights-markdown-roi"),
    path("insights/hotspots/", insights.HotspotsView.as_view(), name="api-insights-hotspots"),
    path("insights/anomalies/", insights.AnomaliesView.as_view(), name="api-insights-anomalies"),
    path("insights/inventory/", insights.InventoryView.as_view(), name="api-insights-inventory"),
    path("inventory/on-hand/", insights.OnHandUploadView.as_view(), name="api-inventory-on-hand"),
    path("", include(router.urls)),
]
