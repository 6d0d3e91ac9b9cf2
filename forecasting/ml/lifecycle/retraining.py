"""The rules of automatic retraining, as pure functions (no database): when a
tenant's schedule slots fall, whether a retrain is due and why, and what a
valid policy is. ``policy`` is anything with the fields of
``forecasting.models.RetrainingPolicy`` (the model, or a plain namespace in
unit tests).

Schedule slots are wall-clock times in the policy's time zone (zoneinfo), so
"Monday 09:00 Europe/Paris" stays 09:00 in Paris across DST changes. A local
time that does not exist (spring forward) runs at the same instant as the
hour before the change says (fold=0: e.g. 02:30 -> 03:30 summer time); an
ambiguous one (fall back) runs at its first occurrence.

``retrain_decision`` weighs, in this order, the schedule (a slot newer than
the last one handled), new data (an upload that added at least
``min_new_weeks`` weeks) and degradation (the champion's live WMAE over its
last K realized weeks above (1 + tolerance) x its backtest WMAE, or, when
``degradation_vs_naive``, above seasonal naive's on the same rows). The
first that fires is *wanted*; it is then skipped during the cool-down (which
every automatic trigger respects) or when the plan's trainings per day are
used up, with the reason in plain words."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC = dt_timezone.utc
SCHEDULES = ("off", "weekly", "monthly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_DAY_OF_MONTH = 28  # every month has it
MAX_SHADOW_WEEKS = 13  # a shadow is decided on its first forecast run, whose horizon is 13 weeks by default


@dataclass(frozen=True)
class Decision:
    """``wanted``: the trigger whose condition holds (None: nothing due);
    ``trigger``: the one to run now (None when nothing is due or it is
    skipped); ``reason``: why, in plain words; ``slot``: the schedule slot
    this decision consumes (UTC), if any."""

    trigger: str | None
    reason: str
    wanted: str | None = None
    slot: datetime | None = None

    @property
    def skipped(self) -> bool:
        return self.wanted is not None and self.trigger is None


# ---------------------------------------------------------------- schedule
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def _month_slot(year: int, month: int, policy) -> date:
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(int(policy.day_of_month), last))


def _slots_around(policy, now: datetime) -> list[datetime]:
    """Slots (UTC, ascending) from about one period before ``now`` to one after."""
    zone = _zone(policy.time_zone)
    today = now.astimezone(zone).date()
    hour = int(policy.hour)
    if policy.schedule == "weekly":
        this_week = today - timedelta(days=today.weekday()) + timedelta(days=int(policy.weekday))
        days = [this_week + timedelta(weeks=k) for k in (-1, 0, 1)]
    elif policy.schedule == "monthly":
        months = [(today.year + (today.month - 1 + k) // 12, (today.month - 1 + k) % 12 + 1) for k in (-1, 0, 1)]
        days = [_month_slot(y, m, policy) for y, m in months]
    else:
        return []
    return [_at(d, hour, zone) for d in days]


def next_scheduled_retrain(policy, now: datetime) -> datetime | None:
    """The first schedule slot strictly after ``now`` (aware, UTC), or None when the schedule is off."""
    now = now.astimezone(UTC)
    return next((s for s in _slots_around(policy, now) if s > now), None)


def latest_slot(policy, now: datetime) -> datetime | None:
    """The newest schedule slot at or before ``now`` (UTC), or None when the schedule is off."""
    now = now.astimezone(UTC)
    past = [s for s in _slots_around(policy, now) if s <= now]
    return past[-1] if past else None


def schedule_label(policy) -> str:
    if policy.schedule == "weekly":
        return f"every {WEEKDAYS[int(policy.weekday)]} at {int(policy.hour):02d}:00 ({policy.time_zone})"
    if policy.schedule == "monthly":
        return f"on day {int(policy.day_of_month)} of every month at {int(policy.hour):02d}:00 ({policy.time_zone})"
    return "off"


# ---------------------------------------------------------------- decision
def _fmt(x: float) -> str:
    return f"{x:,.1f}"


def _degraded(policy, live: float | None, backtest: float | None, naive: float | None) -> str | None:
    if live is None:
        return None
    k = int(policy.degradation_weeks)
    tol = float(policy.degradation_tolerance)
    if backtest is not None and live > (1.0 + tol) * backtest:
        return (f"live WMAE {_fmt(live)} over the last {k} realized weeks is above (1 + {tol:.0%}) x the backtest "
                f"WMAE {_fmt(backtest)}")
    if policy.degradation_vs_naive and naive is not None and live > naive:
        return (f"live WMAE {_fmt(live)} over the last {k} realized weeks is worse than seasonal naive's "
                f"{_fmt(naive)} on the same rows")
    return None


def retrain_decision(policy, now: datetime, *, new_weeks: int = 0, live_wmae_recent: float | None = None,
                     backtest_wmae: float | None = None, naive_wmae_recent: float | None = None,
                     trainings_today: int = 0, trainings_limit: int | None = None,
                     last_triggered_at: datetime | None = None) -> Decision:
    """Whether to retrain now, which trigger, and why (see the module's docstring).
    ``live_wmae_recent``/``naive_wmae_recent``: None when fewer than K weeks were realized."""
    now = now.astimezone(UTC)
    slot = latest_slot(policy, now)
    handled = policy.last_slot_at.astimezone(UTC) if policy.last_slot_at else None
    wanted, why = None, ""
    if slot is not None and (handled is None or slot > handled):
        wanted, why = "schedule", f"scheduled slot {slot:%Y-%m-%d %H:%M} UTC ({schedule_label(policy)})"
    elif policy.on_new_data and new_weeks >= int(policy.min_new_weeks) > 0:
        wanted, why = "new_data", (f"an upload added {new_weeks} new week{'s' if new_weeks != 1 else ''} "
                                   f"(at least {int(policy.min_new_weeks)} asked)")
    elif policy.on_degradation and (why := _degraded(policy, live_wmae_recent, backtest_wmae, naive_wmae_recent)):
        wanted = "degradation"
    if wanted is None:
        return Decision(None, "nothing due")
    slot = slot if wanted == "schedule" else None
    if last_triggered_at is not None:
        until = last_triggered_at.astimezone(UTC) + timedelta(hours=int(policy.cooldown_hours))
        if now < until:
            return Decision(None, f"skipped (cool-down until {until:%Y-%m-%d %H:%M} UTC): {why}", wanted, slot)
    if trainings_limit is not None and trainings_today >= trainings_limit:
        return Decision(None, f"skipped (the plan's {trainings_limit:,} trainings in 24 hours are used up: "
                              f"{trainings_today:,} started): {why}", wanted, slot)
    return Decision(wanted, why, wanted, slot)


# -------------------------------------------------------------- validation
@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _whole(value, lo: int, hi: int | None):
    if isinstance(value, bool):
        raise ValueError
    n = int(value)
    if isinstance(value, float) and n != value:
        raise ValueError
    if n < lo or (hi is not None and n > hi):
        raise ValueError
    return n


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "on", "yes", "false", "0", "off", "no", ""):
        return value.strip().lower() in ("true", "1", "on", "yes")
    raise ValueError


# field -> (cleaner, what a valid value is)
FIELDS = {
    "schedule": (lambda v: SCHEDULES[SCHEDULES.index(v)], "one of off, weekly, monthly"),
    "weekday": (lambda v: _whole(v, 0, 6), "a whole number from 0 (Monday) to 6 (Sunday)"),
    "day_of_month": (lambda v: _whole(v, 1, MAX_DAY_OF_MONTH), f"a whole number from 1 to {MAX_DAY_OF_MONTH}"),
    "hour": (lambda v: _whole(v, 0, 23), "a whole number from 0 to 23"),
    "time_zone": (lambda v: v if isinstance(v, str) and v in time_zones() else {}[v],
                  "an IANA time zone name, e.g. Europe/Paris"),
    "on_new_data": (_bool, "true or false"),
    "min_new_weeks": (lambda v: _whole(v, 1, 52), "a whole number of weeks from 1 to 52"),
    "on_degradation": (_bool, "true or false"),
    "degradation_weeks": (lambda v: _whole(v, 1, 52), "a whole number of weeks from 1 to 52"),
    "degradation_tolerance": (lambda v: _fraction(v), "a number from 0 to 5 (0.10 = 10 %)"),
    "degradation_vs_naive": (_bool, "true or false"),
    "cooldown_hours": (lambda v: _whole(v, 0, 24 * 90), "a whole number of hours from 0 to 2,160"),
    "shadow_weeks": (lambda v: _whole(v, 0, MAX_SHADOW_WEEKS),
                     f"a whole number of weeks from 0 (off) to {MAX_SHADOW_WEEKS}"),
}


def _fraction(value) -> float:
    if isinstance(value, bool):
        raise ValueError
    x = float(value)
    if not 0.0 <= x <= 5.0:  # also refuses NaN
        raise ValueError
    return x


def policy_clean(changes: dict) -> tuple[dict, dict]:
    """(cleaned values, errors): ``errors`` maps each bad or unknown field to
    a list of reasons, e.g. {"hour": ["must be a whole number from 0 to 23; got 25"]}."""
    cleaned, errors = {}, {}
    for name, value in changes.items():
        if name not in FIELDS:
            errors[name] = ["unknown field"]
            continue
        clean, expected = FIELDS[name]
        try:
            cleaned[name] = clean(value)
        except (ValueError, TypeError, KeyError, IndexError, OverflowError):
            errors[name] = [f"must be {expected}; got {value!r}"[:200]]
    return cleaned, errors
