"""Champion/challenger promotion, and manual promotion or rollback.

A newly registered version is a challenger. ``promotion_decision`` (pure,
numbers only) decides whether it replaces the champion: on the same backtest
it must beat the champion's WMAE by at least ``FORECAST_PROMOTION_MARGIN``
(a share, default 2%) AND beat seasonal naive; the first version only has to
beat seasonal naive. Otherwise it is ``rejected`` and the figures that decided
are stored on it (``decision``). When the champion was backtested on other
data (an older dataset version, another horizon or windows) the WMAEs are not
comparable: when some of the challenger's backtest windows start at or after
the champion's last training week, the champion's model is scored on those
windows' rows (forecasting/ml/rescore.py, by the training job) and the two
WMAEs on the same rows are compared; otherwise their skill (WMAE /
seasonal-naive WMAE on each one's own backtest), with the same margin.

When the retraining policy sets a shadow period (``shadow_weeks`` N > 0), a
challenger that passes this rule becomes ``shadow`` instead: its forecast run
is stored (not served) and scored live beside the champion's; after N
realized weeks forecasting/services/shadow.py promotes or rejects it. A newer
challenger that passes ends an earlier shadow (rejected: superseded).

Every swap runs in one transaction holding the model-version table lock, so
there is exactly one active version at every instant (also enforced by the
``one_active_model`` partial unique index)."""
from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import Actor, audit_record
from forecasting.ml.lifecycle.promotion import Decision, promotion_decision
from forecasting.ml.periods import period_noun, weeks_as_periods
from forecasting.models import ModelVersion
from forecasting.selectors.retraining import retraining_policy_get
from forecasting.services.refresh_queue import forecast_refresh_after_swap
from saas.errors import Conflict, ValidationFailed
from saas.storage import tenant_file_problem


def decide(version: ModelVersion, champion: ModelVersion | None, rescored: dict | None = None) -> Decision:
    """``promotion_decision`` for a registered version against the champion
    (``rescored``: used only when it scored this champion)."""
    if champion is None:
        return promotion_decision(wmae=version.wmae, seasonal_naive_wmae=version.baseline_wmae,
                                  margin=settings.FORECAST_PROMOTION_MARGIN)
    same = (champion.dataset_version, champion.horizon, champion.backtest_windows) == (
        version.dataset_version, version.horizon, version.backtest_windows)
    return promotion_decision(wmae=version.wmae, seasonal_naive_wmae=version.baseline_wmae,
                              champion_wmae=champion.wmae, champion_seasonal_naive_wmae=champion.baseline_wmae,
                              champion_number=champion.number, same_backtest=same,
                              margin=settings.FORECAST_PROMOTION_MARGIN,
                              rescored=rescored if rescored and rescored.get("champion") == champion.number else None,
                              horizon=version.horizon, champion_horizon=champion.horizon)


def _lock_versions() -> None:
    with connection.cursor() as cur:  # serialises numbering, promotion and rollback
        cur.execute("LOCK TABLE forecasting_modelversion IN SHARE ROW EXCLUSIVE MODE")


def versions_lock() -> None:
    """For callers that decide a swap in their own transaction: take the
    version-table lock first (before any row lock), as every swap does."""
    _lock_versions()


def version_promote_if_better(*, version: ModelVersion, actor: Actor, rescored: dict | None = None) -> ModelVersion:
    """Inside the caller's transaction (which locked the version table):
    decide, swap the champion if the challenger wins (or start its shadow
    period when the policy asks for one), else reject it; audit."""
    champion = ModelVersion.objects.select_for_update(no_key=True).filter(status=ModelVersion.Status.ACTIVE).first()
    decision = decide(version, champion, rescored)
    version.promotion_note, version.decision, version.challenged = decision.note, decision.figures, champion
    payload = {"number": version.number, "replaced": champion.number if champion else None, "why": decision.note,
               "wmae": version.wmae, "seasonal_naive_wmae": version.baseline_wmae}
    shadow_weeks = _shadow_weeks(version) if decision.promote and champion is not None else 0
    if decision.promote:
        shadows_supersede(by=version)
    if shadow_weeks:
        version.status = ModelVersion.Status.SHADOW
        noun = period_noun(version.frequency, plural=shadow_weeks != 1)
        version.promotion_note = (f"{decision.note}; in a shadow period of {shadow_weeks} {noun} "
                                  f"beside v{champion.number} before the decision")
        version.decision = {**decision.figures, "shadow": {"weeks_needed": shadow_weeks, "weeks": 0,
                                                           "champion": champion.number,
                                                           "started_at": timezone.now().isoformat()}}
        payload["champion"] = payload.pop("replaced")
        audit_record(action="model.shadow_started", actor=Actor.system(), target_type="model_version",
                     target_id=version.pk, payload={**payload, "weeks": shadow_weeks})
    elif decision.promote:
        if champion is not None:
            champion.status = ModelVersion.Status.RETIRED
            champion.save(update_fields=["status"])
        version.status = ModelVersion.Status.ACTIVE
        version.promoted_at = timezone.now()
        audit_record(action="model.promoted", actor=actor, target_type="model_version", target_id=version.pk,
                     payload=payload)
    else:
        version.status = ModelVersion.Status.REJECTED
        payload["champion"] = payload.pop("replaced")
        audit_record(action="model.rejected", actor=Actor.system(), target_type="model_version",
                     target_id=version.pk, payload=payload)
    version.save(update_fields=["status", "promoted_at", "promotion_note", "decision", "challenged"])
    return version


