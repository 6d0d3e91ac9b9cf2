"""The shadow period's decision, after each live scoring (the ``evaluate`` job).

A ``shadow`` version (forecasting/services/promotion.py) passed the backtest
rule while the retraining policy asked for a shadow period of N weeks. Its
first forecast run (made at its training, origin = its data end) is scored
live by the evaluate job like every stored run (``ModelEvaluation`` rows for
the shadow version). Here its first N forecast weeks are compared with the
champion's forecast of the SAME weeks and rows (forecasting/ml/lifecycle/shadow.py):
the champion's run from the same origin (the refresh queued when the shadow
was trained), else its newest run made from an earlier origin. The figures so
far are stored on the shadow (``decision["shadow"]``: weeks realized of N,
its live WMAE and the champion's), read by the Model page and the Monitoring
answer. Once the N weeks are realized the decision is taken once: promote
(``version_activate``, kind promote, system actor, the figures in the reason;
owners and admins get a notice and an e-mail) when its live WMAE beats the champion's by at least
``FORECAST_PROMOTION_MARGIN``, else ``rejected`` with the figures
(``model.rejected``). A version promoted after its shadow period was already
checked live: the automatic-rollback check is recorded as done for it."""
from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import Actor, audit_record
from accounts.notices import notice_admins
from forecasting.ml.lifecycle.shadow import (
    shadow_comparison,
    shadow_decision,
)
from forecasting.ml.periods import period_noun, periods_after
from forecasting.models import ForecastRun, ModelVersion
from forecasting.selectors.monitoring import run_points_frame, sales_frame, sales_weeks_between
from forecasting.services.promotion import version_activate, versions_lock
from jobs.models import Job
from saas.checkpoints import checkpoint
from saas.errors import Conflict

logger = logging.getLogger(__name__)


def shadow_runs(shadow: ModelVersion, champion: ModelVersion) -> tuple[ForecastRun | None, ForecastRun | None]:
    """(the shadow's first run, the champion's run it is compared with)."""
    mine = ForecastRun.objects.filter(model_version=shadow).order_by("created_at", "id").first()
    if mine is None:
        return None, None
    theirs = (ForecastRun.objects.filter(model_version=champion, origin__lte=mine.origin)
              .order_by("-origin", "-created_at", "-id").first())
    return mine, theirs


def _progress(shadow: ModelVersion, champion: ModelVersion, needed: int) -> dict:
    """The live comparison on the shadow's first ``needed`` forecast periods realized so far."""

    mine, theirs = shadow_runs(shadow, champion)
    if mine is None:
        return {"weeks": 0}
    freq = shadow.frequency
    first, last = periods_after(mine.origin, 1, freq).date(), periods_after(mine.origin, needed, freq).date()
    realized = sales_weeks_between(mine.origin, last)
    figures = {"weeks": len(realized), "run": mine.pk, "champion_run": theirs.pk if theirs else None,
               "champion_origin": theirs.origin.isoformat() if theirs else None}
    if not realized or theirs is None:
        return figures
    live = shadow_comparison(run_points_frame(mine, start=first, end=last),
                             run_points_frame(theirs, start=first, end=last),
                             sales_frame(start=first, end=last))
    if live is not None:
        figures.update({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in live.items()
                        if k != "weeks"})
        figures["compared_weeks"] = live["weeks"]
    return figures


def _champion_refresh_pending(figures: dict, *, job: Job | None) -> bool:
    """The champion's run compared is older than the shadow's origin while a
    refresh (which forecasts from the newest week) is queued or running: the
    decision waits for it, so both sides forecast from the same week; the
    refresh job checks the shadow again when it ends."""
    mine = ForecastRun.objects.filter(pk=figures.get("run")).first()
    origin = figures.get("champion_origin")
    if mine is None or (origin is not None and origin >= mine.origin.isoformat()):
        return False
    return Job.objects.filter(kind=Job.Kind.REFRESH, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)).exclude(
        pk=job.pk if job is not None else None).exists()


