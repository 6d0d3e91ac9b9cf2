"""Issue 19, "accuracy where planners work": the figures of the Exceptions, Overrides (with the forecast
value added), Plan and Simulator pages carry their one-line explanation (forecasting/web/explanations.py) as
a ``title`` on the header or label they sit under, rendered through the real pages: the seeded tenant of the
Stores pages (tests/support/stores_seed.py) with an approved plan, overrides, stock on hand and the worker's
stored worklist; the simulator on a real trained artifact (tests/support/simulation_model.py)."""
from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils.html import escape

from forecasting.web.explanations import EXPLANATIONS
from tests.conftest import in_tenant, provision, web_client
from tests.support import stores_seed as seed
from tests.support.simulation_model import install_model

HTMX = {"HTTP_HX_REQUEST": "true"}
LIVE_MISS = 1.5            # store 1's earlier forecast, scaled: its realized weeks become live errors
OVERRIDDEN = (2, 2)        # a series raised 50 % by the service after the plan was approved: a plan gap
SHORT = (3, 1)             # a series with stock on hand below its demand over the lead time: a stock-out
JUDGED_DAY = date(2012, 2, 3)  # a week with actual sales, where an override's line is judged (value added)


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return User.objects.get(email=t.owner_email)


@pytest.fixture(scope="module")
def planner_shop(django_db_setup, django_db_blocker):
    from django.db.models import F

    from accounts.audit import Actor
    from accounts.scope import StoreScope
    from forecasting.models import DataSettings, ForecastPoint, OnHandStock, Override, OverrideLine
    from forecasting.services.insights import insights_snapshot_write
    from forecasting.services.overrides import override_create
    from forecasting.services.plans import plan_approve, plan_submit

    with django_db_blocker.unblock():
        t = provision("explplan")
        seed.seed(t)
        with in_tenant(t):
            owner = Actor.for_user(_owner(t))
            DataSettings.objects.update_or_create(pk=1, defaults={"materiality_floor": 0.0})
            ForecastPoint.objects.filter(run__origin=seed.EARLIER_ORIGIN, store=1).update(
                forecast=F("forecast") * LIVE_MISS)
            plan_approve(actor=owner, scope=StoreScope.all(),
                         plan=plan_submit(actor=owner, scope=StoreScope.all(), note="explained"))
            override_create(actor=owner, scope=StoreScope.all(), level="series",
                            key={"store": OVERRIDDEN[0], "dept": OVERRIDDEN[1]},
                            periods=[w.isoformat() for w in seed.FORECAST_WEEKS], percent=50, reason="promotion",
                            note="flyer")
            judged = Override.objects.create(level="series", key={"store": 1, "dept": 1},
                                             periods=[JUDGED_DAY.isoformat()], percent=10.0, reason="event",
                                             stores=[1])
            OverrideLine.objects.create(override=judged, store=1, dept=1, date=JUDGED_DAY,
                                        statistical=seed.SALES[(1, 1, JUDGED_DAY)] * 1.3,
                                        final=seed.SALES[(1, 1, JUDGED_DAY)] * 1.1)
            OnHandStock.objects.create(store=SHORT[0], dept=SHORT[1], on_hand=10.0)
            insights_snapshot_write()  # the worker's part of the worklist: live errors and anomalies
    return t


def _explained(html: str, key: str, label: str) -> None:
    """``label`` (the start of the header's or figure's text) carries the line of ``key`` on hover."""
    assert f'title="{escape(EXPLANATIONS[key])}">{label}' in html, (key, label)


def _table(html: str, table_id: str) -> str:
    found = re.search(rf'<table class="table[^"]*" id="{table_id}">(.*?)</table>', html, re.S)
    assert found, table_id
    return found.group(1)


def test_exceptions_worklist_explains_money_at_stake_and_each_kinds_figures(planner_shop):
    html = web_client(planner_shop, user=_owner(planner_shop)).get("/forecasts/exceptions/").content.decode()
    table = _table(html, "exceptions")
    kinds = set(re.findall(r'<tr data-kind="([a-z_]+)"', table))
    assert kinds == {"live_error", "plan_gap", "stockout", "anomaly"}, kinds
    _explained(table, "money_at_stake", "At stake")
    _explained(table, "exception_wape", "WAPE ")
    _explained(table, "exception_bias", "bias +")  # store 1's earlier forecast ran high
    _explained(table, "plan_gap", "$")
    _explained(table, "stockout", "$10 on hand")
    _explained(table, "anomaly", "$")
    assert re.search(rf'title="{re.escape(escape(EXPLANATIONS["plan_gap"]))}">\$[\d,]+ now against \$[\d,]+ in plan 1',
                     table)


