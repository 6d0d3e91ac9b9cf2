"""Promotion: a newly registered version becomes the active one when it beats
the active version. Runs inside the registering transaction, which holds the
model-version table lock, so there is exactly one active version at every
instant (also enforced by the ``one_active_model`` partial unique index)."""
from __future__ import annotations

from django.utils import timezone

from accounts.audit import Actor, audit_record
from forecasting.models import ModelVersion


def promotion_decision(new: ModelVersion, active: ModelVersion | None) -> tuple[bool, str]:
    """Promote when there is no active model, or the new one beats it on the
    same backtest (same data version, horizon and windows: compare WMAE);
    across different backtests compare skill against seasonal naive."""
    if new.wmae is None:
        return False, "no backtest WMAE"
    if active is None:
        return True, "no active model"
    same = (active.dataset_version, active.horizon, active.backtest_windows) == (
        new.dataset_version, new.horizon, new.backtest_windows)
    if same and active.wmae is not None:
        better = new.wmae < active.wmae
        return better, f"WMAE {new.wmae:,.1f} vs active v{active.number} {active.wmae:,.1f} on the same backtest"

    def skill(mv):
        return (mv.wmae / mv.baseline_wmae) if mv.wmae and mv.baseline_wmae else None

    s_new, s_old = skill(new), skill(active)
    if s_new is None or s_old is None:
        return False, "cannot compare with the active model"
    return s_new < s_old, (f"relative WMAE (vs seasonal naive) {s_new:.3f} vs active v{active.number} {s_old:.3f} "
                           "(different data or backtest)")


def version_promote_if_better(*, version: ModelVersion, actor: Actor) -> ModelVersion:
    """Inside the caller's transaction (which locked the version table):
    decide, swap the active version if the new one wins, audit it."""
    active = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
    promote, note = promotion_decision(version, active)
    version.promotion_note = note
    if promote:
        if active is not None:
            active.status = ModelVersion.Status.RETIRED
            active.save(update_fields=["status"])
        version.status = ModelVersion.Status.ACTIVE
        version.promoted_at = timezone.now()
        audit_record(action="model.promoted", actor=actor, target_type="model_version", target_id=version.pk,
                     payload={"number": version.number, "replaced": active.number if active else None, "why": note})
    version.save(update_fields=["status", "promoted_at", "promotion_note"])
    return version
