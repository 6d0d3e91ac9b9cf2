"""The operator console: Django's admin at /operator/ on the public host only
(saas/urls_public.py; tenant hosts have no such route). Operators
(tenants.Operator) sign in through tenants/operator_auth.py. Every change goes
through a service that writes a PlatformEvent; the admin's own LogEntry is not
used (its table would point at members, who live in tenant schemas)."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from django_tenants.utils import schema_context

from accounts.models import AuditEvent
from billing.models import Statement
from billing.plans import PLAN_CHOICES
from billing.selectors import usage
from billing.services import feature_require
from saas.errors import ServiceError
from tenants import operator as ops
from tenants.models import Domain, PlatformEvent, Tenant
from tenants.operator_auth import operator_login, operator_logout
from tenants.services import tenant_suspend, tenant_unsuspend


class OperatorAdminSite(admin.AdminSite):
    site_header = "Forecasting · operator console"
    site_title = "Operator console"
    index_title = "Tenants and platform events"
    index_template = "operator/index.html"

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(getattr(user, "is_operator", False) and user.is_active)

    def login(self, request, extra_context=None):
        return operator_login(request, self)

    def logout(self, request, extra_context=None):
        return operator_logout(request)

    def password_change(self, request, extra_context=None):
        raise Http404("Operators change passwords with `manage.py create_operator --reset`.")

    def password_change_done(self, request, extra_context=None):
        raise Http404


operator_site = OperatorAdminSite(name="operator")
operator_site.disable_action("delete_selected")


class OperatorModelAdmin(admin.ModelAdmin):
    """Changes go through services (which write PlatformEvents), never the
    admin's LogEntry."""

    def log_addition(self, *args, **kwargs):
        return None

    def log_change(self, *args, **kwargs):
        return None

    def log_deletions(self, *args, **kwargs):
        return None

    def log_deletion(self, *args, **kwargs):
        return None

    def history_view(self, request, object_id, extra_context=None):
        raise Http404("See the platform events.")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _label(request) -> str:
    return f"operator:{request.user.email}"


def _usage(tenant: Tenant) -> dict:
    """Today's figures of a tenant, read in its schema."""
    cache = getattr(tenant, "_usage", None)
    if cache is None:

        with schema_context(tenant.schema_name):
            last = AuditEvent.objects.order_by("-created_at").values_list("created_at", flat=True).first()
            cache = {"members": usage("members"), "api_keys": usage("api_keys"),
                     "stored_rows": usage("stored_rows"), "last_activity": last}
        tenant._usage = cache
    return cache


class TenantPlanForm(forms.ModelForm):
    plan = forms.ChoiceField(choices=PLAN_CHOICES)

    class Meta:
        model = Tenant
        fields = ["plan"]


