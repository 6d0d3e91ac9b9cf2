"""The exceptions worklist: what needs a person, ranked by money at stake.

Each kind is one function here and one line of ``KINDS``; each row names its
series, the figures that raised it, its money at stake (in the workspace's
measure), and a ``basis`` (the run, plan or week its figures come from). The
kinds that read every series' history (``stored``: live errors, anomalies)
are computed by the worker with the Insights figures (InsightSnapshot
"exceptions", forecasting/services/insights.py); the others (plan gaps, stock
on hand) are cheap joins done on read. Only rows at or above the workspace's
materiality floor are listed; a row a planner answered (accepted or dismissed
with a reason) stays hidden while its basis is the same. Rows are of the
principal's stores only."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from django.db import connection

from accounts.scope import StoreScope
from forecasting.models import ExceptionDismissal, ForecastRun, SalesRecord
from forecasting.selectors.catalog import period_floor, series_codes
from forecasting.selectors.forecast import active_model, latest_run
from forecasting.selectors.insights import (
    inventory_params,
    inventory_table,
    on_hand_frame,
    snapshot,
)
from forecasting.selectors.plans import plan_and_forecast, plan_current

LIVE_WAPE = 0.25      # live error: WAPE over the realized weeks of the run that forecast them
LIVE_BIAS = 0.15      # ... or a bias (over- or under-forecast) of this share of the actual sales
PLAN_GAP = 0.10       # the served forecast this far from the approved plan over the weeks they share
ANOMALY_WEEKS = 4     # anomalies of the newest weeks only


def _live_error(scope: StoreScope) -> list[dict]:
    """Series whose forecast missed the weeks that have since been realized (the newest run of the active
    model from before the newest week), by absolute error."""
    version, newest = active_model(), SalesRecord.objects.order_by("-date").values_list("date", flat=True).first()
    if version is None or newest is None:
        return []
    run = (ForecastRun.objects.filter(model_version=version, origin__lt=newest)
           .order_by("-origin", "-created_at", "-id").first())
    if run is None:
        return []
    cond, params = scope.sql("f.store")
    with connection.cursor() as cur:
        cur.execute(f"""SELECT f.store, f.dept, count(*), sum(abs(f.forecast - s.sales)), sum(f.forecast - s.sales),
                               sum(abs(s.sales)), min(f.date), max(f.date)
                        FROM forecasting_forecastpoint f JOIN forecasting_salesrecord s
                          ON s.store = f.store AND s.dept = f.dept AND s.date = f.date
                        WHERE f.run_id = %s AND {cond} GROUP BY f.store, f.dept""", [run.pk, *params])
        rows = cur.fetchall()
    out = []
    for store, dept, weeks, abs_err, bias, actual, d0, d1 in rows:
        wape = abs_err / actual if actual else None
        share_bias = bias / actual if actual else None
        if wape is None or (wape < LIVE_WAPE and abs(share_bias) < LIVE_BIAS):
            continue
        out.append({"store": store, "dept": dept, "money_at_stake": float(abs_err), "basis": f"run{run.pk}:{d1}",
                    "figures": {"weeks": weeks, "first_week": d0.isoformat(), "last_week": d1.isoformat(),
                                "wape": wape, "bias": share_bias, "absolute_error": float(abs_err),
                                "actual": float(actual), "origin": run.origin.isoformat()}})
    return out


def _plan_gap(scope: StoreScope) -> list[dict]:
    """Series whose served forecast (with overrides) moved away from the approved plan, over the weeks both have."""
    plan, run = plan_current(), latest_run()
    if plan is None or run is None:
        return []
    series = {}
    for store, dept, day, planned, served in plan_and_forecast(plan, run, scope=scope):
        acc = series.setdefault((store, dept), [0.0, 0.0, day, day])
        acc[0] += planned
        acc[1] += served
        acc[2], acc[3] = min(acc[2], day), max(acc[3], day)
    out = []
    for (store, dept), (planned, served, d0, d1) in series.items():
        gap = served - planned
        if planned and abs(gap) / abs(planned) < PLAN_GAP:
            continue
        out.append({"store": store, "dept": dept, "money_at_stake": abs(gap), "basis": f"plan{plan.pk}:run{run.pk}",
                    "figures": {"plan": planned, "forecast": served, "difference": gap,
                                "change": gap / planned if planned else None, "first_week": d0.isoformat(),
                                "last_week": d1.isoformat(), "plan_number": plan.number}})
    return out


def _stockout(scope: StoreScope) -> list[dict]:
    """Series whose stock on hand does not cover the forecast demand of the default lead time."""
    if on_hand_frame(scope=scope).empty:
        return []
    meta, table = inventory_table(scope=scope, params=inventory_params({}), first_weeks=True)  # the defaults
    short = table[table["on_hand"].notna() & (table["on_hand"] < table["demand"])]
    return [{"store": int(r.store), "dept": int(r.dept), "money_at_stake": float(r.demand - r.on_hand),
             "basis": f"run{meta['run']}:{r.week}:{r.on_hand:.0f}",
             "figures": {"week": r.week, "lead_time": meta["lead_time"], "demand": float(r.demand),
                         "on_hand": float(r.on_hand), "order": float(r.order)}}
            for r in short.itertuples()]


def recent_anomalies(rows: list[dict], newest) -> list[dict]:
    """Anomaly rows (Insights' figure) of the newest weeks as worklist rows."""
    if newest is None:
        return []
    since = (newest - timedelta(weeks=ANOMALY_WEEKS)).isoformat()
    return [{"store": r["store"], "dept": r["dept"], "money_at_stake": abs(float(r["deviation"])),
             "basis": f"week{r['date']}",
             "figures": {"week": str(r["date"]), "sales": r["sales"], "expected": r["expected"],
                         "deviation": r["deviation"]}}
            for r in rows if str(r["date"]) > since]


def _anomaly(scope: StoreScope) -> list[dict]:
    """The stored anomalies (Insights) of the newest weeks."""
    data = snapshot("anomalies", scope=scope)
    newest = SalesRecord.objects.order_by("-date").values_list("date", flat=True).first()
    return recent_anomalies(data["results"], newest) if data else []


@dataclass(frozen=True)
class Kind:
    label: str
    find: Callable[[StoreScope], list[dict]]
    stored: bool = False  # computed by the worker over every series (InsightSnapshot "exceptions")


KINDS: dict[str, Kind] = {
    "live_error": Kind("Missed the realized periods", _live_error, stored=True),
    "plan_gap": Kind("Moved away from the approved plan", _plan_gap),
    "stockout": Kind("Stock-out ahead", _stockout),
    "anomaly": Kind("Anomaly in the newest periods", _anomaly, stored=True),
}
KIND_CHOICES = [(name, kind.label) for name, kind in KINDS.items()]


def stored_rows(*, anomalies: list[dict], newest) -> list[dict]:
    """The worker's part (every store, no floor): live errors and the newest weeks' anomalies (``anomalies``:
    the rows Insights just computed)."""
    return ([{"kind": "live_error", **r} for r in _live_error(StoreScope.all())]
            + [{"kind": "anomaly", **r} for r in recent_anomalies(anomalies, newest)])


def exception_list(*, scope: StoreScope, limit: int | None = None) -> dict:
    """Every open exception of the scope above the materiality floor, by money at stake (descending);
    ``stale`` when the worker's part was computed from older data or another served run."""
    floor = period_floor()
    answered = set(ExceptionDismissal.objects.values_list("kind", "store", "dept", "basis"))
    stored = snapshot("exceptions", scope=scope) or {"results": [], "stale": False}
    found = [r for r in stored["results"] if r.get("kind") in KINDS]
    for name, kind in KINDS.items():
        if not kind.stored:
            found += [{"kind": name, **r} for r in kind.find(scope)]
    codes, rows = series_codes(), []
    for r in found:
        if r["money_at_stake"] < floor or (r["kind"], r["store"], r["dept"], r["basis"]) in answered:
            continue
        rows.append({**r, "kind_label": KINDS[r["kind"]].label, **codes.of(r["store"], r["dept"])})
    rows.sort(key=lambda r: -r["money_at_stake"])
    return {"floor": floor, "count": len(rows), "stale": stored["stale"],
            "results": rows[:limit] if limit else rows}
