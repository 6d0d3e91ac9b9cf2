"""The owner's workspace page: export all data, delete the workspace (with a
grace period) or cancel a scheduled deletion."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from accounts.audit import Actor
from accounts.decorators import role_required
from saas.errors import ServiceError
from tenants.deletion import grace_period, tenant_deletion_cancel, tenant_deletion_request
from tenants.selectors import current_tenant


@role_required("workspace.manage")
def workspace_settings(request):
    if request.method == "POST":
        actor = Actor.from_request(request)
        try:
            if request.POST.get("action") == "delete":
                tenant = tenant_deletion_request(actor=actor, confirm_slug=request.POST.get("confirm", ""))
                messages.warning(request, f"The workspace will be deleted on {tenant.deletion_due_at:%Y-%m-%d}. "
                                          "You can cancel until then.")
            elif request.POST.get("action") == "cancel":
                tenant_deletion_cancel(actor=actor)
                messages.success(request, "Deletion cancelled. The workspace is open again.")
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("workspace_settings")
    return render(request, "tenants/workspace.html", {"workspace": current_tenant(),
                                                       "grace_days": grace_period().days})
