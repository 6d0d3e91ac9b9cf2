"""Acceptance 7 of issue 11 (store scope): a store-restricted analyst's store
picker on the Forecast page lists only her stores; the owner's lists all."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import add_member, in_tenant, provision
from tests.support.browser import login

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def restricted(django_db_setup, django_db_blocker):
    from accounts.audit import Actor
    from accounts.scope_services import member_set_stores
    from forecasting.models import SalesRecord

    with django_db_blocker.unblock():
        t = provision("picker")
        with in_tenant(t):  # sales of stores 1-4, no model yet: the picker lists stores with sales
            SalesRecord.objects.bulk_create([
                SalesRecord(store=s, dept=d, date=date(2011, 1, 7) + timedelta(weeks=w), sales=100.0 + s, is_holiday=False)
                for s in (1, 2, 3, 4) for d in (1, 2) for w in range(4)])
        analyst = add_member(t, "analyst")
        with in_tenant(t):
            member_set_stores(actor=Actor.system(), user_id=analyst.pk, stores=[2, 4])
    return t, analyst


def _picker(page) -> list[str]:
    return page.eval_on_selector_all("select[name=store] option", "els => els.map(e => e.value)")


def test_restricted_analysts_store_picker_lists_only_her_stores(live_server_proc, page, restricted):
    t, analyst = restricted
    login(page, live_server_proc, t, analyst.email)
    page.goto(live_server_proc.url(t, "/forecasts/"))
    assert _picker(page) == ["2", "4"]
    # asking for another store by URL shows no chart of it
    page.goto(live_server_proc.url(t, "/forecasts/?store=1&dept=1"))
    assert page.locator("#forecast-chart .main-svg").count() == 0
    assert "Store 1 · Department 1" not in page.content()
    assert page.console_errors == [], page.console_errors


def test_owners_store_picker_lists_every_store(live_server_proc, page, restricted):
    t, _ = restricted
    login(page, live_server_proc, t, t.owner_email)
    page.goto(live_server_proc.url(t, "/forecasts/"))
    assert _picker(page) == ["1", "2", "3", "4"]
