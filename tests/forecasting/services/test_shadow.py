"""Shadow period (issue 8 point 4) on stored rows: versions without training
(tests/support/versions.py), one series' actuals. The policy field, the start
of a shadow instead of a promotion, one shadow at a time, the decision after
N realized weeks, and what the Model page and the Monitoring answer show.
With real workers: test_shadow_worker.py."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import add_member, api_client, in_tenant, web_client
from tests.support.versions import ORIGIN, add_actuals, make_version


def _policy(t, weeks: int):
    from accounts.audit import Actor
    from forecasting.services.retraining import retraining_policy_update

    with in_tenant(t):
        retraining_policy_update(actor=Actor.system(), changes={"shadow_weeks": weeks})


def _challenge(t, version):
    from django.db import transaction

    from accounts.audit import Actor
    from forecasting.services.promotion import version_promote_if_better, versions_lock

    with in_tenant(t), transaction.atomic():
        versions_lock()
        return version_promote_if_better(version=version, actor=Actor.system())


def _statuses(t):
    from forecasting.models import ModelVersion

    with in_tenant(t):
        return dict(ModelVersion.objects.values_list("number", "status"))


def _events(t, action):
    from accounts.models import AuditEvent

    with in_tenant(t):
        return list(AuditEvent.objects.filter(action=action).order_by("sequence").values("actor_label", "payload"))


def _check(t):
    from forecasting.services.shadow import shadow_check

    with in_tenant(t):
        return shadow_check()


def test_policy_field_in_the_api_and_its_range(tenant):
    admin = api_client(tenant, user=add_member(tenant, "admin"))
    assert admin.get("/api/v1/retraining-policy/").json()["shadow_weeks"] == 0  # default: off
    resp = admin.put("/api/v1/retraining-policy/", {"shadow_weeks": 4, "min_new_weeks": 2}, format="json")
    assert resp.status_code == 200 and resp.json()["shadow_weeks"] == 4 and resp.json()["min_new_weeks"] == 2
    for bad in (14, -1, 2.5, "x", True):
        resp = admin.put("/api/v1/retraining-policy/", {"shadow_weeks": bad}, format="json")
        assert resp.status_code == 400 and "shadow_weeks" in resp.json()["error"]["details"], bad
    assert admin.get("/api/v1/retraining-policy/").json()["shadow_weeks"] == 4  # nothing written
    analyst = api_client(tenant, user=add_member(tenant, "analyst"))
    assert analyst.get("/api/v1/retraining-policy/").json()["shadow_weeks"] == 4
    assert analyst.put("/api/v1/retraining-policy/", {"shadow_weeks": 0}, format="json").status_code == 403
    assert _events(tenant, "policy.update")[-1]["payload"] == {"shadow_weeks": 4, "min_new_weeks": 2}


def test_policy_field_on_the_retraining_page(tenant):
    admin = web_client(tenant, user=add_member(tenant, "admin"))
    page = admin.get("/models/retraining/").content.decode()
    assert 'name="shadow_weeks"' in page and "off: a challenger that passes" in page
    form = {"schedule": "off", "weekday": 0, "day_of_month": 1, "hour": 2, "time_zone": "UTC", "min_new_weeks": 4,
            "degradation_weeks": 4, "degradation_tolerance": 0.1, "cooldown_hours": 24, "shadow_weeks": 3}
    assert admin.post("/models/retraining/", form).status_code == 302
    assert "for 3 realized weeks" in admin.get("/models/retraining/").content.decode()
    bad = admin.post("/models/retraining/", {**form, "shadow_weeks": 20})
    assert bad.status_code == 400 and "from 0 (off) to 13" in bad.content.decode()
    analyst = web_client(tenant, user=add_member(tenant, "analyst"))
    assert 'name="shadow_weeks"' not in analyst.get("/models/retraining/").content.decode()
    assert analyst.post("/models/retraining/", form).status_code == 403


def test_a_passing_challenger_becomes_the_one_shadow_and_the_champion_keeps_serving(tenant):
    _policy(tenant, 2)
    make_version(tenant, status="active", wmae=100.0, forecast=10.0)
    v2 = _challenge(tenant, make_version(tenant, status="candidate", wmae=50.0))
    assert v2.status == "shadow" and _statuses(tenant) == {1: "active", 2: "shadow"}
    assert v2.decision["shadow"]["weeks_needed"] == 2 and v2.decision["shadow"]["champion"] == 1
    assert "shadow period of 2 weeks beside v1" in v2.promotion_note
    started = _events(tenant, "model.shadow_started")
    assert len(started) == 1 and started[0]["actor_label"] == "system" and started[0]["payload"]["weeks"] == 2
    assert not _events(tenant, "model.promoted")
    # a failing challenger is rejected and leaves the shadow in place
    v3 = _challenge(tenant, make_version(tenant, status="candidate", wmae=99.0))
    assert v3.status == "rejected" and _statuses(tenant) == {1: "active", 2: "shadow", 3: "rejected"}
    # a newer passing challenger supersedes it: at most one shadow
    v4 = _challenge(tenant, make_version(tenant, status="candidate", wmae=40.0))
    assert v4.status == "shadow" and _statuses(tenant) == {1: "active", 2: "rejected", 3: "rejected", 4: "shadow"}
    rejected = _events(tenant, "model.rejected")
    assert rejected[-1]["payload"]["number"] == 2 and rejected[-1]["payload"]["superseded_by"] == 4
    with in_tenant(tenant):
        from forecasting.models import ModelVersion

        old = ModelVersion.objects.get(number=2)
    assert old.decision["shadow"]["outcome"] == "superseded" and "superseded by v4" in old.promotion_note
    # the policy turned off: the next passing challenger is promoted at once and ends the shadow
    _policy(tenant, 0)
    v5 = _challenge(tenant, make_version(tenant, status="candidate", wmae=30.0))
    assert v5.status == "active" and _statuses(tenant)[4] == "rejected" and _statuses(tenant)[1] == "retired"


def test_the_shadow_period_is_at_most_the_challengers_horizon(tenant):
    _policy(tenant, 13)
    make_version(tenant, status="active", wmae=100.0)
    v2 = _challenge(tenant, make_version(tenant, status="candidate", wmae=50.0))  # horizon 2
    assert v2.status == "shadow" and v2.decision["shadow"]["weeks_needed"] == 2


def _shadow_pair(t, *, champion: float, shadow: float, weeks: int = 2):
    _policy(t, weeks)
    make_version(t, status="active", wmae=100.0, forecast=champion)
    v2 = _challenge(t, make_version(t, status="candidate", wmae=50.0, forecast=shadow))
    assert v2.status == "shadow"
    return v2


def test_a_shadow_that_beats_the_champion_live_is_promoted_after_its_weeks(tenant, settings):
    settings.FORECAST_PROMOTION_MARGIN = 0.02
    _shadow_pair(tenant, champion=30.0, shadow=11.0)
    waiting = _check(tenant)
    assert waiting["decided"] is False and waiting["weeks"] == 0 and "0 of 2" in waiting["note"]
    add_actuals(tenant, 1)
    waiting = _check(tenant)
    assert waiting["decided"] is False and "1 of 2" in waiting["note"]
    shown = api_client(tenant, key=tenant.admin_key).get("/api/v1/monitoring/").json()["shadow"]
    assert shown["number"] == 2 and shown["champion"] == 1 and shown["weeks"] == 1 and shown["weeks_needed"] == 2
    assert shown["wmae"] == pytest.approx(1.0) and shown["champion_wmae"] == pytest.approx(20.0)
    page = web_client(tenant, user=add_member(tenant, "analyst")).get("/models/").content.decode()
    assert 'id="shadow"' in page and "1 of 2 weeks" in page and "95% better" in page
    assert _statuses(tenant) == {1: "active", 2: "shadow"}

    add_actuals(tenant, 2)
    done = _check(tenant)
    assert done["decided"] and done["outcome"] == "promoted"
    assert _statuses(tenant) == {1: "retired", 2: "active"}
    promoted = _events(tenant, "model.promoted")
    assert len(promoted) == 1 and promoted[0]["actor_label"] == "system"
    payload = promoted[0]["payload"]
    assert payload["shadow"] is True and payload["manual"] is False and payload["replaced"] == 1
    assert payload["shadow_live_wmae"] == pytest.approx(1.0) and payload["champion_live_wmae"] == pytest.approx(20.0)
    assert "v2 1.0 vs champion v1 20.0" in payload["reason"] and "2 week(s) and 2 rows" in payload["reason"]
    with in_tenant(tenant):
        from accounts.models import Notice

        notice = Notice.objects.get()
    assert notice.kind == "model.promoted" and "v2 promoted after its shadow period" in notice.title
    assert "v2 1.0 vs champion v1 20.0" in notice.body and tenant.owner_email in notice.recipients
    with in_tenant(tenant):
        from forecasting.models import ModelVersion
        from forecasting.services.auto_rollback import auto_rollback_check

        v2 = ModelVersion.objects.get(number=2)
        assert v2.decision["shadow"]["outcome"] == "promoted" and v2.decision["live_check"]["outcome"] == "kept"
        assert auto_rollback_check() is None  # checked live already, in its shadow period
    assert _check(tenant) is None  # no shadow any more
    assert api_client(tenant, key=tenant.admin_key).get("/api/v1/monitoring/").json()["shadow"] is None


def test_a_shadow_not_better_by_the_margin_is_rejected_with_the_figures(tenant, settings):
    settings.FORECAST_PROMOTION_MARGIN = 0.02
    _shadow_pair(tenant, champion=20.0, shadow=19.86)  # live errors 9.86 vs 10: better, by 1.4% only
    add_actuals(tenant, 2)
    done = _check(tenant)
    assert done["decided"] and done["outcome"] == "rejected"
    assert _statuses(tenant) == {1: "active", 2: "rejected"}
    rejected = _events(tenant, "model.rejected")
    assert len(rejected) == 1 and rejected[0]["actor_label"] == "system" and rejected[0]["payload"]["shadow"] is True
    why = rejected[0]["payload"]["why"]
    assert "v2 9.9 vs champion v1 10.0" in why and "+1.4%" in why and "does not beat" in why
    assert rejected[0]["payload"]["shadow_live_wmae"] == pytest.approx(9.86)
    with in_tenant(tenant):
        from accounts.models import Notice

        assert not Notice.objects.exists()  # a rejected shadow is routine: the Models page says it
    assert not _events(tenant, "model.promoted")


def test_the_decision_waits_for_a_pending_refresh_of_the_champion(tenant):
    """The champion's run compared is older than the shadow's origin while its
    refresh is queued: wait for it, so both forecast from the same week."""
    from forecasting.models import ForecastRun
    from jobs.models import Job

    _shadow_pair(tenant, champion=30.0, shadow=11.0)
    with in_tenant(tenant):
        ForecastRun.objects.filter(model_version__number=1).update(origin=ORIGIN - timedelta(weeks=1))
        refresh = Job.objects.create(kind="refresh", status="queued")
    add_actuals(tenant, 2)
    waiting = _check(tenant)
    assert waiting["decided"] is False and waiting["weeks"] == 2 and "waiting for the champion's" in waiting["note"]
    assert _statuses(tenant) == {1: "active", 2: "shadow"}
    with in_tenant(tenant):
        Job.objects.filter(pk=refresh.pk).update(status="failed")  # no refresh coming: the older run is compared
    assert _check(tenant)["outcome"] == "promoted"


def test_the_model_page_shows_the_shadow_beside_the_champion_and_another_tenant_sees_none(tenant, tenant_b):
    _shadow_pair(tenant, champion=30.0, shadow=11.0)
    add_actuals(tenant, 1)
    _check(tenant)
    with in_tenant(tenant):
        from forecasting.models import ModelVersion

        ids = dict(ModelVersion.objects.values_list("number", "pk"))
    client = web_client(tenant, user=add_member(tenant, "viewer"))
    for number in (1, 2):
        page = client.get(f"/models/{ids[number]}/").content.decode()
        assert 'id="shadow"' in page and "v2 <strong>1" in page and "champion v1 <strong>20" in page
    assert api_client(tenant_b, key=tenant_b.admin_key).get("/api/v1/monitoring/").json()["shadow"] is None
    assert 'id="shadow"' not in web_client(tenant_b, user=add_member(tenant_b, "admin")).get("/models/").content.decode()


def test_a_daily_models_shadow_period_is_counted_in_days(tenant, settings):
    settings.FORECAST_PROMOTION_MARGIN = 0.02
    _policy(tenant, 1)  # one week: seven days of a daily workspace, within the challenger's 14
    make_version(tenant, status="active", wmae=100.0, forecast=30.0, freq="D", horizon=14)
    v2 = _challenge(tenant, make_version(tenant, status="candidate", wmae=50.0, forecast=11.0, freq="D", horizon=14))
    assert v2.status == "shadow" and v2.decision["shadow"]["weeks_needed"] == 7
    assert "in a shadow period of 7 days beside v1" in v2.promotion_note
    add_actuals(tenant, 6, freq="D")
    waiting = _check(tenant)
    assert waiting["decided"] is False and waiting["weeks"] == 6 and "6 of 7 shadow day(s)" in waiting["note"]
    add_actuals(tenant, 7, freq="D")
    done = _check(tenant)
    assert done["decided"] and done["outcome"] == "promoted" and "the same 7 day(s) and 7 rows" in done["note"]
    assert _statuses(tenant) == {1: "retired", 2: "active"}
