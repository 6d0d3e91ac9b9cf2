"""The simulator of a daily or monthly workspace (issue 17 item 3, issue 19): its levers are the
``known`` covariates an admin offers as levers (``CovariateSpec.lever``: a price, a promotion flag); the
active model re-forecasts the chosen stores, products and periods with them changed
(forecasting/ml/periodic/simulate.py) against the forecast as planned. With a price among the model's
covariates the answer is also in money: revenue at each scenario's price, and gross profit with each
unit costing the planned price times (1 - margin).

The series x periods grid of the active version is built once per dataset version, by the worker that
trained or refreshed it (``what_if_warm``), and kept in a file beside the model (ml/periodic/grid_file.py)
and in each process's memory, so a simulation only forecasts."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from django.db import connection, transaction

from accounts.audit import Actor, audit_record
from accounts.scope import StoreScope
from billing.metering import usage_count
from billing.services import quota_check_value, quota_reserve
from forecasting.ml.labels import describe_periodic_drivers
from forecasting.ml.periodic.artifact import load
from forecasting.ml.periodic.drivers import series_drivers
from forecasting.ml.periodic.engine import forecast_from
from forecasting.ml.periodic.features import feature_names
from forecasting.ml.periodic.grid import build_grid
from forecasting.ml.periodic.grid_file import load_grid, save_grid
from forecasting.ml.periodic.seasons import calendar, seasons_of
from forecasting.ml.periodic.simulate import Lever, LeverError, what_if
from forecasting.ml.periods import horizon_weeks, period_noun
from forecasting.models import CovariateSpec, Item, Location, ModelVersion, Scenario, SimulationUse
from forecasting.selectors.catalog import workspace_words
from forecasting.selectors.periodic import periodic_inputs
from forecasting.selectors.workspace import dataset_version
from saas.errors import Conflict, NotFound, ValidationFailed
from saas.storage import tenant_dir, tenant_file_problem

logger = logging.getLogger(__name__)
PRICE = "price"
MAX_SERIES = 5000
_STATES: dict[tuple, tuple] = {}


def _grid_path(version: ModelVersion, data_version: int) -> Path:
    return tenant_dir("models") / f"grid-{version.artifact_sha256[:32]}-d{data_version}.npz"


def _grid(version: ModelVersion, model, data_version: int):
    """The grid of the version's model on the workspace's current data: read from its file when a worker
    (or an earlier request) wrote it, else built from the tables and written for the next process."""
    path = _grid_path(version, data_version)
    if path.exists():
        try:
            return load_grid(path)
        except (OSError, ValueError, KeyError):
            logger.warning("grid file %s unreadable: rebuilt", path.name)
    inputs = periodic_inputs()
    grid = build_grid(inputs.history, freq=model.config.freq, future=int(model.config.horizon),
                      label=model.label, **inputs.engine_kwargs())
    for old in path.parent.glob("grid-*.npz"):  # one grid file per workspace: the newest
        old.unlink(missing_ok=True)
    save_grid(grid, path)
    return grid


def _state(version: ModelVersion):
    data_version = dataset_version()
    key = (connection.schema_name, version.artifact_sha256, data_version)
    found = _STATES.get(key)
    if found is None:
        if tenant_file_problem(version.artifact_path, version.artifact_sha256) is not None:
            raise Conflict(f"The file of model v{version.number} is missing or damaged: roll back to an earlier "
                           "version or train again.", code="artifact_unreadable")
        model = load(version.artifact_path)
        grid = _grid(version, model, data_version)
        if model.booster is not None and feature_names(grid, seasons_of(model.config.freq)) != model.features:
            raise Conflict("The data's attributes or covariates changed since the model was trained: train it "
                           "again to simulate.", code="model_out_of_date")
        found = (model, grid, calendar(grid.ext_dates, model.config.freq)[1])
        _STATES.clear()
        _STATES[key] = found
    return found


def what_if_warm(*, version: ModelVersion) -> None:
    """Worker side, after a daily or monthly version is trained or refreshed: its grid file is written, so
    the web's first simulation reads it instead of building it. Never fails the job that calls it."""
    try:
        _state(version)
    except Exception:
        logger.warning("what-if grid of model v%s not written", version.number, exc_info=True)


