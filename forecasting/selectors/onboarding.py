"""The getting-started checklist of a new workspace (issue 19 item 10): the
steps from an empty workspace to forecasts a team plans with, each done or
not from the workspace's own state, for the roles that can take them."""
from __future__ import annotations

from accounts.models import AuditEvent, User
from accounts.roles import has_perm
from forecasting.models import ModelVersion, Plan, SalesRecord


def onboarding_checklist(*, role: str | None) -> dict | None:
    """{"steps": [{"key", "label", "done", "url_name", "hint"}], "done", "total"}; None once every step a
    role can take is done (or for a role that can take none)."""
    has_sales = SalesRecord.objects.exists()
    steps = [
        ("sales", "Upload your sales history", has_sales, "data", "data.upload",
         "a CSV or Excel export, one row per store, product and date"),
        ("settings", "Check the data settings", AuditEvent.objects.filter(action="data_settings.update").exists(),
         "data_settings", "data.configure", "the planning frequency, country for holidays and your words"),
        ("model", "Train a model", ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).exists(), "models",
         "models.train", "the backtest picks the best method for your data"),
        ("plan", "Submit the forecast as a plan", Plan.objects.exists(), "plan", "plans.submit",
         "adjust it with overrides first, then an admin approves it"),
        ("team", "Invite your team", User.objects.filter(is_active=True).count() > 1, "members", "members.manage",
         "planners, analysts and viewers, each with their role"),
    ]
    mine = [{"key": k, "label": label, "done": done, "url_name": url, "hint": hint}
            for k, label, done, url, perm, hint in steps if has_perm(role, perm)]
    if not mine or all(s["done"] for s in mine):
        return None
    return {"steps": mine, "done": sum(s["done"] for s in mine), "total": len(mine)}
