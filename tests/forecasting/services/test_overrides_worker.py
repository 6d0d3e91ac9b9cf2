"""A planner's overrides end to end with a real Celery worker (issue 19, the
planner's workflow 2-3): train on older weeks; override a series by value, its
store by a percent and the total by value; the series, the export and the
stored aggregates serve the final figure beside the statistical one and stay
coherent; the actuals arrive and a refresh keeps the overrides whose periods are
still ahead; the value added is measured against those actuals; a withdrawal
restores the model's figure. The forecast with its overrides is submitted as a
plan, approved by an admin, frozen through the refresh and compared with the
refreshed forecast over the weeks they share. Every write is audited."""
from __future__ import annotations

import io
import time

import pandas as pd
import pytest

from tests.conftest import add_member, api_client, in_tenant, provision
from tests.support.data import upload, wait_job

pytestmark = [pytest.mark.worker, pytest.mark.slow]
LATER_WEEKS = 2
HORIZON = 4


@pytest.fixture(scope="module")
def split_demo(tmp_path_factory):
    from forecasting.demo_data import generate

    folder = tmp_path_factory.mktemp("demo")
    files = generate(folder, seed=5, small=True)
    sales = pd.read_csv(files["sales"])
    dates = sorted(sales["Date"].unique())
    cut = dates[-LATER_WEEKS - 1]
    sales[sales["Date"] <= cut].to_csv(folder / "old.csv", index=False)
    sales[sales["Date"] > cut].to_csv(folder / "new.csv", index=False)
    return {"files": files, "old": folder / "old.csv", "new": folder / "new.csv", "sales": sales}


def _export(client) -> pd.DataFrame:
    resp = client.get("/api/v1/forecasts/export.csv")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    return pd.read_csv(io.StringIO(b"".join(resp.streaming_content).decode()))


def _wait_for_the_worklist(t, timeout=300):
    from forecasting.models import InsightSnapshot
    from forecasting.selectors.insights import fingerprint

    deadline = time.monotonic() + timeout
    while True:
        with in_tenant(t):
            if InsightSnapshot.objects.filter(kind="exceptions", **fingerprint()).exists():
                return
        assert time.monotonic() < deadline, "the worker did not store the worklist after the refresh"
        time.sleep(0.2)


def _post(client, **body):
    return client.post("/api/v1/overrides/", body, format="json")


