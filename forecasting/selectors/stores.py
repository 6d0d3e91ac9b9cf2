"""Read queries of the Stores and Departments pages and API (issue 9, pages 2-3).

Every figure is an SQL aggregate over the sales and the served run's points,
narrowed to the principal's stores first: a store-restricted member's
department figures sum only her stores. The two tables over every store (the
heavy part: ~0.7 s each on the Walmart data) are computed by the worker after
each job and stored (FiguresSnapshot, forecasting/services/figures.py); an
unrestricted page view reads them while they are current. A store page reads
by the (store, dept, date) key; a department page reads its rows once.

Like for like: a growth figure compares the same series (store-departments)
on both sides. Year to date is from 1 January of the year of the latest week
with sales to that week; last year is the same weeks 364 days (52 weeks)
earlier; growth sums both over the series that sold in both periods, and is
left out when last year's part begins before the history (``base_incomplete``). The
forecast change compares the served run's next 13 weeks with the same weeks
a year earlier over the series forecast that also sold then.
"""
from __future__ import annotations

import statistics
from datetime import date, timedelta

from django.db import connection

from accounts.scope import StoreScope
from forecasting.ml.periods import YEAR_DAYS, is_weekly, period_noun, span_periods, year_before, year_before_sql
from forecasting.models import FiguresSnapshot, ForecastAggregate, Item, Location, ModelEvaluation, Store, StoreWeek
from forecasting.selectors.catalog import data_settings, period_floor
from forecasting.selectors.forecast import latest_run
from forecasting.selectors.groups import with_attributes
from forecasting.selectors.insights import series_anomalies
from forecasting.selectors.workspace import dataset_version

YEAR = YEAR_DAYS  # 52 weeks, so a week ending on a Friday maps to a Friday
FORECAST_WEEKS = 13
# the figures of a store or department without sales this year or without a forecast
EMPTY_FIGURES = {"sales_ytd": 0.0, "sales_ytd_like_for_like": None, "sales_last_year_like_for_like": None,
                 "growth": None, "series": 0, "forecast_13w": None, "forecast_like_for_like": None,
                 "forecast_last_year": None, "forecast_change": None, "accuracy_wape": None, "backtest_wape": None,
                 "volatility": None, "live_abs_error": None, "live_abs_actual": None}
COVARIATES = ["markdown1", "markdown2", "markdown3", "markdown4", "markdown5", "temperature", "fuel_price", "cpi",
              "unemployment"]


def _where(scope: StoreScope, *, store: int | None = None, dept: int | None = None, column_prefix: str = "") -> tuple[str, list]:
    cond, params = scope.sql(f"{column_prefix}store")
    parts, out = [cond], list(params)
    if store is not None:
        parts.append(f"{column_prefix}store = %s")
        out.append(int(store))
    if dept is not None:
        parts.append(f"{column_prefix}dept = %s")
        out.append(int(dept))
    return " AND ".join(parts), out


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def periods(*, scope: StoreScope) -> dict | None:
    """Year to date and the same weeks last year, ending at the latest week with sales (of the scope's stores),
    and the first day of that history (``history_start``: whether last year's part is all in it)."""
    cond, params = scope.sql("store")
    first, last = _fetch(f"SELECT min(date), max(date) FROM forecasting_salesrecord WHERE {cond}", params)[0]
    if last is None:
        return None
    start, freq = date(last.year, 1, 1), data_settings().frequency
    return {"ytd_start": start, "ytd_end": last, "last_year_start": year_before(start, freq),
            "last_year_end": year_before(last, freq), "history_start": first}


def base_incomplete(p: dict | None) -> bool:
    """Whether last year's part of year to date begins before the history does: a partial base is no
    comparison, so no growth (issue 19 item 2, as the Dashboard's forecast card). A weekly history may
    begin up to 6 days after it (its first week's date)."""
    if not p or p.get("history_start") is None:
        return False
    slack = 6 if is_weekly(data_settings().frequency) else 0
    return p["history_start"] > p["last_year_start"] + timedelta(days=slack)


def _ratio(a, b) -> float | None:
    return (float(a) / float(b) - 1.0) if a is not None and b else None