def shadow_check(*, job: Job | None = None) -> dict | None:
    """In the current tenant (the evaluate job's worker): update the shadow's
    figures, and promote or reject it once its weeks are realized. None when
    there is no shadow."""

    shadow = ModelVersion.objects.filter(status=ModelVersion.Status.SHADOW).order_by("-number").first()
    champion = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
    if shadow is None or champion is None:
        return None
    state = (shadow.decision or {}).get("shadow") or {}
    needed = max(1, int(state.get("weeks_needed") or 1))  # in the shadow's periods (services/promotion.py)
    figures = _progress(shadow, champion, needed)
    margin = settings.FORECAST_PROMOTION_MARGIN
    waiting = "the champion's forecast refresh" if _champion_refresh_pending(figures, job=job) else None
    decision = shadow_decision(wmae=figures.get("wmae"), champion_wmae=figures.get("champion_wmae"),
                               weeks=figures["weeks"], needed_weeks=needed, margin=margin, waiting_for=waiting,
                               rows=figures.get("rows"), shadow_number=shadow.number, champion_number=champion.number,
                               period=period_noun(shadow.frequency, plural=False))
    state = {**state, **figures, "champion": champion.number, "margin": margin, "note": decision.note,
             "checked_at": timezone.now().isoformat()}
    with transaction.atomic():
        versions_lock()
        current = ModelVersion.objects.select_for_update(no_key=True).get(pk=shadow.pk)
        active = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).values_list("pk", flat=True).first()
        if current.status != ModelVersion.Status.SHADOW or active != champion.pk:
            return None  # superseded, promoted by hand or another champion meanwhile: the next check sees it
        if decision.decided:
            state.update(decision.figures, decided_at=state["checked_at"])
            state["outcome"] = _promote(current, champion, decision.note, state) if decision.promote else None
            if state["outcome"] is None or state["outcome"].startswith("promotion_failed"):
                _reject(current, champion, decision.note, state)
            current.refresh_from_db(fields=["status", "promoted_at", "promotion_note"])
        current.decision = {**(current.decision or {}), "shadow": state}
        if state.get("outcome") == "promoted":
            current.decision["live_check"] = {"outcome": "kept", "note": f"checked live in its shadow period: "
                                              f"{decision.note}", "decided_at": state["checked_at"]}
        current.save(update_fields=["decision"])
        if decision.decided and job is not None:
            checkpoint("shadow_deciding", job_id=job.pk)  # tests stop here: swapped or rejected, not committed
    logger.info("shadow check of v%s: %s", shadow.number, decision.note)
    return {"shadow": shadow.number, "decided": decision.decided, "outcome": state.get("outcome"),
            "weeks": figures["weeks"], "needed_weeks": needed, "note": decision.note}


def _promote(shadow: ModelVersion, champion: ModelVersion, note: str, state: dict) -> str:
    """Inside the caller's transaction: the atomic swap, audited ``model.promoted``."""
    try:
        version_activate(version=shadow, actor=Actor.system(), reason=f"shadow period: {note}", kind="promote",
                         payload={"manual": False, "shadow": True, "weeks": state["weeks"], "rows": state.get("rows"),
                                  "shadow_live_wmae": state.get("wmae"),
                                  "champion_live_wmae": state.get("champion_wmae"),
                                  "improvement": state.get("improvement"), "margin": state["margin"]})
    except Conflict as exc:  # its artifact is gone or altered: it cannot serve
        state["note"] = f"{note}; promotion failed: {exc.message}"
        return f"promotion_failed: {exc.code}"
    ModelVersion.objects.filter(pk=shadow.pk).update(challenged=champion)
    notice_admins(kind="model.promoted", title=f"Model v{shadow.number} promoted after its shadow period",
                  body=(f"The product promoted v{shadow.number} over v{champion.number} by itself: the {note}.\n"
                        f"v{shadow.number} is the active model; its forecasts are served."),
                  link=reverse("model_detail", args=[shadow.pk]))
    return "promoted"


def _reject(shadow: ModelVersion, champion: ModelVersion, note: str, state: dict) -> None:
    state["outcome"] = state.get("outcome") or "rejected"
    shadow.status = ModelVersion.Status.REJECTED
    shadow.promotion_note = f"{shadow.promotion_note}; rejected after its shadow period: {state['note']}"[:2000]
    shadow.save(update_fields=["status", "promotion_note"])
    audit_record(action="model.rejected", actor=Actor.system(), target_type="model_version", target_id=shadow.pk,
                 payload={"number": shadow.number, "champion": champion.number, "why": state["note"], "shadow": True,
                          "weeks": state["weeks"], "rows": state.get("rows"), "shadow_live_wmae": state.get("wmae"),
                          "champion_live_wmae": state.get("champion_wmae"), "margin": state["margin"]})
