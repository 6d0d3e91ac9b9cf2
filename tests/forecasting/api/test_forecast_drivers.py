"""Drivers in plain words: POST /api/v1/forecasts/ keeps its contract fields
(feature, contribution, value) and adds label and sentence from the one label
map; the Forecast page and the model's API show labels, never raw names."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from tests.conftest import api_client, in_tenant, provision, web_client
from tests.support.simulation_model import install_model

STORE, DEPT = 2, 1


@pytest.fixture(scope="module")
def model(django_db_setup, django_db_blocker):
    from forecasting.ml.pipeline import load_artifact

    with django_db_blocker.unblock():
        t = provision("fcdrivers")
        path = install_model(t)
    return t, load_artifact(path)


def test_api_drivers_carry_label_and_sentence(model):
    from forecasting.ml.labels import driver_sentence, feature_label
    from forecasting.ml.pipeline import predict_series

    t, art = model
    resp = api_client(t, key=t.admin_key).post("/api/v1/forecasts/", {"store": STORE, "dept": DEPT, "horizon": 3},
                                               format="json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    direct = predict_series(art, STORE, DEPT, 3)
    assert direct["drivers"], "the LightGBM candidate explains the first week"
    week = body["points"][0]["date"]
    assert len(body["drivers"]) == len(direct["drivers"])
    for got, want in zip(body["drivers"], direct["drivers"]):
        assert got["feature"] == want["feature"]  # the contract's fields, unchanged
        assert got["contribution"] == pytest.approx(want["contribution"])
        assert got["value"] == (pytest.approx(want["value"]) if want["value"] is not None else None)
        assert got["label"] == feature_label(want["feature"]) and "_" not in got["label"]
        assert got["sentence"] == driver_sentence(want["feature"], want["contribution"], want["value"], week)
        assert re.search(r"(adds about|lowers the forecast by about) \$[\d,]+$|has almost no effect$", got["sentence"])


def test_forecast_page_shows_drivers_in_plain_words(model):
    from accounts.models import User
    from forecasting.ml.labels import FEATURES
    from forecasting.models import ForecastPoint, ForecastRun

    t, _ = model
    with in_tenant(t):
        run = ForecastRun.objects.get()
        ForecastPoint.objects.bulk_create([
            ForecastPoint(run=run, store=STORE, dept=DEPT, date=run.origin + timedelta(weeks=h), forecast=12345.6,
                          lo80=11000, hi80=13000, lo95=10000, hi95=14000, status="modelled") for h in (1, 2, 3)])
        owner = User.objects.get(email=t.owner_email)
    html = unescape(web_client(t, user=owner).get(f"/forecasts/?store={STORE}&dept={DEPT}").content.decode())
    text = re.sub(r"<script.*?</script>", "", html.split("<h1>Forecasts</h1>")[1], flags=re.S)
    assert [n for n in FEATURES if "_" in n and re.search(rf"\b{n}\b", text)] == []
    table = html.split('id="drivers"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td class=\"nowrap\">([^<]+)</td></tr>", table)
    assert rows and all(label in {v[0] for v in FEATURES.values()} for label, _, _ in rows)
    assert all(re.fullmatch(r"[+−]?\$[\d,]+", effect) for _, _, effect in rows)
    sentences = [re.sub(r"<[^>]+>", "", li) for li in
                 re.findall(r"<li>(.*?)\.</li>", html.split('id="driver-sentences"')[1].split("</ul>")[0])]
    assert len(sentences) == len(rows) and all("about $" in s or "almost no effect" in s for s in sentences)
    assert (run.origin + timedelta(weeks=1)).isoformat() in html.split("What drives the forecast for the week of")[1][:80]
    assert html.split('id="forecast-points"')[1].count("$12,346") == 3


def test_model_api_importance_has_labels(model):
    t, _ = model
    client = api_client(t, key=t.admin_key)
    with in_tenant(t):
        from forecasting.models import ModelVersion

        version = ModelVersion.objects.get()
        version.importance = [{"feature": "lag52_n", "gain": 3.0, "share": 0.75},
                              {"feature": "markdown3", "gain": 1.0, "share": 0.25}]
        version.save(update_fields=["importance"])
    body = client.get(f"/api/v1/models/{version.pk}/").json()
    assert body["importance"] == [
        {"feature": "lag52_n", "gain": 3.0, "share": 0.75, "label": "Sales in the same week last year"},
        {"feature": "markdown3", "gain": 1.0, "share": 0.25, "label": "Markdown 3"}]
    from accounts.models import User

    with in_tenant(t):
        owner = User.objects.get(email=t.owner_email)
    page = web_client(t, user=owner).get(f"/models/{version.pk}/").content.decode()
    chart = page.split('id="importance-chart"')[1]
    assert "Sales in the same week last year" in chart and "lag52_n" not in chart


def test_dates_in_sentences_do_not_wrap():
    from forecasting.templatetags.figures import nowrap_dates

    assert nowrap_dates("Markdown 3 planned for the week of 2012-11-23 adds about $4,100 <b>") == (
        'Markdown 3 planned for the week of <span class="nowrap">2012-11-23</span> adds about $4,100 &lt;b&gt;')
