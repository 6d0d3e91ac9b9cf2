"""Promotion what-if: the trained model's counterfactual re-forecast of one
store's departments with other markdown amounts in some future weeks.

The method (also what the simulator page says):

* **baseline** = the stored forecast of the chosen model, i.e. with the
  markdowns as planned in the features data for those weeks (missing = 0);
* **scenario** = the same forecast with MarkDown1-5 of the selected weeks
  replaced by the entered amounts.  Only the LightGBM candidate reads
  markdowns (features ``markdown1..5`` and ``markdown_any`` of the target
  week); its rows at the stored origin (``X_final``) are re-predicted with the
  new amounts, clipped at the series floor like every forecast, and the
  change enters the chosen forecast with LightGBM's weight in it (1 when
  LightGBM is chosen, its ensemble weight for the ensemble, 0 otherwise).
  Pooled series (less than a year of history) are forecast without the
  model, so without markdowns: their change is 0; so are series of a demand
  class the model forecasts by Croston SBA (forecasting/ml/intermittent.py).  This is exactly what the
  model would forecast if the features file held the entered amounts
  (``tests/forecasting/ml/test_simulate.py`` checks it against ``predict_series`` on
  an artifact whose markdowns were edited);
* **incremental_sales** = scenario - baseline summed over departments and
  weeks; **lo80/hi80** = incremental_sales -/+ the forecast's own 80 %
  uncertainty of those summed sales: the conformal half-widths of every
  (department, week) forecast combined as independent errors (square root of
  the sum of squares).  It says how far the actual total may land from
  either forecast; an increment inside it cannot be told apart from ordinary
  forecast error.  It is not a confidence interval of a causal effect;
* **markdown_cost** = entered minus planned markdown amounts summed over the
  weeks; **incremental_profit** = incremental_sales x margin - markdown_cost;
  **roi** = incremental_profit / markdown_cost (None when the cost is 0).

``simulate_many`` runs the same entered amounts in several stores (each
store's own planned amounts are its baseline) and totals them: sums of the
sales, cost and profit, ROI from the sums, and the 80 % range with the
stores' half-widths combined like the departments' (square root of the sum
of squares), with each store's figures beside the total.

The answer is the model's learned association between markdowns and sales,
not a controlled experiment: stores ran markdowns when they expected to sell,
so the association may overstate (or understate) their effect.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import intervals
from .intermittent import routed_mask
from .labels import feature_label
from .panel import MARKDOWNS
from .status import INACTIVE, POOLED

LABELS = {m: feature_label(m) for m in MARKDOWNS}  # "Markdown 1" ... from the one label map
MAX_AMOUNT = 1e9  # per store and week: beyond any retailer's markdown (and keeps every sum finite)


class SimulationInputError(ValueError):
    """Bad input, naming the field (``weeks[2]``, ``markdowns.markdown3``, ``depts``, ``store``, ``stores``);
    ``store``: the store a ``store_not_found`` error is about."""

    def __init__(self, field: str, message: str, code: str = "invalid", store: int | None = None):
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.code, self.store = field, message, code, store


@dataclass
class Prepared:
    rows: np.ndarray  # series indices (store's live series of the selected departments)
    steps: np.ndarray  # horizon steps (0-based) of the selected weeks
    weeks: list  # ISO dates of the selected weeks, in order


def forecast_weeks(art) -> list[str]:
    """The weeks a simulation may cover: the stored forecast's horizon."""
    o = art.origin_index
    return [d.date().isoformat() for d in art.panel.ext_dates[o + 1: o + 1 + art.horizon]]


def planned_markdowns(art, store: int) -> dict[str, dict[str, float]]:
    """The markdowns planned in the features data for ``store`` in each forecast week: {week: {type: amount}}."""
    P, o = art.panel, art.origin_index
    s = int(np.searchsorted(P.stores, int(store)))
    md = np.asarray(P.md)[s, o + 1: o + 1 + art.horizon, :]
    return {week: {m: float(md[k, j]) for j, m in enumerate(MARKDOWNS)} for k, week in enumerate(forecast_weeks(art))}


