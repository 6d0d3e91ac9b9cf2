"""The owner's workspace page: export all data, delete the workspace (with a
grace period) or cancel a scheduled deletion."""
from __future__ import annotations

from django.contrib import messages
from django.db import connection
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.audit import Actor
from accounts.decorators import public_page, role_required
from saas.errors import ServiceError
from saas.storage import logo_path
from saas.web_answers import service_error_answer
from tenants.branding import LOGO_MAX_BYTES, branding_update
from tenants.deletion import grace_period, tenant_deletion_cancel, tenant_deletion_request
from tenants.export import workspace_export_download, workspace_export_start
from tenants.margin import gross_margin_update
from tenants.selectors import current_tenant, export_jobs


@role_required("workspace.manage")
def workspace_settings(request):
    if request.method == "POST":
        actor = Actor.from_request(request)
        try:
            if request.POST.get("action") == "branding":
                branding_update(actor=actor, display_name=request.POST.get("display_name", ""),
                                accent_color=request.POST.get("accent_color", ""),
                                logo=request.FILES.get("logo"), remove_logo=request.POST.get("remove_logo") == "1")
                messages.success(request, "Branding saved.")
            elif request.POST.get("action") == "margin":
                gross_margin_update(actor=actor, percent=request.POST.get("gross_margin", ""))
                messages.success(request, "Gross margin saved.")
            elif request.POST.get("action") == "delete":
                tenant = tenant_deletion_request(actor=actor, confirm_slug=request.POST.get("confirm", ""))
                messages.warning(request, f"The workspace will be deleted on {tenant.deletion_due_at:%Y-%m-%d}. "
                                          "You can cancel until then.")
            elif request.POST.get("action") == "export":
                workspace_export_start(actor=actor)
                messages.success(request, "The export has started; its archive appears below when it is ready.")
            elif request.POST.get("action") == "cancel":
                tenant_deletion_cancel(actor=actor)
                messages.success(request, "Deletion cancelled. The workspace is open again.")
        except ServiceError as exc:
            return service_error_answer(request, exc, redirect_to="workspace_settings")
        return redirect("workspace_settings")
    return render(request, "tenants/workspace.html", {"workspace": current_tenant(), "exports": export_jobs(),
                                                       "grace_days": grace_period().days,
                                                       "logo_max_kb": LOGO_MAX_BYTES // 1024})


@public_page("the workspace's logo, shown on its sign-in page")
@require_GET
def workspace_logo(request):
    """The current workspace's logo, read from its own files: a host only ever
    serves its own tenant's logo. Public on the tenant's host (the sign-in
    page shows it); the file is a PNG we re-encoded ourselves."""
    tenant = getattr(connection, "tenant", None)
    path = logo_path(tenant) if tenant is not None and tenant.schema_name != "public" else None
    if path is None:
        raise Http404("No logo.")
    response = FileResponse(path.open("rb"), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=86400"  # the URL carries the file's hash
    return response


@role_required("workspace.manage")
def workspace_exports(request):
    """The exports list alone (htmx refreshes it until every export has ended)."""
    return render(request, "tenants/_exports.html", {"exports": export_jobs()})


@role_required("workspace.manage")
def workspace_export_file(request, job_id: int):
    try:
        path = workspace_export_download(actor=Actor.from_request(request), job_id=job_id)
    except ServiceError as exc:
        raise Http404(exc.message) from exc
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name, content_type="application/zip")
