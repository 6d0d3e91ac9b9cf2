"""Reads of planners' overrides: the list, the served forecast with them
applied (forecasting/ml/overrides.py), and the value they added once the
actuals arrived. A store-restricted principal sees the overrides of its own
stores only (series and store levels; the other levels span every store)."""
from __future__ import annotations

from datetime import date

import pandas as pd
from django.db import connection
from django.db.models import QuerySet

from accounts.scope import StoreScope
from forecasting.ml.overrides import Adjustment, apply, is_attribute_level, node_mask
from forecasting.models import ForecastRun, Override, Store
from forecasting.selectors.catalog import hierarchy_attributes


def override_list(*, scope: StoreScope, withdrawn: bool = False) -> QuerySet:
    """Active overrides (or every one, with ``withdrawn``) the principal may see, oldest first."""
    qs = Override.objects.select_related("created_by", "created_by_key", "run")
    if not withdrawn:
        qs = qs.filter(withdrawn_at__isnull=True)
    if scope.restricted:
        qs = qs.filter(level__in=["series", "store"], key__store__in=scope.as_list())
    return qs.order_by("created_at", "id")


def override_get(*, scope: StoreScope, override_id) -> Override | None:
    try:
        return override_list(scope=scope, withdrawn=True).get(pk=int(override_id))
    except (Override.DoesNotExist, ValueError, TypeError):
        return None


def run_dates(run: ForecastRun) -> list[date]:
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT date FROM forecasting_forecastpoint WHERE run_id = %s ORDER BY date", [run.pk])
        return [d for (d,) in cur.fetchall()]


def adjustments_for(run: ForecastRun, *, extra: list[Adjustment] = ()) -> list[Adjustment]:
    """The active overrides that touch ``run``'s periods, in the order they were made (then ``extra``)."""
    dates = set(run_dates(run))
    found = []
    for o in Override.objects.filter(withdrawn_at__isnull=True).order_by("created_at", "id"):
        periods = tuple(p for p in (date.fromisoformat(x) for x in o.periods) if p in dates)
        if periods:
            found.append(Adjustment(level=o.level, key=o.key, periods=periods, value=o.value, percent=o.percent,
                                    ref=o.pk))
    return found + list(extra)


def run_frame(run: ForecastRun, dates, *, store: int | None = None, dept: int | None = None) -> pd.DataFrame:
    """Every series' (or one series') statistical forecast of ``run`` in ``dates``, with its store type."""
    one = "AND p.store = %s AND p.dept = %s" if store is not None else ""
    with connection.cursor() as cur:
        cur.execute(f"""SELECT p.store, p.dept, coalesce(s.type, ''), p.date, p.forecast
                        FROM forecasting_forecastpoint p LEFT JOIN forecasting_store s ON s.number = p.store
                        WHERE p.run_id = %s AND p.date = ANY(%s) {one} ORDER BY p.store, p.dept, p.date""",
                    [run.pk, sorted(dates), *([store, dept] if store is not None else [])])
        rows = cur.fetchall()
    return pd.DataFrame(rows, columns=["store", "dept", "type", "date", "statistical"]).astype(
        {"statistical": float})


def with_levels(frame: pd.DataFrame, adjustments: list[Adjustment]) -> pd.DataFrame:
    """``frame`` with a column per attribute level the adjustments name (each series' value of it)."""
    levels = sorted({a.level for a in adjustments if is_attribute_level(a.level)})
    if not levels:
        return frame
    attrs = hierarchy_attributes()
    known = set(attrs.levels())
    return frame.assign(**{lv: attrs.series_keys(lv, frame) if lv in known else "?" for lv in levels})


def applied(run: ForecastRun, adjustments: list[Adjustment]):
    """(frame with ``final``, per-adjustment changes) over the periods the adjustments touch."""
    dates = sorted({p for a in adjustments for p in a.periods})
    return apply(with_levels(run_frame(run, dates), adjustments), adjustments)


def override_deltas(run: ForecastRun | None) -> dict[tuple[int, int, date], float]:
    """final - statistical for every (store, dept, date) of ``run`` an active override moves."""
    if run is None:
        return {}
    adjustments = adjustments_for(run)
    if not adjustments:
        return {}
    frame, _ = applied(run, adjustments)
    return _moved(frame)