def training_max(art) -> dict:
    """Largest amount of each markdown type in the history the model was trained on (all stores)."""
    P = art.panel
    md = np.asarray(P.md)[:, : P.T, :]
    return {m: float(md[:, :, j].max()) if md.size else 0.0 for j, m in enumerate(MARKDOWNS)}


def markdown_weight(art) -> float:
    """LightGBM's weight in the chosen forecast (the only candidate that reads markdowns)."""
    if "lightgbm" not in art.meta.get("candidates", []) or art.booster is None:
        return 0.0
    if art.chosen == "lightgbm":
        return 1.0
    if art.chosen == "ensemble":
        return float(art.meta["ensemble"]["weights"].get("lightgbm", 0.0))
    return 0.0


def store_depts(art, store: int) -> list[int]:
    """Departments of ``store`` with a live forecast."""
    keys, status = art.arrays["keys"], art.arrays["status"]
    m = (keys[:, 0] == int(store)) & (status != INACTIVE)
    return sorted(int(d) for d in keys[m, 1])


def prepare(art, store: int, depts, weeks) -> Prepared:
    keys, status = art.arrays["keys"], art.arrays["status"]
    live = (keys[:, 0] == int(store)) & (status != INACTIVE)
    if not live.any():
        raise SimulationInputError("store", f"store {store} has no live forecast in this model", "store_not_found")
    if depts:
        depts = sorted({int(d) for d in depts})
        have = set(int(d) for d in keys[live, 1])
        unknown = [d for d in depts if d not in have]
        if unknown:
            raise SimulationInputError("depts", "no live forecast in store {} for department{} {}".format(
                store, "s" if len(unknown) > 1 else "", ", ".join(map(str, unknown))))
        live &= np.isin(keys[:, 1], depts)
    allowed = forecast_weeks(art)
    if not weeks:
        raise SimulationInputError("weeks", "pick at least one week")
    steps, seen = [], set()
    for k, w in enumerate(weeks):
        try:
            iso = pd.Timestamp(str(w)).date().isoformat()
        except (ValueError, TypeError):
            raise SimulationInputError(f"weeks[{k}]", f"{w!r} is not a date (YYYY-MM-DD)")
        if iso not in allowed:
            raise SimulationInputError(f"weeks[{k}]", f"{iso} is not a forecast week; the forecast covers the "
                                                      f"weeks ending {allowed[0]} to {allowed[-1]}")
        if iso not in seen:
            seen.add(iso)
            steps.append(allowed.index(iso))
    steps = sorted(steps)
    return Prepared(rows=np.flatnonzero(live), steps=np.array(steps, int), weeks=[allowed[h] for h in steps])


def clean_markdowns(markdowns: dict | None) -> dict:
    """{markdownN: float | None}; None (or absent) = as planned."""
    out = {m: None for m in MARKDOWNS}
    for k, v in (markdowns or {}).items():
        if k not in out:
            raise SimulationInputError(f"markdowns.{k}", f"unknown markdown; use {', '.join(MARKDOWNS)}")
        if v is None or v == "":
            continue
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise SimulationInputError(f"markdowns.{k}", f"{v!r} is not a number")
        if not np.isfinite(x) or x < 0 or x > MAX_AMOUNT:
            raise SimulationInputError(f"markdowns.{k}", f"must be an amount from 0 to {MAX_AMOUNT:,.0f}")
        out[k] = x
    return out


def simulate(art, *, store: int, depts=None, weeks, markdowns: dict | None, margin: float) -> dict:
    """The what-if answer for one store (see the module doc). ``depts`` None
    or empty = every department with a live forecast; ``markdowns``: one
    amount per type applied to every selected week (None/absent = as planned)."""
    return _simulate_store(art, store=store, depts=depts, weeks=weeks, markdowns=markdowns, margin=margin)[0]


