"""Issue 9, item 7: the weekly report. Acceptance 5: the PDF is produced from
the demo data and opens (its pages are read back with pypdf); its KPIs are the
like-for-like figures computed by hand from the demo CSV; a restricted member's
report covers only her stores; the web route refuses anonymous callers and
another workspace's members; the weekly send goes once per ISO week to the
subscribers only, each with the PDF attached."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from django.core import mail
from django.utils import timezone

from tests.conftest import add_member, api_client, in_tenant, provision, web_client
from tests.support.report_checks import pdf_text

MINE = [1, 2]
WAPE = 0.0734


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo data (forecasting/demo_data.py) loaded, a champion serving a forecast of the next 13 weeks
    (last year's sales + 5%) and a live evaluation."""
    from accounts.audit import Actor
    from accounts.scope_services import member_set_stores
    from forecasting.demo_data import generate
    from forecasting.models import ForecastPoint, ForecastRun, ModelEvaluation, ModelVersion, SalesRecord, Store

    files = generate(tmp_path_factory.mktemp("demo"), seed=3, small=True)
    sales = pd.read_csv(files["sales"], parse_dates=["Date"])
    sales["Date"] = sales["Date"].dt.date
    stores = pd.read_csv(files["stores"])
    last = max(sales["Date"])
    by_key = {(r.Store, r.Dept, r.Date): float(r.Weekly_Sales) for r in sales.itertuples()}
    series = sorted({(s, d) for s, d, _ in by_key})
    future = [last + timedelta(weeks=h) for h in range(1, 14)]
    with django_db_blocker.unblock():
        t = provision("weekly")
        with in_tenant(t):
            Store.objects.bulk_create([Store(number=r.Store, type=r.Type, size=r.Size) for r in stores.itertuples()])
            SalesRecord.objects.bulk_create([SalesRecord(store=s, dept=d, date=w, sales=v, is_holiday=False)
                                             for (s, d, w), v in by_key.items()])
            version = ModelVersion.objects.create(
                number=1, status="active", chosen="ensemble", horizon=13, backtest_windows=1,
                metrics={"ensemble": {"wmae": 1.0}}, dataset_version=0, artifact_path="/nonexistent",
                artifact_sha256="0" * 64, training_seconds=1.0, data_end=last)
            run = ForecastRun.objects.create(model_version=version, origin=last, horizon=13, series=len(series))
            ForecastPoint.objects.bulk_create([
                ForecastPoint(run=run, store=s, dept=d, date=w, forecast=by_key.get((s, d, w - timedelta(days=364)), 0) * 1.05,
                              lo80=0, hi80=1, lo95=0, hi95=1) for s, d in series for w in future])
            ModelEvaluation.objects.create(
                run=run, model_version=version, origin=last, first_week=last, last_week=last, weeks=1, rows=1,
                wmae=1.0, mae=1.0, wape=WAPE, bias=0.0, coverage80=0.8, coverage95=0.95, seasonal_naive_wmae=2.0)
        restricted = add_member(t, "viewer")
        with in_tenant(t):
            member_set_stores(actor=Actor.system(), user_id=restricted.pk, stores=MINE)
    return {"tenant": t, "restricted": restricted, "sales": by_key, "last": last}


def ytd_by_hand(sales: dict, last: date, stores=None) -> tuple[float, float]:
    """Year to date and the same weeks a year earlier, over the series that sold in both."""
    start = date(last.year, 1, 1)
    ly0, ly1 = start - timedelta(days=364), last - timedelta(days=364)
    cur, prev = {}, {}
    for (s, d, w), v in sales.items():
        if stores is not None and s not in stores:
            continue
        if start <= w <= last:
            cur[(s, d)] = cur.get((s, d), 0.0) + v
        if ly0 <= w <= ly1:
            prev[(s, d)] = prev.get((s, d), 0.0) + v
    both = set(cur) & set(prev)
    return sum(cur[k] for k in both), sum(prev[k] for k in both)


