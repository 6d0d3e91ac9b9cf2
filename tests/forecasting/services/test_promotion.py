"""Champion/challenger on registration, and manual promotion / rollback
(forecasting/services/promotion.py) against the real database."""
from __future__ import annotations

import pytest
from django.db import transaction

from tests.conftest import in_tenant
from tests.support.versions import make_version


def _register(t, version):
    """What training does after creating the row: decide inside the version-locked transaction."""
    from accounts.audit import Actor
    from forecasting.services.promotion import _lock_versions, version_promote_if_better

    with in_tenant(t), transaction.atomic():
        _lock_versions()
        return version_promote_if_better(version=version, actor=Actor.system())


def _events(t, action):
    from accounts.models import AuditEvent

    with in_tenant(t):
        return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _statuses(t):
    from forecasting.models import ModelVersion

    with in_tenant(t):
        return dict(ModelVersion.objects.values_list("number", "status"))


def test_first_version_beating_seasonal_naive_becomes_champion(tenant):
    v1 = _register(tenant, make_version(tenant, status="candidate", wmae=90, naive=100))
    assert v1.status == "active" and v1.challenged is None and v1.decision["basis"] == "first_version"
    [event] = _events(tenant, "model.promoted")
    assert event.payload["number"] == 1 and event.payload["replaced"] is None


def test_challenger_short_of_the_margin_is_rejected_with_its_figures(tenant):
    champion = _register(tenant, make_version(tenant, status="candidate", wmae=100, naive=200))
    challenger = _register(tenant, make_version(tenant, status="candidate", wmae=99, naive=200))  # 1% < 2%
    assert challenger.status == "rejected" and challenger.challenged_id == champion.pk
    assert challenger.decision["basis"] == "same_backtest" and challenger.decision["champion_wmae"] == 100
    assert challenger.decision["improvement"] == pytest.approx(0.01) and challenger.decision["margin"] == 0.02
    assert _statuses(tenant) == {1: "active", 2: "rejected"}
    [event] = _events(tenant, "model.rejected")
    assert event.actor_label == "system" and event.payload["champion"] == 1 and event.payload["number"] == 2


def test_challenger_beating_by_the_margin_replaces_the_champion(tenant):
    _register(tenant, make_version(tenant, status="candidate", wmae=100, naive=200))
    challenger = _register(tenant, make_version(tenant, status="candidate", wmae=98, naive=200))  # exactly 2%
    assert challenger.status == "active" and challenger.decision["beats_champion_by_margin"]
    assert _statuses(tenant) == {1: "retired", 2: "active"}
    assert [e.payload["replaced"] for e in _events(tenant, "model.promoted")] == [None, 1]


def test_margin_is_a_setting(tenant, settings):
    settings.FORECAST_PROMOTION_MARGIN = 0.10
    _register(tenant, make_version(tenant, status="candidate", wmae=100, naive=200))
    assert _register(tenant, make_version(tenant, status="candidate", wmae=95, naive=200)).status == "rejected"


# ------------------------------------------------ manual promote / rollback
def _activate(t, version, *, kind="rollback", reason="forecasts too high"):
    from accounts.audit import Actor
    from accounts.models import User
    from forecasting.services.promotion import version_activate

    with in_tenant(t):
        owner = User.objects.get(email=t.owner_email)
        return version_activate(version=version, actor=Actor.for_user(owner), reason=reason, kind=kind)


def _active_numbers(t):
    from forecasting.models import ModelVersion

    with in_tenant(t):
        return list(ModelVersion.objects.filter(status="active").values_list("number", flat=True))


def test_rollback_swaps_the_champion_and_audits_it(tenant):
    v1 = make_version(tenant, status="retired")
    make_version(tenant, status="active")
    back = _activate(tenant, v1)
    assert back.status == "active" and back.promoted_at is not None and "forecasts too high" in back.promotion_note
    assert _statuses(tenant) == {1: "active", 2: "retired"} and _active_numbers(tenant) == [1]
    [event] = _events(tenant, "model.rolled_back")
    assert event.actor_label == tenant.owner_email
    assert event.payload == {"number": 1, "replaced": 2, "reason": "forecasts too high", "manual": True}


def test_manual_promotion_of_a_rejected_challenger(tenant):
    make_version(tenant, status="active")
    v2 = make_version(tenant, status="rejected")
    from saas.errors import Conflict

    with pytest.raises(Conflict) as exc:  # a newer version is promoted, not rolled back to
        _activate(tenant, v2, kind="rollback")
    assert exc.value.code == "not_an_earlier_version"
    _activate(tenant, v2, kind="promote", reason="reviewed by hand")
    assert _statuses(tenant) == {1: "retired", 2: "active"}
    [event] = _events(tenant, "model.promoted")
    assert event.payload["reason"] == "reviewed by hand" and event.payload["replaced"] == 1


@pytest.mark.parametrize("damage", ["altered", "missing", "outside"])
def test_damaged_artifact_is_refused_and_nothing_changes(tenant, tenant_b, damage):
    from pathlib import Path

    from forecasting.models import ModelVersion
    from saas.errors import Conflict

    v1 = make_version(tenant, status="retired")
    make_version(tenant, status="active")
    path = Path(v1.artifact_path)
    if damage == "altered":
        path.write_bytes(path.read_bytes() + b"x")
    elif damage == "missing":
        path.unlink()
    else:  # a file with the right hash, but in another tenant's folder
        other = make_version(tenant_b, status="active")
        with in_tenant(tenant):
            ModelVersion.objects.filter(pk=v1.pk).update(artifact_path=other.artifact_path,
                                                         artifact_sha256=other.artifact_sha256)
            v1.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        _activate(tenant, v1)
    assert exc.value.status == 409
    assert exc.value.code == ("artifact_mismatch" if damage == "altered" else "artifact_missing")
    assert _statuses(tenant) == {1: "retired", 2: "active"}
    assert _events(tenant, "model.rolled_back") == []


def test_activation_refuses_the_active_version_and_a_blank_reason(tenant):
    from saas.errors import Conflict, ValidationFailed

    v1 = make_version(tenant, status="active")
    with pytest.raises(Conflict) as exc:
        _activate(tenant, v1, kind="promote")
    assert exc.value.code == "already_active"
    v2 = make_version(tenant, status="retired")
    with pytest.raises(ValidationFailed):
        _activate(tenant, v2, kind="promote", reason="   ")
    assert _active_numbers(tenant) == [1]


def test_after_a_rollback_the_api_serves_the_earlier_champions_forecast(tenant):
    from tests.conftest import api_client

    v1 = make_version(tenant, status="retired", forecast=111.0)
    make_version(tenant, status="active", forecast=999.0)
    client = api_client(tenant, key=tenant.admin_key)
    before = client.get("/api/v1/forecasts/", {"store": 1, "dept": 1}).json()
    assert before["model_version"] == 2 and before["points"][0]["forecast"] == 999.0
    _activate(tenant, v1)
    after = client.get("/api/v1/forecasts/", {"store": 1, "dept": 1}).json()
    assert after["model_version"] == 1 and after["points"][0]["forecast"] == 111.0