def _sales_figures(key: str, cond: str, params: list, p: dict) -> dict:
    """{key value: sales YTD, like-for-like YTD and last year, growth}; no like-for-like figures when the base
    is incomplete."""
    rows = _fetch(f"""
        WITH r AS (SELECT store, dept, date, sales FROM forecasting_salesrecord
                   WHERE {cond} AND date BETWEEN %s AND %s),
             cur AS (SELECT store, dept, sum(sales) AS s FROM r WHERE date >= %s GROUP BY store, dept),
             prev AS (SELECT store, dept, sum(sales) AS s FROM r WHERE date <= %s GROUP BY store, dept)
        SELECT c.{key}, sum(c.s), sum(c.s) FILTER (WHERE p.s IS NOT NULL), sum(p.s), count(*)
        FROM cur c LEFT JOIN prev p USING (store, dept) GROUP BY c.{key}
    """, [*params, p["last_year_start"], p["ytd_end"], p["ytd_start"], p["last_year_end"]])
    if base_incomplete(p):
        rows = [(k, ytd, None, None, n) for k, ytd, _, _, n in rows]
    return {k: {"sales_ytd": float(ytd), "sales_ytd_like_for_like": float(lfl) if lfl is not None else None,
                "sales_last_year_like_for_like": float(ly) if ly is not None else None,
                "growth": _ratio(lfl, ly), "series": int(n)}
            for k, ytd, lfl, ly, n in rows}


def _forecast_figures(key: str, run, cond: str, params: list) -> dict:
    """{key value: the served run's next 13 weeks, and like for like against the same weeks last year}."""
    if run is None:
        return {}
    end, freq = run.origin + timedelta(weeks=FORECAST_WEEKS), data_settings().frequency
    rows = _fetch(f"""
        WITH f AS (SELECT store, dept, sum(forecast) AS fc, min(date) AS d0, max(date) AS d1
                   FROM forecasting_forecastpoint WHERE run_id = %s AND {cond} AND date <= %s GROUP BY store, dept),
             ly AS (SELECT s.store, s.dept, sum(s.sales) AS s FROM forecasting_salesrecord s JOIN f USING (store, dept)
                    WHERE s.date BETWEEN {year_before_sql("f.d0", freq)} AND {year_before_sql("f.d1", freq)}
                    GROUP BY s.store, s.dept)
        SELECT f.{key}, sum(f.fc), sum(f.fc) FILTER (WHERE ly.s IS NOT NULL), sum(ly.s)
        FROM f LEFT JOIN ly USING (store, dept) GROUP BY f.{key}
    """, [run.pk, *params, end])
    return {k: {"forecast_13w": float(fc), "forecast_like_for_like": float(lfl) if lfl is not None else None,
                "forecast_last_year": float(ly) if ly is not None else None, "forecast_change": _ratio(lfl, ly)}
            for k, fc, lfl, ly in rows}


def latest_evaluation():
    return ModelEvaluation.objects.order_by("-last_week", "-evaluated_at").first()


def _accuracy_figures(key: str, evaluation, cond: str, params: list) -> dict:
    """{key value: {live WAPE, and its sums of absolute error and of actual sales (what a group of rows sums
    into its own WAPE)}} of the newest evaluated run, over its periods whose actuals arrived (``cond`` on the
    columns of ``f``, the run's points)."""
    if evaluation is None:
        return {}
    rows = _fetch(f"""
        SELECT f.{key}, sum(abs(f.forecast - s.sales)), sum(abs(s.sales))
        FROM forecasting_forecastpoint f JOIN forecasting_salesrecord s USING (store, dept, date)
        WHERE f.run_id = %s AND {cond} AND f.date <= %s
        GROUP BY f.{key}
    """, [evaluation.run_id, *params, evaluation.last_week])
    return {k: {"accuracy_wape": float(err) / float(act) if act else None, "live_abs_error": float(err),
                "live_abs_actual": float(act)} for k, err, act in rows}


def _backtest_figures(key: str, run, scope: StoreScope) -> dict:
    """{key value: the served model's backtest WAPE} (ModelVersion.backtest_by). By department it sums every
    store's series: a store-restricted reader gets none (a figure over other stores)."""
    if run is None or (key == "dept" and scope.restricted):
        return {}
    by = (run.model_version.backtest_by or {}).get(key, {})
    return {int(k): v["wape"] for k, v in by.items() if scope.allows(int(k)) or key == "dept"}


