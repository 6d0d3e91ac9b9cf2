"""Automatic rollback, after each live scoring (the ``evaluate`` job).

When the active version was promoted over the champion it challenged
(``challenged`` is the version its last activation replaced), its
first live weeks are compared with that previous champion's forecasts of the
SAME weeks and rows (forecasting/ml/lifecycle/rollback.py): the new champion's first
forecast run (the one made at its training) against the previous champion's
last run made before the promotion. The weeks compared are the first
``FORECAST_AUTO_ROLLBACK_WEEKS`` (default 4) weeks both runs forecast, fewer
when the runs overlap on fewer (at least 1). Until all of them are realized
nothing is decided; then the decision is taken once and stored on the
version (``decision["live_check"]``): when its live WMAE is worse than the
previous champion's by more than ``FORECAST_PROMOTION_MARGIN`` the product
rolls back by itself (``version_activate``, system actor, ``model.rolled_back``
with the figures) and tells owners and admins (in-app notice, e-mail after
commit). A version is checked once per promotion: once decided (kept or
rolled back) it is never checked again, so an admin who promotes it again by
hand is not overruled."""
from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import Actor
from accounts.models import AuditEvent
from accounts.notices import notice_admins
from forecasting.ml.lifecycle.rollback import (
    live_comparison,
    rollback_decision,
)
from forecasting.ml.periods import period_noun, periods_after, weeks_as_periods
from forecasting.models import ForecastRun, ModelVersion
from forecasting.selectors.monitoring import run_points_frame, sales_frame
from forecasting.services.promotion import version_activate, versions_lock
from jobs.models import Job
from saas.checkpoints import checkpoint
from saas.errors import Conflict

logger = logging.getLogger(__name__)


def _replaced_at_activation(champion: ModelVersion) -> int | None:
    """The number of the version ``champion`` replaced when it last became active (its audit event)."""
    event = (AuditEvent.objects.filter(action__in=("model.promoted", "model.rolled_back"),
                                       target_type="model_version", target_id=str(champion.pk))
             .order_by("-sequence").first())
    return (event.payload or {}).get("replaced") if event is not None else None


def _runs(champion: ModelVersion) -> tuple[ForecastRun | None, ForecastRun | None]:
    mine = ForecastRun.objects.filter(model_version=champion).order_by("created_at", "id").first()
    theirs = (ForecastRun.objects.filter(model_version_id=champion.challenged_id, created_at__lte=champion.promoted_at)
              .order_by("-created_at", "-id").first())
    return mine, theirs


def _comparison(champion: ModelVersion) -> tuple[dict | None, int]:
    """The live comparison on the weeks to compare, and how many weeks those are."""

    mine, theirs = _runs(champion)
    if mine is None or theirs is None:
        return None, 0
    end = periods_after(mine.origin, mine.horizon, champion.frequency).date()
    ours = run_points_frame(mine, start=mine.origin + timedelta(days=1), end=end)
    prev = run_points_frame(theirs, start=mine.origin + timedelta(days=1), end=end)
    wanted = weeks_as_periods(max(1, settings.FORECAST_AUTO_ROLLBACK_WEEKS), champion.frequency)  # weeks: 28 days
    weeks = sorted(set(ours["date"]) & set(prev["date"]))[:wanted]
    if not weeks:
        return None, 0
    first, last = weeks[0], weeks[-1]
    actuals = sales_frame(start=first.date(), end=last.date())
    ours, prev = ours[ours["date"].between(first, last)], prev[prev["date"].between(first, last)]
    return live_comparison(ours, prev, actuals), len(weeks)


