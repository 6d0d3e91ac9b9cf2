"""Automatic retraining: the policy's writes and the retrain decisions.

* ``retraining_policy_update`` (admins, API and web form): validates every
  field (forecasting/ml/lifecycle/retraining.py), writes the tenant's one policy row
  and audits ``policy.update`` with the changed fields, in one transaction.
  Setting or changing the schedule makes only slots after that moment due.
* ``retrain_scheduled_all`` (beat, every few minutes; idempotent): in every
  open workspace, retrains when a schedule slot is due -- once per slot: the
  slot handled is stored on the policy under its row lock.
* ``retrain_after_evaluation`` (the worker's ``evaluate`` job, once it has
  stored the live scores of an upload's new weeks): new data and degradation.

A retrain is ``model_train_start(trigger=...)`` with the system actor and the
champion's horizon and backtest (so the challenger is compared like for like),
audited ``model.retrain_triggered`` with its trigger and reason in the same
transaction; a skip (cool-down, plan quota, not enough data) records its
reason on the policy (``last_decision``), read by the API, the Monitoring
answer and the retraining page."""
from __future__ import annotations

import logging

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, get_tenant_model, tenant_context

from accounts.audit import Actor, audit_record
from forecasting.ml.lifecycle.retraining import latest_slot, policy_clean, retrain_decision
from forecasting.ml.periods import periods_as_weeks
from forecasting.models import RetrainingPolicy
from forecasting.selectors import retraining as retraining_selectors
from forecasting.selectors.catalog import data_settings, workspace_words
from forecasting.selectors.retraining import live_accuracy_recent, retraining_policy_get, trainings_quota
from forecasting.services.training import model_train_start
from saas.errors import ServiceError, ValidationFailed

logger = logging.getLogger(__name__)
SCHEDULE_FIELDS = ("schedule", "weekday", "day_of_month", "hour", "time_zone")
DEFAULT_BACKTEST_WINDOWS = 4


def _locked_policy() -> RetrainingPolicy:
    RetrainingPolicy.objects.get_or_create(pk=1)
    return RetrainingPolicy.objects.select_for_update(no_key=True).get(pk=1)


def retraining_policy_update(*, actor: Actor, changes: dict) -> RetrainingPolicy:
    """Apply ``changes`` (field -> value; fields left out keep their value).
    Bad input: ``ValidationFailed`` naming every bad field, nothing written."""
    cleaned, errors = policy_clean(changes)
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(f"{first}: {errors[first][0]}", details=errors)
    with transaction.atomic():
        policy = _locked_policy()
        changed = {k: v for k, v in cleaned.items() if getattr(policy, k) != v}
        if not changed:
            return policy
        for name, value in changed.items():
            setattr(policy, name, value)
        now = timezone.now()
        if any(name in SCHEDULE_FIELDS for name in changed):
            policy.last_slot_at = now  # slots before this change are not due
        policy.updated_at = now
        policy.save()
        audit_record(action="policy.update", actor=actor, target_type="retraining_policy", target_id=policy.pk,
                     payload=changed)
    return policy


def _train_settings() -> dict:
    champion = retraining_selectors.champion()
    if champion is None:  # the workspace's own default horizon: 13 weeks, 28 days, 3 months
        return {"horizon": workspace_words().horizon_default, "backtest_windows": DEFAULT_BACKTEST_WINDOWS}
    return {"horizon": champion.horizon, "backtest_windows": champion.backtest_windows}


def _consider(*, new_weeks: int = 0, live: dict | None = None, backtest_wmae: float | None = None,
              now=None) -> dict | None:
    """Decide and act in the current tenant, under the policy's row lock.
    Returns the decision recorded (None: nothing was due)."""
    now = now or timezone.now()
    with transaction.atomic():
        if not RetrainingPolicy.objects.filter(pk=1).exists():
            return None  # never set: everything off
        policy = _locked_policy()
        used, allowed = trainings_quota()
        decision = retrain_decision(
            policy, now, new_weeks=new_weeks, live_wmae_recent=live and live["wmae"], backtest_wmae=backtest_wmae,
            naive_wmae_recent=live and live["seasonal_naive_wmae"], trainings_today=used, trainings_limit=allowed,
            last_triggered_at=policy.last_triggered_at)
        if decision.wanted is None:
            return None
        if decision.slot is not None:
            policy.last_slot_at = decision.slot
        record = {"at": now.isoformat(), "outcome": "skipped", "trigger": decision.wanted,
                  "reason": decision.reason, "job": None}
        if decision.trigger is not None:
            try:
                job = model_train_start(actor=Actor.system(), trigger=decision.trigger, **_train_settings())
            except ServiceError as exc:  # not enough data, a plan limit reached meanwhile, ...
                record["reason"] = f"skipped ({exc.message}): {decision.reason}"
            else:
                record.update(outcome="triggered", job=job.pk)
                policy.last_triggered_at = now
                audit_record(action="model.retrain_triggered", actor=Actor.system(), target_type="job",
                             target_id=job.pk, payload={"trigger": decision.trigger, "reason": decision.reason})
        policy.last_decision = record
        policy.save(update_fields=["last_slot_at", "last_triggered_at", "last_decision"])
    logger.info("retraining in %s: %s %s (%s)", connection.schema_name, record["outcome"], record["trigger"],
                record["reason"])
    return record


def retrain_scheduled(*, now=None) -> dict | None:
    """The current tenant's schedule: retrain when a slot is due (once per slot)."""
    policy = retraining_policy_get()
    if policy._state.adding or latest_slot(policy, now or timezone.now()) is None:
        return None
    return _consider(now=now)


def retrain_scheduled_all(*, now=None) -> int:
    """Beat: every open workspace's schedule. One workspace's failure is
    logged and does not hold up the others (tried again at the next tick)."""
    count, Tenant = 0, get_tenant_model()
    tenants = (Tenant.objects.exclude(schema_name=get_public_schema_name()).exclude(status=Tenant.Status.TEMPLATE)
               .filter(status=Tenant.Status.ACTIVE))
    for tenant in tenants:
        try:
            with tenant_context(tenant):
                if retrain_scheduled(now=now) is not None:
                    count += 1
        except Exception:
            logger.exception("scheduled retraining of workspace %s failed", tenant.slug)
    return count


def retrain_after_evaluation(*, result: dict) -> dict | None:
    """After the ``evaluate`` job of an upload stored its live scores: new
    data (the weeks it added) and degradation (the champion's last K realized
    weeks). Never fails the caller: a failure is logged."""
    try:
        policy = retraining_policy_get()
        if policy._state.adding or not (policy.on_new_data or policy.on_degradation):
            return None
        champion = retraining_selectors.champion()
        live = None
        if policy.on_degradation and champion is not None:
            live = live_accuracy_recent(version=champion, weeks=policy.degradation_weeks)
        # an upload's new periods (days, weeks, months) count against the policy's weeks in whole weeks
        freq = champion.frequency if champion is not None else data_settings().frequency
        return _consider(new_weeks=periods_as_weeks(len(result.get("weeks") or []), freq), live=live,
                         backtest_wmae=champion.wmae if champion is not None else None)
    except Exception:
        logger.exception("retrain decision after evaluation failed")
        return None
