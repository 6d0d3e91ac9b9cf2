"""Data settings page (Data > Settings, issue 17): every member reads how the
workspace's data is read and named (planning frequency, period labels, country
and subdivision for public holidays, its words); admins and owners change the
country and the words. Validation is the service's (forecasting/ingest/data_settings.py)."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from accounts.audit import Actor
from accounts.decorators import role_required
from accounts.roles import has_perm
from forecasting.ingest.data_settings import WRITABLE, countries, subdivisions
from forecasting.selectors.catalog import data_settings_answer, period_floor
from forecasting.selectors.events import events_summary
from forecasting.services.catalog import data_settings_update
from saas.errors import ValidationFailed


@role_required("forecasts.view")
def data_settings_page(request):
    can_edit = has_perm(request.user.role, "data.configure")
    errors, status, values = {}, 200, None
    if request.method == "POST":
        if not can_edit:
            return render(request, "403.html", {"perm": "data.configure"}, status=403)
        values = {name: request.POST.get(name, "") for name in WRITABLE if name in request.POST}
        try:
            data_settings_update(actor=Actor.from_request(request), changes=values)
        except ValidationFailed as exc:
            errors, status = exc.details, 400
            messages.error(request, exc.message)
        else:
            messages.success(request, "Data settings saved.")
            return redirect("data_settings")
    current = data_settings_answer()
    shown = {**current, **(values or {})}
    return render(request, "forecasting/data_settings.html", {
        "settings": current, "values": shown, "errors": errors, "can_edit": can_edit,
        "countries": countries(), "subdivisions": subdivisions(current["country"]), "events": events_summary(),
        "period_floor": period_floor(),
    }, status=status)