def _moved(frame: pd.DataFrame) -> dict[tuple[int, int, date], float]:
    moved = frame[frame["final"] != frame["statistical"]]
    return {(int(s), int(d), dt): float(f - st) for s, d, dt, st, f in
            zip(moved["store"], moved["dept"], moved["date"], moved["statistical"], moved["final"])}


def series_deltas(run: ForecastRun, *, store: int, dept: int) -> dict[tuple[int, int, date], float]:
    """``override_deltas`` of one series, read cheaply: overrides of this
    series alone need its own points; one on a node containing it needs the
    node's (every series of the periods it touches, as the spread does)."""
    adjustments = adjustments_for(run)
    kind = Store.objects.filter(number=store).values_list("type", flat=True).first() or ""
    probe = with_levels(pd.DataFrame({"store": [store], "dept": [dept], "type": [kind]}), adjustments)
    mine = [a for a in adjustments if node_mask(probe, a.level, a.key)[0]]
    if not mine:
        return {}
    if all(a.level == "series" for a in mine):
        frame = run_frame(run, sorted({p for a in mine for p in a.periods}), store=store, dept=dept)
        frame, _ = apply(frame, mine)
    else:
        frame, _ = applied(run, adjustments)
        frame = frame[(frame["store"] == store) & (frame["dept"] == dept)]
    return _moved(frame)


def node_deltas(run: ForecastRun, *, level: str, key: str) -> dict[date, float]:
    """The sum of ``override_deltas`` over the series of one aggregate (a ForecastAggregate level and key), by date."""
    deltas = override_deltas(run)
    if not deltas:
        return {}
    rows = pd.DataFrame([(s, d, dt, v) for (s, d, dt), v in deltas.items()],
                        columns=["store", "dept", "date", "delta"])
    inside = rows[hierarchy_attributes().series_keys(level, rows) == str(key)] if level != "total" else rows
    return {d: float(v) for d, v in inside.groupby("date")["delta"].sum().items()}


def with_overrides(points: list[dict], deltas: dict, store: int, dept: int) -> list[dict]:
    """Forecast points of one series as served: ``forecast`` the final figure,
    ``statistical`` the model's own, the bands moved with the forecast."""
    out = []
    for p in points:
        delta = deltas.get((store, dept, p["date"]), 0.0)
        moved = {k: (p[k] + delta if p.get(k) is not None else None) for k in ("lo80", "hi80", "lo95", "hi95")}
        out.append({**p, **moved, "forecast": p["forecast"] + delta, "statistical": p["forecast"],
                    "overridden": delta != 0.0})
    return out


def value_added(*, scope: StoreScope) -> list[dict]:
    """Forecast value added by planner and reason code, over the overridden
    series × periods whose actual has arrived: the absolute error of the
    figure each override replaced and of the one it set (WAPE: over the actual
    sales), and the difference (> 0: the override helped)."""
    cond, params = scope.sql("l.store")
    with connection.cursor() as cur:
        cur.execute(f"""
            SELECT o.created_by_id, o.created_by_key_id, o.reason, count(DISTINCT o.id), count(*),
                   sum(abs(l.statistical - s.sales)), sum(abs(l.final - s.sales)), sum(abs(s.sales))
            FROM forecasting_overrideline l
            JOIN forecasting_override o ON o.id = l.override_id
            JOIN forecasting_salesrecord s ON s.store = l.store AND s.dept = l.dept AND s.date = l.date
            WHERE {cond}
            GROUP BY 1, 2, 3 ORDER BY sum(abs(l.statistical - s.sales)) - sum(abs(l.final - s.sales)) DESC
        """, params)
        rows = cur.fetchall()
    labels = _actor_labels({(u, k) for u, k, *_ in rows})
    reasons = dict(Override.Reason.choices)
    return [{"planner": labels[(u, k)], "reason": reason, "reason_label": reasons.get(reason, reason),
             "overrides": int(n), "periods_with_actuals": int(cells),
             "statistical_error": float(e_stat), "final_error": float(e_final),
             "value_added": float(e_stat - e_final),
             "statistical_wape": float(e_stat / actual) if actual else None,
             "final_wape": float(e_final / actual) if actual else None}
            for u, k, reason, n, cells, e_stat, e_final, actual in rows]


def _actor_labels(pairs) -> dict:
    out = {}
    for user_id, key_id in pairs:
        probe = Override(created_by_id=user_id, created_by_key_id=key_id)
        out[(user_id, key_id)] = probe.created_by_label
    return out