def last_week_by_hand(sales: dict, last: date, stores=None) -> tuple[float, float]:
    keys = [(s, d) for (s, d, w) in sales if w == last and (stores is None or s in stores)]
    keys = [k for k in keys if (*k, last - timedelta(days=364)) in sales]
    return sum(sales[(*k, last)] for k in keys), sum(sales[(*k, last - timedelta(days=364))] for k in keys)


def test_report_pdf_from_the_demo_data_opens_with_its_kpis(demo):
    t = demo["tenant"]
    resp = api_client(t, key=t.admin_key).get("/api/v1/reports/weekly.pdf")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"].startswith('attachment; filename="weekly-report-')
    text = pdf_text(resp.content)
    assert "Weekly report" in text and "All stores" in text and "Key figures" in text
    ytd, ly = ytd_by_hand(demo["sales"], demo["last"])
    assert f"${ytd:,.0f}" in text and f"${ly:,.0f}" in text and f"{(ytd / ly - 1) * 100:+,.1f}%" in text
    week, week_ly = last_week_by_hand(demo["sales"], demo["last"])
    assert f"${week:,.0f}" in text and f"${week_ly:,.0f}" in text
    assert f"{WAPE * 100:,.1f}%" in text and "v1 (ensemble)" in text
    assert "+5.0%" in text  # the next 13 weeks: last year's sales + 5%, like for like
    assert "Top movers: stores" in text and "Top movers: departments" in text and "Store 1" in text


def test_restricted_members_report_covers_only_her_stores(demo):
    t = demo["tenant"]
    text = pdf_text(web_client(t, user=demo["restricted"]).get("/reports/weekly.pdf").content)
    assert "Stores 1, 2" in text and "Store 3" not in text
    ytd, ly = ytd_by_hand(demo["sales"], demo["last"], stores=set(MINE))
    assert f"${ytd:,.0f}" in text and f"${ly:,.0f}" in text
    everyone, _ = ytd_by_hand(demo["sales"], demo["last"])
    assert f"${everyone:,.0f}" not in text


def test_web_route_refuses_anonymous_and_another_workspace(demo, django_db_blocker):
    t = demo["tenant"]
    with django_db_blocker.unblock():
        other = provision("weekly-b")
    with in_tenant(other):
        from accounts.models import User

        owner_b = User.objects.get(email=other.owner_email)
    for client in (web_client(t), web_client(other, user=owner_b)):
        resp = client.get("/reports/weekly.pdf", HTTP_HOST=t.host)
        assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    assert api_client(other, key=other.admin_key).get("/api/v1/reports/weekly.pdf", HTTP_HOST=t.host).status_code in (401, 403)


def test_member_toggles_her_subscription_on_the_dashboard(demo, django_db_blocker):
    """Issue 19 item 10: the subscription was hidden on the Password page."""
    t = demo["tenant"]
    member = add_member(t, "viewer")
    client = web_client(t, user=member)
    assert 'id="weekly-report"' in client.get("/").content.decode() and "Subscribe" in client.get("/").content.decode()
    assert 'action="/reports/subscription/"' not in client.get("/accounts/password/").content.decode()
    resp = client.post("/reports/subscription/", {"subscribed": "1"})
    assert resp.status_code == 302 and resp["Location"] == "/"
    with in_tenant(t):
        from accounts.models import AuditEvent, User

        assert User.objects.get(pk=member.pk).subscribed_weekly_report is True
        assert AuditEvent.objects.filter(action="report.weekly_subscription", target_id=str(member.pk)).count() == 1
    assert "Unsubscribe" in client.get("/").content.decode()
    client.post("/reports/subscription/", {"subscribed": "0"})
    with in_tenant(t):
        assert User.objects.get(pk=member.pk).subscribed_weekly_report is False


