"""Automatic rollback (forecasting/services/auto_rollback.py) on stored rows:
versions without training (tests/support/versions.py), one series' actuals.
The real-worker acceptance tests are in test_auto_rollback_worker.py."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail

from tests.conftest import add_member, in_tenant, web_client
from tests.support.versions import ORIGIN, add_actuals, make_version


def promoted_pair(t, *, previous: float, champion: float, artifact: bool = True, freq: str = "W", horizon: int = 2):
    """v1 (forecasts ``previous``) was the champion; v2 (forecasts ``champion``)
    challenged it and was promoted over it (``version_activate``, audited)."""
    from accounts.audit import Actor
    from forecasting.models import ModelVersion
    from forecasting.services.promotion import version_activate

    v1 = make_version(t, status="active", forecast=previous, freq=freq, horizon=horizon)
    v2 = make_version(t, status="rejected", forecast=champion, freq=freq, horizon=horizon)
    with in_tenant(t):
        ModelVersion.objects.filter(pk=v2.pk).update(challenged=v1)
        version_activate(version=v2, actor=Actor.system(), reason="test: promote the challenger", kind="promote")
        if not artifact:
            Path(v1.artifact_path).unlink()
    return v1, v2



def _check(t):
    from forecasting.services.auto_rollback import auto_rollback_check

    with in_tenant(t):
        return auto_rollback_check()


def _state(t):
    from accounts.models import AuditEvent, Notice
    from forecasting.models import ModelVersion

    with in_tenant(t):
        return (dict(ModelVersion.objects.values_list("number", "status")),
                list(AuditEvent.objects.filter(action="model.rolled_back").values("actor_label", "payload")),
                list(Notice.objects.values("kind", "title", "body", "recipients")))


def test_worse_new_champion_is_rolled_back_once_with_a_notice_and_an_email(tenant, settings):
    settings.FORECAST_AUTO_ROLLBACK_WEEKS = 4  # the runs overlap on 2 weeks: those 2 are compared
    settings.FORECAST_PROMOTION_MARGIN = 0.02
    admin = add_member(tenant, "admin")
    analyst = add_member(tenant, "analyst")
    v1, v2 = promoted_pair(tenant, previous=11.0, champion=30.0)
    assert _check(tenant)["note"] == "0 of 2 live week(s) realized: waiting"  # no actual yet
    add_actuals(tenant, 1)
    waiting = _check(tenant)
    assert waiting["decided"] is False and "1 of 2" in waiting["note"]
    assert _state(tenant)[0] == {1: "retired", 2: "active"}

    add_actuals(tenant, 2)
    mail.outbox.clear()
    done = _check(tenant)
    assert done["decided"] and done["outcome"] == "rolled_back"
    statuses, events, notices = _state(tenant)
    assert statuses == {1: "active", 2: "retired"}
    assert len(events) == 1 and events[0]["actor_label"] == "system"
    payload = events[0]["payload"]
    assert payload["automatic"] is True and payload["number"] == 1 and payload["replaced"] == 2
    assert payload["live_wmae"] == pytest.approx(20.0) and payload["previous_live_wmae"] == pytest.approx(1.0)
    assert payload["weeks"] == f"{ORIGIN + timedelta(weeks=1)} to {ORIGIN + timedelta(weeks=2)}" and payload["rows"] == 2
    assert payload["worse_by"] == pytest.approx(19.0) and payload["margin"] == 0.02
    # in plain words on the Audit page
    audit_page = web_client(tenant, user=admin).get("/audit/").content.decode()
    assert "Live WMAE of the version rolled back" in audit_page and "20.00" in audit_page
    assert "v2 20.0 vs v1 1.0" in payload["reason"]
    assert len(notices) == 1 and notices[0]["kind"] == "model.rolled_back"
    assert sorted(notices[0]["recipients"]) == sorted([tenant.owner_email, admin.email])
    assert len(mail.outbox) == 1 and set(mail.outbox[0].to) == {tenant.owner_email, admin.email}
    assert "rolled back from v2 to v1" in mail.outbox[0].subject and "20.0" in mail.outbox[0].body
    with in_tenant(tenant):
        from forecasting.models import ModelVersion

        assert ModelVersion.objects.get(pk=v2.pk).decision["live_check"]["outcome"] == "rolled_back"

    # once per promotion: an admin who promotes v2 again by hand is not overruled
    from accounts.audit import Actor
    from forecasting.services.promotion import version_activate

    with in_tenant(tenant):
        version_activate(version=v2, actor=Actor.for_user(admin), reason="reviewed", kind="promote")
    assert _check(tenant) is None and _state(tenant)[0] == {1: "retired", 2: "active"}

    # the notice is on the admins' dashboard, not on an analyst's
    page = web_client(tenant, user=admin).get("/").content.decode()
    assert 'id="notices"' in page and "Model rolled back from v2 to v1" in page
    assert 'id="notices"' not in web_client(tenant, user=analyst).get("/").content.decode()


def test_a_champion_within_the_margin_is_kept_and_not_checked_again(tenant, settings):
    settings.FORECAST_AUTO_ROLLBACK_WEEKS = 1
    settings.FORECAST_PROMOTION_MARGIN = 0.02
    promoted_pair(tenant, previous=12.0, champion=10.1)
    add_actuals(tenant, 1)
    kept = _check(tenant)
    assert kept["decided"] and kept["outcome"] == "kept"
    add_actuals(tenant, 2, sales=500.0)  # later weeks: the decision was taken on the first K
    assert _check(tenant) is None
    statuses, events, notices = _state(tenant)
    assert statuses == {1: "retired", 2: "active"} and events == [] and notices == []


def test_missing_previous_artifact_keeps_the_champion_and_tells_the_admins(tenant, settings):
    settings.FORECAST_AUTO_ROLLBACK_WEEKS = 2
    promoted_pair(tenant, previous=12.0, champion=40.0, artifact=False)
    add_actuals(tenant, 2)
    done = _check(tenant)
    assert done["outcome"] == "rollback_failed: artifact_missing"
    statuses, events, notices = _state(tenant)
    assert statuses == {1: "retired", 2: "active"} and events == []
    assert [n["kind"] for n in notices] == ["model.rollback_failed"] and "missing" in notices[0]["body"]


def test_a_version_that_challenged_no_one_is_not_checked(tenant):
    make_version(tenant, status="active", forecast=100.0)
    add_actuals(tenant, 2)
    assert _check(tenant) is None


def test_a_version_activated_over_another_than_the_one_it_challenged_is_not_checked(tenant):
    """v3 challenged v2 and was rejected; an admin rolled back to v1, then
    promoted v3 by hand over v1: no live comparison with v2 decides for them."""
    from accounts.audit import Actor
    from forecasting.models import ModelVersion
    from forecasting.services.promotion import version_activate

    v1, v2 = promoted_pair(tenant, previous=12.0, champion=10.0)
    v3 = make_version(tenant, status="rejected", forecast=90.0)
    with in_tenant(tenant):
        ModelVersion.objects.filter(pk=v3.pk).update(challenged=v2)
        version_activate(version=v1, actor=Actor.system(), reason="back to v1", kind="rollback")
        version_activate(version=v3, actor=Actor.system(), reason="try v3", kind="promote")
    add_actuals(tenant, 2)
    assert _check(tenant) is None
    assert _state(tenant)[0] == {1: "retired", 2: "retired", 3: "active"}


def test_runs_without_a_common_week_are_recorded_as_not_comparable(tenant):
    """The previous champion's last forecast ended before the new champion's
    first week (e.g. challengers were rejected for months and nothing
    refreshed it): the check says so once instead of waiting for ever."""
    from django.db.models import F

    from forecasting.models import ForecastPoint, ForecastRun, ModelVersion

    v1, v2 = promoted_pair(tenant, previous=11.0, champion=30.0)
    with in_tenant(tenant):
        ForecastRun.objects.filter(model_version=v1).update(origin=F("origin") - timedelta(weeks=10))
        ForecastPoint.objects.filter(run__model_version=v1).update(date=F("date") - timedelta(weeks=10))
    add_actuals(tenant, 2)
    first = _check(tenant)
    assert first["decided"] and first["outcome"] == "not_comparable" and "not comparable" in first["note"]
    with in_tenant(tenant):
        assert ModelVersion.objects.get(pk=v2.pk).decision["live_check"]["outcome"] == "not_comparable"
    assert _check(tenant) is None  # decided once
    assert _state(tenant)[0] == {1: "retired", 2: "active"}


def test_a_daily_champion_is_checked_on_its_first_four_weeks_of_days(tenant, settings):
    settings.FORECAST_AUTO_ROLLBACK_WEEKS = 4  # 28 days; the runs forecast 30
    settings.FORECAST_PROMOTION_MARGIN = 0.02
    promoted_pair(tenant, previous=11.0, champion=30.0, freq="D", horizon=30)
    add_actuals(tenant, 27, freq="D")
    waiting = _check(tenant)
    assert waiting["decided"] is False and waiting["note"] == "27 of 28 live day(s) realized: waiting"
    add_actuals(tenant, 30, freq="D")
    done = _check(tenant)
    assert done["decided"] and done["outcome"] == "rolled_back" and "on the same 28 day(s)" in done["note"]
    assert _state(tenant)[0] == {1: "active", 2: "retired"}