def _volatility_figures(key: str, cond: str, params: list, p: dict) -> dict:
    """{key value: coefficient of variation of its weekly sales over the last 52 weeks}."""
    rows = _fetch(f"""
        WITH w AS (SELECT {key} AS k, date, sum(sales) AS v FROM forecasting_salesrecord
                   WHERE {cond} AND date > %s GROUP BY {key}, date)
        SELECT k, stddev_samp(v) / nullif(avg(v), 0), count(*) FROM w GROUP BY k
    """, [*params, p["ytd_end"] - timedelta(days=YEAR)])
    return {k: (float(cv) if cv is not None and n >= 4 else None) for k, cv, n in rows}


def context(*, scope: StoreScope) -> dict:
    """What every figure of a request is computed against: the periods, the served run, the newest evaluation
    (the periods of the current stored table when unrestricted: finding the latest week scans every sale)."""
    run = latest_run()
    stored = None if scope.restricted else stored_figures("stores")
    if stored is not None:
        p = {k: date.fromisoformat(v) if v else None for k, v in stored["periods"].items()} if stored["periods"] else None
        if p is not None and "history_start" not in p:  # a table stored before the periods carried it
            p["history_start"] = _fetch("SELECT min(date) FROM forecasting_salesrecord", [])[0][0]
    else:
        p = periods(scope=scope)
    return {"periods": p, "run": run, "evaluation": latest_evaluation() if run is not None else None}


def _combined(rows: dict, history: list[dict], ctx: dict, accuracy: dict) -> dict:
    """The figures of an aggregate (a store, a department) from those of its parts and its weekly history:
    sums, like for like over the parts' series, and the volatility of its own weekly totals."""
    if not rows:
        return EMPTY_FIGURES

    def total(field):
        values = [r[field] for r in rows.values() if r[field] is not None]
        return float(sum(values)) if values else None

    out = {f: total(f) for f in ("sales_ytd", "sales_ytd_like_for_like", "sales_last_year_like_for_like",
                                 "forecast_13w", "forecast_like_for_like", "forecast_last_year")}
    out["series"] = int(sum(r["series"] for r in rows.values()))
    out["growth"] = _ratio(out["sales_ytd_like_for_like"], out["sales_last_year_like_for_like"])
    out["forecast_change"] = _ratio(out["forecast_like_for_like"], out["forecast_last_year"])
    out.update(next(iter(accuracy.values()), {}))
    since = ctx["periods"]["ytd_end"] - timedelta(days=YEAR) if ctx["periods"] else None
    recent = [h["sales"] for h in history if since is not None and date.fromisoformat(h["date"]) > since]
    mean = sum(recent) / len(recent) if recent else 0.0
    out["volatility"] = (statistics.stdev(recent) / mean) if len(recent) >= 4 and mean else None
    return {**EMPTY_FIGURES, **out}


def _table(*, key: str, scope: StoreScope, ctx: dict, store: int | None = None, dept: int | None = None) -> dict:
    """{``key`` value (store or dept): every figure of the tables}."""
    p, run, evaluation = ctx["periods"], ctx["run"], ctx["evaluation"]
    if p is None:
        return {}
    cond, params = _where(scope, store=store, dept=dept)
    sales = _sales_figures(key, cond, params, p)
    fc = _forecast_figures(key, run, cond, params)
    acc = _accuracy_figures(key, evaluation, *_where(scope, store=store, dept=dept, column_prefix="f."))
    vol = _volatility_figures(key, cond, params, p)
    backtest = _backtest_figures(key, run, scope)
    rows = {}
    for k in sorted(set(sales) | set(fc) | set(vol)):
        rows[k] = {**EMPTY_FIGURES, **sales.get(k, {}), **fc.get(k, {}), **acc.get(k, {}),
                   "backtest_wape": backtest.get(k), "volatility": vol.get(k)}
    return rows


def _period_dict(p: dict | None) -> dict | None:
    return {k: v.isoformat() if v else None for k, v in p.items()} if p else None


def _run_dict(run, evaluation) -> dict | None:
    if run is None:
        return None
    freq = data_settings().frequency
    span = span_periods(freq, run.horizon, run.origin, FORECAST_WEEKS)
    return {"model_version": run.model_version.number, "origin": run.origin.isoformat(), "horizon": run.horizon,
            "forecast_weeks": min(FORECAST_WEEKS, run.horizon),
            "forecast_periods": span, "forecast_span": f"{span} {period_noun(freq, span != 1)}",
            "accuracy_last_week": evaluation.last_week.isoformat() if evaluation else None,
            "backtest": {"windows": run.model_version.backtest_windows, "weeks": run.model_version.horizon}}


