from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods, require_POST

from accounts import notices, scope_services, selectors, services
from accounts.audit import Actor
from accounts.audit.display import action_label, payload_fields
from accounts.audit.export import csv_response, export_filename
from accounts.audit.registry import ACTIONS
from accounts.decorators import public_page, role_required, signed_in_page
from accounts.forms import ApiKeyForm, AuditFilterForm, EmailAuthenticationForm, InviteForm, RoleForm
from accounts.roles import Role, has_perm
from accounts.scope import key_effective_scopes, key_scopes, member_scopes, parse_store_list
from accounts.tokens import workspace_token_generator
from saas.client_ip import client_ip
from saas.errors import ServiceError
from saas.ratelimit import ip_ratelimit
from saas.web_answers import service_error_answer


@method_decorator(ip_ratelimit("login"), name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@method_decorator(ip_ratelimit("password_reset"), name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    success_url = reverse_lazy("password_reset_done")
    token_generator = workspace_token_generator  # bound to this workspace (accounts/tokens.py)

    def form_valid(self, form):
        self.extra_email_context = {"brand_name": connection.tenant.brand_name}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Also the landing page of an invitation link: the member chooses a password."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("login")
    post_reset_login = False
    token_generator = workspace_token_generator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = getattr(self, "user", None)
        context["invited"] = user is not None and user.is_invited
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        actor = Actor.for_user(form.user, ip=client_ip(self.request), request_id=getattr(self.request, "request_id", None))
        services.auth_event_record(action="auth.password_reset", actor=actor, user=form.user)
        messages.success(self.request, "Your password is set. Log in with it.")
        return response


@signed_in_page
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_change(actor=Actor.from_request(request), user=request.user,
                                            new_password=form.cleaned_data["new_password1"])
        except ServiceError as exc:
            form.add_error("new_password1", exc.message)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "Password changed.")
            return redirect("dashboard")
    return render(request, "accounts/password_change.html", {"form": form})


@public_page("the signup handoff: a one-time token signs the new owner in")
@ip_ratelimit("handoff", methods=("GET", "POST"))
@require_http_methods(["GET", "POST"])
def handoff(request):
    """Signup on the public site ends here, on the new workspace's host. The GET
    only renders a form that posts the token (auto-submitted, with a button when
    scripts are off): a GET never logs anyone in (login CSRF, link prefetchers)."""
    if request.method == "GET":
        response = render(request, "accounts/handoff.html", {"token": request.GET.get("token", "")})
        response["Cache-Control"] = "no-store"  # the page carries the token
        return response
    user = services.handoff_token_consume(token=request.POST.get("token", ""))
    if user is None:
        messages.error(request, "This sign-in link has expired or was already used. Log in with your password.")
        return redirect("login")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, f"Welcome to {connection.tenant.name}!")
    return redirect("dashboard")