def test_weekly_send_once_per_week_to_subscribers_only(demo, settings):
    from accounts.models import User
    from forecasting.reports.delivery import weekly_reports_send_due

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    t = demo["tenant"]
    subscriber, bystander = add_member(t, "analyst"), add_member(t, "viewer")
    with in_tenant(t):
        User.objects.filter(pk__in=[subscriber.pk, demo["restricted"].pk]).update(subscribed_weekly_report=True)
    mail.outbox = []
    monday = date(2026, 11, 16)
    assert weekly_reports_send_due(today=monday) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([subscriber.email, demo["restricted"].email])
    assert bystander.email not in {m.to[0] for m in mail.outbox}
    for m in mail.outbox:
        (name, data, kind), = m.attachments
        assert kind == "application/pdf" and name.endswith(".pdf") and "Key figures" in pdf_text(data)
        html = m.alternatives[0][0]
        assert "Weekly report" in html and "Year to date" in html
    restricted_mail = next(m for m in mail.outbox if m.to[0] == demo["restricted"].email)
    assert "Stores 1, 2" in pdf_text(restricted_mail.attachments[0][1])
    assert weekly_reports_send_due(today=monday + timedelta(days=3)) == 0  # same ISO week: already sent
    assert len(mail.outbox) == 2
    assert weekly_reports_send_due(today=monday + timedelta(days=7)) == 2  # the next week
    with in_tenant(t):
        from accounts.models import AuditEvent

        assert AuditEvent.objects.filter(action="report.weekly_sent").count() == 2
        User.objects.filter(subscribed_weekly_report=True).update(subscribed_weekly_report=False)


def test_one_workspace_failing_does_not_stop_the_others(demo, monkeypatch, settings, django_db_blocker, caplog):
    from django.db import connection

    from accounts.models import User
    from forecasting.reports import delivery

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    t = demo["tenant"]
    with django_db_blocker.unblock():
        later = provision("weekly-c")  # iterated after the failing workspace
    with in_tenant(t):
        User.objects.filter(email=t.owner_email).update(subscribed_weekly_report=True)
    with in_tenant(later):
        User.objects.filter(email=later.owner_email).update(subscribed_weekly_report=True)
    real = delivery.weekly_report

    def failing_in_the_demo_workspace(*, scope, today=None):
        if connection.schema_name == t.schema:
            raise RuntimeError("boom")
        return real(scope=scope, today=today)

    monkeypatch.setattr(delivery, "weekly_report", failing_in_the_demo_workspace)
    mail.outbox = []
    assert delivery.weekly_reports_send_due(today=date(2027, 1, 4)) == 1
    assert [m.to[0] for m in mail.outbox] == [later.owner_email]
    assert any(t.slug in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)
    with in_tenant(t):
        from accounts.models import AuditEvent

        assert not AuditEvent.objects.filter(action="report.weekly_sent", payload__week="2027-W01").exists()
        User.objects.filter(email=t.owner_email).update(subscribed_weekly_report=False)


def test_the_report_prints_the_approved_plan_against_the_current_forecast(demo, django_db_blocker):
    """Issue 19 item 4: the weekly report serves the approved plan, compared like for like with the forecast."""
    from forecasting.models import ForecastPoint, Plan, PlanPoint

    t = demo["tenant"]
    client = api_client(t, key=t.admin_key)
    assert "No approved plan yet" in pdf_text(client.get("/api/v1/reports/weekly.pdf").content)
    with django_db_blocker.unblock(), in_tenant(t):
        week = demo["last"] + timedelta(weeks=1)
        served = ForecastPoint.objects.get(store=1, dept=1, date=week).forecast
        plan = Plan.objects.create(number=1, status="approved", model_number=1, origin=demo["last"],
                                   first_period=week, last_period=week, series=1, total=1000.0,
                                   statistical_total=1000.0, overrides=0, approved_at=timezone.now())
        PlanPoint.objects.create(plan=plan, store=1, dept=1, date=week, forecast=1000.0, statistical=1000.0)
    try:
        text = " ".join(pdf_text(client.get("/api/v1/reports/weekly.pdf").content).split())
        assert "The approved plan" in text and "Plan v1, approved" in text
        assert f"the current forecast is ${served:,.0f} against $1,000 planned" in text
        assert f"({(served / 1000 - 1) * 100:+,.1f}%)" in text
    finally:
        with django_db_blocker.unblock(), in_tenant(t):
            Plan.objects.all().delete()