# ------------------------------------------------------------------ stores
def snapshot_fingerprint() -> dict:
    """What a stored snapshot must have been computed from to be served."""
    run = latest_run()
    evaluation = latest_evaluation() if run is not None else None
    return {"dataset_version": dataset_version(),
            "source_run": run.pk if run else None, "source_evaluation": evaluation.pk if evaluation else None}


def stored_figures(kind: str) -> dict | None:
    """The stored table of every store, when it is still that of the current data, run and evaluation."""
    snap = FiguresSnapshot.objects.filter(kind=kind).first()
    if snap is None or (kind in ("stores", "departments") and "attribute_names" not in snap.data):
        return None  # none, or stored before the tables carried their attributes
    fp = snapshot_fingerprint()
    if any(getattr(snap, k) != v for k, v in fp.items()):
        return None
    return snap.data


def store_table(*, scope: StoreScope) -> dict:
    """Every store of the scope (with sales or a stores-file row) and its figures; the worker's stored
    snapshot for an unrestricted principal while it is current."""
    if not scope.restricted:
        found = stored_figures("stores")
        if found is not None:
            return found
    return store_table_compute(scope=scope)


def store_table_compute(*, scope: StoreScope) -> dict:
    ctx = context(scope=scope)
    rows = _table(key="store", scope=scope, ctx=ctx)
    attrs = {s["number"]: s for s in scope.filter(Store.objects.all(), "number").values("number", "type", "size")}
    results = []
    for number in sorted(set(rows) | set(attrs)):
        a = attrs.get(number, {})
        results.append({"store": number, "type": a.get("type") or None, "size": a.get("size"),
                        **rows.get(number, EMPTY_FIGURES)})
    results, columns = with_attributes(results, side="location",
                                       defaults={r["store"]: {"type": r["type"], "size": r["size"]} for r in results})
    return {"periods": _period_dict(ctx["periods"]), "base_incomplete": base_incomplete(ctx["periods"]),
            "run": _run_dict(ctx["run"], ctx["evaluation"]), "count": len(results), "results": results,
            "attribute_names": columns}


def _history(*, cond: str, params: list) -> list[dict]:
    """Weekly totals with the same week last year beside each (over the same series, store-departments)."""
    rows = _fetch(f"""SELECT date, sum(sales) FROM forecasting_salesrecord WHERE {cond}
                      GROUP BY date ORDER BY date""", params)
    by_date, freq = {d: float(v) for d, v in rows}, data_settings().frequency
    return [{"date": d.isoformat(), "sales": v, "last_year": by_date.get(year_before(d, freq))} for d, v in
            by_date.items()]


def _points_forecast(run, cond: str, params: list) -> list[dict]:
    rows = _fetch(f"""SELECT date, sum(forecast) FROM forecasting_forecastpoint WHERE run_id = %s AND {cond}
                      GROUP BY date ORDER BY date""", [run.pk, *params])
    return [{"date": d.isoformat(), "forecast": float(f), "lo80": None, "hi80": None, "lo95": None, "hi95": None}
            for d, f in rows]


def _aggregate_forecast(run, level: str, key: str) -> list[dict]:
    rows = ForecastAggregate.objects.filter(run=run, level=level, key=key).order_by("date").values(
        "date", "forecast", "lo80", "hi80", "lo95", "hi95")
    return [{**r, "date": r["date"].isoformat()} for r in rows]


def store_detail(*, scope: StoreScope, store: int) -> dict | None:
    """One store: figures, history with last year, the served forecast with bands, its departments ranked,
    its markdowns and covariates, and its series' stored anomalies. None when the store is outside the scope
    or unknown."""
    if not scope.allows(store):
        return None
    cond, params = _where(scope, store=store)
    history = _history(cond=cond, params=params)
    attrs = Store.objects.filter(number=store).values("type", "size").first()
    if not history and attrs is None:
        return None
    ctx = context(scope=scope)  # the periods of the Stores table
    rows = _table(key="dept", scope=scope, ctx=ctx, store=store)
    accuracy = _accuracy_figures("store", ctx["evaluation"], *_where(scope, store=store, column_prefix="f."))
    figures = {**_combined(rows, history, ctx, accuracy),  # a copy: _combined may answer the shared EMPTY_FIGURES
               "backtest_wape": _backtest_figures("store", ctx["run"], scope).get(store)}
    run = ctx["run"]
    forecast = []
    if run is not None:
        forecast = _aggregate_forecast(run, "location", str(store)) or _points_forecast(run, cond, params)
    departments = [{"dept": k, **v} for k, v in rows.items()]
    departments.sort(key=lambda r: -(r["sales_ytd"] or 0.0))
    covariates = list(StoreWeek.objects.filter(store=store).order_by("date").values("date", *COVARIATES))
    for c in covariates:
        c["date"] = c["date"].isoformat()
    own = Location.objects.filter(id=store).values_list("attrs", flat=True).first() or {}
    defaults = {k: v for k, v in (attrs or {}).items() if v not in (None, "")}
    return {"store": store, "type": (attrs or {}).get("type") or None, "size": (attrs or {}).get("size"),
            "attributes": {**defaults, **own}, "periods": _period_dict(ctx["periods"]),
            "base_incomplete": base_incomplete(ctx["periods"]), "run": _run_dict(run, ctx["evaluation"]),
            "figures": figures, "history": history, "forecast": forecast, "departments": departments,
            "covariates": covariates, "anomalies": series_anomalies(scope=scope, store=store)}


