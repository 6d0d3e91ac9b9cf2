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
from forecasting.selectors.catalog import series_codes
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


def lever_context(request, version, **extra) -> dict:
    scope = StoreScope.for_request(request)
    options = periodic_options(version=version, scope=scope)
    codes = series_codes()
    return {"options": options, "can_save": has_perm(request.user.role, "simulations.save"),
            "stores": [(s, codes.locations.get(s, (str(s), ""))[0]) for s in options["stores"]],
            "products": [(d, codes.items.get(d, (str(d), ""))[0]) for d in options["depts"]],
            "default_periods": options["periods"][:DEFAULT_PERIODS], "given": {}, "answer": None, "error": None,
            **extra}


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
        stores = options["stores"] if store == ALL else [store]
        name = post.get("name", "").strip()
        if name and not ctx["can_save"]:
            raise PermissionError("Your role does not allow saving scenarios: leave the name empty to run it.")
        margin = post.get("margin_pct", "").strip()
        answer = simulation_run(actor=Actor.from_request(request), scope=scope, stores=stores,
                                depts=post.getlist("depts") or None, weeks=post.getlist("periods"),
                                levers=_levers(post, options), margin=float(margin) / 100 if margin else None,
                                name=name)
    except ServiceError as exc:
        error = {"message": exc.message, "code": exc.code}
    except PermissionError as exc:
        error = {"message": str(exc)}
    except ValueError:
        error = {"message": "margin: a percent, e.g. 30."}
    partial = {"answer": _shown(answer), "error": error}
    if request.htmx:  # errors too: htmx swaps 2xx only
        return HttpResponse(render_to_string("forecasting/_lever_result.html", partial, request=request))
    if ctx is None:  # the page itself cannot be built (e.g. the model file is gone): it says why
        return lever_page(request, version)
    return render(request, "forecasting/simulator_levers.html", {**ctx, **partial, "given": post})
