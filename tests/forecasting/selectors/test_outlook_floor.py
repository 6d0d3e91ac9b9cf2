"""Issue 19 item 4: the Insights outlook ranks an item only above the materiality floor (a data setting, per
week) over the outlook's periods, not above a fixed figure."""
from __future__ import annotations

from forecasting.models import DataSettings
from forecasting.selectors.stores import outlook_floor
from tests.conftest import in_tenant, provision
from tests.support.versions import make_version


def test_the_outlook_floor_is_the_materiality_floor_over_the_horizon(db_access):
    t = provision("outlook-floor")
    with in_tenant(t):
        DataSettings.objects.update_or_create(pk=1, defaults={"materiality_floor": 250.0, "frequency": "W-FRI"})
        assert outlook_floor() == 250.0  # no run yet: one period
    make_version(t, status="active", forecast=10.0, horizon=3)
    with in_tenant(t):
        assert outlook_floor() == 750.0
        DataSettings.objects.filter(pk=1).update(frequency="D")
        assert abs(outlook_floor() - 3 * 250.0 / 7) < 1e-9  # a day's share of the weekly floor, per period