# ------------------------------------------------------------- departments
def department_table(*, scope: StoreScope) -> dict:
    """Every department with sales in the scope's stores, summed over those stores only; the worker's
    stored snapshot for an unrestricted principal while it is current."""
    if not scope.restricted:
        found = stored_figures("departments")
        if found is not None:
            return found
    return department_table_compute(scope=scope)


def outlook_floor() -> float:
    """What an item must have sold over the outlook's periods a year earlier to be ranked: the materiality
    floor (a data setting, per week) for each period of the served run's horizon."""
    run = latest_run()
    return period_floor() * (run.horizon if run is not None else 1)


def department_outlook(*, scope: StoreScope, limit: int = 10, floor: float | None = None) -> dict:
    """The departments whose next weeks' forecast rises or falls against the same weeks last year, like for
    like (the same store-departments on both sides), from the Departments table (the worker's stored copy
    while current). A row is in the list its sign says (a +2 % department never "declines"), ranked by the
    money at stake (the difference in dollars), not by the ratio; departments that sold under ``floor``
    (``outlook_floor()``: the materiality floor over those periods) in those weeks last year are left out."""
    floor = outlook_floor() if floor is None else floor
    rows = [{"dept": r["dept"], "forecast": r["forecast_like_for_like"], "last_year": r["forecast_last_year"],
             "change": r["forecast_change"],
             "difference": r["forecast_like_for_like"] - r["forecast_last_year"]}
            for r in department_table(scope=scope)["results"]
            if r.get("forecast_change") is not None and (r.get("forecast_last_year") or 0) > floor]
    falls = sorted((r for r in rows if r["difference"] < 0), key=lambda r: r["difference"])
    rises = sorted((r for r in rows if r["difference"] > 0), key=lambda r: -r["difference"])
    return {"falls": falls[:limit], "rises": rises[:limit], "floor": floor}


def department_table_compute(*, scope: StoreScope) -> dict:
    ctx = context(scope=scope)
    rows = _table(key="dept", scope=scope, ctx=ctx)
    cond, params = scope.sql("store")
    stores = dict(_fetch(f"""SELECT dept, count(*) FROM (SELECT DISTINCT store, dept FROM forecasting_salesrecord
                             WHERE {cond}) s GROUP BY dept""", params))
    results = [{"dept": k, "stores": int(stores.get(k, 0)), **v} for k, v in rows.items()]
    results, columns = with_attributes(results, side="item")
    return {"periods": _period_dict(ctx["periods"]), "base_incomplete": base_incomplete(ctx["periods"]),
            "run": _run_dict(ctx["run"], ctx["evaluation"]), "count": len(results), "results": results,
            "attribute_names": columns}


