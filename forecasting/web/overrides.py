"""The Overrides page (Forecasts > Overrides): set an override on a series or
any hierarchy node, the active ones with their withdrawal, and the forecast
value added by planner and reason once the actuals arrived. The Forecast page
posts its "Override this series" form here too."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.audit import Actor
from accounts.decorators import role_required
from accounts.roles import has_perm
from accounts.scope import StoreScope
from forecasting.ml.overrides import is_attribute_level
from forecasting.models import Override, Store
from forecasting.selectors.catalog import Words, series_codes, workspace_words
from forecasting.selectors.dataset import series_choices
from forecasting.selectors.forecast import latest_run
from forecasting.selectors.groups import node_choices
from forecasting.selectors.overrides import override_get, override_list, run_dates, value_added
from forecasting.services.overrides import override_create, override_withdraw
from saas.errors import ServiceError

LEVEL_LABELS = {"series": "One series", "store": "A {location}", "dept": "A {item}", "store_type": "A {location} type",
                "total": "Everything"}


def node_label(override: Override, words, codes) -> str:
    key = override.key
    if override.level == "series":
        names = codes.of(key["store"], key["dept"])
        return f"{words.location} {names['location']} · {words.item} {names['item']}"
    if override.level == "store":
        return f"{words.location} {codes.of(key['store'], 0)['location']}"
    if override.level == "dept":
        return f"{words.item} {codes.of(0, key['dept'])['item']}"
    if override.level == "store_type":
        return f"{words.location} type {key['type']}"
    if is_attribute_level(override.level):
        side, _, attr = override.level.partition(".")
        return f"{words.location if side == 'location' else words.item} {attr.replace('_', ' ')} {key['value']}"
    return "Everything"


def amount_label(override: Override) -> str:
    if override.value is not None:
        return f"set to {override.value:,.0f} per period"
    return f"{override.percent:+g} %".replace("-", "−")


def periods_label(periods: list[str], words: Words) -> str:
    """The periods an override names: listed when a few, as a span when many ("(28 days)")."""
    if len(periods) <= 3:
        return ", ".join(periods)
    return f"{periods[0]} – {periods[-1]} ({len(periods)} {words.periods})"


def _form_from(post) -> dict:
    form = {k: post.get(k, "").strip() for k in ("level", "store", "dept", "type", "amount", "kind", "reason",
                                                 "note")} | {"periods": post.getlist("periods")}
    form["value"] = post.get(f"attr:{form['level']}", "").strip()  # an attribute level's value
    return form


def _key(form: dict) -> dict:
    if is_attribute_level(form["level"]):
        return {"value": form["value"]}
    return {"series": {"store": form["store"], "dept": form["dept"]}, "store": {"store": form["store"]},
            "dept": {"dept": form["dept"]}, "store_type": {"type": form["type"]}}.get(form["level"], {})


def _context(request, **extra) -> dict:
    scope = StoreScope.for_request(request)
    words, codes = workspace_words(), series_codes()
    run = latest_run()
    types = sorted({t for t in Store.objects.values_list("type", flat=True) if t})
    levels = ["series", "store"] if scope.restricted else [lv for lv in LEVEL_LABELS if lv != "store_type" or types]
    attributes = [] if scope.restricted else [c for c in node_choices(words) if c["level"] != "location.type"]
    choices = series_choices(scope=scope)
    active = [(o, node_label(o, words, codes), amount_label(o), periods_label(o.periods, words))
              for o in override_list(scope=scope)]
    withdrawn = [(o, node_label(o, words, codes), amount_label(o), periods_label(o.periods, words))
                 for o in override_list(scope=scope, withdrawn=True).filter(withdrawn_at__isnull=False)
                 .order_by("-withdrawn_at")[:20]]
    ctx = {"run": run, "dates": run_dates(run) if run else [], "active": active, "withdrawn": withdrawn,
           "value_added": value_added(scope=scope), "can_override": has_perm(request.user.role, "forecasts.override"),
           "levels": [(lv, LEVEL_LABELS[lv].format(location=words.location.lower(), item=words.item.lower()))
                      for lv in levels] + [(c["level"], f"A {c['label'].lower()}") for c in attributes],
           "attribute_levels": attributes,
           "stores": [(s, codes.of(s, 0)["location"]) for s in choices["stores"]],
           "depts": [(d, codes.of(0, d)["item"]) for d in choices["depts"]],
           "types": types,  # Walmart's store types; another retailer's groups are its attribute levels
           "reasons": Override.Reason.choices, "form": {"level": "series", "kind": "percent", "periods": []}}
    ctx.update(extra)
    return ctx


@role_required("forecasts.view")
def overrides_page(request):
    return render(request, "forecasting/overrides.html", _context(request))


def _next_url(request) -> str | None:
    target = request.POST.get("next", "")
    if target.startswith("/forecasts/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


@require_POST
@role_required("forecasts.override")
def override_submit(request):
    form = _form_from(request.POST)
    amount = form["amount"] or None
    try:
        override_create(actor=Actor.from_request(request), scope=StoreScope.for_request(request),
                        level=form["level"], key=_key(form), periods=form["periods"],
                        value=amount if form["kind"] == "value" else None,
                        percent=amount if form["kind"] != "value" else None,
                        reason=form["reason"], note=form["note"])
    except ServiceError as exc:
        if _next_url(request):
            messages.error(request, f"The override was not saved: {exc.message}")
            return redirect(_next_url(request))
        return render(request, "forecasting/overrides.html", _context(request, form=form, error=exc.message),
                      status=400)
    messages.success(request, "Override saved: the forecast, the export and the reports now carry it.")
    return redirect(_next_url(request) or "overrides")


@require_POST
@role_required("forecasts.override")
def override_withdraw_submit(request, pk: int):
    found = override_get(scope=StoreScope.for_request(request), override_id=pk)
    if found is None:
        messages.error(request, "No such override.")
    else:
        override_withdraw(actor=Actor.from_request(request), override=found)
        messages.success(request, "Override withdrawn: the model's forecast is served again for its periods.")
    return redirect("overrides")
