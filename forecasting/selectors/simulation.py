"""Reads of the promotion simulator: saved scenarios, scoped to the principal's stores."""
from __future__ import annotations

from accounts.scope import StoreScope
from forecasting.models import Scenario


def scenario_list(*, scope: StoreScope):
    """Saved scenarios of the principal's stores, newest first: a scenario of several stores only when every
    one of them is the principal's (its figures hold each store's)."""
    qs = scope.filter(Scenario.objects.select_related("created_by", "created_by_key"))
    return qs.filter(stores__contained_by=sorted(scope.stores)) if scope.restricted else qs


def scenario_get(*, scope: StoreScope, scenario_id: int):
    return scenario_list(scope=scope).filter(pk=scenario_id).first()