def _store_rows_of_dept(rows: list[tuple], ctx: dict, scope: StoreScope, dept: int) -> dict:
    """``_table(key="store", dept=dept)`` from the department's rows already read (one scan instead of three):
    the same sales, like-for-like and volatility rules, the forecast and accuracy from the run (SQL)."""
    p = ctx["periods"]
    if p is None:
        return {}
    cur, prev, weekly = {}, {}, {}
    since = p["ytd_end"] - timedelta(days=YEAR)
    for store, day, sales in rows:
        if p["ytd_start"] <= day <= p["ytd_end"]:
            cur[store] = cur.get(store, 0.0) + sales
        elif p["last_year_start"] <= day <= p["last_year_end"]:
            prev[store] = prev.get(store, 0.0) + sales
        if since < day <= p["ytd_end"]:
            weekly.setdefault(store, []).append(sales)
    if base_incomplete(p):
        prev = {}  # no like-for-like base
    sales_figs = {k: {"sales_ytd": v, "sales_ytd_like_for_like": v if k in prev else None,
                      "sales_last_year_like_for_like": prev.get(k) if k in prev else None,
                      "growth": _ratio(v, prev.get(k)) if k in prev else None, "series": 1} for k, v in cur.items()}
    vol = {k: (statistics.stdev(v) / (sum(v) / len(v)) if len(v) >= 4 and sum(v) else None) for k, v in weekly.items()}
    cond, params = _where(scope, dept=dept)
    fc = _forecast_figures("store", ctx["run"], cond, params)
    acc = _accuracy_figures("store", ctx["evaluation"], *_where(scope, dept=dept, column_prefix="f."))
    return {k: {**EMPTY_FIGURES, **sales_figs.get(k, {}), **fc.get(k, {}), **acc.get(k, {}),
                "volatility": vol.get(k)} for k in sorted(set(sales_figs) | set(fc) | set(vol))}


def department_detail(*, scope: StoreScope, dept: int, heatmap_weeks: int = 52) -> dict | None:
    """One department across the scope's stores: figures, history with last year, the forecast (with the
    stored coherent bands when every store is in scope), stores ranked, a store x week heatmap, and its series'
    stored anomalies."""
    cond, params = _where(scope, dept=dept)
    sales = [(s, d, float(v)) for s, d, v in _fetch(
        f"SELECT store, date, sales FROM forecasting_salesrecord WHERE {cond} ORDER BY store, date", params)]
    if not sales:
        return None
    totals: dict = {}
    for _, day, v in sales:
        totals[day] = totals.get(day, 0.0) + v
    freq = data_settings().frequency
    history = [{"date": d.isoformat(), "sales": v, "last_year": totals.get(year_before(d, freq))}
               for d, v in sorted(totals.items())]
    ctx = context(scope=scope)
    rows = _store_rows_of_dept(sales, ctx, scope, dept)
    accuracy = _accuracy_figures("dept", ctx["evaluation"], *_where(scope, dept=dept, column_prefix="f."))
    figures = {**_combined(rows, history, ctx, accuracy),
               "backtest_wape": _backtest_figures("dept", ctx["run"], scope).get(dept)}
    run = ctx["run"]
    forecast = []
    if run is not None:  # the stored aggregate sums every store: only the unrestricted may read it
        forecast = (_aggregate_forecast(run, "item", str(dept)) if not scope.restricted else []) or \
            _points_forecast(run, cond, params)
    ranked = [{"store": k, **v} for k, v in rows.items()]
    ranked.sort(key=lambda r: -(r["sales_ytd"] or 0.0))
    since = max(totals) - timedelta(weeks=heatmap_weeks)
    recent = [(s, d, v) for s, d, v in sales if d > since]
    weeks = sorted({d for _, d, _ in recent})
    heat_stores = sorted({s for s, _, _ in recent})
    cell = {(s, d): v for s, d, v in recent}
    freq = data_settings().frequency
    span = span_periods(freq, 10 ** 6, None, heatmap_weeks)  # the window in the workspace's periods
    heatmap = {"weeks": [w.isoformat() for w in weeks], "stores": heat_stores, "span": f"{span} {period_noun(freq)}",
               "sales": [[cell.get((s, w)) for w in weeks] for s in heat_stores]}
    return {"dept": dept, "attributes": Item.objects.filter(id=dept).values_list("attrs", flat=True).first() or {},
            "periods": _period_dict(ctx["periods"]), "base_incomplete": base_incomplete(ctx["periods"]),
            "run": _run_dict(run, ctx["evaluation"]), "figures": figures,
            "history": history, "forecast": forecast, "stores": ranked, "heatmap": heatmap,
            "anomalies": series_anomalies(scope=scope, dept=dept)}


def forecast_span() -> str:
    """What the tables' "Forecast" columns sum, in the workspace's periods: "13 weeks", "28 days" (the first
    13 weeks of the served forecast, or all of it when shorter)."""
    run = latest_run()
    freq = data_settings().frequency
    span = span_periods(freq, run.horizon if run else 10 ** 6, run.origin if run else None, FORECAST_WEEKS)
    return f"{span} {period_noun(freq, span != 1)}"