@admin.register(Tenant, site=operator_site)
class TenantAdmin(OperatorModelAdmin):
    form = TenantPlanForm
    list_display = ["slug", "brand", "plan", "status", "members", "api_keys", "stored_rows", "last_activity",
                    "statements", "created_at"]
    list_filter = ["status", "plan"]
    search_fields = ["slug", "name", "display_name", "domains__domain"]
    list_per_page = 25
    actions = ["suspend", "resume"]
    readonly_fields = ["slug", "name", "display_name", "status", "suspended_at", "suspended_reason", "hosts",
                       "members", "api_keys", "stored_rows", "last_activity", "statements", "created_at"]
    fields = ["slug", "name", "display_name", "plan", "status", "suspended_at", "suspended_reason", "hosts",
              "members", "api_keys", "stored_rows", "last_activity", "statements", "created_at"]

    def get_queryset(self, request):
        return (super().get_queryset(request).exclude(schema_name="public")
                .exclude(status=Tenant.Status.TEMPLATE).prefetch_related("domains"))

    def has_add_permission(self, request) -> bool:
        return False  # workspaces are created by signup or `manage.py provision_tenant`

    @admin.display(description="Display name")
    def brand(self, obj):
        return obj.brand_name

    @admin.display(description="Members")
    def members(self, obj):
        return f"{_usage(obj)['members']:,}"

    @admin.display(description="API keys")
    def api_keys(self, obj):
        return f"{_usage(obj)['api_keys']:,}"

    @admin.display(description="Stored rows")
    def stored_rows(self, obj):
        return f"{_usage(obj)['stored_rows']:,}"

    @admin.display(description="Last activity")
    def last_activity(self, obj):
        return _usage(obj)["last_activity"] or "—"

    @admin.display(description="Host names")
    def hosts(self, obj):
        return ", ".join(d.domain + (" (primary)" if d.is_primary else "") for d in obj.domains.all())

    @admin.display(description="Statements")
    def statements(self, obj):
        count = Statement.objects.filter(tenant=obj).count()
        url = reverse("operator:billing_statement_changelist") + f"?tenant__id__exact={obj.pk}"
        return format_html('<a href="{}">{} issued</a>', url, f"{count:,}")

    def save_model(self, request, obj, form, change):
        # only the plan is editable, and through the service
        try:
            ops.tenant_plan_set(slug=obj.slug, plan=form.cleaned_data["plan"], operator=_label(request))
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    @admin.action(description="Suspend the selected tenants")
    def suspend(self, request, queryset):
        for tenant in queryset:
            tenant_suspend(slug=tenant.slug, reason=f"Suspended by {request.user.email}", operator=_label(request))
        self.message_user(request, f"{queryset.count():,} suspended.", messages.SUCCESS)

    @admin.action(description="Resume the selected tenants")
    def resume(self, request, queryset):
        for tenant in queryset:
            tenant_unsuspend(slug=tenant.slug, operator=_label(request))
        self.message_user(request, f"{queryset.count():,} resumed.", messages.SUCCESS)


class DomainForm(forms.ModelForm):
    class Meta:
        model = Domain
        fields = ["tenant", "domain", "is_primary"]

    def clean_domain(self):
        try:
            return ops.clean_hostname(self.cleaned_data["domain"])
        except ServiceError as exc:
            raise forms.ValidationError(exc.message)

    def clean_tenant(self):
        """The form says what the service (``tenant_domain_add``, gated by the plan) would refuse."""
        tenant = self.cleaned_data["tenant"]
        try:
            feature_require(feature="custom_domain", plan=tenant.plan)
        except ServiceError as exc:
            raise forms.ValidationError(exc.message)
        return tenant


@admin.register(Domain, site=operator_site)
class DomainAdmin(OperatorModelAdmin):
    form = DomainForm
    list_display = ["domain", "tenant", "is_primary"]
    search_fields = ["domain", "tenant__slug"]
    actions = ["remove"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(tenant__schema_name="public").select_related("tenant")

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None  # listing only; add or remove

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tenant":
            kwargs["queryset"] = Tenant.objects.exclude(schema_name="public").exclude(status=Tenant.Status.TEMPLATE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj.pk = ops.tenant_domain_add(slug=obj.tenant.slug, hostname=obj.domain, operator=_label(request),
                                       primary=obj.is_primary).pk

    @admin.action(description="Detach the selected custom domains")
    def remove(self, request, queryset):
        for domain in queryset:
            try:
                ops.tenant_domain_remove(hostname=domain.domain, operator=_label(request))
            except ServiceError as exc:
                self.message_user(request, f"{domain.domain}: {exc.message}", messages.ERROR)


@admin.register(PlatformEvent, site=operator_site)
class PlatformEventAdmin(OperatorModelAdmin):
    """The platform's audit log: read-only."""

    list_display = ["created_at", "action", "tenant_slug", "actor_label", "payload"]
    list_filter = ["action"]
    search_fields = ["tenant_slug", "actor_label", "action"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Statement, site=operator_site)
class StatementAdmin(OperatorModelAdmin):
    """Issued monthly statements: read-only (they are immutable once issued)."""

    list_display = ["number", "tenant_slug", "period_start", "plan", "total", "currency", "issued_at"]
    list_filter = ["plan", "period_start"]
    search_fields = ["number", "tenant_slug", "tenant_name"]
    date_hierarchy = "period_start"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
