"""A planner's overrides of the served forecast: set (analyst+), withdrawn,
audited. Each is checked against the served run (its node must be forecast,
its periods must be forecast periods) and the principal's scope (a
store-restricted one sets series and store overrides of its own stores only),
and stores what it did to each series (the lines that measure its value added
when the actuals arrive)."""
from __future__ import annotations

import math
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import Actor, audit_record
from accounts.scope import StoreScope
from forecasting.ml.hierarchy import key_text
from forecasting.ml.overrides import LEVELS, Adjustment, is_attribute_level, key_fields, node_mask, valid_level
from forecasting.models import Override, OverrideLine
from forecasting.selectors.catalog import hierarchy_attributes
from forecasting.selectors.forecast import latest_run
from forecasting.selectors.overrides import adjustments_for, applied, run_dates
from saas.errors import Forbidden, NotFound, ValidationFailed

MAX_PERCENT = 1000.0
MAX_NOTE = 2000


def _invalid(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {reason}.", details={field: [reason]})


def _level(level) -> str:
    """One of the fixed levels, or an attribute level the workspace's hierarchy has."""
    if not valid_level(level) or (is_attribute_level(level) and level not in hierarchy_attributes().levels()):
        levels = [*LEVELS, *(lv for lv in hierarchy_attributes().levels() if is_attribute_level(lv))]
        raise _invalid("level", f"one of {', '.join(levels)}")
    return level


def _key(level: str, key) -> dict:
    if not isinstance(key, dict):
        raise _invalid("key", f"an object with {', '.join(key_fields(level)) or 'no fields'} for level {level}")
    out = {}
    for name in key_fields(level):
        value = key.get(name)
        if name == "value":  # an attribute's value: text as the hierarchy keys it
            text = key_text(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
            if not text:
                raise _invalid(f"key.{name}", f"the {level.partition('.')[2]} whose series to override")
            out[name] = text
            continue
        if name == "type":
            if not isinstance(value, str) or not value.strip():
                raise _invalid(f"key.{name}", "a store type is required")
            out[name] = value.strip()
            continue
        try:
            out[name] = int(value)
        except (TypeError, ValueError):
            raise _invalid(f"key.{name}", f"{value!r} is not a number") from None
    return out


def _periods(periods, forecast_dates: list[date]) -> list[date]:
    if not isinstance(periods, (list, tuple)) or not periods:
        raise _invalid("periods", "a non-empty list of forecast dates (YYYY-MM-DD)")
    allowed, out = set(forecast_dates), []
    for k, raw in enumerate(periods):
        try:
            day = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        except ValueError:
            raise _invalid(f"periods[{k}]", f"{raw!r} is not a date (YYYY-MM-DD)") from None
        if day not in allowed:
            span = f"{forecast_dates[0]:%Y-%m-%d}..{forecast_dates[-1]:%Y-%m-%d}" if forecast_dates else "none"
            raise _invalid(f"periods[{k}]", f"{day:%Y-%m-%d} is not a period of the served forecast ({span})")
        out.append(day)
    return sorted(set(out))


def _amount(value, percent) -> tuple[float | None, float | None]:
    if (value is None) == (percent is None):
        raise ValidationFailed("Give either value (the node's total per period) or percent.",
                               details={"value": ["exactly one of value and percent"]})
    field, raw = ("value", value) if value is not None else ("percent", percent)
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise _invalid(field, f"{raw!r} is not a number") from None
    if not math.isfinite(number):
        raise _invalid(field, "not a finite number")
    if field == "value" and number < 0:
        raise _invalid("value", "a forecast total cannot be negative")
    if field == "percent" and not -100.0 <= number <= MAX_PERCENT:
        raise _invalid("percent", f"between -100 and {MAX_PERCENT:,.0f}")
    return (number, None) if field == "value" else (None, number)


def _check_scope(scope: StoreScope, level: str, key: dict) -> None:
    if not scope.restricted:
        return
    if level not in ("series", "store"):
        raise Forbidden("Your access is limited to some stores: you can override a series or a store of yours.",
                        code="scope_restricted")
    if not scope.allows(key["store"]):
        raise NotFound(f"No forecast for store {key['store']}.", code="node_not_found",
                       details={"key.store": ["not a store you can override"]})


def override_create(*, actor: Actor, scope: StoreScope, level: str, key, periods, value=None, percent=None,
                    reason: str, note: str = "") -> Override:
    """Set an override on the served forecast; audited (``override.create``) in the same transaction."""
    level = _level(level)
    key = _key(level, key)
    _check_scope(scope, level, key)
    value, percent = _amount(value, percent)
    if not isinstance(reason, str) or reason not in Override.Reason.values:
        raise _invalid("reason", f"one of {', '.join(Override.Reason.values)}")
    note = str(note or "").strip()
    if len(note) > MAX_NOTE:
        raise _invalid("note", f"at most {MAX_NOTE:,} characters")
    run = latest_run()
    if run is None:
        raise NotFound("There is no active model yet: train one first.", code="no_active_model")
    days = _periods(periods, run_dates(run))
    new = Adjustment(level=level, key=key, periods=tuple(days), value=value, percent=percent)
    with transaction.atomic():
        with connection.cursor() as cur:  # one writer at a time: each override is spread over the ones before it
            cur.execute("LOCK TABLE forecasting_override IN SHARE ROW EXCLUSIVE MODE")
        frame, changes = applied(run, adjustments_for(run, extra=[new]))
        in_node = node_mask(frame, level, key)
        if not in_node.any():
            raise NotFound(f"The served forecast has no series in {level} {key or 'total'}.", code="node_not_found",
                           details={"key": ["no forecast series in this node"]})
        stores = sorted({int(s) for s in frame.loc[in_node, "store"]})
        override = Override.objects.create(
            level=level, key=key, periods=[d.isoformat() for d in days], value=value, percent=percent,
            reason=reason, note=note, stores=stores, run=run, created_by=actor.user, created_by_key=actor.api_key)
        mine = changes[-1]
        OverrideLine.objects.bulk_create(
            OverrideLine(override=override, store=int(s), dept=int(d), date=dt, statistical=float(b), final=float(a))
            for s, d, dt, b, a in zip(mine["store"], mine["dept"], mine["date"], mine["before"], mine["after"]))
        audit_record(action="override.create", actor=actor, target_type="override", target_id=override.pk,
                     payload={"level": level, "key": key, "periods": override.periods, "value": value,
                              "percent": percent, "reason": reason, "series": int(mine[["store", "dept"]]
                                                                                  .drop_duplicates().shape[0])})
    return override


def override_withdraw(*, actor: Actor, override: Override) -> Override:
    """Stop applying an override (kept: its lines still measure the value it added); audited."""
    with transaction.atomic():
        locked = Override.objects.select_for_update(no_key=True).get(pk=override.pk)
        if locked.withdrawn_at is None:
            locked.withdrawn_at = timezone.now()
            locked.save(update_fields=["withdrawn_at"])
            audit_record(action="override.withdraw", actor=actor, target_type="override", target_id=locked.pk,
                         payload={"level": locked.level, "key": locked.key, "reason": locked.reason})
    return locked
