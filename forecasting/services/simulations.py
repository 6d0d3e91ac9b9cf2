"""The promotion simulator: a what-if re-forecast of one store, or of several
at once (their total and each store's figures), with other markdowns
(forecasting/ml/simulate.py), counted against the plan's simulations per
day, and saved as a named scenario (audited) on request (one of several
stores is seen only by those whose scope holds every one of them)."""
from __future__ import annotations

from django.db import connection, transaction

from accounts.audit import Actor, audit_record
from accounts.scope import StoreScope
from billing.metering import usage_count
from billing.services import quota_reserve
from forecasting.ml.simulate import (
    MAX_STORES,
    SimulationInputError,
    forecast_weeks,
    planned_markdowns,
    simulate,
    simulate_many,
    store_depts,
    training_max,
)
from forecasting.models import Scenario, SimulationUse
from forecasting.selectors.forecast import active_model, latest_run
from forecasting.services.forecasts import artifact_for
from forecasting.services.what_if import periodic_simulation_run
from saas.errors import NotFound, ValidationFailed


def default_margin() -> float:
    return float(getattr(connection.tenant, "gross_margin", 0.3))


def _store_not_found(store) -> NotFound:
    # the same answer for a store the model does not know and one outside the principal's scope
    return NotFound(f"No forecast for store {store}.", code="store_not_found",
                    details={"store": [f"store {store} has no forecast you can simulate"]})


def _active_artifact():
    version = active_model()
    if version is None:
        raise NotFound("There is no active model yet: train one first.", code="no_active_model")
    run = latest_run(version)
    return version, run, artifact_for(version, run)


def simulation_options(*, scope: StoreScope) -> dict | None:
    """What the simulator page offers: the forecast weeks, the principal's
    stores with their departments and their planned markdowns, the training maxima; None without a model."""
    version = active_model()
    if version is None:
        return None
    _, _, art = _active_artifact()
    stores = sorted({int(s) for s in art.arrays["keys"][:, 0] if scope.allows(s)})
    depts = {s: store_depts(art, s) for s in stores}
    return {"model_version": version.number, "weeks": forecast_weeks(art),
            "stores": [s for s in stores if depts[s]], "depts": depts, "training_max": training_max(art),
            "planned": {s: planned_markdowns(art, s) for s in stores if depts[s]}, "margin": default_margin()}


def _as_int(value, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{field}: {value!r} is not a number.", details={field: ["not a number"]})


def _one_of(store, stores):
    """Exactly one of ``store`` (a number) and ``stores`` (a list of 1..MAX_STORES numbers)."""
    given = [f for f, v in (("store", store), ("stores", stores)) if v not in (None, "")]
    if len(given) != 1:
        msg = "give one store, or a list of stores, not both" if given else "this field is required"
        raise ValidationFailed(f"store: {msg}.", details={"store": [msg], "stores": [msg]})
    if given == ["store"]:
        return _as_int(store, "store"), None
    if not isinstance(stores, (list, tuple)) or not 1 <= len(stores) <= MAX_STORES:
        msg = f"a list of 1 to {MAX_STORES} store numbers"
        raise ValidationFailed(f"stores: {msg}.", details={"stores": [msg]})
    return None, sorted({_as_int(s, f"stores[{k}]") for k, s in enumerate(stores)})


def simulation_run(*, actor: Actor, scope: StoreScope, store=None, stores=None, depts=None, weeks, markdowns=None,
                   margin=None, name: str = "", levers=None) -> dict:
    """The what-if answer (see forecasting/ml/simulate.py): of ``store``, or
    of every store of ``stores`` (the total, and each store's figures under
    ``stores``). Counts one simulation against the plan; with ``name``, also
    saves it as a scenario and records ``simulation.run`` in the same
    transaction."""
    store, stores = _one_of(store, stores)
    for s in stores or [store]:  # fail closed: a store outside the scope is a store without a forecast
        if not scope.allows(s):
            raise _store_not_found(s)
    name = (name or "").strip()[:120]
    if depts is not None and not isinstance(depts, (list, tuple)):
        raise ValidationFailed("depts: a list of department numbers, or null for all.",
                               details={"depts": ["a list of department numbers, or null"]})
    depts = [_as_int(d, f"depts[{k}]") for k, d in enumerate(depts or [])] or None
    if margin is None or margin == "":
        margin = default_margin()
    try:
        margin = float(margin)
    except (TypeError, ValueError):
        raise ValidationFailed(f"margin: {margin!r} is not a number.", details={"margin": ["not a number"]})
    if not isinstance(weeks, (list, tuple)):
        raise ValidationFailed("weeks: a list of dates (YYYY-MM-DD).", details={"weeks": ["a list of dates"]})
    if markdowns is not None and not isinstance(markdowns, dict):
        raise ValidationFailed("markdowns: an object {markdown1: amount, ...}.", details={"markdowns": ["an object"]})
    active = active_model()
    if active is not None and active.periodic:  # a daily or monthly workspace: its levers (services/what_if.py)
        run = latest_run(active)
        return periodic_simulation_run(actor=actor, scope=scope, version=active, stores=stores or [store],
                                       depts=depts, periods=list(weeks), levers=levers, margin=margin, name=name,
                                       origin=str(run.origin)[:10] if run is not None else None)
    version, run, art = _active_artifact()
    try:
        if stores is None:
            out = simulate(art, store=store, depts=depts, weeks=list(weeks), markdowns=markdowns, margin=margin)
        else:
            out = simulate_many(art, stores=stores, depts=depts, weeks=list(weeks), markdowns=markdowns,
                                margin=margin)
    except SimulationInputError as exc:
        if exc.code == "store_not_found":
            raise _store_not_found(exc.store if exc.store is not None else store)
        raise ValidationFailed(f"{exc.field}: {exc.message}.", details={exc.field: [exc.message]})
    out["model_version"] = version.number
    out["origin"] = str(run.origin)[:10] if run is not None and run.origin else None
    if stores is not None:
        store = stores[0]  # a saved scenario (one store): its row's store
    with transaction.atomic():
        quota_reserve(limit="simulations_per_day")
        SimulationUse.objects.create(created_by=actor.user, created_by_key=actor.api_key)
        if name:
            inputs = {"store": store, "depts": depts, "weeks": out["weeks"], "markdowns": markdowns or {},
                      "margin": margin}
            if stores is not None:
                inputs["stores"] = stores
            scenario = Scenario.objects.create(name=name, store=store, inputs=inputs, result=out,
                                               stores=stores if stores is not None and len(stores) > 1 else [],
                                               model_version=version, created_by=actor.user,
                                               created_by_key=actor.api_key)
            audit_record(action="simulation.run", actor=actor, target_type="scenario", target_id=scenario.pk,
                         payload={"name": name, "store": store, "weeks": len(out["weeks"]),
                                  "incremental_sales": round(out["incremental_sales"], 2),
                                  "markdown_cost": round(out["markdown_cost"], 2)})
            out["saved"] = {"id": scenario.pk, "name": name}
        transaction.on_commit(lambda: usage_count(counts={"simulations": 1}))
    return out
