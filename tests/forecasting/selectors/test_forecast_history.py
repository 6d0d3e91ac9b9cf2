"""The Forecast page's last year overlay and its earlier forecasts against what
happened (forecasting/selectors/forecast.py), with every figure worked out by
hand from the rows seeded here, and the page that shows them."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from accounts.scope import StoreScope
from tests.conftest import add_member, in_tenant, provision, web_client
from tests.support.targets import make_model_version

ORIGIN = date(2012, 7, 27)  # the served run's origin: the last week with sales
WEEK = timedelta(weeks=1)
SPECIAL = {date(2011, 7, 8): 1500.0, date(2011, 8, 5): 500.0, date(2011, 8, 12): 600.0, date(2011, 8, 19): 700.0,
           date(2012, 7, 6): 1200.0, date(2012, 7, 13): 800.0, date(2010, 7, 2): 333.0}
MISSING = {date(2011, 8, 26)}


def _weeks(first: date, n: int) -> list[date]:
    return [first + i * WEEK for i in range(n)]


def _seed(t):
    """Store 1 dept 18 sold 1,000 a week from 2011-07-01 to 2012-07-27 (except SPECIAL, none in MISSING), and
    333 in the week of 2010-07-02. The served run forecasts 2012-08-03..08-24; four earlier runs of this
    series (origins 2012-06-29, 06-01, 05-04, 04-06) and one of another store (2012-07-13)."""
    from forecasting.models import ForecastPoint, ForecastRun, ModelVersion, SalesRecord

    version = make_model_version(t)
    with in_tenant(t):
        ModelVersion.objects.filter(pk=version.pk).update(status="active")
        days = [date(2010, 7, 2)] + _weeks(date(2011, 7, 1), 57)
        SalesRecord.objects.bulk_create([SalesRecord(store=1, dept=18, date=d, sales=SPECIAL.get(d, 1000.0))
                                         for d in days if d not in MISSING])
        SalesRecord.objects.create(store=2, dept=18, date=ORIGIN, sales=50.0)

        def run(origin, weeks, value, store=1, created=0):
            r = ForecastRun.objects.create(model_version_id=version.pk, origin=origin, horizon=weeks, series=1,
                                           kind="refresh")
            ForecastPoint.objects.bulk_create([
                ForecastPoint(run=r, store=store, dept=18, date=d, forecast=value, lo80=value - 100,
                              hi80=value + 100, lo95=value - 200, hi95=value + 200, status="modelled")
                for d in _weeks(origin + WEEK, weeks)])
            return r

        earlier = {"a": run(date(2012, 6, 29), 5, 1100.0), "b": run(date(2012, 6, 1), 4, 900.0),
                   "c": run(date(2012, 5, 4), 4, 1000.0), "d": run(date(2012, 4, 6), 4, 1000.0),
                   "other": run(date(2012, 7, 13), 2, 10.0, store=2)}
        served = run(ORIGIN, 4, 2000.0)  # the newest: the one served
    return version, served, earlier


def test_last_year_is_drawn_on_this_years_dates(tenant):
    from forecasting.selectors.dataset import series_history
    from forecasting.selectors.forecast import forecast_series, last_year_overlay

    _seed(tenant)
    with in_tenant(tenant):
        scope = StoreScope.all()
        history = series_history(scope=scope, store=1, dept=18)
        points = forecast_series(scope=scope, store=1, dept=18)["points"]
        dates = [h["date"] for h in history] + [p["date"] for p in points]
        ly = last_year_overlay(scope=scope, store=1, dept=18, dates=dates)
        assert last_year_overlay(scope=StoreScope.only([2]), store=1, dept=18, dates=dates) == []
    # 2010-07-02 -> 2011-07-01; 2011-07-01..07-29 -> 2012-06-29..07-27; 2011-08-05..08-19 -> the forecast weeks
    # (2011-08-26 had no sale, so 2012-08-24 has no last-year point)
    assert [(r["date"], r["sales"]) for r in ly] == [
        (date(2011, 7, 1), 333.0), (date(2012, 6, 29), 1000.0), (date(2012, 7, 6), 1500.0),
        (date(2012, 7, 13), 1000.0), (date(2012, 7, 20), 1000.0), (date(2012, 7, 27), 1000.0),
        (date(2012, 8, 3), 500.0), (date(2012, 8, 10), 600.0), (date(2012, 8, 17), 700.0)]
    assert all(r["date"] - r["last_year_date"] == timedelta(days=364) for r in ly)


def test_earlier_forecasts_against_actuals(tenant):
    from forecasting.selectors.forecast import earlier_forecasts

    _, served, runs = _seed(tenant)
    with in_tenant(tenant):
        out = earlier_forecasts(scope=StoreScope.all(), store=1, dept=18, served=served)
        assert earlier_forecasts(scope=StoreScope.only([2]), store=1, dept=18, served=served) == []
        assert earlier_forecasts(scope=StoreScope.all(), store=9, dept=9, served=served) == []
    # newest three with actuals: a, b, c (d is the fourth; "other" forecasts another store; served is excluded)
    assert [e["run"].pk for e in out] == [runs["a"].pk, runs["b"].pk, runs["c"].pk]
    a, b, c = out
    # a: 2012-07-06..08-03 at 1,100; 08-03 has no actual yet -> 4 weeks; actuals 1,200 + 800 + 1,000 + 1,000
    assert (a["weeks"], a["first"], a["last"]) == (4, date(2012, 7, 6), date(2012, 7, 27))
    assert (a["forecast_total"], a["actual_total"]) == (4400.0, 4000.0)
    assert a["error"] == pytest.approx(0.10)
    assert [p["actual"] for p in a["points"]] == [1200.0, 800.0, 1000.0, 1000.0]
    assert (b["forecast_total"], b["actual_total"], b["weeks"]) == (3600.0, 4000.0, 4)
    assert b["error"] == pytest.approx(-0.10)
    assert (c["forecast_total"], c["actual_total"], c["error"]) == (4000.0, 4000.0, 0.0)
    assert a["origin"] == date(2012, 6, 29) and a["kind"] == "refresh" and a["model_version"] == 1


def test_forecast_page_shows_last_year_and_earlier_forecasts(tenant):
    from accounts.models import User

    _seed(tenant)
    with in_tenant(tenant):
        owner = User.objects.get(email=tenant.owner_email)
    html = web_client(tenant, user=owner).get("/forecasts/?store=1&dept=18").content.decode()
    assert '"name":"Last year"' in html.replace(": ", ":")
    for origin in ("2012-06-29", "2012-06-01", "2012-05-04"):
        assert f"Forecast from {origin} (v1)" in html
    assert "Forecast from 2012-04-06" not in html
    table = html.split('id="earlier-forecasts"')[1].split("</table>")[0]
    assert "$4,400" in table and "$4,000" in table and "$3,600" in table
    assert "+10.0%" in table and "−10.0%" in table
    weekly = html.split('id="forecast-points"')[1].split("</table>")[0]
    # the served forecast 2,000 a week, same week last year 500 / 600 / 700 / none, with separators
    assert weekly.count("$2,000") == 4 and "$500" in weekly and "$700" in weekly and "—" in weekly
    assert "$1,800 – $2,200" in weekly
    # the model file is unreadable (a registered row without artifact): said so instead of drivers
    assert 'id="no-drivers"' in html and "cannot be shown" in html


def test_forecast_page_empty_states(tenant):
    from accounts.models import User

    with in_tenant(tenant):
        owner = User.objects.get(email=tenant.owner_email)
    viewer = add_member(tenant, "viewer")
    html = web_client(tenant, user=owner).get("/forecasts/").content.decode()
    assert 'id="no-sales"' in html and "Upload your sales history" in html
    assert "Upload your sales history" not in web_client(tenant, user=viewer).get("/forecasts/").content.decode()
    with in_tenant(tenant):
        from forecasting.models import SalesRecord

        SalesRecord.objects.create(store=1, dept=1, date=ORIGIN, sales=10.0)
    html = web_client(tenant, user=viewer).get("/forecasts/").content.decode()
    assert 'id="no-model"' in html and "Models page" in html


def test_another_workspace_sees_none_of_it(tenant):
    """A member of another workspace gets the login page, never this tenant's forecast or history."""
    _seed(tenant)
    other = provision("fcother")
    resp = web_client(other, user=add_member(other, "owner")).get("/forecasts/?store=1&dept=18",
                                                                  HTTP_HOST=tenant.host)
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_series_choices_by_loose_index_scan(tenant):
    """The pickers' series (one index probe per series) are exactly the distinct pairs, scope applied."""
    from forecasting.models import ForecastPoint, SalesRecord
    from forecasting.selectors.dataset import series_choices
    from forecasting.selectors.forecast import latest_run

    _seed(tenant)
    with in_tenant(tenant):
        SalesRecord.objects.bulk_create([SalesRecord(store=s, dept=d, date=ORIGIN, sales=1.0)
                                         for s, d in ((1, 2), (3, 1), (3, 99), (10, 5))])
        served = latest_run()
        ForecastPoint.objects.create(run=served, store=7, dept=7, date=ORIGIN + WEEK, forecast=1, lo80=0, hi80=2,
                                     lo95=0, hi95=3)  # forecast without sales rows: listed too
        everything = series_choices(scope=StoreScope.all())
        some = series_choices(scope=StoreScope.only([3, 7]))
    assert everything["pairs"] == [(1, 2), (1, 18), (2, 18), (3, 1), (3, 99), (7, 7), (10, 5)]
    assert everything["stores"] == [1, 2, 3, 7, 10] and everything["depts"] == [1, 2, 5, 7, 18, 99]
    assert some["pairs"] == [(3, 1), (3, 99), (7, 7)] and some["series"] == 3


def test_pooled_series_has_no_drivers_of_its_own(tenant):
    from accounts.models import User
    from forecasting.models import ForecastPoint

    _, served, _ = _seed(tenant)
    with in_tenant(tenant):
        ForecastPoint.objects.filter(run=served).update(status="pooled", pooled=True)
        owner = User.objects.get(email=tenant.owner_email)
    html = web_client(tenant, user=owner).get("/forecasts/?store=1&dept=18").content.decode()
    assert "pooled from its department, so it has no drivers" in html and 'id="drivers"' not in html