def _simulate_store(art, *, store: int, depts, weeks, markdowns: dict | None,
                    margin: float) -> tuple[dict, float, np.ndarray]:
    """``simulate``'s answer, the 80 % half-width of its summed sales and that of each week's."""
    if margin is None or not (0 <= float(margin) <= 1):
        raise SimulationInputError("margin", "gross margin must be between 0 and 1 (e.g. 0.3 for 30 %)")
    margin = float(margin)
    md_in = clean_markdowns(markdowns)
    prep = prepare(art, store, depts, weeks)
    a, P, H = art.arrays, art.panel, art.horizon
    o = art.origin_index
    rows, steps = prep.rows, prep.steps
    s_idx = int(np.searchsorted(P.stores, int(store)))
    planned = np.asarray(P.md)[s_idx, o + 1 + steps, :]  # (W, 5)
    entered = planned.copy()
    for j, m in enumerate(MARKDOWNS):
        if md_in[m] is not None:
            entered[:, j] = md_in[m]

    base = np.asarray(a[f"fc_{art.chosen}"], float)[rows][:, steps]  # (n, W)
    delta = np.zeros_like(base)
    w = markdown_weight(art)
    status = a["status"][rows]
    # pooled series and those forecast by Croston SBA (intermittent demand) do not read markdowns: no change
    modelled = (status != POOLED) & ~routed_mask(art.meta["params"], art.panel.Y, art.origin_index)[rows]
    if w > 0 and modelled.any() and not np.array_equal(planned, entered):
        booster = art.booster
        names = booster.feature_name()
        cols = [names.index(m) for m in MARKDOWNS]
        c_any, c_base = names.index("markdown_any"), names.index("base_n")
        r = rows[modelled]
        idx = (r[:, None] * H + steps[None, :]).ravel()
        Xb = np.asarray(a["X_final"][idx])
        Xs = Xb.copy()
        ent = np.broadcast_to(entered[None, :, :], (len(r), len(steps), len(MARKDOWNS))).reshape(-1, len(MARKDOWNS))
        Xs[:, cols] = ent
        Xs[:, c_any] = (ent > 0).any(1)
        pb = booster.predict(Xb, num_threads=1)
        ps = booster.predict(Xs, num_threads=1)
        scale = np.repeat(np.asarray(a["scale"], float)[r], len(steps))
        floor = np.repeat(np.asarray(a["floor"], float)[r], len(steps))
        raw_b = scale * (Xb[:, c_base].astype(float) + pb)
        raw_s = raw_b + scale * (ps - pb)
        d = np.maximum(raw_s, floor) - np.maximum(raw_b, floor)
        delta[modelled] = w * d.reshape(len(r), len(steps))
    scen = base + delta

    # the forecast's own 80 % uncertainty of the summed sales (see the module doc)
    imodel = art.meta["intervals"]
    seg = P.hol[o + 1: o + 1 + H].astype(int)
    bucket = intervals.bucket_of(np.asarray(a["noise"], float)[rows], imodel["edges"])
    q = intervals.widths(imodel, 0.8, seg, bucket, H)[:, steps]
    q = q * np.asarray(a["scale"], float)[rows][:, None] * np.asarray(a["turb"], float)[steps][None, :]
    hw_week = np.sqrt((q ** 2).sum(0))
    hw = float(np.sqrt((q ** 2).sum()))

    cost_week = (entered - planned).sum(1)
    by_week = []
    for k, week in enumerate(prep.weeks):
        inc = float(delta[:, k].sum())
        by_week.append({
            "week": week, "baseline": float(base[:, k].sum()), "scenario": float(scen[:, k].sum()),
            "incremental_sales": inc, "lo80": inc - float(hw_week[k]), "hi80": inc + float(hw_week[k]),
            "planned_markdowns": {m: float(planned[k, j]) for j, m in enumerate(MARKDOWNS)},
            "markdowns": {m: float(entered[k, j]) for j, m in enumerate(MARKDOWNS)},
            "markdown_cost": float(cost_week[k]),
        })
    inc = float(delta.sum())
    cost = float(cost_week.sum())
    profit = inc * margin - cost
    keys = a["keys"][rows]
    return {
        "store": int(store), "depts": sorted(int(d) for d in keys[:, 1]), "weeks": prep.weeks, "margin": margin,
        "baseline": float(base.sum()), "scenario": float(scen.sum()), "incremental_sales": inc,
        "lo80": inc - hw, "hi80": inc + hw, "markdown_cost": cost, "incremental_profit": profit,
        "roi": (profit / cost) if cost > 0 else None,  # a cut (cost < 0) saves money: a return on nothing spent
        "warnings": _below_plan(planned, entered, prep.weeks) + _warnings(art, entered, status, w),
        "by_week": by_week,
    }, hw, hw_week