def test_overrides_apply_coherently_survive_a_refresh_and_measure_their_value(celery_worker_proc, split_demo):
    from accounts.models import AuditEvent
    from forecasting.models import OverrideLine

    d = split_demo
    t = provision("overrides")
    for kind in ("stores", "features"):
        assert upload(t, d["files"][kind], d["files"][kind].name)["status"] == "succeeded"
    assert upload(t, d["old"], "train.csv")["status"] == "succeeded"
    analyst = add_member(t, "analyst")
    client = api_client(t, user=analyst)
    job = client.post("/api/v1/models/train/", {"horizon": HORIZON, "backtest_windows": 1}, format="json").json()["job"]
    assert wait_job(t, job["id"], timeout=600)["status"] == "succeeded"

    before = _export(client)
    assert (before["Forecast"] == before["Statistical"]).all()
    weeks = sorted(before["Date"].unique())
    store, dept = (int(v) for v in before[["Store", "Dept"]].iloc[0])

    # a viewer cannot override; a bad period is named
    viewer = api_client(t, user=add_member(t, "viewer"))
    assert _post(viewer, level="series", key={"store": store, "dept": dept}, periods=[weeks[0]], value=1,
                 reason="promotion").status_code == 403
    bad = _post(client, level="series", key={"store": store, "dept": dept}, periods=["2001-01-05"], value=1,
                reason="promotion")
    assert bad.status_code == 400 and "periods[0]" in bad.json()["error"]["details"], bad.content

    # 1. the series set to 5,000 in weeks 1-2; 2. its store +10 % in week 1; 3. the total to +5 % in week 3
    r1 = _post(client, level="series", key={"store": store, "dept": dept}, periods=weeks[:2], value=5000,
               reason="promotion", note="flyer")
    assert r1.status_code == 201, r1.content
    r2 = _post(client, level="store", key={"store": store}, periods=[weeks[0]], percent=10, reason="event")
    assert r2.status_code == 201, r2.content
    total3 = before.loc[before["Date"] == weeks[2], "Statistical"].sum() * 1.05
    r3 = _post(client, level="total", key={}, periods=[weeks[2]], value=round(total3, 2), reason="market")
    assert r3.status_code == 201, r3.content

    points = {p["date"]: p for p in client.get("/api/v1/forecasts/", {"store": store, "dept": dept}).json()["points"]}
    assert points[weeks[0]]["forecast"] == pytest.approx(5500.0) and points[weeks[1]]["forecast"] == pytest.approx(5000)
    assert points[weeks[0]]["overridden"] and not points[weeks[3]]["overridden"]
    stat = before.set_index(["Store", "Dept", "Date"])["Statistical"]
    assert points[weeks[3]]["statistical"] == pytest.approx(stat[(store, dept, weeks[3])], abs=0.01)

    after = _export(client)
    by_week = after.groupby("Date")[["Forecast", "Statistical"]].sum()
    assert by_week.loc[weeks[2], "Forecast"] == pytest.approx(total3, abs=1.0)  # the total, spread over every series
    assert (after["Statistical"] == before["Statistical"]).all()
    others = after[(after["Store"] == store) & (after["Dept"] != dept) & (after["Date"] == weeks[0])]
    assert (others["Forecast"] - others["Statistical"] * 1.1).abs().max() < 0.02  # the store's percent
    agg = client.get("/api/v1/forecasts/aggregate/", {"level": "total"}).json()["points"]
    assert {p["date"]: round(p["forecast"], 0) for p in agg} == {
        w: round(v, 0) for w, v in after.groupby("Date")["Forecast"].sum().items()}  # coherent at every level
    store_agg = client.get("/api/v1/forecasts/aggregate/", {"level": "store", "store": store}).json()["points"]
    mine = after[after["Store"] == store].groupby("Date")["Forecast"].sum()
    assert {p["date"]: round(p["forecast"], 0) for p in store_agg} == {w: round(v, 0) for w, v in mine.items()}

    # the plan: the analyst submits the forecast with its overrides, an admin approves it (frozen)
    assert viewer.post("/api/v1/plans/", {}, format="json").status_code == 403
    submitted = client.post("/api/v1/plans/", {"note": "Q4"}, format="json")
    assert submitted.status_code == 201 and submitted.json()["status"] == "submitted", submitted.content
    plan_id = submitted.json()["id"]
    assert submitted.json()["total"] == pytest.approx(after["Forecast"].sum(), abs=1.0)
    assert submitted.json()["overrides"] == 3
    assert client.post(f"/api/v1/plans/{plan_id}/approve/").status_code == 403  # analysts submit, admins approve
    assert client.get("/api/v1/plans/current/").json()["error"]["code"] == "no_approved_plan"
    admin = api_client(t, user=add_member(t, "admin"))
    approved = admin.post(f"/api/v1/plans/{plan_id}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.content
    assert admin.post(f"/api/v1/plans/{plan_id}/approve/").status_code == 409
    plan = client.get("/api/v1/plans/current/").json()
    frozen = pd.DataFrame(plan["points"]).set_index(["store", "dept", "date"])["forecast"]
    served = after.set_index(["Store", "Dept", "Date"])["Forecast"]
    assert len(frozen) == len(served) and (frozen - served.reindex(frozen.index)).abs().max() < 0.01
    assert plan["versus_forecast"]["difference"] == pytest.approx(0.0, abs=1.0)

    # the actuals of weeks 1-2 arrive; a refresh moves the origin: the week-3 override still applies
    assert upload(t, d["new"], "later.csv")["status"] == "succeeded"
    job = client.post("/api/v1/forecasts/refresh/", {}, format="json").json()["job"]
    assert wait_job(t, job["id"], timeout=600)["status"] == "succeeded"
    refreshed = _export(client)
    assert weeks[2] in set(refreshed["Date"]) and weeks[0] not in set(refreshed["Date"])
    assert refreshed.loc[refreshed["Date"] == weeks[2], "Forecast"].sum() == pytest.approx(total3, abs=1.0)

    plan = client.get("/api/v1/plans/current/").json()  # frozen: the refresh changed the forecast, not the plan
    assert plan["id"] == plan_id and len(plan["points"]) == len(frozen)
    versus = plan["versus_forecast"]
    assert versus["weeks"] == HORIZON - LATER_WEEKS and versus["first_period"] == weeks[2]
    shared = refreshed[refreshed["Date"].isin(weeks[2:])]
    assert versus["forecast"] == pytest.approx(shared["Forecast"].sum(), abs=1.0)
    csv_plan = client.get("/api/v1/plans/current/export.csv")
    assert csv_plan.status_code == 200 and b"".join(csv_plan.streaming_content).decode().startswith(
        "Store,Dept,Date,Forecast,Statistical")

    # the value added, from the lines and the actuals of weeks 1-2
    actual = d["sales"].set_index(["Store", "Dept", "Date"])["Weekly_Sales"]
    with in_tenant(t):
        lines = pd.DataFrame(OverrideLine.objects.filter(override_id=r1.json()["id"]).values(
            "store", "dept", "date", "statistical", "final"))
    lines["actual"] = [actual[(s, dp, dt.isoformat())] for s, dp, dt in zip(lines["store"], lines["dept"],
                                                                             lines["date"])]
    rows = {r["reason"]: r for r in client.get("/api/v1/overrides/value-added/").json()["results"]}
    promo = rows["promotion"]
    assert promo["planner"] == analyst.email and promo["periods_with_actuals"] == 2 and promo["overrides"] == 1
    assert promo["statistical_error"] == pytest.approx((lines["statistical"] - lines["actual"]).abs().sum())
    assert promo["final_error"] == pytest.approx((lines["final"] - lines["actual"]).abs().sum())
    assert promo["value_added"] == pytest.approx(promo["statistical_error"] - promo["final_error"])
    assert "market" not in rows  # week 3 has no actual yet

    # the exceptions worklist: week 4 raised by half moves series away from the plan; the realized weeks 1-2
    # score the training's run; every row above a floor of 0, by money at stake
    r4 = _post(client, level="total", key={}, periods=[weeks[3]], percent=50, reason="market")
    assert r4.status_code == 201, r4.content
    assert admin.patch("/api/v1/workspace/data-settings/", {"materiality_floor": 0}, format="json").status_code == 200
    _wait_for_the_worklist(t)  # the worker stores the live errors and anomalies right after the refresh
    worklist = client.get("/api/v1/exceptions/?page_size=500").json()
    assert worklist["stale"] is False and worklist["count"] == len(worklist["results"])  # one page of 500
    rows = worklist["results"]
    assert worklist["floor"] == 0 and [r["money_at_stake"] for r in rows] == sorted(
        (r["money_at_stake"] for r in rows), reverse=True)
    served = _export(client)
    served = served[served["Date"].isin(weeks[2:])].groupby(["Store", "Dept"])["Forecast"].sum()
    planned = frozen[frozen.index.get_level_values("date").isin(weeks[2:])].groupby(level=["store", "dept"]).sum()
    gap = served - planned
    expected_gaps = {k for k, v in gap.items() if abs(v) >= 0.10 * abs(planned[k])}
    gaps = {(r["store"], r["dept"]): r for r in rows if r["kind"] == "plan_gap"}
    assert set(gaps) == expected_gaps and expected_gaps
    key = next(iter(expected_gaps))
    assert gaps[key]["money_at_stake"] == pytest.approx(abs(gap[key]), abs=0.05)
    realized = before[before["Date"].isin(weeks[:2])].assign(
        actual=lambda f: [actual.get((s, dp, dt)) for s, dp, dt in zip(f["Store"], f["Dept"], f["Date"])]).dropna()
    realized = realized.assign(err=(realized["Statistical"] - realized["actual"]).abs(),
                               bias=realized["Statistical"] - realized["actual"])
    by_series = realized.groupby(["Store", "Dept"])[["err", "bias", "actual"]].sum()
    expected_live = {k for k, v in by_series.iterrows() if v["actual"] and (
        v["err"] / v["actual"] >= 0.25 or abs(v["bias"] / v["actual"]) >= 0.15)}
    live = {(r["store"], r["dept"]): r for r in rows if r["kind"] == "live_error"}
    assert set(live) == expected_live
    for k, r in live.items():
        assert r["figures"]["weeks"] == 2 and r["money_at_stake"] == pytest.approx(by_series.loc[k, "err"], abs=0.05)
    assert viewer.post("/api/v1/exceptions/answers/", {}, format="json").status_code == 403
    answered = gaps[key]
    resp = client.post("/api/v1/exceptions/answers/", {"kind": "plan_gap", "store": key[0], "dept": key[1],
                                                       "basis": answered["basis"], "reason": "overridden",
                                                       "note": "week 4 raised on purpose"}, format="json")
    assert resp.status_code == 201, resp.content
    left = {(r["store"], r["dept"]) for r in client.get("/api/v1/exceptions/?page_size=500").json()["results"]
            if r["kind"] == "plan_gap"}
    assert left == expected_gaps - {key}

    # withdrawn: the model's figure again, the override kept for its value added
    for r in (r3, r4):
        assert client.delete(f"/api/v1/overrides/{r.json()['id']}/").status_code == 204
    restored = _export(client)
    assert (restored["Forecast"] == restored["Statistical"]).all()
    listed = client.get("/api/v1/overrides/").json()
    assert {r["id"] for r in listed["results"]} == {r1.json()["id"], r2.json()["id"]}
    assert client.get("/api/v1/overrides/?withdrawn=1").json()["count"] == 4
    with in_tenant(t):
        actions = list(AuditEvent.objects.filter(action__startswith="override.").values_list("action", flat=True))
        assert AuditEvent.objects.filter(action="exception.answer").count() == 1
    assert sorted(actions) == ["override.create"] * 4 + ["override.withdraw"] * 2
    with in_tenant(t):
        assert sorted(AuditEvent.objects.filter(action__startswith="plan.").values_list("action", flat=True)) == [
            "plan.approve", "plan.submit"]
