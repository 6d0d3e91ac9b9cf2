"""Read queries of the executive Dashboard and ``GET /api/v1/dashboard/`` (issue 9, page 1).

Two parts. The heavy one (growth cards, weekly totals, sales by store type, top
movers) is ``dashboard_figures_compute``: the worker computes it over every
store after each job and stores it as the ``dashboard`` FiguresSnapshot
(forecasting/services/figures.py); an unrestricted page view reads it while it
is current, a store-restricted member's figures are computed on read over her
stores only (few stores). The light part (live accuracy, champion, freshness,
what needs attention) is a handful of indexed reads on each view.

Like for like, as on the Stores page (forecasting/selectors/stores.py): every
growth figure sums both sides over the same series (store-departments), those
with sales (or a forecast) in the period and sales in the same weeks 364 days
earlier. Year to date and the 13-week forecast are the sums of the Stores
table's like-for-like columns (one rule, one place).
"""
from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from accounts.scope import StoreScope
from forecasting.ml.hierarchy import key_text
from forecasting.ml.periods import period_noun, span_periods, year_before, year_before_sql
from forecasting.models import DriftReport, Location
from forecasting.selectors import forecast as forecast_selectors
from forecasting.selectors import stores as stores_selectors
from forecasting.selectors.catalog import data_settings, hierarchy_attributes, value_order
from forecasting.selectors.dataset import latest_upload
from forecasting.selectors.exceptions import exception_list
from forecasting.selectors.forecast import active_model, latest_run
from forecasting.selectors.monitoring import band_within_scope, live_accuracy_summary
from forecasting.selectors.stores import (
    FORECAST_WEEKS,
    _fetch,
    base_incomplete,
    department_table,
    store_table,
    stored_figures,
)
from jobs.models import Job

YEAR = stores_selectors.YEAR
HISTORY_WEEKS = 156
MOVERS = 5
ATTENTION_DAYS = 7
ATTENTION_EXCEPTIONS = 5  # the top of the exceptions worklist


def _ratio(a, b):
    return (float(a) / float(b) - 1.0) if a is not None and b else None


def _card(current, like_for_like, last_year, series, **extra) -> dict:
    return {"value": None if current is None else float(current),
            "like_for_like": None if like_for_like is None else float(like_for_like),
            "last_year": None if last_year is None else float(last_year),
            "change": _ratio(like_for_like, last_year), "series": int(series or 0), **extra}


def last_week_card(*, scope: StoreScope, week: date | None) -> dict | None:
    """The latest week's sales against the same week last year, over the series that sold in both: the
    stored week of a weekly workspace, the last 7 days of a daily one (each series' days summed, against its
    same weekdays 364 days earlier), the latest month of a monthly one (against the same month a year
    earlier)."""
    if week is None:
        return None
    cond, params = scope.sql("store")
    freq = data_settings().frequency
    if freq == "MS":
        first, before_first = week, week.replace(year=week.year - 1)
        before, title, ly_words = before_first, "Last month", "the same month last year"
    else:
        first, before_first = week - timedelta(days=6), week - timedelta(days=YEAR + 6)
        before = week - timedelta(days=YEAR)
        title, ly_words = ("Last 7 days", "the same weekdays last year") if freq == "D" else (
            "Last week", "the same week last year")
    (cur, lfl, ly, n), = _fetch(f"""
        WITH c AS (SELECT store, dept, sum(sales) AS sales FROM forecasting_salesrecord
                   WHERE {cond} AND date BETWEEN %s AND %s GROUP BY store, dept),
             p AS (SELECT store, dept, sum(sales) AS sales FROM forecasting_salesrecord
                   WHERE {cond} AND date BETWEEN %s AND %s GROUP BY store, dept)
        SELECT sum(c.sales), sum(c.sales) FILTER (WHERE p.sales IS NOT NULL), sum(p.sales), count(p.sales)
        FROM c LEFT JOIN p USING (store, dept)""", [*params, first, week, *params, before_first, before])
    daily = freq == "D"  # a week or a month is named by its stored date, as always
    return _card(cur, lfl, ly, n, start=(first if daily else week).isoformat(), end=week.isoformat(), title=title,
                 ly_words=ly_words, last_year_start=(before_first if daily else before).isoformat(),
                 last_year_end=before.isoformat())


