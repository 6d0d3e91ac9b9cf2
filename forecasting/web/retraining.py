"""The retraining policy page (Models > Retraining): analysts and up read
it, with its next scheduled retrain and last decision; admins and owners
change it. Validation is the service's (forecasting/ml/lifecycle/retraining.py)."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from accounts.audit import Actor
from accounts.decorators import role_required
from accounts.roles import has_perm
from forecasting.ml.lifecycle.retraining import WEEKDAYS, time_zones
from forecasting.selectors.catalog import data_settings
from forecasting.selectors.retraining import policy_in_periods, policy_summary
from forecasting.services.retraining import retraining_policy_update
from saas.errors import ValidationFailed

BOOLEANS = ("on_new_data", "on_degradation", "degradation_vs_naive")
VALUES = ("schedule", "weekday", "day_of_month", "hour", "time_zone", "min_new_weeks", "degradation_weeks",
          "degradation_tolerance", "cooldown_hours", "shadow_weeks")


def _changes(post) -> dict:
    changes = {name: post.get(name, "") for name in VALUES if name in post}
    changes.update({name: name in post for name in BOOLEANS})  # an unticked box is not sent
    return changes


@role_required("retraining.view")
def retraining_policy_page(request):
    can_edit = has_perm(request.user.role, "retraining.manage")
    errors, status, values = {}, 200, None
    if request.method == "POST":
        if not can_edit:
            return render(request, "403.html", {"perm": "retraining.manage"}, status=403)
        values = _changes(request.POST)
        try:
            retraining_policy_update(actor=Actor.from_request(request), changes=values)
        except ValidationFailed as exc:
            errors, status = exc.details, 400
            messages.error(request, exc.message)
        else:
            messages.success(request, "Retraining policy saved.")
            return redirect("retraining_policy")
    summary = policy_summary()
    return render(request, "forecasting/retraining.html", {
        "policy": summary, "values": {**summary, **(values or {})}, "errors": errors, "can_edit": can_edit,
        "weekdays": list(enumerate(WEEKDAYS)), "hours": range(24), "days": range(1, 29),
        "time_zones": sorted(time_zones()), "tolerance_pct": round(summary["degradation_tolerance"] * 100, 1),
        "in_periods": policy_in_periods(summary, data_settings().frequency),
    }, status=status)
