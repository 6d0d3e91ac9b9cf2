"""The owner's workspace page: export all data, delete the workspace (with a
grace period) or cancel a scheduled deletion."""
from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render

from accounts.audit import Actor
from accounts.decorators import role_required
from saas.errors import ServiceError
from tenants.deletion import grace_period, tenant_deletion_cancel, tenant_deletion_request
from tenants.export import workspace_export_download, workspace_export_start
from tenants.selectors import current_tenant, export_jobs


@role_required("workspace.manage")
def workspace_settings(request):
    if request.method == "POST":
        actor = Actor.from_request(request)
        try:
            if request.POST.get("action") == "delete":
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
            messages.error(request, exc.message)
        return redirect("workspace_settings")
    return render(request, "tenants/workspace.html", {"workspace": current_tenant(), "exports": export_jobs(),
                                                       "grace_days": grace_period().days})


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
