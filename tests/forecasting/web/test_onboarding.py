"""Issue 19 item 10: a getting-started checklist on the Dashboard of a new
workspace, each step ticked from the workspace's own state, only the steps a
role can take, gone once they are all done; the menu keeps the administration
pages under one "Admin" entry."""
from __future__ import annotations

import re

from tests.conftest import add_member, in_tenant, provision, web_client


def _steps(html: str) -> list[tuple[str, bool]]:
    block = re.search(r'<section class="card" id="checklist">(.*?)</section>', html, re.S)
    if block is None:
        return []
    return [("done" in cls, re.sub(r"<[^>]+>", "", text).split(" ", 1)[1] if "done" in cls else
             re.sub(r"<[^>]+>", "", text))
            for cls, text in re.findall(r'<li class="([^"]*)">(.*?) <span class="muted small">', block.group(1))]


def _owner(t):
    from accounts.models import User

    with in_tenant(t):
        return web_client(t, user=User.objects.get(email=t.owner_email))


def test_the_checklist_follows_the_workspace(db_access):
    from datetime import date

    from forecasting.models import SalesRecord
    from tests.support.targets import make_plan, make_served_run

    t = provision("onboard")
    owner_html = _owner(t).get("/").content.decode()
    assert [label for _, label in _steps(owner_html)] == [
        "Upload your sales history", "Check the data settings", "Train a model", "Submit the forecast as a plan",
        "Invite your team"]
    assert not any(done for done, _ in _steps(owner_html))
    analyst = add_member(t, "analyst")  # a second member: the team step is done; an analyst sees her steps only
    analyst_html = web_client(t, user=analyst).get("/").content.decode()
    assert [label for _, label in _steps(analyst_html)] == [
        "Upload your sales history", "Train a model", "Submit the forecast as a plan"]
    assert 'id="checklist"' not in web_client(t, user=add_member(t, "viewer")).get("/").content.decode()

    with in_tenant(t):
        SalesRecord.objects.create(store=1, dept=1, date=date(2012, 1, 6), sales=10.0)
    make_served_run(t)
    done = dict((label, d) for d, label in _steps(_owner(t).get("/").content.decode()))
    assert done == {"Upload your sales history": True, "Check the data settings": False, "Train a model": True,
                    "Submit the forecast as a plan": False, "Invite your team": True}
    make_plan(t)
    assert web_client(t, user=analyst).get("/").content.decode().count('id="checklist"') == 0  # all hers done


def test_admin_pages_sit_under_one_menu(db_access):
    t = provision("menu")
    html = _owner(t).get("/").content.decode()
    nav = re.search(r'<nav class="nav">(.*?)</nav>', html, re.S).group(1)
    admin = re.search(r'<details class="nav-more"><summary>Admin</summary>(.*?)</details>', nav, re.S).group(1)
    assert {"Members", "API keys", "Audit log", "Usage", "Billing", "Workspace"} == set(
        re.findall(r">([^<]+)</a>", admin))
    outside = re.sub(r'<details class="nav-more">.*?</details>', "", nav, flags=re.S)
    assert "Members" not in outside and "Forecasts" in outside and "Simulator" in outside