def test_overrides_page_explains_the_change_and_the_forecast_value_added(planner_shop):
    html = web_client(planner_shop, user=_owner(planner_shop)).get("/forecasts/overrides/").content.decode()
    active = _table(html, "active-overrides")
    assert "+50 %" in active and "flyer" in active
    _explained(active, "override_change", "Change")
    fva = _table(html, "value-added")
    for key, label in (("fva_overrides", "Overrides"), ("fva_cells", "Series × weeks"),
                       ("fva_error_before", "Error before"), ("fva_error_after", "Error after"),
                       ("fva_value_added", "Value added")):
        _explained(fva, key, label)
    sales = seed.SALES[(1, 1, JUDGED_DAY)]
    assert f"+${round(sales * 0.2):,}" in fva  # the override brought the forecast 20 % of the sales closer


def test_plan_page_explains_the_totals_the_overrides_and_the_gap_to_the_forecast(planner_shop):
    html = web_client(planner_shop, user=_owner(planner_shop)).get("/forecasts/plan/").content.decode()
    current = re.search(r'<section class="card" id="current-plan">(.*?)</section>', html, re.S).group(1)
    _explained(current, "plan_total", "Total")
    _explained(current, "plan_statistical_total", "(the model alone: $")
    _explained(current, "plan_versus", "$")
    assert re.search(rf'title="{re.escape(escape(EXPLANATIONS["plan_versus"]))}">\$[\d,]+ against \$[\d,]+ planned, '
                     r'\+\$[\d,]+ \(\+[\d.]+%\)', current)  # the override raised the forecast after approval
    plans = _table(html, "plans")
    _explained(plans, "plan_total", "Total")
    _explained(plans, "plan_overrides", "Overrides")


@pytest.fixture(scope="module")
def sim_shop(django_db_setup, django_db_blocker):
    from forecasting.ml.pipeline import load_artifact
    from forecasting.ml.simulate import forecast_weeks

    with django_db_blocker.unblock():
        t = provision("explsim")
        path = install_model(t)
    return t, forecast_weeks(load_artifact(path))


SIM_ANSWER = (("sim_incremental_sales", "Incremental sales"), ("sim_range80", "80 %: "),
              ("sim_markdown_cost", "Markdown cost (vs planned)"), ("sim_incremental_profit", "Incremental gross profit"),
              ("sim_baseline", "baseline "), ("sim_scenario", "scenario "),
              ("sim_markdowns_planned", "Markdowns planned"), ("sim_markdowns_entered", "Markdowns entered"),
              ("sim_baseline", "Baseline"), ("sim_scenario", "Scenario"), ("sim_week_incremental", "Incremental"),
              ("sim_week_markdown_cost", "Markdown cost"))
SIM_SAVED = (("sim_incremental_sales", "Incremental sales"), ("sim_markdown_cost", "Markdown cost"),
             ("sim_incremental_profit", "Incremental profit"), ("sim_roi", "ROI"))


def test_simulator_explains_the_answer_and_the_saved_scenarios(sim_shop):
    t, weeks = sim_shop
    client = web_client(t, user=_owner(t))
    resp = client.post("/simulator/run/", {"slot": "a", "store": "1", "weeks": weeks[:2], "markdown1": "9000",
                                           "margin_pct": "30", "name": "Explained"}, **HTMX)
    html = resp.content.decode()
    assert resp.status_code == 200 and "sim-answer" in html
    answer = re.search(r'<div class="sim-answer".*?</table>', html, re.S).group(0)
    for key, label in SIM_ANSWER:
        _explained(answer, key, label)
    assert re.search(rf'title="{re.escape(escape(EXPLANATIONS["sim_roi"]))}">(ROI \(profit|No ROI: )', answer)
    saved = _table(html, "scenarios")  # the out-of-band refresh of the saved list
    assert "Explained" in saved
    for key, label in SIM_SAVED:
        _explained(saved, key, label)
    page = client.get("/simulator/").content.decode()
    for key, label in SIM_SAVED:
        _explained(_table(page, "scenarios"), key, label)
    whole = client.post("/simulator/run/", {"slot": "b", "store": "2", "weeks": weeks[:1], "markdown1": "5000",
                                            "margin_pct": "30"}).content.decode()  # without htmx: the whole page
    assert "<html" in whole
    _explained(whole, "sim_incremental_sales", "Incremental sales")
    _explained(whole, "sim_range80", "80 %: ")
