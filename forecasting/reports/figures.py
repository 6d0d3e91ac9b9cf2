"""What the weekly report shows, read through the existing selectors and
narrowed to a principal's stores (a store-restricted member or key gets the
report of her stores only).

Like for like everywhere: last week compares the series (store-departments)
that sold in both that week and the same week 52 weeks earlier; year to date
and the forecast's next periods (13 weeks, 28 days...) sum the per-series like-for-like figures of the Stores
table (forecasting/selectors/stores.py), so the growth figures are the ones
the Stores page shows."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

from django.db import connection
from django.utils import timezone

from accounts.scope import StoreScope
from forecasting.selectors.catalog import period_floor, series_codes, workspace_words
from forecasting.selectors.dashboard import last_week_card
from forecasting.selectors.dataset import total_sales_history
from forecasting.selectors.forecast import active_model, latest_run, total_forecast
from forecasting.selectors.monitoring import (
    drift_report_for_scope,
    drift_report_latest,
    largest_level_shifts,
    live_accuracy_summary,
)
from forecasting.selectors.plans import plan_current, plan_vs_forecast
from forecasting.selectors.stores import department_table, store_table

TOP_MOVERS = 5
HISTORY_WEEKS = 104


def _ratio(a, b) -> float | None:
    return (float(a) / float(b) - 1.0) if a is not None and b else None


def last_week_vs_last_year(*, scope: StoreScope) -> dict | None:
    """The latest week with sales against the same week last year, over the series that sold in both (a
    daily workspace's last 7 days, a monthly one's last month: the Dashboard's card,
    forecasting/selectors/dashboard.py)."""
    cond, params = scope.sql("store")
    with connection.cursor() as cur:
        cur.execute(f"SELECT max(date) FROM forecasting_salesrecord WHERE {cond}", params)
        last = cur.fetchone()[0]
    card = last_week_card(scope=scope, week=last)
    if card is None:
        return None
    return {"week": last, "last_year_week": date.fromisoformat(card["last_year_end"]), "title": card["title"],
            "sales": card["value"] or 0.0, "sales_like_for_like": card["like_for_like"],
            "last_year_like_for_like": card["last_year"], "growth": card["change"], "series": card["series"]}


def _sum(rows: list[dict], field: str) -> float | None:
    values = [r[field] for r in rows if r.get(field) is not None]
    return float(sum(values)) if values else None


def _movers(rows: list[dict], key: str, floor: float, codes: dict) -> dict:
    """Largest forecast change vs the same weeks last year, up and down, in dollars and like for like; rows
    whose last-year base is under ``floor`` (the materiality floor over these weeks) are left out. ``codes``:
    id -> (the retailer's code, name) of the rows' side."""
    material = [{**r, "difference": r["forecast_like_for_like"] - r["forecast_last_year"]} for r in rows
                if r.get("forecast_change") is not None and (r.get("forecast_last_year") or 0) >= floor]
    pick = lambda part: [{"key": r[key], "code": codes.get(r[key], (str(r[key]),))[0],  # noqa: E731
                          "forecast_13w": r["forecast_13w"],
                          "forecast_like_for_like": r["forecast_like_for_like"],
                          "forecast_last_year": r["forecast_last_year"], "difference": r["difference"],
                          "change": r["forecast_change"]} for r in part]
    up = sorted((r for r in material if r["difference"] > 0), key=lambda r: -r["difference"])
    down = sorted((r for r in material if r["difference"] < 0), key=lambda r: r["difference"])
    return {"up": pick(up[:TOP_MOVERS]), "down": pick(down[:TOP_MOVERS]), "floor": floor}


def _attention(*, scope: StoreScope) -> dict | None:
    """The latest drift report as the principal may see it: the largest level shifts and new/vanished series."""
    report = drift_report_latest()
    if report is None:
        return None
    body = drift_report_for_scope(report, scope=scope)
    shifts = largest_level_shifts(body, limit=5)
    return {"first_week": body["first_week"], "last_week": body["last_week"],
            "share_outside95": body["share_outside95"], "detected": body["detected"], "shifts": shifts,
            "new_series": len((body.get("new") or {}).get("series") or []),
            "vanished_series": len((body.get("vanished") or {}).get("series") or [])}


def weekly_report(*, scope: StoreScope, today: date | None = None) -> dict:
    stores = store_table(scope=scope)
    depts = department_table(scope=scope)
    srows, drows = stores["results"], depts["results"]
    ytd, ytd_ly = _sum(srows, "sales_ytd_like_for_like"), _sum(srows, "sales_last_year_like_for_like")
    fc, fc_ly = _sum(srows, "forecast_like_for_like"), _sum(srows, "forecast_last_year")
    run = latest_run()
    champion = active_model()
    accuracy = live_accuracy_summary(champion)
    history = total_sales_history(scope=scope, weeks=HISTORY_WEEKS)
    words, codes = workspace_words(), series_codes()
    span = (stores.get("run") or {}).get("forecast_periods") or words.horizon_default  # what the tables sum
    floor = period_floor() * span  # a mover's base over the periods compared
    return {
        "generated": today or timezone.now().date(), "restricted": scope.restricted, "stores": scope.as_list(),
        "periods": stores["periods"],
        "last_week": last_week_vs_last_year(scope=scope),
        "ytd": {"sales": _sum(srows, "sales_ytd"), "like_for_like": ytd, "last_year": ytd_ly,
                "growth": _ratio(ytd, ytd_ly)},
        "next13": {"forecast": _sum(srows, "forecast_13w"), "like_for_like": fc, "last_year": fc_ly,
                   "change": _ratio(fc, fc_ly), "origin": run.origin if run else None,
                   "span": (stores.get("run") or {}).get("forecast_span"), "periods": words.periods},
        "champion": None if champion is None else {"number": champion.number, "chosen": champion.chosen},
        "live_wape": (accuracy or {}).get("wape"),
        "history": history,
        "forecast": total_forecast(run, scope=scope) if run is not None else [],
        "by_store_type": _by_type(srows),
        "movers": {"stores": _movers(srows, "store", floor, codes.locations),
                   "departments": _movers(drows, "dept", floor, codes.items)},
        "words": asdict(words),
        "attention": _attention(scope=scope),
        "plan": _plan(scope=scope, run=run),
    }


def _plan(*, scope: StoreScope, run) -> dict | None:
    """The approved plan (issue 19 item 4: the report serves it as "the plan") and the served forecast
    against it over the series x weeks both have (the principal's stores)."""
    plan = plan_current()
    if plan is None:
        return None
    return {"number": plan.number, "approved_at": plan.approved_at.date() if plan.approved_at else None,
            "first_period": plan.first_period, "last_period": plan.last_period, "total": plan.total,
            "versus": plan_vs_forecast(plan, run, scope=scope)}


def _by_type(rows: list[dict]) -> list[dict]:
    """Sales year to date by store type; none when the stores have no type (a retailer's own attributes)."""
    out: dict[str, float] = {}
    if not any(r.get("type") for r in rows):
        return []
    for r in rows:
        out[r.get("type") or "?"] = out.get(r.get("type") or "?", 0.0) + float(r.get("sales_ytd") or 0.0)
    return [{"type": k, "sales_ytd": v} for k, v in sorted(out.items())]
