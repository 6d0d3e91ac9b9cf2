"""Champion/challenger on registration, and manual promotion / rollback
(forecasting/services/promotion.py) against the real database."""
from __future__ import annotations

import pytest
from django.db import transaction

from tests.conftest import in_tenant
from tests.models.versions import make_version


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
