from django.urls import include, path

from accounts import views as account_views
from accounts.decorators import public_page
from billing import views as billing_views
from forecasting.web import dashboard as web_dashboard
from forecasting.web import data as web_data
from forecasting.web import data_settings as web_data_settings
from forecasting.web import exceptions as web_exceptions
from forecasting.web import insights as web_insights
from forecasting.web import model_pages as web_models
from forecasting.web import overrides as web_overrides
from forecasting.web import plans as web_plans
from forecasting.web import reports as web_reports
from forecasting.web import retraining as web_retraining
from forecasting.web import simulator as web_simulator
from forecasting.web import stores as web_stores
from tenants import web as tenant_web

auth_patterns = [
    path("login/", public_page("sign-in")(account_views.LoginView.as_view()), name="login"),
    path("logout/", public_page("sign-out")(account_views.LogoutView.as_view()), name="logout"),
    path("password/", account_views.password_change, name="password_change"),
    path("reset/", public_page("password reset")(account_views.PasswordResetView.as_view()), name="password_reset"),
    path("reset/sent/", public_page("password reset")(account_views.auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_done.html")), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", public_page("password reset")(account_views.PasswordResetConfirmView.as_view()),
         name="password_reset_confirm"),
    path("handoff/", account_views.handoff, name="handoff"),
]

urlpatterns = [
    path("", web_dashboard.dashboard_page, name="dashboard"),
    path("dashboard/status/", web_dashboard.dashboard_status, name="dashboard_status"),
    path("accounts/", include(auth_patterns)),
    path("members/", account_views.members, name="members"),
    path("members/<int:user_id>/", account_views.member_update, name="member_update"),
    path("api-keys/", account_views.api_keys, name="api_keys"),
    path("api-keys/<int:key_id>/revoke/", account_views.api_key_revoke, name="api_key_revoke"),
    path("api-keys/<int:key_id>/stores/", account_views.api_key_stores, name="api_key_stores"),
    path("notices/<int:notice_id>/dismiss/", account_views.notice_dismiss, name="notice_dismiss"),
    path("audit/", account_views.audit, name="audit"),
    path("audit/export.csv", account_views.audit_export_csv, name="audit_export"),
    path("billing/", billing_views.billing, name="billing"),
    path("billing/plan/", billing_views.plan_change, name="plan_change"),
    path("usage/", billing_views.usage, name="usage"),
    path("settings/workspace/", tenant_web.workspace_settings, name="workspace_settings"),
    path("branding/logo.png", tenant_web.workspace_logo, name="workspace_logo"),
    path("settings/workspace/exports/", tenant_web.workspace_exports, name="workspace_exports"),
    path("settings/workspace/exports/<int:job_id>/download/", tenant_web.workspace_export_file,
         name="workspace_export_file"),
    path("data/", web_data.data_page, name="data"),
    path("data/status/", web_data.data_status, name="data_status"),
    path("data/settings/", web_data_settings.data_settings_page, name="data_settings"),
    path("data/upload/", web_data.upload_submit, name="data_upload"),
    path("data/uploads/<int:upload_id>/", web_data.upload_report, name="data_upload_report"),
    path("data/uploads/<int:upload_id>/status/", web_data.upload_status, name="data_upload_status"),
    path("data/uploads/<int:upload_id>/mapping/", web_data.upload_mapping, name="data_upload_mapping"),
    path("models/", web_models.models_page, name="models"),
    path("models/status/", web_models.models_status, name="models_status"),
    path("models/train/", web_models.train_submit, name="train"),
    path("models/retraining/", web_retraining.retraining_policy_page, name="retraining_policy"),
    path("models/<int:version_id>/", web_models.model_detail, name="model_detail"),
    path("models/<int:version_id>/rollback/", web_models.rollback_submit, name="model_rollback"),
    path("jobs/<int:job_id>/status/", web_models.job_status, name="job_status"),
    path("forecasts/", web_models.forecast_page, name="forecasts"),
    path("forecasts/refresh/", web_models.refresh_submit, name="forecast_refresh"),
    path("forecasts/overrides/", web_overrides.overrides_page, name="overrides"),
    path("forecasts/overrides/new/", web_overrides.override_submit, name="override_submit"),
    path("forecasts/overrides/<int:pk>/withdraw/", web_overrides.override_withdraw_submit, name="override_withdraw"),
    path("forecasts/plan/", web_plans.plan_page, name="plan"),
    path("forecasts/exceptions/", web_exceptions.exceptions_page, name="exceptions"),
    path("forecasts/exceptions/answer/", web_exceptions.exception_answer_view, name="exception_answer"),
    path("forecasts/plan/submit/", web_plans.plan_submit_view, name="plan_submit"),
    path("forecasts/plan/<int:pk>/approve/", web_plans.plan_approve_view, name="plan_approve"),
    path("insights/", web_insights.insights_page, name="insights"),
    path("insights/status/", web_insights.insights_status, name="insights_status"),
    path("insights/on-hand/", web_insights.on_hand_submit, name="insights_on_hand"),
    path("simulator/", web_simulator.simulator_page, name="simulator"),
    path("simulator/run/", web_simulator.simulator_run, name="simulator_run"),
    path("stores/", web_stores.stores_page, name="stores"),
    path("stores/status/", web_stores.stores_status, name="stores_status"),
    path("stores/<int:n>/", web_stores.store_page, name="store"),
    path("departments/", web_stores.departments_page, name="departments"),
    path("departments/<int:n>/", web_stores.department_page, name="department"),
    path("reports/weekly.pdf", web_reports.weekly_report_pdf, name="weekly_report_pdf"),
    path("reports/subscription/", web_reports.weekly_report_subscription, name="weekly_report_subscription"),
    path("api/v1/", include("saas.api.urls")),
]

handler404 = "saas.views.handler404"
handler500 = "saas.views.handler500"