def forecast_card(*, scope: StoreScope, run, weeks: int) -> dict | None:
    """The served run's first ``weeks`` weeks against the same weeks last year, over the series
    forecast that sold then (per series: its forecast weeks shifted by 364 days)."""
    if run is None:
        return None
    cond, params = scope.sql("store")
    end, freq = run.origin + timedelta(weeks=weeks), data_settings().frequency
    (fc, lfl, ly, n, d0, d1), = _fetch(f"""
        WITH f AS (SELECT store, dept, sum(forecast) AS fc, min(date) AS d0, max(date) AS d1
                   FROM forecasting_forecastpoint WHERE run_id = %s AND {cond} AND date <= %s GROUP BY store, dept),
             ly AS (SELECT s.store, s.dept, sum(s.sales) AS s FROM forecasting_salesrecord s JOIN f USING (store, dept)
                    WHERE s.date BETWEEN {year_before_sql("f.d0", freq)} AND {year_before_sql("f.d1", freq)}
                    GROUP BY s.store, s.dept)
        SELECT sum(f.fc), sum(f.fc) FILTER (WHERE ly.s IS NOT NULL), sum(ly.s), count(ly.s), min(f.d0), max(f.d1)
        FROM f LEFT JOIN ly USING (store, dept)""", [run.pk, *params, end])
    if fc is None:
        return None
    base_start = year_before(d0, freq)
    (history_start,), = _fetch(f"SELECT min(date) FROM forecasting_salesrecord WHERE {cond}", params)
    covered = (d1 - d0).days // 7 + 1  # the weeks summed: fewer than asked when the model's horizon is shorter
    span = span_periods(freq, run.horizon, run.origin, weeks)  # in the workspace's periods: "28 days"
    card = _card(fc, lfl, ly, n, weeks=weeks, weeks_covered=covered,
                 title=f"Forecast, next {span} {period_noun(freq, span != 1)}",
                 ly_words=f"the same {period_noun(freq)} last year",
                 start=d0.isoformat(), end=d1.isoformat(),
                 last_year_start=base_start.isoformat(), last_year_end=year_before(d1, freq).isoformat())
    if history_start is None or history_start > base_start:
        # the same weeks last year are not all in the history: a partial base is no comparison (issue 19 item 2)
        card.update(change=None, base_incomplete=True,
                    history_start=history_start.isoformat() if history_start else None)
    return card


def _sum(rows: list[dict], field: str):
    values = [r[field] for r in rows if r.get(field) is not None]
    return float(sum(values)) if values else None


def _movers(rows: list[dict], key: str) -> list[dict]:
    """The rows with the largest forecast change vs the same weeks last year (in $, like for like)."""
    found = [{key: r[key], "forecast": r["forecast_like_for_like"], "last_year": r["forecast_last_year"],
              "difference": r["forecast_like_for_like"] - r["forecast_last_year"], "change": r["forecast_change"]}
             for r in rows if r.get("forecast_change") is not None]
    found.sort(key=lambda r: -abs(r["difference"]))
    return found[:MOVERS]


def store_group_attribute(rows: list[dict]) -> str | None:
    """What the Dashboard's card groups the locations by: their ``type`` (the stores file's, or a retailer's own
    "type" attribute: Favorita's A..E), else the first attribute that groups them (the hierarchy's levels: the
    generated retailer's format or region); None when no attribute groups them."""
    if any(r.get("type") or (r.get("attributes") or {}).get("type") not in (None, "") for r in rows):
        return "type"
    grouping = hierarchy_attributes().grouping("location")
    return grouping[0] if grouping else None


def location_attribute_names() -> list[str]:
    """Every attribute name of the workspace's locations, in the order first seen (what a page can offer)."""
    seen: list[str] = []
    for attrs in Location.objects.values_list("attrs", flat=True):
        seen += [n for n in attrs or {} if n not in seen]
    return seen