MAX_STORES = 200  # stores in one scenario


def _store_list(stores) -> list[int]:
    if not isinstance(stores, (list, tuple)) or not stores:
        raise SimulationInputError("stores", "pick at least one store")
    if len(stores) > MAX_STORES:
        raise SimulationInputError("stores", f"at most {MAX_STORES} stores in one scenario")
    out = []
    for k, s in enumerate(stores):
        try:
            out.append(int(s))
        except (TypeError, ValueError):
            raise SimulationInputError(f"stores[{k}]", f"{s!r} is not a store number")
    return sorted(set(out))


def _summary(store: int, out: dict) -> dict:
    return {"store": store, "depts": out["depts"], "baseline": out["baseline"],
            "incremental_sales": out["incremental_sales"], "lo80": out["lo80"], "hi80": out["hi80"],
            "markdown_cost": out["markdown_cost"], "incremental_profit": out["incremental_profit"], "roi": out["roi"]}


def _merged_warnings(per: list[tuple[int, dict]]) -> list[dict]:
    """Each distinct warning once, with the stores it came from (named in its message unless it is every store's)."""
    seen: dict[tuple, dict] = {}
    for store, out in per:
        for w in out["warnings"]:
            seen.setdefault((w["code"], w["field"], w["message"]), {**w, "stores": []})["stores"].append(store)
    every = len(per)
    return [w if len(w["stores"]) == every else
            {**w, "message": "Store{} {}: {}".format("s" if len(w["stores"]) > 1 else "",
                                                      ", ".join(map(str, w["stores"])), w["message"])}
            for w in seen.values()]


def simulate_many(art, *, stores, depts=None, weeks, markdowns: dict | None, margin: float) -> dict:
    """The what-if of several stores at once: the same entered amounts in
    each store (each store's own planned amounts are its baseline), each
    store by ``simulate``, and their total in ``simulate``'s shape: sums of
    sales, cost and profit, ROI from the sums, the 80 % range of the summed
    sales with the stores' half-widths combined as independent errors (square
    root of the sum of squares, as across departments), the weeks summed, the
    warnings merged; plus ``stores``: each store's figures, largest
    incremental profit first. ``depts`` applies in every store: a department
    a store lacks is skipped there, a store with none of them is left out
    (said in ``warnings``); an error if no store has any of them."""
    stores = _store_list(stores)
    for s in stores:  # a store the model does not forecast: the same answer as for one store
        if not store_depts(art, s):
            raise SimulationInputError("stores", f"store {s} has no live forecast in this model",
                                       "store_not_found", store=s)
    wanted = sorted({int(d) for d in depts}) if depts else None
    per, hws, hw_weeks, skipped = [], [], [], []
    for s in stores:
        use = None
        if wanted:
            use = [d for d in wanted if d in set(store_depts(art, s))]
            if not use:
                skipped.append(s)
                continue
        out, hw, hw_week = _simulate_store(art, store=s, depts=use, weeks=weeks, markdowns=markdowns, margin=margin)
        per.append((s, out))
        hws.append(hw)
        hw_weeks.append(hw_week)
    if not per:
        raise SimulationInputError("depts", "none of the chosen stores has a live forecast for department{} {}".format(
            "s" if len(wanted) > 1 else "", ", ".join(map(str, wanted))))
    total = dict(per[0][1]) if len(per) == 1 else _total(per, hws, hw_weeks)
    warnings = _merged_warnings(per) if len(per) > 1 else list(total["warnings"])
    if skipped:
        warnings.append({"code": "stores_skipped", "field": "depts", "stores": skipped,
                         "message": "Store{} {} {} none of the chosen departments: left out.".format(
                             "s" if len(skipped) > 1 else "", ", ".join(map(str, skipped)),
                             "have" if len(skipped) > 1 else "has")})
    if wanted:
        found = set().union(*(out["depts"] for _, out in per))
        missing = [d for d in wanted if d not in found]
        if missing:
            warnings.append({"code": "depts_skipped", "field": "depts",
                             "message": "No chosen store has a live forecast for department{} {}: left out.".format(
                                 "s" if len(missing) > 1 else "", ", ".join(map(str, missing)))})
    total["warnings"] = warnings
    total["stores"] = sorted((_summary(s, out) for s, out in per),
                             key=lambda r: (-r["incremental_profit"], r["store"]))
    return total


