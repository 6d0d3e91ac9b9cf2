"""The simulator page of a daily or monthly workspace: one form (stores, products, periods, each lever:
set to a value or change by a percent, a gross margin), its answer in units and, when the model reads a
price, in money (forecasting/services/what_if.py). Served by the simulator's own routes
(forecasting/web/simulator.py) when the active model is the engine for any planning frequency's."""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from accounts.audit import Actor
from accounts.roles import has_perm
from accounts.scope import StoreScope
from forecasting.selectors.catalog import members_picked, picker_suggestions, series_codes, workspace_words
from forecasting.selectors.simulation import scenario_list
from forecasting.services.simulations import simulation_run
from forecasting.services.what_if import periodic_options
from saas.errors import ServiceError

ALL = "all"
DEFAULT_PERIODS = 7


def _number(x, digits: int = 0) -> str:
    return "–" if x is None else f"{round(float(x), digits):,.{digits}f}".replace("-", "−")


def _shown(answer: dict | None) -> dict | None:
    if not answer:
        return answer
    money = answer.get("money") or {}
    return {**answer, "fmt": {k: _number(answer[k]) for k in ("baseline", "scenario", "incremental",
                                                              "incremental_lo80", "incremental_hi80")},
            "margin_text": f"{float(answer.get('margin') or 0) * 100:g} %",
            "money_fmt": {k: _number(v) for k, v in money.items()},
            "periods_fmt": [{"date": p["date"], "baseline": _number(p["baseline"]), "scenario": _number(p["scenario"]),
                             "incremental": _number(p["scenario"] - p["baseline"])} for p in answer["by_period"]]}


def _levers(post, options) -> dict:
    out = {}
    for lever in options["levers"]:
        name = lever["name"]
        for what in ("value", "change_pct"):
            raw = post.get(f"lever-{name}-{what}", "").strip()
            if raw:
                out[name] = {what: raw}
    return out


class Unpicked(ValueError):
    """A picker's text named nothing the model forecasts (its message names what)."""


def _picked(text: str, side: str, allowed: list, words: str) -> list | None:
    """The ids a picker's text names among ``allowed`` (the model's, within the reader's scope); None: blank."""
    if not text.strip():
        return None
    picked = members_picked(side, text)
    if picked.unknown:
        raise Unpicked(f"{words}: no code or attribute value matches {', '.join(picked.unknown)}.")
    ids = [i for i in picked.ids if i in set(allowed)]
    if not ids:
        raise Unpicked(f"{words}: none of those you may simulate has a forecast.")
    return ids


def _lever_text(levers: dict) -> str:
    """{"price": {"change_pct": -20}, "promo": {"value": 1}} -> "price −20 %, promo = 1"."""
    parts = []
    for name, how in (levers or {}).items():
        if "change_pct" in how:
            parts.append(f"{name} {float(how['change_pct']):+g} %".replace("-", "−"))
        elif "value" in how:
            parts.append(f"{name} = {float(how['value']):g}")
    return ", ".join(parts) or "—"


def saved_context(request) -> dict:
    """The saved lever scenarios of the reader's stores, newest first (the page, and the out-of-band refresh
    after a save)."""
    rows = []
    for sc in scenario_list(scope=StoreScope.for_request(request)).filter(inputs__has_key="levers")[:20]:
        shown = _shown(sc.result) or {}
        rows.append((sc, {**shown, "locations_count": len(sc.stores or [sc.store]),
                          "periods_count": len((sc.result or {}).get("periods") or []),
                          "levers_text": _lever_text((sc.inputs or {}).get("levers"))}))
    return {"scenarios": rows}


def lever_context(request, version, **extra) -> dict:
    scope = StoreScope.for_request(request)
    options = periodic_options(version=version, scope=scope)
    codes = series_codes()
    stores = [(s, codes.locations.get(s, (str(s), ""))[0]) for s in options["stores"]]
    mine = {code for _, code in stores}
    return {"options": options, "can_save": has_perm(request.user.role, "simulations.save"), "stores": stores,
            "products": len(options["depts"]),  # typed, not listed: a catalogue may hold thousands
            "item_suggestions": picker_suggestions("item"),
            "location_suggestions": [v for v in picker_suggestions("location") if "=" in v or v in mine],
            "default_periods": options["periods"][:DEFAULT_PERIODS], "given": {"store": ALL}, "answer": None,
            "error": None, **saved_context(request), **extra}


def lever_page(request, version):
    try:
        ctx = lever_context(request, version)
    except ServiceError as exc:
        return render(request, "forecasting/simulator.html", {"unavailable": exc.message})
    return render(request, "forecasting/simulator_levers.html", ctx)


def lever_run(request, version):
    scope = StoreScope.for_request(request)
    post = request.POST
    answer, error, ctx = None, None, None
    try:
        ctx = lever_context(request, version)
        options = ctx["options"]
        store = post.get("store", "")
        words = workspace_words()
        stores = (_picked(post.get("locations", ""), "location", options["stores"], words.locations)
                  or (options["stores"] if store == ALL else [store]))
        depts = _picked(post.get("items", ""), "item", options["depts"], words.items) or post.getlist("depts") or None
        name = post.get("name", "").strip()
        if name and not ctx["can_save"]:
            raise PermissionError("Your role does not allow saving scenarios: leave the name empty to run it.")
        margin = post.get("margin_pct", "").strip()
        answer = simulation_run(actor=Actor.from_request(request), scope=scope, stores=stores,
                                depts=depts, weeks=post.getlist("periods"),
                                levers=_levers(post, options), margin=float(margin) / 100 if margin else None,
                                name=name)
    except ServiceError as exc:
        error = {"message": exc.message, "code": exc.code}
    except (PermissionError, Unpicked) as exc:
        error = {"message": str(exc)}
    except ValueError:
        error = {"message": "margin: a percent, e.g. 30."}
    partial = {"answer": _shown(answer), "error": error}
    if request.htmx:  # errors too: htmx swaps 2xx only; a saved scenario also refreshes the saved list (out of band)
        saved = render_to_string("forecasting/_saved_lever_scenarios.html",
                                 {**saved_context(request), "oob": True, "can_save": True},
                                 request=request) if answer and answer.get("saved") else ""
        return HttpResponse(render_to_string("forecasting/_lever_result.html", partial, request=request) + saved)
    if ctx is None:  # the page itself cannot be built (e.g. the model file is gone): it says why
        return lever_page(request, version)
    return render(request, "forecasting/simulator_levers.html", {**ctx, **partial, "given": post})
