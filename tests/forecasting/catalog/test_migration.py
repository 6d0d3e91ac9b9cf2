"""Issue 17, acceptance 6 (the catalogue's part): a workspace on the schema
before locations and items existed is migrated in place. Every store and
department it holds (sales, covariates, stock on hand, its stores file) becomes
a location and an item whose id is its number, so every fact table, model and
forecast keeps its keys; the stores file's attributes move to the locations;
the planning frequency is read from the sales' weekday; no row is lost."""
from __future__ import annotations

import uuid
from datetime import date

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import schema_context

from forecasting.models import DataSettings, Item, Location, OnHandStock, SalesRecord, Store, StoreWeek

BEFORE = ("forecasting", "0013_job_moves_to_jobs")


def _migrate_before(executor: MigrationExecutor):
    targets = [BEFORE if app == "forecasting" else (app, name) for app, name in executor.loader.graph.leaf_nodes()]
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_stores_and_departments_become_locations_and_items(db_access):
    schema = f"mig_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema}"')
    try:
        with schema_context(schema):
            old = _migrate_before(MigrationExecutor(connection))
            OldStore, OldSales, OldWeek, OldStock = (old.get_model("forecasting", n) for n in
                                                     ("Store", "SalesRecord", "StoreWeek", "OnHandStock"))
            OldStore.objects.create(number=1, type="A", size=151315, name="Main street", latitude=1.5)
            OldStore.objects.create(number=2, type="", size=None)
            OldSales.objects.bulk_create([OldSales(store=s, dept=d, date=date(2012, 10, 26), sales=10.0 * s + d)
                                          for s, d in ((1, 1), (1, 92), (3, 5))])
            OldWeek.objects.create(store=4, date=date(2012, 10, 26), temperature=60.0)
            OldStock.objects.create(store=1, dept=77, on_hand=5)

            executor = MigrationExecutor(connection)
            executor.migrate(executor.loader.graph.leaf_nodes())

            locations = {loc.id: (loc.code, loc.name, loc.attrs) for loc in Location.objects.all()}
            assert locations == {1: ("1", "Main street", {"type": "A", "size": 151315, "latitude": 1.5}),
                                 2: ("2", "", {}), 3: ("3", "", {}), 4: ("4", "", {})}
            assert {i.id: i.code for i in Item.objects.all()} == {1: "1", 5: "5", 77: "77", 92: "92"}
            settings = DataSettings.objects.get(pk=1)
            assert (settings.frequency, settings.legacy_keys, settings.location_word_plural) == ("W-FRI", True,
                                                                                                  "Stores")
            assert SalesRecord.objects.count() == 3 and StoreWeek.objects.count() == 1
            assert OnHandStock.objects.count() == 1 and Store.objects.count() == 2
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cur:
            cur.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_a_workspace_without_sales_gets_default_settings_and_no_frequency(db_access):
    schema = f"mig_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema}"')
    try:
        with schema_context(schema):
            executor = MigrationExecutor(connection)
            executor.migrate(executor.loader.graph.leaf_nodes())
            settings = DataSettings.objects.get(pk=1)
            assert settings.frequency == "" and settings.item_word == "Department"
            assert not Location.objects.exists()
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cur:
            cur.execute(f'DROP SCHEMA "{schema}" CASCADE')
