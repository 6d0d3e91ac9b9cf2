"""A picker's typed text (the simulator's stores and products): codes in any case and attribute values,
comma-separated, their union; what matched nothing is named; suggestions list attribute values first."""
from __future__ import annotations

import pytest

from forecasting.models import Item, Location
from forecasting.selectors.catalog import members_picked, picker_suggestions
from tests.conftest import in_tenant, provision


@pytest.fixture(scope="module")
def catalogue(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        t = provision("picker")
        with in_tenant(t):
            Item.objects.bulk_create([Item(id=i, code=f"SKU-{i}", attrs={"category": c, "brand": b})
                                      for i, c, b in ((1, "Dairy", "Alpen"), (2, "Dairy", "Costa"),
                                                      (3, "Bakery", "Alpen"), (4, "Bakery", "Costa"))])
            Location.objects.create(id=1, code="ST-001", attrs={"region": "North"})
    return t


def test_codes_and_attribute_values_pick_their_union(catalogue):
    with in_tenant(catalogue):
        assert members_picked("item", "category=Dairy, sku-3").ids == [1, 2, 3]
        assert members_picked("item", "brand = costa").ids == [2, 4]  # attribute values in any case
        nothing = members_picked("item", "category=Frozen, SKU-9, SKU-1")
        assert nothing.ids == [1] and nothing.unknown == ["category=Frozen", "SKU-9"]
        assert members_picked("item", " , ").ids == [] and members_picked("location", "region=North").ids == [1]


def test_suggestions_list_attribute_values_then_codes(catalogue):
    with in_tenant(catalogue):
        got = picker_suggestions("item", limit=5)
    assert got[:4] == ["category=Bakery", "category=Dairy", "brand=Alpen", "brand=Costa"] or \
        got[:4] == ["brand=Alpen", "brand=Costa", "category=Bakery", "category=Dairy"]
    assert got[4] == "SKU-1" and len(got) == 5