def lever_options() -> list[dict]:
    return [{"name": n, "kind": k} for n, k in CovariateSpec.objects.filter(lever=True, kind="known")
            .values_list("name", "kind")]


def periodic_options(*, version: ModelVersion, scope: StoreScope) -> dict:
    """What the simulator page offers a daily or monthly workspace: its stores, products, periods and levers."""
    model, grid, _ = _state(version)
    keys = grid.keys.assign(store=grid.keys["location"].astype(int), dept=grid.keys["item"].astype(int))
    keys = keys[[scope.allows(s) for s in keys["store"]]]
    return {"model_version": version.number, "stores": sorted(set(keys["store"])),
            "depts": sorted(set(keys["dept"])), "levers": lever_options(),
            "periods": [d.date().isoformat() for d in grid.ext_dates[grid.T: grid.T + int(model.config.horizon)]]}


def _levers(levers) -> list[Lever]:
    if not isinstance(levers, dict) or not levers:
        raise ValidationFailed("levers: an object {name: {value | change_pct}}.", details={"levers": ["an object"]})
    offered = {o["name"] for o in lever_options()}
    out = []
    for name, spec in levers.items():
        field = f"levers.{name}"
        if name not in offered:
            raise ValidationFailed(f"{field}: not a lever of this workspace ({', '.join(sorted(offered)) or 'none'}).",
                                   details={field: ["not a lever"]})
        if not isinstance(spec, dict) or set(spec) - {"value", "change_pct"} or len(spec) != 1:
            raise ValidationFailed(f"{field}: give one of value or change_pct.", details={field: ["value or change_pct"]})
        (what, number), = spec.items()
        try:
            number = float(number)
        except (TypeError, ValueError):
            raise ValidationFailed(f"{field}: {number!r} is not a number.", details={field: ["not a number"]})
        if not np.isfinite(number) or (what == "change_pct" and not -100 < number <= 1000):
            raise ValidationFailed(f"{field}: out of range.", details={field: ["change_pct above -100 and up to 1000"]})
        out.append(Lever(name, **{what: number}))
    return out


def _money(grid, rows: np.ndarray, steps: np.ndarray, out, margin: float) -> dict | None:
    """Revenue and gross profit of both forecasts when the model reads a price (None otherwise)."""
    if PRICE not in grid.known:
        return None
    planned = grid.known[PRICE][rows[:, None], grid.T + steps[None, :]]
    price = out.changed.get(PRICE, planned)
    cost = planned * (1 - margin)
    base_rev, scen_rev = float((out.baseline * planned).sum()), float((out.scenario * price).sum())
    base_profit = float((out.baseline * (planned - cost)).sum())
    scen_profit = float((out.scenario * (price - cost)).sum())
    return {"baseline_revenue": base_rev, "scenario_revenue": scen_rev, "incremental_revenue": scen_rev - base_rev,
            "baseline_profit": base_profit, "scenario_profit": scen_profit,
            "incremental_profit": scen_profit - base_profit}