def _total(per: list[tuple[int, dict]], hws: list[float], hw_weeks: list[np.ndarray]) -> dict:
    outs = [out for _, out in per]
    first = outs[0]
    inc = sum(o["incremental_sales"] for o in outs)
    cost = sum(o["markdown_cost"] for o in outs)
    profit = sum(o["incremental_profit"] for o in outs)
    hw = float(np.sqrt(np.sum(np.square(hws))))
    hw_week = np.sqrt(np.square(np.vstack(hw_weeks)).sum(0))
    by_week = []
    for k, week in enumerate(first["weeks"]):
        rows = [o["by_week"][k] for o in outs]
        w_inc = sum(r["incremental_sales"] for r in rows)
        by_week.append({
            "week": week, "baseline": sum(r["baseline"] for r in rows), "scenario": sum(r["scenario"] for r in rows),
            "incremental_sales": w_inc, "lo80": w_inc - float(hw_week[k]), "hi80": w_inc + float(hw_week[k]),
            "planned_markdowns": {m: sum(r["planned_markdowns"][m] for r in rows) for m in MARKDOWNS},
            "markdowns": {m: sum(r["markdowns"][m] for r in rows) for m in MARKDOWNS},
            "markdown_cost": sum(r["markdown_cost"] for r in rows),
        })
    return {
        "store": None, "depts": sorted(set().union(*(o["depts"] for o in outs))), "weeks": first["weeks"],
        "margin": first["margin"], "baseline": sum(o["baseline"] for o in outs),
        "scenario": sum(o["scenario"] for o in outs), "incremental_sales": inc, "lo80": inc - hw, "hi80": inc + hw,
        "markdown_cost": cost, "incremental_profit": profit, "roi": (profit / cost) if cost > 0 else None,
        "warnings": [], "by_week": by_week,
    }


def _below_plan(planned: np.ndarray, entered: np.ndarray, weeks: list) -> list[dict]:
    """An amount typed below the planned one replaces it (a cut), it does not add to it: say so."""
    out = []
    for j, m in enumerate(MARKDOWNS):
        cut = np.flatnonzero(entered[:, j] < planned[:, j])
        if cut.size:
            k = int(cut[np.argmax(planned[cut, j] - entered[cut, j])])
            out.append({"code": "below_plan", "field": f"markdowns.{m}",
                        "message": f"{LABELS[m]} of ${entered[k, j]:,.0f} a week is below the ${planned[k, j]:,.0f} "
                                   f"planned for the week ending {weeks[k]}: an amount replaces the plan, so this "
                                   "scenario cuts the markdown (a saving, and fewer sales), it does not add to it."})
    return out


def _warnings(art, entered: np.ndarray, status: np.ndarray, weight: float) -> list[dict]:
    out = []
    seen = training_max(art)
    for j, m in enumerate(MARKDOWNS):
        top = float(entered[:, j].max()) if entered.size else 0.0
        if top > seen[m]:
            out.append({"code": "outside_training", "field": f"markdowns.{m}",
                        "message": f"{LABELS[m]} of ${top:,.0f} is above the largest the model saw in training "
                                   f"(${seen[m]:,.0f}): the answer extrapolates what it learned."})
    if weight == 0:
        out.append({"code": "model_ignores_markdowns", "field": "markdowns",
                    "message": "The active model does not use markdowns (it was chosen without the gradient-"
                               "boosted trees), so every scenario equals the baseline."})
    pooled = int((status == POOLED).sum())
    if pooled:
        out.append({"code": "young_series", "field": "depts",
                    "message": f"{pooled} department{'s' if pooled > 1 else ''} with less than a year of history "
                               "{} forecast from recent sales alone: markdowns do not change {}.".format(
                                   "are" if pooled > 1 else "is", "them" if pooled > 1 else "it")})
    return out
