"""Issue 17 item 3 and issue 18 item 2, through the real worker: a weekly retailer's own price column is read
by the weekly engine. Its sales export carries the price of every week; a promotion plan gives the prices of
the first weeks ahead. The trained model has the price among its features, forecasts the planned cut weeks
higher, and says on the Forecast page and in the API for how many weeks ahead it assumed the last price; a
refresh keeps the features and counts the assumed weeks again."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from forecasting.models import ForecastPoint, ForecastRun, Item, Location, ModelVersion
from tests.conftest import add_member, api_client, in_tenant, provision, web_client
from tests.forecasting.services.test_periodic_worker import _csv, _train
from tests.support.data import wait_job
from tests.support.periodic_data import SKUS, STORES

pytestmark = [pytest.mark.worker, pytest.mark.slow]
WEEKS, PLANNED, H = 130, 4, 6


def _weekly(seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weeks labelled by their first day (a Sunday); each series cuts its price from 10 to 7 in a random
    quarter of its weeks and sells 1.9x then. The history, and the plan of the next PLANNED weeks."""
    rng = np.random.default_rng(seed)
    starts = pd.date_range(end="2026-10-25", periods=WEEKS + PLANNED, freq="W-SUN")
    season = 1 + 0.25 * np.sin(2 * np.pi * starts.dayofyear / 365.25)
    rows = []
    for i, store in enumerate(STORES):
        for j, sku in enumerate(SKUS):
            cut = rng.random(len(starts)) < 0.25
            cut[-PLANNED:] = [True, False, True, False]
            units = rng.poisson((150 + 40 * i + 20 * j) * season * np.where(cut, 1.9, 1.0))
            rows.append(pd.DataFrame({"store": store, "sku": sku, "week_start": starts.strftime("%Y-%m-%d"),
                                      "units": units, "price": np.where(cut, 7.0, 10.0)}))
    frame = pd.concat(rows, ignore_index=True)
    future = frame["week_start"] > starts[-PLANNED - 1].strftime("%Y-%m-%d")
    return frame[~future], frame[future].drop(columns="units")


def _upload(client, t, frame: pd.DataFrame, name: str, columns: dict) -> None:
    mapping = {"columns": columns, "period_label": "start"}
    resp = client.post("/api/v1/uploads/", {"file": SimpleUploadedFile(name, _csv(frame)),
                                            "mapping": json.dumps(mapping)}, format="multipart")
    assert resp.status_code == 202, resp.content[:500]
    done = wait_job(t, resp.json()["job"]["id"], 180)
    assert done["status"] == "succeeded", done


def test_a_weekly_price_column_is_a_feature_and_its_assumed_weeks_are_said(celery_worker_proc):
    t = provision("weekly-price", plan="enterprise")
    history, plan = _weekly()
    client = api_client(t, key=t.admin_key)
    keys = {"store": "location", "sku": "item", "week_start": "date"}
    _upload(client, t, history, "weeks.csv", {**keys, "units": "measure", "price": "covariate:price:known"})
    _upload(client, t, plan, "price-plan.csv", {**keys, "price": "covariate:price:known"})
    assert client.get("/api/v1/workspace/data-settings/").json()["frequency"] == "W-SAT"

    _train(t, horizon=H, windows=2)
    with in_tenant(t):
        version = ModelVersion.objects.get(number=1)
        run = ForecastRun.objects.get(model_version=version)
        points = pd.DataFrame(ForecastPoint.objects.filter(run=run).values("store", "dept", "date", "forecast"))
        codes = dict(Location.objects.values_list("id", "code")), dict(Item.objects.values_list("id", "code"))
    assert not version.periodic and version.params["features"][-2:] == ["price", "price_rel"]
    assert version.params["covariates"] == {"price": "known"}
    assert version.params["assumed"] == {"price": H - PLANNED} and run.assumed == {"price": H - PLANNED}

    # the planned cut weeks (the 1st and 3rd ahead) are forecast higher than the full-price ones between them
    points["step"] = points.groupby(["store", "dept"])["date"].rank().astype(int)
    by_step = points.pivot_table(index=["store", "dept"], columns="step", values="forecast")
    assert (by_step[1] > 1.3 * by_step[2]).all() and (by_step[3] > 1.3 * by_step[4]).all(), by_step

    store, dept = points["store"].iloc[0], points["dept"].iloc[0]
    said = f"Price: no planned value for {H - PLANNED} of the {H} weeks ahead"
    answer = client.get(f"/api/v1/forecasts/?location={codes[0][store]}&item={codes[1][dept]}").json()
    assert answer["assumed"] == {"price": H - PLANNED}, answer
    page = web_client(t, user=add_member(t, "analyst")).get(f"/forecasts/?store={store}&dept={dept}")
    assert page.status_code == 200 and said in page.content.decode()

    # a refresh reads the stored prices again: same features, the same weeks assumed
    resp = client.post("/api/v1/forecasts/refresh/", {}, format="json")
    assert resp.status_code == 202, resp.content[:300]
    assert wait_job(t, resp.json()["job"]["id"], 300)["status"] == "succeeded"
    with in_tenant(t):
        refreshed = ForecastRun.objects.filter(model_version=version, kind="refresh").get()
    assert refreshed.assumed == {"price": H - PLANNED}