def _by_store_type(rows: list[dict], attribute: str | None) -> list[dict]:
    """Sales year to date by the value of ``attribute`` (``store_group_attribute``), in value order."""
    if attribute is None:
        return []
    groups: dict[str, list[dict]] = {}
    for r in rows:
        kind = (r.get("type") if attribute == "type" else None) or key_text((r.get("attributes") or {}).get(attribute))
        groups.setdefault(kind or "Unknown", []).append(r)
    out = [{"type": k, "stores": len(v), "sales_ytd": _sum(v, "sales_ytd") or 0.0,
            "growth": _ratio(_sum(v, "sales_ytd_like_for_like"), _sum(v, "sales_last_year_like_for_like")),
            "forecast_13w": _sum(v, "forecast_13w")} for k, v in sorted(groups.items(), key=lambda g: value_order(g[0]))]
    out = [g for g in out if g["sales_ytd"] or g["forecast_13w"]]
    return [] if all(g["type"] == "Unknown" for g in out) else out  # no location has a value: no such card


def _history(scope: StoreScope, end: date | None) -> list[dict]:
    if end is None:
        return []
    cond, params = scope.sql("store")
    rows = _fetch(f"""SELECT date, sum(sales) FROM forecasting_salesrecord
                                      WHERE {cond} AND date > %s GROUP BY date ORDER BY date""",
                                   [*params, end - timedelta(weeks=HISTORY_WEEKS)])
    return [{"date": d.isoformat(), "sales": float(v)} for d, v in rows]


def dashboard_figures_compute(*, scope: StoreScope) -> dict:
    """Every heavy figure of the Dashboard over the scope's stores (the worker stores the unrestricted one)."""
    stores = store_table(scope=scope)
    depts = department_table(scope=scope)
    periods = stores["periods"]
    run = latest_run()
    latest = date.fromisoformat(periods["ytd_end"]) if periods else None
    rows = stores["results"]
    group_by = store_group_attribute(rows)
    ytd = None
    if periods:
        ytd = _card(_sum(rows, "sales_ytd"), _sum(rows, "sales_ytd_like_for_like"),
                    _sum(rows, "sales_last_year_like_for_like"), sum(r["series"] for r in rows),
                    start=periods["ytd_start"], end=periods["ytd_end"], last_year_start=periods["last_year_start"],
                    last_year_end=periods["last_year_end"])
        if base_incomplete({k: date.fromisoformat(v) if v else None for k, v in periods.items()}):
            ytd.update(change=None, base_incomplete=True, history_start=periods["history_start"])
    return {
        "periods": periods, "run": stores["run"],
        "cards": {"last_week": last_week_card(scope=scope, week=latest), "year_to_date": ytd,
                  "next_4_weeks": forecast_card(scope=scope, run=run, weeks=4),
                  "next_13_weeks": forecast_card(scope=scope, run=run, weeks=FORECAST_WEEKS)},
        "by_store_type": _by_store_type(rows, group_by), "by_store_attribute": group_by,
        "top_movers": {"stores": _movers(rows, "store"), "departments": _movers(depts["results"], "dept")},
        "history": _history(scope, latest),
    }


def dashboard_figures(*, scope: StoreScope) -> dict:
    """The stored figures for an unrestricted principal while current; computed on read otherwise."""
    if not scope.restricted:
        found = stored_figures("dashboard")
        if found is not None:
            return found
    return dashboard_figures_compute(scope=scope)


def total_forecast(*, scope: StoreScope, run) -> list[dict]:
    """The served forecast of the scope's total with the planners' overrides: the stored coherent total with
    its bands when every store is in scope, the sum of the scope's points (no bands: quantiles do not add up)
    otherwise."""
    if run is None:
        return []
    if not scope.restricted:
        rows = forecast_selectors.forecast_aggregate(run, level="total", key="all")  # with the overrides
        if rows:
            return [{**r, "date": r["date"].isoformat()} for r in rows]
    return [{"date": r["date"].isoformat() if hasattr(r["date"], "isoformat") else r["date"],
             "forecast": r["forecast"], "lo80": None, "hi80": None, "lo95": None, "hi95": None}
            for r in forecast_selectors.total_forecast(run, scope=scope)]


