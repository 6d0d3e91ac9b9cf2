"""The pure rules of automatic retraining (forecasting/ml/lifecycle/retraining.py):
schedule slots in the tenant's time zone (DST-safe), the decision of each
trigger, cool-down, quota, and validation."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from forecasting.ml.lifecycle.retraining import latest_slot, next_scheduled_retrain, policy_clean, retrain_decision

UTC = timezone.utc


def policy(**kw):
    base = dict(schedule="off", weekday=0, day_of_month=1, hour=2, time_zone="UTC", on_new_data=False,
                min_new_weeks=4, on_degradation=False, degradation_weeks=4, degradation_tolerance=0.10,
                degradation_vs_naive=True, cooldown_hours=24, last_slot_at=None)
    return SimpleNamespace(**{**base, **kw})


def at(*args):
    return datetime(*args, tzinfo=UTC)


def test_schedule_off_has_no_slot():
    assert next_scheduled_retrain(policy(), at(2026, 3, 2, 12)) is None
    assert latest_slot(policy(), at(2026, 3, 2, 12)) is None


def test_weekly_next_slot_in_the_tenants_zone():
    p = policy(schedule="weekly", weekday=0, hour=9, time_zone="Europe/Paris")  # Mondays 09:00 Paris
    # Monday 2026-03-02 07:59 UTC is 08:59 in Paris (UTC+1): today's slot is still ahead
    assert next_scheduled_retrain(p, at(2026, 3, 2, 7, 59)) == at(2026, 3, 2, 8, 0)
    # at the slot itself: the next one is a week later
    assert next_scheduled_retrain(p, at(2026, 3, 2, 8, 0)) == at(2026, 3, 9, 8, 0)
    assert latest_slot(p, at(2026, 3, 2, 8, 0)) == at(2026, 3, 2, 8, 0)
    assert latest_slot(p, at(2026, 3, 2, 7, 59)) == at(2026, 2, 23, 8, 0)


def test_weekly_slot_keeps_its_wall_clock_hour_across_dst():
    p = policy(schedule="weekly", weekday=0, hour=9, time_zone="Europe/Paris")
    # Paris moves to summer time on Sunday 2026-03-29: 09:00 is 08:00 UTC before, 07:00 UTC after
    assert next_scheduled_retrain(p, at(2026, 3, 23, 9)) == at(2026, 3, 30, 7, 0)
    # and back on 2026-10-25
    assert next_scheduled_retrain(p, at(2026, 10, 19, 8)) == at(2026, 10, 26, 8, 0)


def test_nonexistent_local_hour_runs_once_after_the_change():
    # New York skips 02:00-03:00 on Sunday 2026-03-08: a 02:00 slot runs at 07:00 UTC (03:00 EDT)
    p = policy(schedule="weekly", weekday=6, hour=2, time_zone="America/New_York")
    slot = next_scheduled_retrain(p, at(2026, 3, 7, 12))
    assert slot == at(2026, 3, 8, 7, 0)
    assert next_scheduled_retrain(p, slot) == at(2026, 3, 15, 6, 0)  # 02:00 EDT


def test_monthly_slot_and_year_rollover():
    p = policy(schedule="monthly", day_of_month=15, hour=23, time_zone="Asia/Tokyo")  # UTC+9
    assert next_scheduled_retrain(p, at(2026, 12, 20)) == at(2027, 1, 15, 14, 0)
    assert latest_slot(p, at(2026, 12, 20)) == at(2026, 12, 15, 14, 0)
    # the local date decides: 2026-12-15 14:30 UTC is already 2026-12-15 23:30 in Tokyo
    assert latest_slot(p, at(2026, 12, 15, 14, 30)) == at(2026, 12, 15, 14, 0)


def test_schedule_due_once_per_slot():
    p = policy(schedule="weekly", weekday=0, hour=2)
    now = at(2026, 3, 2, 2, 5)
    d = retrain_decision(p, now)
    assert (d.trigger, d.slot) == ("schedule", at(2026, 3, 2, 2, 0)) and "scheduled slot 2026-03-02 02:00" in d.reason
    p.last_slot_at = d.slot  # handled
    assert retrain_decision(p, now + timedelta(minutes=10)).trigger is None
    assert retrain_decision(p, now + timedelta(minutes=10)).wanted is None
    # a slot before the schedule was set is not due
    p2 = policy(schedule="weekly", weekday=0, hour=2, last_slot_at=at(2026, 3, 2, 2, 3))  # set at 02:03
    assert retrain_decision(p2, now).wanted is None
    assert retrain_decision(p2, at(2026, 3, 9, 2)).trigger == "schedule"


def test_new_data_needs_at_least_n_weeks():
    p = policy(on_new_data=True, min_new_weeks=4)
    assert retrain_decision(p, at(2026, 3, 2), new_weeks=3).wanted is None
    d = retrain_decision(p, at(2026, 3, 2), new_weeks=4)
    assert d.trigger == "new_data" and "added 4 new weeks" in d.reason
    assert retrain_decision(policy(min_new_weeks=1), at(2026, 3, 2), new_weeks=8).wanted is None  # switched off


def test_degradation_against_backtest_and_seasonal_naive():
    p = policy(on_degradation=True, degradation_tolerance=0.10, degradation_vs_naive=True)
    now = at(2026, 3, 2)
    # within tolerance and better than naive: nothing
    assert retrain_decision(p, now, live_wmae_recent=1099, backtest_wmae=1000, naive_wmae_recent=2000).wanted is None
    d = retrain_decision(p, now, live_wmae_recent=1101, backtest_wmae=1000, naive_wmae_recent=2000)
    assert d.trigger == "degradation" and "backtest WMAE 1,000.0" in d.reason
    # within tolerance of the backtest but worse than seasonal naive on the same rows
    d = retrain_decision(p, now, live_wmae_recent=1050, backtest_wmae=1000, naive_wmae_recent=1040)
    assert d.trigger == "degradation" and "seasonal naive" in d.reason
    p.degradation_vs_naive = False
    assert retrain_decision(p, now, live_wmae_recent=1050, backtest_wmae=1000, naive_wmae_recent=1040).wanted is None
    # fewer than K realized weeks (no live figure): nothing
    assert retrain_decision(p, now, live_wmae_recent=None, backtest_wmae=1000).wanted is None
    p.on_degradation = False
    assert retrain_decision(p, now, live_wmae_recent=5000, backtest_wmae=1000).wanted is None


def test_cooldown_skips_with_its_end():
    p = policy(on_new_data=True, min_new_weeks=1, cooldown_hours=24)
    now = at(2026, 3, 2, 12)
    d = retrain_decision(p, now, new_weeks=2, last_triggered_at=now - timedelta(hours=23))
    assert d.trigger is None and d.wanted == "new_data" and d.skipped
    assert "skipped (cool-down until 2026-03-02 13:00 UTC): an upload added 2 new weeks" in d.reason
    assert retrain_decision(p, now, new_weeks=2, last_triggered_at=now - timedelta(hours=24)).trigger == "new_data"


def test_quota_skips_with_the_plan_limit():
    p = policy(schedule="weekly", weekday=0, hour=2)
    d = retrain_decision(p, at(2026, 3, 2, 3), trainings_today=5, trainings_limit=5)
    assert d.skipped and d.wanted == "schedule" and d.slot == at(2026, 3, 2, 2)  # the slot is consumed
    assert "5 trainings in 24 hours are used up" in d.reason
    assert retrain_decision(p, at(2026, 3, 2, 3), trainings_today=4, trainings_limit=5).trigger == "schedule"


def test_schedule_comes_before_the_other_triggers():
    p = policy(schedule="weekly", weekday=0, hour=2, on_new_data=True, min_new_weeks=1)
    assert retrain_decision(p, at(2026, 3, 2, 3), new_weeks=4).trigger == "schedule"


@pytest.mark.parametrize("field,value", [("hour", 24), ("hour", "x"), ("hour", 1.5), ("weekday", 7),
                                         ("day_of_month", 31), ("schedule", "daily"), ("time_zone", "Mars/Base"),
                                         ("degradation_tolerance", -0.1), ("degradation_tolerance", "nan"),
                                         ("on_new_data", "maybe"), ("min_new_weeks", 0), ("colour", "red")])
def test_validation_names_the_field(field, value):
    cleaned, errors = policy_clean({field: value, "hour": 3} if field != "hour" else {field: value})
    assert list(errors) == [field] and field not in cleaned


def test_validation_cleans_form_strings():
    cleaned, errors = policy_clean({"hour": "7", "on_new_data": "on", "degradation_tolerance": "0.2",
                                    "time_zone": "Europe/Paris", "schedule": "monthly"})
    assert not errors
    assert cleaned == {"hour": 7, "on_new_data": True, "degradation_tolerance": 0.2, "time_zone": "Europe/Paris",
                       "schedule": "monthly"}
