"""Issue 19, the planner's workflow 5 in Chromium at 1440 and 390 px on a
workspace trained by the real worker: an approved plan far below the served
forecast of one series raises a plan-gap exception; the Dashboard's "What
needs attention" leads with it, the Exceptions page lists it with its money at
stake and a link to the series, and a planner's answer with a reason hides it.
The plan, the answer and the floor are put back at the end: other tests read
the same workspace."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import in_tenant
from tests.support.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]


@pytest.fixture
def plan_far_below(trained_workspace, django_db_blocker):
    from django.db.models import Max

    from forecasting.models import DataSettings, ExceptionDismissal, Plan, PlanPoint
    from forecasting.selectors.forecast import latest_run

    t = trained_workspace
    with django_db_blocker.unblock(), in_tenant(t):
        point = latest_run().points.order_by("-forecast").first()
        floor = DataSettings.objects.filter(pk=1).values_list("materiality_floor", flat=True).first()
        DataSettings.objects.update_or_create(pk=1, defaults={"materiality_floor": 0.0})
        approved = list(Plan.objects.filter(status="approved").values_list("pk", flat=True))
        Plan.objects.filter(pk__in=approved).update(status="superseded")
        plan = Plan.objects.create(number=(Plan.objects.aggregate(n=Max("number"))["n"] or 0) + 1, status="approved",
                                   model_number=1, origin=point.date - timedelta(weeks=1), first_period=point.date,
                                   last_period=point.date, series=1, total=0.0, statistical_total=0.0, overrides=0)
        PlanPoint.objects.create(plan=plan, store=point.store, dept=point.dept, date=point.date, forecast=0.0,
                                 statistical=0.0)
    yield point
    with django_db_blocker.unblock(), in_tenant(t):
        ExceptionDismissal.objects.all().delete()
        plan.delete()
        Plan.objects.filter(pk__in=approved).update(status="approved")
        DataSettings.objects.filter(pk=1).update(materiality_floor=1000.0 if floor is None else floor)


def test_the_worklist_ranks_links_and_hides_an_answered_row(live_server_proc, page, trained_workspace,
                                                            plan_far_below):
    t, point = trained_workspace, plan_far_below
    login(page, live_server_proc, t)
    page.goto(live_server_proc.url(t, "/"))
    first = page.locator("#attention-exceptions li").first
    assert f"${point.forecast:,.0f} at stake" in first.inner_text()  # the largest gap: its whole forecast
    page.goto(live_server_proc.url(t, "/forecasts/exceptions/"))
    rows = page.locator("#exceptions tbody tr")
    gap = page.locator("#exceptions tbody tr[data-kind=plan_gap]")
    assert gap.count() == 1 and "Moved away from the approved plan" in gap.inner_text()
    assert gap.locator("a").get_attribute("href").startswith(f"/forecasts/?store={point.store}&dept={point.dept}")
    money = [float(x.replace("$", "").replace(",", "").replace("−", "-"))
             for x in rows.locator("td:first-child").all_inner_texts()]
    assert money == sorted(money, reverse=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    gap.locator("select[name=reason]").select_option("known_cause")
    gap.locator("input[name=note]").fill("Store refit")
    gap.locator("button", has_text="Answer").click()
    assert "Answered" in page.locator(".flash-success").inner_text()
    assert page.locator("#exceptions tbody tr[data-kind=plan_gap]").count() == 0
    assert page.console_errors == [] and page.bad_responses == []