def _drift_share(report: DriftReport, *, scope: StoreScope) -> float | None:
    """The report's share of series outside their 95% band, over the principal's stores."""
    if not scope.restricted:
        return report.share_outside95
    return band_within_scope((report.figures or {}).get("band") or {}, scope=scope)["share_series_outside95"]


def attention(*, scope: StoreScope) -> dict:
    """What needs attention: the top of the exceptions worklist, drift detected, jobs failed in the last 7 days
    (of what the principal may see)."""
    since = timezone.now() - timedelta(days=ATTENTION_DAYS)
    drift = list(DriftReport.objects.filter(detected=True, created_at__gte=since).order_by("-created_at")[:5])
    failed_qs = Job.objects.filter(status=Job.Status.FAILED, finished_at__gte=since)
    visible = list(scope.own(failed_qs)[:50])  # restricted: her own jobs only, as job_get (selectors/jobs.py)
    return {"drift": [{"id": d.pk, "upload": d.upload_id, "first_week": d.first_week.isoformat(),
                       "last_week": d.last_week.isoformat(), "share_outside95": _drift_share(d, scope=scope),
                       "created_at": d.created_at.isoformat()} for d in drift],
            "failed_jobs": [{"id": j.pk, "kind": j.kind, "label": j.get_kind_display(),
                             "finished_at": j.finished_at.isoformat() if j.finished_at else None,
                             "error": (j.error or j.message or "")[:200]} for j in visible[:10]],
            "failed_jobs_count": len(visible), **_top_exceptions(scope)}


def _top_exceptions(scope: StoreScope) -> dict:
    """The top of the exceptions worklist (forecasting/selectors/exceptions.py)."""
    found = exception_list(scope=scope)
    return {"exceptions": [{k: r[k] for k in ("kind", "kind_label", "store", "dept", "location", "item",
                                              "money_at_stake")} for r in found["results"][:ATTENTION_EXCEPTIONS]],
            "exceptions_count": found["count"]}


def live_accuracy(*, scope: StoreScope) -> dict | None:
    """The champion and the WAPE of its latest live evaluation (tenant-wide, as on the Model page), and its
    backtest WAPE over the reader's stores (ModelVersion.backtest_by), shown until a live week arrives."""
    champion = active_model()
    if champion is None:
        return None
    live = live_accuracy_summary(champion) or {}
    by_store = [v for k, v in (champion.backtest_by or {}).get("store", {}).items() if scope.allows(int(k))]
    actual = sum(v["actual"] for v in by_store)
    return {"model_version": champion.number, "chosen": champion.chosen,
            "backtest_wape": sum(v["error"] for v in by_store) / actual if actual else None,
            "promoted_at": champion.promoted_at.isoformat() if champion.promoted_at else None,
            "wape": live.get("wape"), "first_week": live["first_week"].isoformat() if live.get("first_week") else None,
            "last_week": live["last_week"].isoformat() if live.get("last_week") else None}


def freshness(*, scope: StoreScope, periods: dict | None) -> dict:
    upload = latest_upload(scope=scope)
    return {"latest_week": periods["ytd_end"] if periods else None,
            "last_upload": None if upload is None else {
                "id": upload.pk, "filename": upload.original_filename, "status": upload.status,
                "at": upload.created_at.isoformat()}}


def dashboard(*, scope: StoreScope, figures: dict | None = None) -> dict:
    """The Dashboard's cards as the API returns them (``figures``: those already read)."""
    figures = figures if figures is not None else dashboard_figures(scope=scope)
    return {"periods": figures["periods"], "run": figures["run"], "restricted": scope.restricted,
            **figures["cards"],
            "accuracy": live_accuracy(scope=scope),
            "freshness": freshness(scope=scope, periods=figures["periods"]),
            "by_store_type": figures["by_store_type"], "by_store_attribute": figures.get("by_store_attribute", "type"),
            "location_attributes": location_attribute_names(), "top_movers": figures["top_movers"],
            "attention": attention(scope=scope)}