@role_required("members.view")
def members(request):
    can_manage = has_perm(request.user.role, "members.manage")
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                user = services.member_invite(actor=Actor.from_request(request), **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Invitation sent to {user.email}.")
                return redirect("members")
    members_ = list(selectors.member_list())
    scopes = member_scopes()
    for m in members_:
        m.store_numbers = scopes.get(m.pk, [])
    return render(request, "accounts/members.html", {
        "members": members_, "form": form, "can_manage": can_manage, "roles": Role.choices,
    })


def _keys_note(n: int, what: str) -> str:
    if not n:
        return ""
    return f" {n:,} API key{'s' if n != 1 else ''} they created {what}."


@require_POST
@role_required("members.manage")
def member_update(request, user_id: int):
    actor = Actor.from_request(request)
    op = request.POST.get("op")
    try:
        if op == "role":
            form = RoleForm(request.POST)
            if not form.is_valid():
                raise ServiceError("Choose a valid role.")
            change = services.member_change_role(actor=actor, user_id=user_id, role=form.cleaned_data["role"])
            messages.success(request, f"{change.user.email} is now {change.user.get_role_display()}."
                             + _keys_note(change.api_keys_affected, "now act with this role at most"))
        elif op == "deactivate":
            change = services.member_deactivate(actor=actor, user_id=user_id)
            messages.success(request, f"{change.user.email} is deactivated."
                             + _keys_note(change.api_keys_affected, "are suspended until reactivation"))
        elif op == "reactivate":
            change = services.member_reactivate(actor=actor, user_id=user_id)
            messages.success(request, f"{change.user.email} is active again."
                             + _keys_note(change.api_keys_affected, "work again"))
        elif op == "stores":
            try:
                stores = parse_store_list(request.POST.get("stores", ""))
            except ValueError as exc:
                raise ServiceError(f"Stores: {exc}.")
            scope = scope_services.member_set_stores(actor=actor, user_id=user_id, stores=stores)
            messages.success(request, "Stores saved: " + (", ".join(map(str, scope.as_list()))
                                                          if scope.restricted else "every store") + ".")
        elif op == "resend":
            user = services.member_invite_resend(actor=actor, user_id=user_id)
            messages.success(request, f"A new invitation was sent to {user.email}; the previous link no longer works.")
        else:
            raise ServiceError("Unknown operation.")
    except ServiceError as exc:
        return service_error_answer(request, exc, redirect_to="members")
    return redirect("members")


@role_required("api_keys.manage")
def api_keys(request):
    form = ApiKeyForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.api_key_create(actor=Actor.from_request(request), **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Key '{created.key.name}' created. Copy it now: it is shown only once.")
            form = ApiKeyForm()
    keys = list(selectors.api_key_list())
    scopes, acting = key_scopes(), key_effective_scopes()
    for k in keys:
        k.store_numbers = scopes.get(k.pk, [])  # its own rows: what "Set stores" edits
        # the stores it acts with, when its creator's scope narrows them (accounts/scope.py)
        k.capped_stores = acting.get(k.pk) if acting.get(k.pk) != scopes.get(k.pk) else None
    return render(request, "accounts/api_keys.html", {"keys": keys, "form": form, "created": created})


@require_POST
@role_required("api_keys.manage")
def api_key_stores(request, key_id: int):
    try:
        try:
            stores = parse_store_list(request.POST.get("stores", ""))
        except ValueError as exc:
            raise ServiceError(f"Stores: {exc}.")
        scope = scope_services.api_key_set_stores(actor=Actor.from_request(request), key_id=key_id, stores=stores)
        messages.success(request, "Key's stores saved: " + (", ".join(map(str, scope.as_list()))
                                                            if scope.restricted else "every store") + ".")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("api_keys")


@require_POST
@role_required("api_keys.manage")
def api_key_revoke(request, key_id: int):
    try:
        key = services.api_key_revoke(actor=Actor.from_request(request), key_id=key_id)
        messages.success(request, f"Key '{key.name}' revoked.")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("api_keys")


@require_POST
@role_required("models.manage")  # who sees the notices (the Dashboard's)
def notice_dismiss(request, notice_id: int):
    try:
        notices.notice_dismiss(actor=Actor.from_request(request), notice_id=notice_id)
    except ServiceError as exc:
        return service_error_answer(request, exc, redirect_to="dashboard")
    if getattr(request, "htmx", False):
        return HttpResponse("")  # the notice is swapped out of the page
    messages.success(request, "Notice dismissed.")
    return redirect("dashboard")


@role_required("audit.view")
def audit(request):
    form = AuditFilterForm(request.GET)  # no filters given is valid: everything
    valid = form.is_valid()
    expand = request.GET.get("expand") == "1"
    rows = selectors.audit_rows(collapse=not expand, **form.filters()) if valid else []
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    lines = [{"row": row, "label": action_label(row.event.action), "fields": payload_fields(row.event.payload)}
             for row in page]
    query = request.GET.copy()
    query.pop("page", None)
    filters_only = query.copy()
    filters_only.pop("expand", None)
    return render(request, "accounts/audit.html", {
        "form": form, "filter_errors": not valid, "page": page, "lines": lines, "actions": sorted(ACTIONS),
        "query": query.urlencode(), "filter_query": filters_only.urlencode(), "expand": expand,
    })


@role_required("audit.view")
def audit_export_csv(request):
    """The audit log as CSV, with the page's filters; bad filters go back to the page."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return audit(request)
    return csv_response(selectors.audit_event_list(**form.filters()),
                        filename=export_filename(connection.tenant.slug))