def _shadow_weeks(version: ModelVersion) -> int:
    """The policy's shadow period (set in weeks) for ``version`` in its own periods (1 week = 7 days; a month
    for 4 weeks), at most its horizon (the periods its first forecast run covers): 0 when off."""
    weeks = int(retraining_policy_get().shadow_weeks or 0)
    return min(weeks_as_periods(weeks, version.frequency), int(version.horizon)) if weeks > 0 else 0


def shadows_supersede(*, by: ModelVersion) -> list[ModelVersion]:
    """Inside a transaction holding the version-table lock: a newer challenger
    that passed the backtest rule ends the shadow period of any earlier shadow,
    which is rejected with the reason (at most one shadow at a time)."""
    ended = []
    for old in ModelVersion.objects.select_for_update(no_key=True).filter(status=ModelVersion.Status.SHADOW).exclude(pk=by.pk):
        state = {**((old.decision or {}).get("shadow") or {}), "outcome": "superseded", "superseded_by": by.number,
                 "decided_at": timezone.now().isoformat()}
        old.status = ModelVersion.Status.REJECTED
        old.decision = {**(old.decision or {}), "shadow": state}
        old.promotion_note = (f"{old.promotion_note}; superseded by v{by.number} before the end of its shadow period "
                              f"({state.get('weeks', 0)} of {state.get('weeks_needed')} {period_noun(old.frequency, False)}(s) "
                              "realized)")[:2000]
        old.save(update_fields=["status", "decision", "promotion_note"])
        audit_record(action="model.rejected", actor=Actor.system(), target_type="model_version", target_id=old.pk,
                     payload={"number": old.number, "champion": state.get("champion"), "superseded_by": by.number,
                              "why": f"superseded by v{by.number} during its shadow period"})
        ended.append(old)
    return ended


# --------------------------------------------------- manual promote / rollback
def artifact_problem(version: ModelVersion) -> tuple[str, str] | None:
    """None when the version's artifact is in this tenant's folder and its
    SHA-256 is the recorded one; else (error code, message)."""
    problem = tenant_file_problem(version.artifact_path, version.artifact_sha256)
    if problem == "missing":
        return "artifact_missing", f"The model file of v{version.number} is missing."
    if problem == "mismatch":
        return "artifact_mismatch", (f"The model file of v{version.number} does not match its recorded SHA-256: "
                                     "it was altered or corrupted.")
    return None


def version_activate(*, version: ModelVersion, actor: Actor, reason: str, kind: str = "rollback",
                     payload: dict | None = None) -> ModelVersion:
    """Make ``version`` the champion (a manual promotion, or a rollback to an
    earlier version): one transaction, versions locked, the old champion
    retired and the new one activated together, audited inside."""
    if kind not in ("rollback", "promote"):
        raise ValueError(f"unknown activation kind {kind!r}")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("A reason is required.", details={"reason": ["This field is required."]})
    with transaction.atomic():
        _lock_versions()
        target = ModelVersion.objects.select_for_update(no_key=True).get(pk=version.pk)
        champion = ModelVersion.objects.select_for_update(no_key=True).filter(status=ModelVersion.Status.ACTIVE).first()
        details = {"version": target.number, "champion": champion.number if champion else None}
        if champion is not None and champion.pk == target.pk:
            raise Conflict(f"v{target.number} is already the active version.", code="already_active", details=details)
        if kind == "rollback" and champion is not None and target.number > champion.number:
            raise Conflict(f"v{target.number} is newer than the active v{champion.number}: promote it instead.",
                           code="not_an_earlier_version", details=details)
        problem = artifact_problem(target)
        if problem is not None:
            code, message = problem
            raise Conflict(message, code=code, details={**details, "artifact_sha256": target.artifact_sha256})
        if champion is not None:
            champion.status = ModelVersion.Status.RETIRED
            champion.save(update_fields=["status"])
        target.status = ModelVersion.Status.ACTIVE
        target.promoted_at = timezone.now()
        verb = "Rolled back to" if kind == "rollback" else "Promoted"
        target.promotion_note = f"{verb} by {actor.label}: {reason}"[:2000]
        target.save(update_fields=["status", "promoted_at", "promotion_note"])
        audit_record(action="model.rolled_back" if kind == "rollback" else "model.promoted", actor=actor,
                     target_type="model_version", target_id=target.pk,
                     payload={"number": target.number, "replaced": details["champion"], "reason": reason,
                              "manual": True, **(payload or {})})
        forecast_refresh_after_swap(version=target, kind=kind)  # an older champion forecasts from the newest week
    return target