def _record_not_comparable(champion: ModelVersion) -> dict | None:
    """The previous champion's last forecast ends before the new champion's
    first week: no row will ever be forecast by both (a retired version makes
    no new runs), so the check is recorded as impossible instead of waiting
    for ever. None while a run is still missing (nothing known yet)."""
    mine, theirs = _runs(champion)
    if mine is None or theirs is None:
        return None
    last_theirs = periods_after(theirs.origin, theirs.horizon, theirs.model_version.frequency).date()
    if last_theirs > mine.origin:
        return None
    note = (f"not comparable: v{champion.number}'s forecast starts after {mine.origin:%Y-%m-%d}, the previous "
            f"champion's last forecast ended on {last_theirs:%Y-%m-%d}")
    with transaction.atomic():
        current = ModelVersion.objects.select_for_update(no_key=True).get(pk=champion.pk)
        if (current.decision or {}).get("live_check"):
            return None
        current.decision = {**(current.decision or {}), "live_check": {
            "outcome": "not_comparable", "note": note, "decided_at": timezone.now().isoformat()}}
        current.save(update_fields=["decision"])
    logger.info("auto-rollback check of v%s: %s", champion.number, note)
    return {"checked": champion.number, "decided": True, "outcome": "not_comparable", "note": note}


def auto_rollback_check(*, job: Job | None = None) -> dict | None:
    """In the current tenant (the evaluate job's worker): decide, and roll
    back when the rule says so. None when there is nothing to check."""

    champion = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
    if (champion is None or champion.challenged_id is None or champion.promoted_at is None
            or (champion.decision or {}).get("live_check")):
        return None
    previous = ModelVersion.objects.get(pk=champion.challenged_id)
    if _replaced_at_activation(champion) != previous.number:
        return None  # activated over another version than the one it challenged: not a challenge's promotion
    live, needed = _comparison(champion)
    if not needed:
        return _record_not_comparable(champion)
    margin = settings.FORECAST_PROMOTION_MARGIN
    decision = rollback_decision(wmae=live and live["wmae"], previous_wmae=live and live["previous_wmae"],
                                 weeks=live["weeks"] if live else 0, needed_weeks=needed, margin=margin,
                                 champion_number=champion.number, previous_number=previous.number,
                                 period=period_noun(champion.frequency, plural=False))
    if not decision.decided:
        return {"checked": champion.number, "decided": False, "note": decision.note}
    figures = {**decision.figures, **{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in live.items()},
               "note": decision.note, "decided_at": timezone.now().isoformat()}
    with transaction.atomic():
        versions_lock()
        current = ModelVersion.objects.select_for_update(no_key=True).get(pk=champion.pk)
        if current.status != ModelVersion.Status.ACTIVE or (current.decision or {}).get("live_check"):
            return None  # swapped or decided meanwhile
        if decision.rollback:
            figures["outcome"] = _roll_back(current=current, previous=previous, note=decision.note, figures=figures,
                                           job=job)
        else:
            figures["outcome"] = "kept"
        current.decision = {**(current.decision or {}), "live_check": figures}
        current.save(update_fields=["decision"])
    logger.info("auto-rollback check of v%s: %s (%s)", champion.number, figures["outcome"], decision.note)
    return {"checked": champion.number, "decided": True, "outcome": figures["outcome"], "note": decision.note}


def _roll_back(*, current: ModelVersion, previous: ModelVersion, note: str, figures: dict, job: Job | None) -> str:
    """Inside the caller's transaction: the swap, the audit event, the notice."""
    reason = f"automatic rollback: {note}"
    link = reverse("model_detail", args=[previous.pk])
    try:
        version_activate(version=previous, actor=Actor.system(), reason=reason, kind="rollback",
                         payload={"manual": False, "automatic": True,
                                  "weeks": f"{figures['first_week']} to {figures['last_week']}",
                                  "rows": figures["rows"], "live_wmae": figures["wmae"],
                                  "previous_live_wmae": figures["previous_wmae"],
                                  "worse_by": figures["worse_by"], "margin": figures["margin"]})
    except Conflict as exc:  # the previous champion's artifact is gone or altered: keep the champion, say so
        notice_admins(kind="model.rollback_failed", title=f"v{current.number} should be rolled back but cannot be",
                      body=f"{note}.\nRolling back to v{previous.number} failed: {exc.message}", link=link)
        return f"rollback_failed: {exc.code}"
    if job is not None:
        checkpoint("rolling_back", job_id=job.pk)  # tests stop here: swapped, not committed
    notice_admins(kind="model.rolled_back", title=f"Model rolled back from v{current.number} to v{previous.number}",
                  body=(f"The product rolled back automatically: the {note}.\n"
                        f"v{previous.number} is the active model again; its forecasts are served."), link=link)
    return "rolled_back"
