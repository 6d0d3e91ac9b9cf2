"""The planner's pages (issue 19: Overrides, Plan, Exceptions) at 1440 and
390 px on a workspace trained by the real worker, with an override, an approved
plan and an open exception in place: each renders without a console error or
sideways scroll, and its screenshot is written (to a temp folder; with
SAAS_SCREENSHOTS=docs/screenshots, the ones the docs link to). The workspace is
put back at the end: other tests read it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import in_tenant
from tests.support.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.slow]
PAGES = {"overrides": "/forecasts/overrides/", "plan": "/forecasts/plan/", "exceptions": "/forecasts/exceptions/"}
WIDTHS = {"1440": (1440, 900), "390": (390, 844)}


@pytest.fixture
def planning_state(trained_workspace, django_db_blocker):
    """An override of the largest series' store, the forecast submitted and approved as a plan, then the
    series raised by 40 % in every week (a plan gap), with a materiality floor of 0."""
    from accounts.audit import Actor
    from accounts.models import User
    from accounts.scope import StoreScope
    from forecasting.models import DataSettings, ExceptionDismissal, Override, Plan
    from forecasting.selectors.forecast import latest_run
    from forecasting.services.overrides import override_create, override_withdraw
    from forecasting.services.plans import plan_approve, plan_submit

    t = trained_workspace
    with django_db_blocker.unblock(), in_tenant(t):
        owner, everyone = Actor.for_user(User.objects.get(email=t.owner_email)), StoreScope.all()
        point = latest_run().points.order_by("-forecast").first()
        floor = DataSettings.objects.filter(pk=1).values_list("materiality_floor", flat=True).first()
        DataSettings.objects.update_or_create(pk=1, defaults={"materiality_floor": 0.0})
        approved = list(Plan.objects.filter(status="approved").values_list("pk", flat=True))
        made = [override_create(actor=owner, scope=everyone, level="store", key={"store": point.store},
                                periods=[point.date], percent=15, reason="event", note="Town fair")]
        plan = plan_approve(actor=owner, scope=everyone, plan=plan_submit(actor=owner, scope=everyone, note="Q4"))
        weeks = sorted(set(latest_run().points.values_list("date", flat=True)))
        made.append(override_create(actor=owner, scope=everyone, level="series",  # every week: a 40 % plan gap
                                    key={"store": point.store, "dept": point.dept}, periods=weeks,
                                    percent=40, reason="promotion", note="Front-page flyer"))
    yield
    with django_db_blocker.unblock(), in_tenant(t):
        for o in made:
            override_withdraw(actor=owner, override=Override.objects.get(pk=o.pk))
        ExceptionDismissal.objects.all().delete()
        plan.delete()
        Plan.objects.filter(pk__in=approved).update(status="approved")
        DataSettings.objects.filter(pk=1).update(materiality_floor=1000.0 if floor is None else floor)


@pytest.mark.parametrize("name", list(PAGES))
def test_planner_page_renders_at_both_widths(live_server_proc, page, trained_workspace, planning_state, name,
                                             tmp_path):
    out = Path(os.environ.get("SAAS_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    login(page, live_server_proc, trained_workspace)
    for width, size in WIDTHS.items():
        page.set_viewport_size({"width": size[0], "height": size[1]})
        resp = page.goto(live_server_proc.url(trained_workspace, PAGES[name]))
        assert resp.status == 200
        assert page.locator("main table tbody tr").count() >= 1, name  # the state above shows in every page
        assert page.evaluate("() => document.documentElement.scrollWidth") <= size[0]
        page.screenshot(path=str(out / f"{name}-{width}.png"), full_page=True)
        assert (out / f"{name}-{width}.png").stat().st_size > 10_000
    assert page.console_errors == [] and page.bad_responses == []