def periodic_simulation_run(*, actor: Actor, scope: StoreScope, version: ModelVersion, stores: list[int],
                            depts, periods, levers, margin: float, name: str, origin) -> dict:
    model, grid, cal = _state(version)
    for s in stores:
        if not scope.allows(s):
            raise NotFound(f"No forecast for store {s}.", code="store_not_found",
                           details={"store": [f"store {s} has no forecast you can simulate"]})
    chosen = grid.keys["location"].isin([str(s) for s in stores])
    if depts:
        chosen &= grid.keys["item"].isin([str(d) for d in depts])
    rows = np.flatnonzero(chosen.to_numpy())
    if len(rows) > MAX_SERIES:
        raise ValidationFailed(f"depts: {len(rows):,} series; simulate at most {MAX_SERIES:,} at once.",
                               details={"depts": [f"at most {MAX_SERIES} series"]})
    future = [d.date().isoformat() for d in grid.ext_dates[grid.T: grid.T + int(model.config.horizon)]]
    if not isinstance(periods, (list, tuple)) or not periods:
        raise ValidationFailed("periods: a list of the forecast's dates.", details={"periods": ["a list of dates"]})
    bad = [p for p in periods if str(p) not in future]
    if bad:
        raise ValidationFailed(f"periods: {bad[0]} is not a forecast period ({future[0]} .. {future[-1]}).",
                               details={"periods": [f"{p} is not a forecast period" for p in bad]})
    steps = np.array(sorted({future.index(str(p)) for p in periods}))
    try:
        out = what_if(model, grid, cal, rows=rows, steps=steps, levers=_levers(levers))
    except LeverError as exc:
        raise ValidationFailed(f"{exc.field}: {exc.message}.", details={exc.field: [exc.message]})
    codes = dict(Location.objects.filter(id__in=stores).values_list("id", "code"))
    items = dict(Item.objects.filter(id__in=depts or []).values_list("id", "code"))
    answer = {"engine": "periodic", "model_version": version.number, "origin": origin,
              "stores": stores, "depts": depts or None, "series": int(len(rows)),
              "locations": [codes.get(s) for s in stores], "items": [items.get(d) for d in depts] if depts else None,
              "periods": [future[i] for i in steps], "levers": levers,
              "baseline": float(out.baseline.sum()), "scenario": float(out.scenario.sum()),
              "incremental": float(out.scenario.sum() - out.baseline.sum()),
              "incremental_lo80": out.incremental_range()[0], "incremental_hi80": out.incremental_range()[1],
              "by_period": [{"date": future[i], "baseline": float(out.baseline[:, k].sum()),
                             "scenario": float(out.scenario[:, k].sum())} for k, i in enumerate(steps)],
              "margin": margin, "money": _money(grid, rows, steps, out, margin)}
    with transaction.atomic():
        quota_reserve(limit="simulations_per_day")
        SimulationUse.objects.create(created_by=actor.user, created_by_key=actor.api_key)
        if name:
            inputs = {"stores": stores, "depts": depts, "periods": answer["periods"], "levers": levers,
                      "margin": margin}
            scenario = Scenario.objects.create(name=name, store=stores[0], inputs=inputs, result=answer,
                                               stores=stores if len(stores) > 1 else [], model_version=version,
                                               created_by=actor.user, created_by_key=actor.api_key)
            audit_record(action="simulation.run", actor=actor, target_type="scenario", target_id=scenario.pk,
                         payload={"name": name, "store": stores[0], "periods": len(answer["periods"]),
                                  "incremental": round(answer["incremental"], 2), "levers": levers})
            answer["saved"] = {"id": scenario.pk, "name": name}
        transaction.on_commit(lambda: usage_count(counts={"simulations": 1}))
    return answer


def periodic_forecast(*, version: ModelVersion, store: int, dept: int, horizon) -> dict:
    """One series' forecast from the active daily or monthly model (the on-demand forecast): the served
    figures of its first ``horizon`` periods (1 up to the model's), from the newest data, and the drivers of
    its first period (forecasting/ml/periodic/drivers.py) in the workspace's unit."""
    model, grid, cal = _state(version)
    H = int(model.config.horizon)
    try:
        horizon = int(horizon)
    except (TypeError, ValueError):
        horizon = 0
    if not 1 <= horizon <= H:
        raise ValidationFailed(f"horizon must be between 1 and {H} {period_noun(model.config.freq)} (the model's).",
                               details={"horizon": [f"1..{H}"]})
    quota_check_value(limit="forecast_horizon", value=horizon_weeks(horizon, model.config.freq))
    rows = np.flatnonzero(((grid.keys["location"] == str(store)) & (grid.keys["item"] == str(dept))).to_numpy())
    one = grid.take(rows) if len(rows) else None
    frame = forecast_from(model, one, cal)[0] if one is not None else None
    if frame is None or frame.empty:
        raise NotFound(f"Model v{version.number} has no history for store {store}, department {dept}.",
                       code="series_not_found", details={"store": store, "dept": dept})
    frame = frame.head(horizon)
    usage_count(counts={"forecasts_served": 1})
    points = [{"date": d.date().isoformat(), **{k: float(getattr(r, k)) for k in ("forecast", "lo80", "hi80", "lo95",
                                                                                    "hi95")}}
              for d, r in zip(frame["date"], frame.itertuples())]
    drivers = describe_periodic_drivers(series_drivers(model, one, cal), points[0]["date"] if points else None,
                                        workspace_words().unit)
    return {"model_version": version.number, "origin": grid.dates[-1].date().isoformat(), "horizon": horizon,
            "pooled": False, "status": "modelled", "points": points, "drivers": drivers}
