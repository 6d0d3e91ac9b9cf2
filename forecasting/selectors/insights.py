"""Read queries of the Insights page and API (issue 9, page 6).

Hotspots and anomalies over every store are the worker's stored snapshot
(InsightSnapshot, forecasting/services/insights.py); a reader gets the rows of
her stores. Inventory targets are computed on read from the served run's
stored quantiles (one query of its points and a vectorised rolling sum:
cheap), for any lead time and service level, minus the uploaded stock on hand.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
from django.db import connection
from django.db.models.fields.json import KT

from accounts.scope import StoreScope
from forecasting.ml import insights as ml_insights
from forecasting.ml.markdown_roi import SERIES_COLUMNS, SUM_COLUMNS, by_department, price_departments
from forecasting.ml.periods import period_noun
from forecasting.models import InsightSnapshot, ModelVersion, OnHandStock, SalesRecord
from forecasting.selectors.catalog import data_settings, period_floor
from forecasting.selectors.forecast import latest_run
from forecasting.selectors.workspace import dataset_version
from saas.errors import ValidationFailed

DEFAULT_LEAD_TIME = 2  # weeks
LEAD_TIMES = {"D": (14, 182), "MS": (1, 12)}  # a daily or monthly workspace's lead time: (default, longest) periods
DEFAULT_SERVICE_LEVEL = 0.95
BAND = ["forecast", "lo80", "hi80", "lo95", "hi95"]
SERVED_STATUSES = (ModelVersion.Status.ACTIVE, ModelVersion.Status.RETIRED)  # versions that were served
MATERIAL = {"hotspots": ml_insights.material_hotspots, "anomalies": ml_insights.material_anomalies}


def fingerprint() -> dict:
    """What a stored snapshot must have been computed from to be served."""
    run = latest_run()
    return {"dataset_version": dataset_version(),
            "source_run": run.pk if run else None}


def sales_frame(*, scope: StoreScope | None = None) -> pd.DataFrame:
    qs = SalesRecord.objects.all()
    if scope is not None:
        qs = scope.filter(qs)
    df = pd.DataFrame.from_records(qs.values_list("store", "dept", "date", "sales"),
                                   columns=["store", "dept", "date", "sales"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def past_forecasts_frame() -> pd.DataFrame:
    """For every past week with sales, the forecast made closest before it (the stored run of a served model
    version with the latest origin before the week)."""
    sql = """
        SELECT DISTINCT ON (p.store, p.dept, p.date) p.store, p.dept, p.date, p.forecast, p.lo95, p.hi95
        FROM forecasting_forecastpoint p
        JOIN forecasting_forecastrun r ON r.id = p.run_id
        JOIN forecasting_modelversion v ON v.id = r.model_version_id
        WHERE p.date > r.origin AND v.status IN %s
          AND p.date <= (SELECT max(date) FROM forecasting_salesrecord)
        ORDER BY p.store, p.dept, p.date, r.origin DESC, r.id DESC"""
    with connection.cursor() as cur:
        cur.execute(sql, [tuple(str(s) for s in SERVED_STATUSES)])
        df = pd.DataFrame(cur.fetchall(), columns=["store", "dept", "date", "forecast", "lo95", "hi95"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def served_forecast_frame(*, scope: StoreScope | None = None, weeks: int | None = None) -> pd.DataFrame:
    """The served run's points (of the scope's stores; its first ``weeks`` weeks when given): one query,
    read straight into columns."""
    run = latest_run()
    cols = ["store", "dept", "date", *BAND]
    if run is None:
        return pd.DataFrame(columns=cols)
    cond, params = (scope or StoreScope.all()).sql("store")
    if weeks is not None:
        cond, params = f"{cond} AND date <= %s", [*params, run.origin + timedelta(weeks=weeks)]
    buf = io.StringIO()
    with connection.cursor() as cur:  # COPY: tens of thousands of rows, several times faster than a fetch
        query = cur.mogrify(f"SELECT {', '.join(cols)} FROM forecasting_forecastpoint WHERE run_id = %s AND {cond}",
                            [run.pk, *params]).decode()
        cur.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buf)
    buf.seek(0)
    return pd.read_csv(buf, names=cols, parse_dates=["date"])


def snapshot(kind: str, *, scope: StoreScope) -> dict | None:
    """The stored figure (rows of the scope's stores), with ``stale`` when the data or the served run
    changed since; None before the worker first computed it. Hotspots and anomalies: only rows above the
    workspace's materiality floor (``floor``, per week), ranked by money at stake."""
    snap = InsightSnapshot.objects.filter(kind=kind).first()
    if snap is None:
        return None
    fp = fingerprint()
    data = dict(snap.data)
    data["results"] = [r for r in data.get("results", []) if scope.allows(r["store"])]
    if kind in MATERIAL:  # ranked by money at stake, above the workspace's materiality floor
        data["floor"] = period_floor()  # the floor per week, for one period of the workspace's
        data["results"] = MATERIAL[kind](data["results"], floor=data["floor"])
    data["count"] = len(data["results"])
    data["computed_at"] = snap.computed_at.isoformat()
    data["stale"] = any(getattr(snap, k) != v for k, v in fp.items())
    return data


SERIES_ANOMALIES = 100  # the largest ones of a store or department page


def series_anomalies(*, scope: StoreScope, store: int | None = None, dept: int | None = None) -> dict | None:
    """The stored anomalies of one store's (department's) series in the scope, week order, each with its rule
    in words; None before the worker first computed them."""
    data = snapshot("anomalies", scope=scope)
    if data is None:
        return None
    rows = [{**r, "rule": ml_insights.ANOMALY_RULES.get(r["method"], r["method"])} for r in data["results"]
            if (store is None or r["store"] == store) and (dept is None or r["dept"] == dept)]
    rows = rows[:SERIES_ANOMALIES]  # the largest in money (the snapshot's order)
    rows.sort(key=lambda r: (r["date"], r["store"], r["dept"]))
    return {"results": rows, "count": len(rows), "stale": data["stale"], "computed_at": data["computed_at"]}


def on_hand_frame(*, scope: StoreScope) -> pd.DataFrame:
    qs = scope.filter(OnHandStock.objects.all())
    return pd.DataFrame.from_records(qs.values_list("store", "dept", "on_hand"), columns=["store", "dept", "on_hand"])


INVENTORY_COLUMNS = ["store", "dept", "week", "demand", "safety_stock", "target", "on_hand", "order"]


@dataclass(frozen=True)
class InventoryParams:
    """What an inventory question is asked with (``inventory_params``): lead time in weeks, the service
    level (given, or from the two costs), and optionally the unit price (figures in units) and the costs of
    holding a unit one week and of missing a unit of demand, in the measure's money."""

    lead_time: int = DEFAULT_LEAD_TIME
    service_level: float = DEFAULT_SERVICE_LEVEL
    unit_price: float | None = None
    holding_cost: float | None = None
    stockout_cost: float | None = None

    @property
    def basis(self) -> str:
        return "costs" if self.holding_cost is not None else "given"


def inventory_table(*, scope: StoreScope, params: InventoryParams,
                    first_weeks: bool = False) -> tuple[dict, pd.DataFrame]:
    """Order-up-to levels of the scope's series for every week of the served forecast whose lead time fits
    the horizon (``first_weeks``: only each series' first week, what to hold and order now); the first week
    of a series with a stock figure carries the quantity to order. The answer's fields, and the rows as a
    frame (``week`` as YYYY-MM-DD; NaN where a series has no stock figure). In units when ``params`` has a
    unit price or the workspace's measure is in units; else in the measure's money."""
    fc = served_forecast_frame(scope=scope, weeks=params.lead_time if first_weeks else None)
    run = latest_run()
    stock = on_hand_frame(scope=scope)
    df = pd.DataFrame(columns=INVENTORY_COLUMNS)
    if not fc.empty:
        df = ml_insights.inventory_targets(fc, lead_time=params.lead_time, service_level=params.service_level,
                                           on_hand=stock if len(stock) else None, unit_price=params.unit_price)
        if first_weeks:
            df = df[~df.duplicated(["store", "dept"])]
        df = df.assign(week=df["week"].dt.strftime("%Y-%m-%d"))[INVENTORY_COLUMNS]
    measure_unit = data_settings().measure_unit
    in_units = params.unit_price is not None or measure_unit.strip().lower() == "units"
    meta = {"lead_time": params.lead_time, "service_level": params.service_level,
            "service_level_basis": params.basis, "unit": "units" if in_units else measure_unit,
            "unit_price": params.unit_price, "holding_cost": params.holding_cost,
            "stockout_cost": params.stockout_cost, "safety_stock_holding_cost": None,
            "run": run.pk if run else None, "horizon": run.horizon if run else None, "on_hand_rows": len(stock),
            "count": len(df)}
    if params.holding_cost is not None and in_units and len(df):
        now = df[~df.duplicated(["store", "dept"])]  # each series' first week: the safety stock held now
        meta["safety_stock_holding_cost"] = float(now["safety_stock"].sum() * params.holding_cost)
    return meta, df


def inventory(*, scope: StoreScope, params: InventoryParams, first_weeks: bool = False) -> dict:
    """``inventory_table`` as one dict with its rows in ``results``."""
    meta, df = inventory_table(scope=scope, params=params, first_weeks=first_weeks)
    columns = [[None if v != v else v for v in df[c].tolist()] for c in INVENTORY_COLUMNS]  # NaN -> null
    return {**meta, "results": [dict(zip(INVENTORY_COLUMNS, values)) for values in zip(*columns)]}


INVENTORY_FIELDS = {"lead_time": "Lead time", "service_level": "Service level", "unit_price": "Unit price",
                    "holding_cost": "Holding cost", "stockout_cost": "Stock-out cost"}


def _positive(query, name: str, errors: dict) -> float | None:
    raw = str(query.get(name) or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
        if not value > 0 or value != value or value == float("inf"):
            raise ValueError
        return value
    except ValueError:
        errors[name] = ["a positive amount (e.g. 2.5)"]
        return None


def inventory_params(query) -> InventoryParams:
    """lead_time (the workspace's periods: weeks 1..52, days 1..182, months 1..12) and service_level (0.5..0.999, or a percent 50..99.9) from a query string,
    or the defaults; optional unit_price, holding_cost and stockout_cost (positive amounts; the two costs
    together set the service level, overriding service_level). A bad value names its field in words."""
    errors = {}
    freq = data_settings().frequency
    default, longest = LEAD_TIMES.get(freq, (DEFAULT_LEAD_TIME, 52))
    lead_time, service_level = default, DEFAULT_SERVICE_LEVEL
    try:
        lead_time = int(query.get("lead_time") or default)
        if not 1 <= lead_time <= longest:
            raise ValueError
    except ValueError:
        errors["lead_time"] = [f"a whole number of {period_noun(freq)} from 1 to {longest}"]
    unit_price = _positive(query, "unit_price", errors)
    holding, stockout = _positive(query, "holding_cost", errors), _positive(query, "stockout_cost", errors)
    if (holding is None) != (stockout is None) and not {"holding_cost", "stockout_cost"} & set(errors):
        missing = "stockout_cost" if holding is not None else "holding_cost"
        errors[missing] = ["needed with the other cost: the two together set the service level"]
    if holding is not None and stockout is not None:  # the costs set the service level
        service_level = ml_insights.service_level_for_costs(holding, stockout)
    else:
        try:
            service_level = float(str(query.get("service_level") or DEFAULT_SERVICE_LEVEL).strip().rstrip("%"))
            if service_level > 1:  # a percent: 95 = 95 %
                service_level /= 100
            if not 0.5 <= service_level <= 0.999:
                raise ValueError
        except ValueError:
            errors["service_level"] = ["a share from 50 % to 99.9 % (95, 95 % or 0.95)"]
    if errors:
        raise ValidationFailed("; ".join(f"{INVENTORY_FIELDS[k]}: {v[0]}" for k, v in errors.items()), details=errors)
    return InventoryParams(lead_time=lead_time, service_level=service_level, unit_price=unit_price,
                           holding_cost=holding, stockout_cost=stockout)


def _every_store_markdown_roi() -> dict | None:
    """The stored per-department sums over every store, read without the per-series rows (2 MB of JSON on the
    Walmart data: most of the Insights page's time); None when the snapshot predates them."""
    snap = (InsightSnapshot.objects.filter(kind=InsightSnapshot.Kind.MARKDOWN_ROI)
            .annotate(departments=KT("data__departments"), model_version=KT("data__model_version"),
                      origins=KT("data__backtest_origins"), unavailable=KT("data__unavailable"))
            .defer("data").first())
    if snap is None or snap.departments is None:
        return None
    fp = fingerprint()
    data = {"model_version": json.loads(snap.model_version) if snap.model_version else None,
            "backtest_origins": json.loads(snap.origins) if snap.origins else [],
            "departments": json.loads(snap.departments), "computed_at": snap.computed_at.isoformat(),
            "stale": any(getattr(snap, k) != v for k, v in fp.items())}
    if snap.unavailable is not None:
        data["unavailable"] = snap.unavailable
    return data


def markdown_roi(*, scope: StoreScope, margin: float) -> dict | None:
    """ROI per department and markdown type over the scope's stores, from the stored per-series effects
    (their stored sums over every store for an unrestricted principal), priced with ``margin``, best first
    (None before the worker first computed them)."""
    data = None if scope.restricted else _every_store_markdown_roi()
    if data is not None:
        sums = pd.DataFrame.from_records(data.pop("departments"), columns=SUM_COLUMNS)
        df = price_departments(sums, margin=margin, floor=_roi_floor(data))
    else:
        data = snapshot("markdown_roi", scope=scope)
        if data is None:
            return None
        data.pop("departments", None)
        eff = pd.DataFrame.from_records(data.pop("results"), columns=SERIES_COLUMNS)
        df = by_department(eff, margin=margin, floor=_roi_floor(data))
    df = df.sort_values(["incremental_profit", "incremental_sales"], ascending=False)  # by money, not by ratio
    rows = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in df.to_dict("records")]
    return {**data, "margin": margin, "floor": data_settings().materiality_floor, "floor_cost": _roi_floor(data),
            "count": len(rows), "results": rows}


def _roi_floor(data: dict) -> float:
    """The materiality floor over the weeks a markdown's cost sums (its model's backtest windows)."""
    version = ModelVersion.objects.filter(number=data.get("model_version")).first()
    weeks = (version.backtest_windows * version.horizon) if version else 52
    return data_settings().materiality_floor * weeks


def margin_param(query) -> float:
    """``margin`` from a query string (0..1), else the workspace's gross margin setting."""
    raw = query.get("margin")
    if raw in (None, ""):
        return float(getattr(connection.tenant, "gross_margin", 0.3))
    try:
        margin = float(raw)
        if not 0 <= margin <= 1:
            raise ValueError
    except ValueError:
        raise ValidationFailed("margin: a gross margin from 0 to 1 (0.3 = 30%)",
                               details={"margin": ["a gross margin from 0 to 1 (0.3 = 30%)"]})
    return margin
