"""Forecast refresh without retraining, end to end with a real Celery worker:
train on older weeks, load newer weeks, refresh; the new run is served, earlier
runs are kept, every live series is forecast with its status, and the stored
hierarchy aggregates add up to the series to the cent."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from tests.conftest import add_member, api_client, in_tenant, provision
from tests.support.data import upload, wait_job

pytestmark = [pytest.mark.worker, pytest.mark.slow]
LATER_WEEKS = 4


@pytest.fixture(scope="module")
def split_demo(tmp_path_factory):
    """Demo data cut in two: the history to train on, and the later weeks. In
    the later part one series has no row in the newest week."""
    from forecasting.demo_data import generate

    folder = tmp_path_factory.mktemp("demo")
    files = generate(folder, seed=3, small=True)
    sales = pd.read_csv(files["sales"])
    dates = sorted(sales["Date"].unique())
    cut = dates[-LATER_WEEKS - 1]
    old, new = sales[sales["Date"] <= cut], sales[sales["Date"] > cut]
    silent = tuple(int(v) for v in new[["Store", "Dept"]].drop_duplicates().iloc[0])
    new = new[~((new["Store"] == silent[0]) & (new["Dept"] == silent[1]) & (new["Date"] == dates[-1]))]
    old.to_csv(folder / "old.csv", index=False)
    new.to_csv(folder / "new.csv", index=False)
    return {"files": files, "old": folder / "old.csv", "new": folder / "new.csv", "cut": cut,
            "end": dates[-1], "silent": silent, "sales": sales[~sales.index.isin(
                sales[(sales["Store"] == silent[0]) & (sales["Dept"] == silent[1]) & (sales["Date"] == dates[-1])].index)]}


def _export(client) -> pd.DataFrame:
    resp = client.get("/api/v1/forecasts/export.csv")
    assert resp.status_code == 200
    return pd.read_csv(io.StringIO(b"".join(resp.streaming_content).decode()), dtype={"Forecast": str})


def test_refresh_serves_a_new_run_from_the_newest_week(celery_worker_proc, split_demo):
    from accounts.models import AuditEvent
    from forecasting.models import ForecastAggregate, ForecastPoint, ForecastRun

    d = split_demo
    t = provision("refresh")
    for kind in ("stores", "features"):
        assert upload(t, d["files"][kind], d["files"][kind].name)["status"] == "succeeded"
    assert upload(t, d["old"], "train.csv")["status"] == "succeeded"
    client = api_client(t, user=add_member(t, "analyst"))
    job = client.post("/api/v1/models/train/", {"horizon": 13, "backtest_windows": 2}, format="json").json()["job"]
    assert wait_job(t, job["id"], timeout=600)["status"] == "succeeded"
    runs = client.get("/api/v1/forecasts/runs/").json()
    assert runs["count"] == 1 and runs["results"][0]["kind"] == "train"
    assert runs["results"][0]["origin"] == d["cut"] and runs["results"][0]["model_version"] == 1

    assert upload(t, d["new"], "later.csv")["status"] == "succeeded"
    resp = client.post("/api/v1/forecasts/refresh/", {}, format="json")
    assert resp.status_code == 202, resp.content
    job = resp.json()["job"]
    assert job["kind"] == "refresh" and job["status"] == "queued"
    done = wait_job(t, job["id"], timeout=600)
    assert done["status"] == "succeeded", done
    assert done["result"]["origin"] == d["end"] and done["result"]["model_version"] == 1

    runs = client.get("/api/v1/forecasts/runs/").json()
    assert runs["count"] == 2  # the training's run is kept
    newest, first = runs["results"]
    assert (newest["kind"], newest["origin"], newest["model_version"]) == ("refresh", d["end"], 1)
    assert (first["kind"], first["origin"]) == ("train", d["cut"])
    with in_tenant(t):
        assert ForecastPoint.objects.filter(run_id=first["id"]).exists()
        assert ForecastRun.objects.get(pk=newest["id"]).job_id == job["id"]

    # the refreshed run is what GET /forecasts/ serves; the series silent in the newest week is forecast
    store, dept = d["silent"]
    fc = client.get("/api/v1/forecasts/", {"store": store, "dept": dept}).json()
    assert fc["origin"] == d["end"] and fc["status"] == "modelled" and len(fc["points"]) == 13
    assert fc["points"][0]["date"] > d["end"]
    on_demand = client.post("/api/v1/forecasts/", {"store": store, "dept": dept, "horizon": 13}, format="json").json()
    assert on_demand["origin"] == d["end"] and on_demand["status"] == "modelled"
    assert on_demand["points"][0]["date"] == fc["points"][0]["date"]

    # every live series (a sale in the 52 weeks to the origin) is in the export, with its status, in cents
    sales, end = d["sales"], pd.Timestamp(d["end"])
    recent = sales[(pd.to_datetime(sales["Date"]) > end - pd.Timedelta(weeks=52)) & (sales["Weekly_Sales"] > 0)]
    live = set(map(tuple, recent[["Store", "Dept"]].drop_duplicates().to_numpy().tolist()))
    export = _export(client)
    assert set(map(tuple, export[["Store", "Dept"]].drop_duplicates().to_numpy().tolist())) == live
    assert set(export["Status"]) <= {"modelled", "pooled"} and export["Date"].min() > d["end"]
    assert export["Forecast"].str.fullmatch(r"-?\d+\.\d\d").all()

    with in_tenant(t):
        actions = list(AuditEvent.objects.filter(action__startswith="forecast.refresh").values_list("action", flat=True))
    assert sorted(actions) == ["forecast.refresh_started", "forecast.refreshed"]

    # coherence: every stored aggregate equals the sum of its series' forecasts to the cent
    with in_tenant(t):
        points = pd.DataFrame(ForecastPoint.objects.filter(run_id=newest["id"]).values(
            "store", "dept", "date", "forecast", "hi80", "hi95"))
        aggs = pd.DataFrame(ForecastAggregate.objects.filter(run_id=newest["id"]).values())
        from forecasting.models import Store

        types = dict(Store.objects.values_list("number", "type"))
        from forecasting.models import ModelVersion

        quantiles = ModelVersion.objects.get(number=1).params["hierarchy"]["quantiles"]
    from forecasting.ml.hierarchy import Attributes
    from forecasting.ml.pipeline import aggregate

    attrs = Attributes.from_records({s: {"type": t} for s, t in types.items()})
    points["total"] = "all"
    points["store_type"] = points["store"].map(types).str.upper()
    assert set(aggs["level"]) == {"total", "location.type", "location", "item"}
    for level, col in (("total", "total"), ("location.type", "store_type"), ("location", "store"),
                       ("item", "dept")):
        by = points.assign(key=points[col].astype(str)).groupby(["key", "date"])
        summed = by[["forecast", "hi80"]].sum()
        mine = aggs[aggs["level"] == level].set_index(["key", "date"]).sort_index()
        assert len(mine) == len(summed), level
        joined = mine.join(summed, rsuffix="_series")
        assert np.abs(joined["forecast"] - joined["forecast_series"]).max() < 0.005, level
        assert (mine["lo95"] <= mine["lo80"]).all() and (mine["hi80"] <= mine["hi95"]).all(), level
        # intervals come from the model's hierarchy tables (the ML core's aggregate), never from summing bounds
        assert np.abs(joined["hi80"] - joined["hi80_series"]).max() > 0.01, level
        for key, rows in mine.groupby(level="key"):
            ref = aggregate(points.assign(date=pd.to_datetime(points["date"]), pooled=False), attrs, level,
                            None if level == "total" else key, quantiles)
            np.testing.assert_allclose(rows["hi80"].to_numpy(), ref["hi80"].to_numpy(), rtol=1e-9)
            np.testing.assert_allclose(rows["lo95"].to_numpy(), ref["lo95"].to_numpy(), rtol=1e-9)

    # the API reads the stored aggregates
    total = client.get("/api/v1/forecasts/aggregate/", {"level": "total"}).json()
    assert total["level"] == "total" and total["key"] == "all" and total["origin"] == d["end"]
    assert total["model_version"] == 1 and len(total["points"]) == 13
    by_date = points.groupby(points["date"].astype(str))["forecast"].sum()
    for p in total["points"]:
        assert abs(p["forecast"] - by_date[p["date"]]) < 0.005
        assert set(p) == {"date", "forecast", "statistical", "lo80", "hi80", "lo95", "hi95"}
        assert p["forecast"] == p["statistical"]  # no override
    one = client.get("/api/v1/forecasts/aggregate/", {"level": "dept", "dept": dept}).json()
    assert one["key"] == str(dept) and len(one["points"]) == 13
    kind = client.get("/api/v1/forecasts/aggregate/", {"level": "store_type", "type": types[store].lower()}).json()
    assert kind["key"] == types[store].upper() and len(kind["points"]) == 13
    missing = client.get("/api/v1/forecasts/aggregate/", {"level": "store"})
    assert missing.status_code == 400 and "store" in missing.json()["error"]["details"]
    unknown = client.get("/api/v1/forecasts/aggregate/", {"level": "store", "store": 9999})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "aggregate_not_found"


def test_refresh_needs_an_active_model(tenant):
    resp = api_client(tenant, key=tenant.admin_key).post("/api/v1/forecasts/refresh/", {}, format="json")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "no_active_model"
    viewer = add_member(tenant, "viewer")
    assert api_client(tenant, user=viewer).post("/api/v1/forecasts/refresh/", {}, format="json").status_code == 403
